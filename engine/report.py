"""The conflict report: conflicts/report.json for machines, conflicts/report.md for people.

Deterministic: everything sorted, no timestamps or timings, so regenerating an
unchanged report changes no byte; files are rewritten (atomically, via
engine.atomic) only when their bytes differ. The Markdown is rendered from the
JSON data alone, so dispositions can be refreshed without re-running the
analysis. schema/report.schema.json describes report.json.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from engine.analysis.model import DEVIATES, KINDS, MAX_BYTES, MAX_CELLS, MAX_FINDINGS, MAX_WORK, Analysis
from engine.atomic import write_atomic
from engine.evaluate import answer_data_text, format_value
from engine.fingerprint import review_again
from engine.fragmentmemo import Memo, no_memo, report_memo
from engine.gcpause import gc_paused
from engine.mdescape import code_span, md_cell, md_text
from engine.migrate import with_migrated
from engine.model import Ruleset
from engine.reportdata import (
    SEVERITY_RANK,
    ComparisonData,
    Configuration,
    ConflictClaim,
    ConflictData,
    ConstraintApplied,
    CoverageRow,
    DispositionEntry,
    GapSuggestionData,
    NotAnalysed,
    OrphanedDisposition,
    QuestionAnalysed,
    ReferenceAgreement,
    Report,
    ReviewAgain,
    Reviews,
    SourceAnalysed,
    Summary,
    Truncated,
    disposition_text,
    orphaned,
)

if TYPE_CHECKING:  # the analysis (NumPy) is imported where a report is built, not where one is read or checked
    from engine.conflicts import Conflict
    from engine.contract import Vocabulary

REPORT_JSON, REPORT_MD = "report.json", "report.md"
# The conflicts' share of report.json, in bytes: past it the rest are cut (and said to be).
MAX_REPORT_BYTES = 32 << 20
# Analysis notes kept per ruleset (one file): the rest are counted in one closing note.
MAX_NOTES_PER_SOURCE = 20


def _capped_notes(analysis: Analysis, limit: int = MAX_NOTES_PER_SOURCE) -> list[str]:
    """The analysis notes, at most `limit` per source, with a count of the rest for each source over it."""
    notes = sorted({n for qa in analysis.questions.values() for n in qa.notes})
    source_of: dict[str, str] = {}
    for qa in analysis.questions.values():
        source_of.update(qa.note_sources)
    kept: list[str] = []
    per: dict[str, int] = {}
    for note in notes:
        source = source_of.get(note, "")
        per[source] = per.get(source, 0) + 1
        if per[source] <= limit:
            kept.append(note)
    more = [
        f"{source or 'other'}: {n - limit:,} more analysis notes not shown (at most {limit} per ruleset)"
        for source, n in sorted(per.items())
        if n > limit
    ]
    return kept + more


def build_report(
    rulesets: list[Ruleset],
    conflicts: list[Conflict],
    analysis: Analysis,
    reviews: Reviews,
    max_report_bytes: int = MAX_REPORT_BYTES,
) -> Report:
    from engine.analysis.driver import ConstrainedQuestion
    from engine.conflicts import precision_notes_json, split_label_differences, split_precision

    conflicts, precise = split_precision(conflicts)  # notes of answers differing in precision: never a conflict
    conflicts, differences = split_label_differences(conflicts)  # the labels differ: never a source's error
    ids = set(analysis.conflict_ids) | {c.id for c in conflicts}
    ids |= {r["id"] for c in conflicts for r in c.regions or []}  # a region's old id names its finding
    recorded = reviews.get("conflicts") or {}
    # Conflict.to_json (engine/conflicts.py) builds the schema's conflict but is still typed dict[str, Any].
    built = [cast(ConflictData, c.to_json()) for c in conflicts]
    dispositions = with_migrated(recorded, built)  # dispositions under old region ids attach to their finding
    items: list[ConflictData] = []
    size = 0
    cut_by_size = False
    for data in built:
        if data["id"] in dispositions:
            _attach(data, dispositions[data["id"]])
        size += len(json.dumps(data, ensure_ascii=False, allow_nan=False))
        if size > max_report_bytes:
            cut_by_size = True
            break
        items.append(data)
    truncated: dict[str, Any] = dict(analysis.truncated or {})
    if cut_by_size:
        truncated.setdefault("conflicts_found", len(built))
        truncated["max_report_bytes"] = max_report_bytes
    if truncated:
        # A cut region's finding id needs its witness, which was never built: any disposition not shown may be
        # one of the cut's, so none is called orphaned (--check fails on a truncated report anyway).
        shown = {i["id"] for i in items} | {r["id"] for i in items for r in i.get("regions", [])}
        truncated["conflicts_reported"] = len(items)
        truncated["dispositions_not_shown"] = sorted(cid for cid in recorded if cid not in shown)
        ids |= set(recorded)
    questions: list[QuestionAnalysed] = []
    applied: dict[str, ConstraintApplied] = {}
    for _key, qa in sorted(analysis.questions.items()):
        entry: QuestionAnalysed = {
            "question": qa.question,
            "facts": sorted(qa.partitions),
            "sources": sorted(qa.cells),
            "cells": sum(qa.cells.values()),
        }
        if qa.drug:  # several drugs, each analysed apart: say whose sources these were
            entry["drug"] = qa.drug
        if isinstance(qa, ConstrainedQuestion):  # what the vocabulary's meaning added (said only when it did)
            if qa.applied:
                entry["constraints"] = [rule.id for rule in qa.applied]
                for rule in qa.applied:
                    applied[rule.id] = {"id": rule.id, "message": rule.message, "definition": rule.definition}
            if qa.links:
                entry["links"] = list(qa.links)
        questions.append(entry)
    report: Report = {
        "accord": 1,
        "coverage": coverage(rulesets),
        "sources": [_source_entry(r) for r in sorted(rulesets, key=lambda r: r.source_id)],
        "analysis": {
            "cells_evaluated": analysis.cells,
            "questions": questions,
            "notes": _capped_notes(analysis),
            "max_cells": analysis.max_cells,
            # NotAnalysed.to_json (engine/analysis/model.py) builds the schema's entry, typed dict[str, Any] there.
            "not_analysed": [cast(NotAnalysed, n.to_json()) for n in analysis.not_analysed],
        },
        "summary": summary(items),
        "conflicts": items,
        "orphaned_dispositions": _orphans(reviews, ids),
    }
    if applied:  # the vocabulary constraints region analysis judged cells by (engine.analysis.feasible)
        report["analysis"]["constraints"] = [applied[k] for k in sorted(applied)]
    if truncated:
        # The analysis's limits plus conflicts_found and conflicts_reported, both set above: the schema's shape.
        report["truncated"] = cast(Truncated, truncated)
    if precise:  # only when there are notes: a report without any keeps the shape (and bytes) it had
        report["precision_notes"] = precision_notes_json(precise)
    if any(r.is_reference for r in rulesets):  # only with a reference: a report without one keeps its shape
        from engine.contract import vocabulary
        from engine.reference import agreement

        report["label_differences"] = precision_notes_json(differences)
        report["summary"]["references"] = cast(
            "list[ReferenceAgreement]", agreement(rulesets, conflicts, differences, vocabulary())
        )
    return report


def coverage(rulesets: list[Ruleset]) -> list[CoverageRow]:
    """Which sources address which questions: per question any source answers, each source's claims on it."""
    counts: dict[str, dict[str, int]] = {}
    for r in rulesets:
        for claim in r.claims:
            counts.setdefault(claim.question, {}).setdefault(r.source_id, 0)
            counts[claim.question][r.source_id] += 1
    sources = sorted(r.source_id for r in rulesets)
    return [{"question": q, "claims": {s: counts[q].get(s, 0) for s in sources}} for q in sorted(counts)]


