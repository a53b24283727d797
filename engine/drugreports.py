"""The conflict report of a project of many drugs: one analysis per drug, on every core, merged into one report.

Sources are compared only within a drug (engine.drugs), so each drug's report is a pure function
of that drug's rulesets, the vocabulary and the engine: it can be computed apart (in another
process, with `jobs` > 1), cached apart (engine.reportcache keys each drug by its own files, so an
edit to one ruleset re-analyses only its drug), and merged. The merge is deterministic: drugs in
alphabetical order, findings in report order, whatever the number of jobs or the order in which
workers finish. A project of one drug gets exactly the report it always had.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

from engine.contract import Vocabulary
from engine.model import Ruleset
from engine.reportdata import ConflictData, Report


@dataclass
class DrugPart:
    """One drug's analysis: its report before dispositions, its band charts, and what the CLI says of it."""

    drug: str
    report: Report
    charts: dict[str, str]
    cells: int
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {
            "drug": self.drug,
            "report": self.report,
            "charts": self.charts,
            "cells": self.cells,
            "seconds": self.seconds,
        }


def analyse_drug(
    drug: str,
    rulesets: Sequence[Ruleset],
    limits: Mapping[str, int],
    vocab: Vocabulary,
    configuration: dict[str, Any] | None,
    on_question: Callable[[str, int], None] | None = None,
    jobs: int = 1,
) -> DrugPart:
    """One drug's bare report and charts (engine.report.fresh_report, engine.reportcharts.draw_charts);
    `jobs`: its questions side by side (engine.analysis.questionjobs)."""
    from engine.report import fresh_report
    from engine.reportcharts import draw_charts

    bare, analysis = fresh_report(
        list(rulesets),
        {},
        limits["max_cells"],
        on_question=on_question,
        max_bytes=limits["max_bytes"],
        max_findings=limits["max_findings"],
        max_work=limits["max_work"],
        vocab=vocab,
        configuration=configuration,
        jobs=jobs,
    )
    return DrugPart(drug, bare, draw_charts(bare, rulesets, vocab), analysis.cells, analysis.seconds)


Shipped = tuple[str, list[Ruleset], dict[str, int], Vocabulary, dict[str, Any] | None]


def shipped_tasks(
    tasks: Sequence[tuple[str, Sequence[Ruleset]]],
    limits: Mapping[str, int],
    vocab: Vocabulary,
    configuration: dict[str, Any] | None,
) -> list[Shipped]:
    """Each drug's task as another process receives it: rulesets without their parsed document (its
    positions are for diagnostics; the analysis does not read them, and it is most of a ruleset's bytes)."""
    return [(d, [replace(r, document=None) for r in g], dict(limits), vocab, configuration) for d, g in tasks]


def in_worker(args: Shipped) -> DrugPart:
    """One shipped task's part (a worker process's entry point: engine.distributed submits it too)."""
    drug, rulesets, limits, vocab, configuration = args
    return analyse_drug(drug, rulesets, limits, vocab, configuration)


def default_jobs() -> int:
    """Every core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def analyse_drugs(
    tasks: Sequence[tuple[str, Sequence[Ruleset]]],
    limits: Mapping[str, int],
    vocab: Vocabulary,
    configuration: dict[str, Any] | None,
    jobs: int = 1,
    on_question: Callable[[str, int], None] | None = None,
) -> dict[str, DrugPart]:
    """Each drug's part, `jobs` drugs at a time in worker processes (one task or one job: in this process).

    Workers are spawned, never forked: the workbench calls this from a thread, and forking a threaded
    process can deadlock. A ruleset goes to a worker without its parsed document (its positions are
    for diagnostics; the analysis does not read them)."""
    done: dict[str, DrugPart] = {}
    if jobs <= 1 or len(tasks) <= 1:
        for drug, group in tasks:  # progress by question, as one drug's analysis goes; its questions on `jobs` cores
            done[drug] = analyse_drug(drug, group, limits, vocab, configuration, on_question, jobs)
        return done
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    shipped = shipped_tasks(tasks, limits, vocab, configuration)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=context) as pool:
        futures = {pool.submit(in_worker, task): task[0] for task in shipped}
        for future in as_completed(futures):
            part = future.result()
            done[part.drug] = part
            if on_question is not None:  # progress by drug, as workers finish
                on_question(part.drug, len(tasks))
    return done


def item_order(item: ConflictData) -> tuple[Any, ...]:
    """A finding's place in the report from its report.json entry (as engine.conflicts.Conflict.sort_key)."""
    from engine.analysis.model import finding_order

    first: list[Any] = [{"id": item["id"], "region": item["region"]}]
    regions: list[Any] = list(item.get("regions", [])) or first
    return finding_order(item["severity"], item["kind"], regions, item["question"], item["sources"], item["id"])


def merge_reports(parts: Sequence[DrugPart], rulesets: Sequence[Ruleset]) -> Report:
    """One bare report of several drugs' parts (drug order); a single part is returned as it is."""
    from engine.report import coverage, summary

    ordered = sorted(parts, key=lambda p: p.drug)
    if len(ordered) == 1:
        return ordered[0].report
    first = ordered[0].report
    conflicts = sorted((c for p in ordered for c in p.report["conflicts"]), key=item_order)
    questions = []
    notes: set[str] = set()
    constraints: dict[str, Any] = {}
    not_analysed = []
    for p in ordered:
        analysis = p.report["analysis"]
        questions += [{**q, "drug": p.drug} for q in analysis["questions"]]
        notes.update(analysis["notes"])
        not_analysed += analysis["not_analysed"]
        for c in analysis.get("constraints", []):
            constraints[c["id"]] = c
    merged: dict[str, Any] = {
        "accord": 1,
        "coverage": coverage(list(rulesets)),
        "sources": sorted((s for p in ordered for s in p.report["sources"]), key=lambda s: s["id"]),
        "analysis": {
            "cells_evaluated": sum(p.report["analysis"]["cells_evaluated"] for p in ordered),
            "questions": questions,
            "notes": sorted(notes),
            "max_cells": first["analysis"]["max_cells"],
            "not_analysed": not_analysed,
        },
        "summary": summary(conflicts),
        "conflicts": conflicts,
        "orphaned_dispositions": [],
    }
    if constraints:
        merged["analysis"]["constraints"] = [constraints[k] for k in sorted(constraints)]
    references = [r for p in ordered for r in p.report["summary"].get("references", [])]
    if any("references" in p.report["summary"] for p in ordered):
        merged["summary"]["references"] = references
    if any("precision_notes" in p.report for p in ordered):
        merged["precision_notes"] = [x for p in ordered for x in p.report.get("precision_notes", [])]
    if any("label_differences" in p.report for p in ordered):
        merged["label_differences"] = [x for p in ordered for x in p.report.get("label_differences", [])]
    truncated = [p.report["truncated"] for p in ordered if "truncated" in p.report]
    if truncated:
        t: dict[str, Any] = dict(truncated[0])
        t["conflicts_found"] = sum(x["conflicts_found"] for x in truncated) + sum(
            len(p.report["conflicts"]) for p in ordered if "truncated" not in p.report
        )
        t["conflicts_reported"] = len(conflicts)
        t["dispositions_not_shown"] = sorted({d for x in truncated for d in x.get("dispositions_not_shown", [])})
        merged["truncated"] = t
    if "configuration" in first:
        merged["configuration"] = first["configuration"]
    return cast(Report, merged)