def _source_entry(r: Ruleset) -> SourceAnalysed:
    """A source as the report lists it; a reference says so, with its jurisdiction and version."""
    from engine.drugs import drug_of

    entry: SourceAnalysed = {"id": r.source_id, "title": r.title, "claims": len(r.claims), "drug": drug_of(r)}
    if r.is_reference:
        entry["role"] = "reference"
        entry["jurisdiction"] = r.jurisdiction
        entry["version"] = r.version
    return entry


def _orphans(reviews: Reviews, known: set[str]) -> list[OrphanedDisposition]:
    """The orphaned dispositions as the report lists them: the conflict id, then the entry from reviews.yaml."""
    return [_orphan(cid, entry) for cid, entry in orphaned(reviews, known)]


def _orphan(cid: str, entry: DispositionEntry) -> OrphanedDisposition:
    return {"id": cid, **entry}


def fresh_report(
    rulesets: list[Ruleset],
    reviews: Reviews,
    max_cells: int = MAX_CELLS,
    on_question: Callable[[str, int], None] | None = None,
    max_bytes: int = MAX_BYTES,
    max_findings: int = MAX_FINDINGS,
    max_report_bytes: int = MAX_REPORT_BYTES,
    max_work: int = MAX_WORK,
    vocab: Vocabulary | None = None,
    configuration: dict[str, Any] | None = None,
    jobs: int = 1,
) -> tuple[Report, Analysis]:
    """The report `accord conflicts` would write now: region analysis, conflicts, dispositions from `reviews`.

    `vocab` is the vocabulary with the project's settings applied (engine.project); `configuration` says
    which settings those were, in report.json."""
    from engine.conflicts import find_conflicts

    conflicts, analysis = find_conflicts(
        rulesets,
        vocab,
        on_question=on_question,
        max_cells=max_cells,
        max_bytes=max_bytes,
        max_findings=max_findings,
        max_work=max_work,
        jobs=jobs,
    )
    report = build_report(rulesets, conflicts, analysis, reviews, max_report_bytes)
    from engine.reportcharts import name_charts

    name_charts(report, vocab)  # the files are drawn by engine.reportcharts.draw_charts (cached with the report)
    _suggest_gap_claims(report, rulesets, vocab)
    if configuration is not None:
        report["configuration"] = cast("Configuration", configuration)
    return report, analysis


def _suggest_gap_claims(report: Report, rulesets: list[Ruleset], vocab: Vocabulary | None) -> None:
    """Each gap finding with the claim that would close it (engine.gapfill): its interval and `when`, the
    neighbours' values as candidates. Offered, never written: a person chooses the value and the quote."""
    from engine.gapfill import NotAGap, gap_suggestion

    for item in report["conflicts"]:
        if item["kind"] != "gap":
            continue
        try:
            found = gap_suggestion(cast("dict[str, Any]", item), rulesets, vocab)
        except NotAGap:
            continue
        item["suggestion"] = cast("GapSuggestionData", found.to_json())


def truncation_message(report: Report) -> str | None:
    """One line saying what a truncated report leaves out, or None when it is whole."""
    t = report.get("truncated")
    if not t:
        return None
    limits = []
    if "max_findings" in t:
        limits.append(f"--max-findings {t['max_findings']:,}")
    if "max_report_bytes" in t:
        limits.append(f"{t['max_report_bytes']:,} bytes of conflicts")
    if "max_work" in t:
        limits.append(f"--max-work {t['max_work']:,}, with the witnesses' claim evaluations")
    return (
        f"the report is truncated: {t['conflicts_reported']:,} of {t['conflicts_found']:,} conflicts are in it "
        f"(limit: {' and '.join(limits)}); the rest are not reported"
    )


def disposition_problems(report: Report, reviews_path: str) -> list[str]:
    """Located messages for dispositions that cannot hold: source_correct naming a source not in the conflict."""
    out = []
    for item in report.get("conflicts", []):
        d = item.get("disposition")
        value = d.get("disposition") if isinstance(d, dict) else None
        if isinstance(value, dict) and "source_correct" in value and value["source_correct"] not in item["sources"]:
            out.append(
                f"{reviews_path}: {item['id']}: source_correct: {str(value['source_correct'])[:80]!r} is not a source of this "
                f"conflict (its sources: {', '.join(item['sources'])})"
            )
    return out


def _attach(item: ConflictData, entry: DispositionEntry) -> None:
    """The disposition onto its finding, flagged when the claims it judged changed since (engine.fingerprint)."""
    item["disposition"] = entry
    again = review_again(entry, item)
    if again is not None:
        item["review_again"] = cast("ReviewAgain", again)


def summary(items: list[ConflictData]) -> Summary:
    def count(key: Literal["severity", "kind", "question"]) -> dict[str, int]:
        out: dict[str, int] = {}
        for item in items:
            out[item[key]] = out.get(item[key], 0) + 1
        return dict(sorted(out.items()))

    undisposed = sorted(i["id"] for i in items if i["severity"] == "high" and "disposition" not in i)
    again = sorted(i["id"] for i in items if "review_again" in i)
    out: Summary = {
        "conflicts": len(items),
        "by_severity": count("severity"),
        "by_kind": count("kind"),
        "by_question": count("question"),
        "high_without_disposition": undisposed,
    }
    if again:  # only when there are: a report without any keeps its shape
        out["review_again"] = again
    return out


def refresh_dispositions(report: Report, reviews: Reviews) -> Report:
    """The report with dispositions (and orphans) taken from `reviews`; analysis untouched."""
    recorded = reviews.get("conflicts") or {}
    dispositions = with_migrated(recorded, report.get("conflicts", []))
    items: list[ConflictData] = []
    for old in report.get("conflicts", []):
        item = old.copy()
        item.pop("disposition", None)
        item.pop("review_again", None)
        if item["id"] in dispositions:
            _attach(item, dispositions[item["id"]])
        items.append(item)
    out = report.copy()
    out["conflicts"] = items
    out["summary"] = summary(items)
    if "references" in report.get("summary", {}):  # the analysis's counts: a disposition changes none of them
        out["summary"]["references"] = report["summary"]["references"]
    known = {i["id"] for i in items} | {r["id"] for i in items for r in i.get("regions", [])}
    if "truncated" in out and isinstance(out["truncated"], dict):
        # Conflicts cut from the report still exist, but only the analysis knows their ids: a disposition
        # not shown counts as theirs unless the report already called it orphaned.
        was_orphan = {o.get("id") for o in report.get("orphaned_dispositions", []) if isinstance(o, dict)}
        t = out["truncated"].copy()
        t["dispositions_not_shown"] = sorted(cid for cid in recorded if cid not in known and cid not in was_orphan)
        out["truncated"] = t
        known |= set(t["dispositions_not_shown"])
    out["orphaned_dispositions"] = _orphans(reviews, known)
    return out


# ---------------------------------------------------------------- rendering


def render_json(report: Report) -> str:
    """report.json text: never NaN or Infinity (ValueError instead of invalid JSON); engine.jsontext writes it fast."""
    from engine.jsontext import indented

    return indented(report) + "\n"


_cell = md_cell


def render_markdown(report: Report, memo: Memo = no_memo) -> str:
    """report.md text; `memo` (engine.fragmentmemo) may hand back each finding's piece from an earlier run."""
    s = report["summary"]
    lines = ["# Accord conflict report", ""]
    lines.append(
        "Generated by `accord conflicts` from the rulesets alone (test patients are not used). "
        "Regenerate with `accord conflicts`; record decisions with `accord review conflict ID ...`."
    )
    lines.append("")
    sources = ", ".join(f"{md_cell(x['id'])} ({_source_detail(x)})" for x in report["sources"])
    lines.append(f"Sources: {sources}. Cells evaluated: {report['analysis']['cells_evaluated']:,}.")
    lines.append("")
    skipped = report["analysis"].get("not_analysed", [])
    if skipped:
        limit = report["analysis"].get("max_cells", 0)
        if any(n.get("reason") for n in skipped):
            why = f"their grid exceeds {limit:,} cells, or for the reason given"
        else:
            why = f"their grid exceeds {limit:,} cells"
        lines += [
            "## Not analysed",
            "",
            f"These sources were left out of a question because {why}; "
            "conflicts involving them there are **not** in this report:",
            "",
        ]
        lines += [
            f"- {md_cell(n['question'])}: {md_cell(n['source'])} ({n['cells']:,} cells over {len(n['facts'])} facts: "
            f"{md_cell(', '.join(n['facts']))})" + (f": {md_cell(n['reason'])}" if n.get("reason") else "")
            for n in skipped
        ]
        lines.append("")
    truncated = report.get("truncated")
    if truncated:
        lines += ["## Truncated", "", md_text(truncation_message(report)) + ".", ""]
        if truncated.get("dispositions_not_shown"):
            lines += [
                f"Dispositions of conflicts not shown (kept, not orphaned): {len(truncated['dispositions_not_shown']):,}.",
                "",
            ]
    lines += [
        "## Summary",
        "",
        f"{s['conflicts']} conflicts; {len(s['high_without_disposition'])} high-severity without a disposition.",
        "",
    ]
    kinds = [k for k in (DEVIATES, *KINDS) if k in s["by_kind"]]
    lines.append("| severity | question | " + " | ".join(kinds) + " | total |")
    lines.append("|---|---|" + "---|" * len(kinds) + "---|")
    table: dict[tuple[str, str], dict[str, int]] = {}
    for item in report["conflicts"]:
        table.setdefault((item["severity"], item["question"]), {}).setdefault(item["kind"], 0)
        table[(item["severity"], item["question"])][item["kind"]] += 1
    for (severity, question), counts in sorted(
        table.items(), key=lambda kv: (SEVERITY_RANK.get(kv[0][0], 9), kv[0][1])
    ):
        lines.append(
            f"| {md_cell(severity)} | {md_cell(question)} | "
            + " | ".join(str(counts.get(k, 0)) for k in kinds)
            + f" | {sum(counts.values())} |"
        )
    lines.append("")
    lines += _render_agreement(s.get("references", []))
    if report["analysis"]["notes"]:
        lines += ["Analysis notes:", ""] + [f"- {_cell(n)}" for n in report["analysis"]["notes"]] + [""]
    lines += _render_coverage(report.get("coverage", []))
    lines += ["## Conflicts", ""]
    for item in report["conflicts"]:
        lines.append(memo("md/conflict", item, lambda item=item: "\n".join(_render_conflict(item))))  # type: ignore[misc]
    notes = report.get("precision_notes", [])
    if notes:
        lines += [
            "## Precision notes",
            "",
            "Where two sources' answers do not contradict but one is more precise (schema/shapes.yaml `implies`). "
            "Not conflicts: no disposition is needed and `accord conflicts --check` never fails on them.",
            "",
        ]
        for item in notes:
            lines += _render_conflict(item)[:-2] + [""]
    differences = report.get("label_differences", [])
    if differences:
        lines += [
            "## Label differences",
            "",
            "Where the official labels differ from each other, and where a source differs from one label but agrees "
            "with the other (it follows that label: not a source error). No disposition is needed and "
            "`accord conflicts --check` never fails on them.",
            "",
        ]
        for item in differences:
            lines += _render_conflict(item)[:-2] + [""]
    lines += _render_comparisons(report.get("comparisons", []))
    lines += ["## Orphaned dispositions", ""]
    if report["orphaned_dispositions"]:
        lines.append("Dispositions whose conflict no longer exists (kept, not dropped):")
        lines.append("")
        for entry in report["orphaned_dispositions"]:
            lines.append(
                f"- {code_span(entry['id'])}: {md_cell(disposition_text(entry['disposition']))} by {md_cell(entry['reviewer'])} "
                f"on {md_cell(entry['date'])}" + (f": {_cell(entry['note'])}" if entry.get("note") else "")
            )
    else:
        lines.append("None.")
    lines.append("")
    return "\n".join(lines)


def _source_detail(source: SourceAnalysed) -> str:
    """'73 claims', or 'reference, US, Revised 06/2022, 61 claims'."""
    if source.get("role") != "reference":
        return f"{source['claims']} claims"
    parts = ["reference", source.get("jurisdiction", ""), source.get("version", ""), f"{source['claims']} claims"]
    return md_cell(", ".join(p for p in parts if p))


def _render_agreement(rows: list[ReferenceAgreement]) -> list[str]:
    """The summary's table of each source's claims against each reference."""
    if not rows:
        return []
    lines = [
        "### Against the references",
        "",
        "Each source's claims against each reference: agree (the reference speaks to the same patients and no "
        "deviation was found), deviate, follow the other label, or not covered (the reference says nothing there).",
        "",
        "| source | reference | agree | deviate | other label | not covered | undetermined |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {md_cell(r['source'])} | {md_cell(r['reference'])} | {r['agree']} | {r['deviate']} | "
            f"{r['other_label']} | {r['not_covered']} | {r['undetermined']} |"
        )
    return [*lines, ""]


# Regions shown per finding in report.md; report.json holds every one.
MAX_REGIONS_SHOWN = 8


def _render_conflict(item: ConflictData) -> list[str]:
    """One finding: its one-line statement, both sides' words side by side, each region with its witness."""
    lines = [
        f"### {md_cell(item['id'])} · {md_cell(item['severity'])} · {md_cell(item['kind'])} · {md_cell(item['question'])}",
        "",
    ]
    lines.append(md_text(item["description"]))
    lines.append("")
    if "reference" in item:
        lines += [
            f"**Reference:** {md_cell(item['reference'])} (an official label; its claims are cited, not quoted)",
            "",
        ]
    if item.get("kind") == "omission" and item.get("unaddressed"):
        lines += [
            f"**Omission:** {md_cell(item.get('silent', ''))} has no claim on {md_cell(item['question'])} that reads "
            f"{md_cell(', '.join(item['unaddressed']))} (or a fact of its concept).",
            "",
        ]
    for note in item.get("notes", []):
        lines.append(f"> Note: {md_cell(note)}")
        lines.append("")
    lines += _render_sides(item)
    for path in item.get("charts", []):  # SVG files beside report.md (engine.reportcharts): GitHub renders them
        name = path.rsplit("/", 1)[-1].removesuffix(".svg")
        lines += [f"![band chart {md_cell(name)}]({path})", ""]
    regions = item.get("regions") or [
        {
            "id": item["id"],
            "region": item["region"],
            "witness": item["witness"],
            "answers": item["answers"],
            "description": item["description"],
        }
    ]
    suggestion = item.get("suggestion")
    if suggestion:
        values = ", ".join(
            f"{_cell(format_value(c['value']))} (as {code_span(c['from_claim'])})" for c in suggestion["candidates"]
        )
        lines += [
            f"**To close it:** a claim on {md_cell(suggestion['question'])} where {md_cell(suggestion['text'])} "
            f"(`when` {code_span(json.dumps(suggestion['when'], ensure_ascii=False))}); its value is for a person to "
            f"choose{': the neighbours say ' + values if values else ''}, and its quote to find in the source "
            "(the workbench's conflicts screen drafts it with `f`; nothing is written until then).",
            "",
        ]
    count = len(regions)
    lines.append(f"**Where** ({count} region{'s' if count != 1 else ''}; a witness patient for each):")
    lines.append("")
    for n, entry in enumerate(regions[:MAX_REGIONS_SHOWN], 1):
        region = entry["region"]
        words = region.get("words") or region["text"]
        facts = ", ".join(f"{k}: {json.dumps(v)}" for k, v in entry["witness"]["facts"].items()) or "(no facts)"
        lines.append(f"{n}. {md_cell(words)}{'' if region['box'] else ' (within these bounds, not all of it)'}")
        lines.append(f"   - witness patient {code_span('{' + facts + '}')}")
        lines += [f"   - {md_cell(a['source'])}: {_cell(answer_data_text(a))}" for a in entry["answers"]]
    if count > MAX_REGIONS_SHOWN:
        lines.append(f"{MAX_REGIONS_SHOWN + 1}. … and {count - MAX_REGIONS_SHOWN} more regions (report.json)")
    lines.append("")
    if "disposition" in item:
        d = item["disposition"]
        lines.append(
            f"**Disposition:** {md_cell(disposition_text(d['disposition']))} by {md_cell(d['reviewer'])} on {md_cell(d['date'])}"
            + (f": {_cell(d['note'])}" if d.get("note") else "")
        )
        for earlier in reversed(d.get("history", [])):
            lines.append(
                f"- earlier: {md_cell(disposition_text(earlier['disposition']))} by {md_cell(earlier['reviewer'])} "
                f"on {md_cell(earlier['date'])}" + (f": {_cell(earlier['note'])}" if earlier.get("note") else "")
            )
    else:
        lines.append("**Disposition:** none yet")
    lines.append("")
    return lines


def _render_sides(item: ConflictData) -> list[str]:
    """The claims of each side in one table, a column per source: quote (or citation) and value."""
    by_source: dict[str, list[ConflictClaim]] = {}
    for claim in item["claims"]:
        by_source.setdefault(claim["source"], []).append(claim)
    sources = item["sources"]
    says = {side["source"]: side.get("says") for side in item.get("sides", [])}
    head = [md_cell(s) + (f" says **{_cell(says[s])}**" if says.get(s) else "") for s in sources]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(sources)]
    depth = max([len(by_source.get(s, [])) for s in sources] + [1])
    for i in range(depth):
        row = []
        for source in sources:
            claims = by_source.get(source, [])
            if i < len(claims):
                c = claims[i]
                said = f"cited: {_cell(c['quote'])}" if "citation" in c else f"“{_cell(c['quote'])}”"
                row.append(
                    f"{said} → **{_cell(format_value(c['value']))}** ({code_span(c['id'], in_table=True)}, {md_cell(c['status'])})"
                )
            elif i == 0 and item.get("silent") == source:
                row.append("(no claim on this)")
            else:
                row.append("")
        lines.append("| " + " | ".join(row) + " |")
    return [*lines, ""]


def _render_comparisons(items: list[ComparisonData]) -> list[str]:
    """Claims comparing drugs, each with its verdict against both drugs' labels and the label claims behind it."""
    if not items:
        return []
    counts = {
        v: sum(i["verdict"] == v for i in items) for v in ("not_supported", "labels_silent", "supported_by_labels")
    }
    lines = [
        "## Comparisons with another drug",
        "",
        "Each claim comparing the drug with another, checked against both drugs' official labels (engine/crossdrug.py, "
        f"schema/comparisons.yaml): {', '.join(f'{n} {v}' for v, n in counts.items() if n)}. Not conflicts: no "
        "disposition is needed; `accord conflicts --check` warns on `not_supported`.",
        "",
        "| verdict | claim | says | reason | label claims checked |",
        "|---|---|---|---|---|",
    ]
    order = {"not_supported": 0, "labels_silent": 1, "supported_by_labels": 2}
    for item in sorted(items, key=lambda i: (order.get(i["verdict"], 9), i["claim"])):
        verdict = f"**{md_cell(item['verdict'])}**" if item["verdict"] == "not_supported" else md_cell(item["verdict"])
        checked = "; ".join(
            f"{md_cell(drug)}: " + ", ".join(code_span(e["claim"]) for e in evidence)
            for drug, evidence in sorted(item["checked"].items())
            if evidence
        )
        lines.append(
            f"| {verdict} | {code_span(item['claim'])} | {md_cell(item['question'])} = {_cell(format_value(item['value']))} "
            f"| {_cell(item['reason'])} | {checked or 'none'} |"
        )
    return lines + [""]


def _render_coverage(rows: list[CoverageRow]) -> list[str]:
    """Which sources address which questions: silence on a whole question is shown here, not as conflicts."""
    if not rows:
        return []
    sources = sorted({s for r in rows for s in r["claims"]})
    lines = [
        "## Coverage",
        "",
        "Claims per source and question; — where a source says nothing on the question (not a conflict).",
        "",
        "| question | " + " | ".join(md_cell(s) for s in sources) + " |",
        "|---|" + "---|" * len(sources),
    ]
    for r in rows:
        cells = [str(r["claims"].get(s, 0)) if r["claims"].get(s, 0) else "—" for s in sources]
        lines.append(f"| {md_cell(r['question'])} | " + " | ".join(cells) + " |")
    return [*lines, ""]


# ---------------------------------------------------------------- files


def write_if_changed(path: str | os.PathLike[str], text: str) -> bool:
    """Atomically write `text` unless the file already holds exactly these bytes."""
    p = Path(path)
    try:
        if p.read_bytes() == text.encode("utf-8"):
            return False
    except FileNotFoundError:
        pass
    p.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(p, text)
    return True


def renderers(
    report: Report,
    charts: Mapping[str, str] | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    memo: Memo = no_memo,
) -> dict[str, Callable[[], str]]:
    """Each report file's name and how to render it: --check renders only what it must compare.

    `charts` are the band-chart SVGs by path (engine.reportcharts.attach_charts): given, they are report
    files too; absent (a disposition recorded: charts do not show decisions), report.html takes the SVGs
    already written in `out_dir`."""
    from engine.reportcharts import read_charts, svgs_by_finding
    from engine.reporthtml import REPORT_HTML, render_html

    def html() -> str:
        files = charts if charts is not None else (read_charts(out_dir, report) if out_dir is not None else {})
        return render_html(report, svgs_by_finding(report, files), memo)

    out: dict[str, Callable[[], str]] = {
        REPORT_JSON: lambda: render_json(report),
        REPORT_MD: lambda: render_markdown(report, memo),
        REPORT_HTML: html,
    }
    for path, svg in (charts or {}).items():
        out[path] = lambda svg=svg: svg  # type: ignore[misc]  # bind this chart's text, not the loop's last
    return out


def rendered(
    report: Report,
    charts: Mapping[str, str] | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    memo: Memo = no_memo,
) -> dict[str, str]:
    return {name: render() for name, render in renderers(report, charts, out_dir, memo).items()}


@gc_paused()  # megabytes of lines and strings, no cycles: see engine.gcpause
def write_report(
    out_dir: str | os.PathLike[str], report: Report, charts: Mapping[str, str] | None = None, memo_key: str = ""
) -> list[str]:
    """Write report.json, report.md, report.html (and the chart files, when given; charts the report no
    longer names are removed); return the names of the files that changed. `memo_key` (the cache's
    engine.reportcache.base_key): each finding's Markdown and HTML kept in the report cache for the next run."""
    from engine.contenthash import cache_dir
    from engine.reportcharts import unlisted_charts
    from engine.writtenfiles import SMALL, WrittenFiles

    memo = report_memo(out_dir, memo_key)
    written = WrittenFiles(out_dir, cache_dir(out_dir) if memo_key else None)  # what is there, without reading it
    changed = []
    # one file rendered at a time, and its text dropped once written: report.json, .md and .html of many
    # drugs are each tens of megabytes (twice that encoded), so rendering all three first held them all at once
    for name, render in renderers(report, charts, out_dir, memo).items():
        text = render()
        data = text.encode("utf-8")
        if written.unchanged(name, data):
            del text, data  # not held while the next file renders
            continue
        size = len(data)
        del data
        path = Path(out_dir) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        stamp = write_atomic(path, text, digest=size <= SMALL)  # only small files go in the manifest
        written.record(name, stamp.sha256)
        changed.append(name)
        del text
    memo.save()
    written.save()
    if charts is not None:
        for name in unlisted_charts(out_dir, report):
            (Path(out_dir) / name).unlink(missing_ok=True)
            changed.append(name)
    return changed


def stale_files(out_dir: str | os.PathLike[str], report: Report, charts: Mapping[str, str] | None = None) -> list[str]:
    """Names of report files that differ from a fresh rendering (missing counts as stale).

    report.json is compared as data (parsed by the C parser) and its layout checked, not re-rendered:
    json's indenting encoder is pure Python, and rendering 2.7 MB only to compare it took most of a
    cached `--check`.
    """
    from engine.reportcharts import unlisted_charts

    out = []
    for name, render in renderers(report, charts, out_dir).items():
        path = Path(out_dir) / name
        try:
            if name == REPORT_JSON:
                text = path.read_text(encoding="utf-8")
                same = (
                    text.startswith("{\n  ")
                    and text.endswith("}\n")
                    and json.loads(text) == json.loads(json.dumps(report, ensure_ascii=False, allow_nan=False))
                )
            else:
                same = path.read_bytes() == render().encode("utf-8")
        except (OSError, ValueError):
            same = False
        if not same:
            out.append(name)
    if charts is not None:
        out += unlisted_charts(out_dir, report)  # an old chart file left beside the report misleads a reader
    return out
