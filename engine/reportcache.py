"""The analysed report, cached by the content of everything it depends on, so a check of an unchanged project is instant.

`accord conflicts` spends seconds on region analysis and witnesses; `--check` on an unchanged
project would redo them only to find the same bytes. The report is a pure function of the
rulesets folder, the vocabulary (schema/), the engine's own code, the limits and the library
versions, so the report *before dispositions* is cached under the sha256 of all of them.
Dispositions are applied afresh on every run (engine.report.refresh_dispositions), so a
review never needs a re-analysis. A cache entry can never be stale: any changed byte of an
input is another key. The cache is safe to delete (`conflicts/.cache/`, or ACCORD_CACHE_DIR),
holds one entry per report folder, and an unreadable or foreign entry is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from engine.analysis.model import MAX_BYTES, MAX_CELLS, MAX_FINDINGS, MAX_WORK, NotAnalysed
from engine.atomic import write_atomic
from engine.contenthash import add_contract_and_code, adder, cache_dir, read_json
from engine.diagnostics import Diagnostic
from engine.gcpause import gc_paused
from engine.model import Ruleset
from engine.reportdata import ComparisonData, Report, Reviews

MAX_CACHE_BYTES = 64 << 20  # a report bigger than this is not worth reading back


@dataclass
class Analysed:
    """What the CLI says about an analysis, whether it ran now or came from the cache."""

    cells: int
    seconds: float
    not_analysed: list[NotAnalysed] = field(default_factory=list)
    cached: bool = False
    charts: dict[str, str] = field(default_factory=dict)  # the report's band-chart SVGs by path (engine.reportcharts)
    key: str = (
        ""  # the shared inputs' key (base_key; "" without the cache): what rendering depends on besides the report
    )


def base_key(rulesets_dir: str | os.PathLike[str], limits: dict[str, int]) -> str:
    """sha256 over what every drug's report depends on: schema, vocabulary, engine code, versions, limits, accord.yaml."""
    h = hashlib.sha256()
    add = adder(h)
    add_contract_and_code(add)
    from importlib.metadata import version  # numpy's version without importing numpy (start-up is a feature)

    add("versions", f"{sys.version}\n{version('numpy')}".encode())
    add("limits", json.dumps(limits, sort_keys=True).encode())
    from engine.project import project_file

    settings = project_file(rulesets_dir)
    add("project", settings.read_bytes() if settings.is_file() else b"")
    return h.hexdigest()


def drug_key(base: str, rulesets_dir: str | os.PathLike[str], drug: str, rulesets: list[Ruleset]) -> str:
    """sha256 of one drug's inputs: the base key, the drug, and the bytes of its rulesets and source texts.

    Only these decide the drug's report (sources are compared within a drug): an edit to another
    drug's ruleset, a patient file or reviews.yaml leaves the key as it was."""
    h = hashlib.sha256()
    add = adder(h)
    add("base", base.encode())
    add("drug", drug.encode())
    root = Path(rulesets_dir).resolve()
    for r in sorted(rulesets, key=lambda r: r.path):
        path = Path(r.path).resolve()
        label = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
        add("ruleset/" + label, path.read_bytes())
        if r.text_path:
            add("text/" + label, r.resolve_text_path().read_bytes())
    return h.hexdigest()


def _read(path: Path) -> dict[str, Any] | None:
    data = read_json(path, MAX_CACHE_BYTES)
    if not isinstance(data, dict) or not isinstance(data.get("report"), dict) or not isinstance(data.get("cells"), int):
        return None
    charts = data.get("charts")
    if not isinstance(charts, dict) or not all(isinstance(v, str) for v in charts.values()):
        return None  # an entry from before charts were cached, or not ours
    return data


def _not_analysed(items: list[dict[str, Any]]) -> list[NotAnalysed]:
    return [
        NotAnalysed(n["question"], n["source"], n["cells"], tuple(n["facts"]), n.get("claims", 0), n.get("reason", ""))
        for n in items
    ]


class ProjectUnusable(Exception):
    """accord.yaml is broken: `diagnostics` says where (E610, or the loader's own codes)."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(d.format() for d in diagnostics))
        self.diagnostics = diagnostics


DEFAULT_LIMITS = {"max_cells": MAX_CELLS, "max_bytes": MAX_BYTES, "max_findings": MAX_FINDINGS, "max_work": MAX_WORK}


@gc_paused()  # thousands of cached findings read back beside every loaded ruleset: see engine.gcpause
def cached_report(
    rulesets_dir: str | os.PathLike[str],
    out: str | os.PathLike[str],
    rulesets: list[Ruleset],
    reviews: Reviews,
    limits: dict[str, int] | None = None,
    on_question: Callable[[str, int], None] | None = None,
    use_cache: bool = True,
    drug: str | None = None,
    jobs: int = 1,
    scheduler: str | None = None,
) -> tuple[Report, Analysed]:
    """The report `accord conflicts` writes, with the project's settings (accord.yaml), each drug's part from the
    cache when its inputs are unchanged and analysed afresh otherwise (`jobs` drugs at a time, or on the Dask
    `scheduler`: engine.distributed, whose SchedulerUnusable is raised), dispositions
    applied afresh. The one way the CLI and the workbench build a report, so both judge staleness alike.
    `drug`: `rulesets` are that drug's only (--drug), and other drugs' cache entries are kept.
    ProjectUnusable when accord.yaml is broken."""
    from engine.contract import vocabulary
    from engine.drugreports import DrugPart, analyse_drugs, merge_reports
    from engine.drugs import by_drug
    from engine.project import load_project
    from engine.report import refresh_dispositions

    limits = limits or DEFAULT_LIMITS
    project, problems = load_project(rulesets_dir, vocabulary())
    if problems:
        raise ProjectUnusable(problems)
    vocab = project.apply(vocabulary())
    groups = by_drug(rulesets, vocab) or {vocab.drug or "": []}
    base = base_key(rulesets_dir, limits) if use_cache else ""
    keys = {d: drug_key(base, rulesets_dir, d, g) for d, g in groups.items()} if use_cache else {}
    folder = cache_dir(out)
    parts: dict[str, DrugPart] = {}
    for d, key in keys.items():
        hit = _read(folder / f"drug-{key[:32]}.json")
        if hit is not None and hit.get("key") == key:
            parts[d] = DrugPart(d, cast(Report, hit["report"]), hit["charts"], hit["cells"], 0.0)
    misses = [(d, g) for d, g in groups.items() if d not in parts]
    if scheduler is not None and misses:  # past one machine: the same tasks on a Dask cluster's workers
        from engine.distributed import analyse_on_scheduler

        fresh = analyse_on_scheduler(scheduler, misses, limits, vocab, project.configuration(), on_question)
    else:
        fresh = analyse_drugs(misses, limits, vocab, project.configuration(), jobs, on_question=on_question)
    for d, part in fresh.items():
        if use_cache:
            _store(folder, folder / f"drug-{keys[d][:32]}.json", {"key": keys[d], **part.to_json()})
        parts[d] = part
    if use_cache and drug is None:
        _prune(folder, {f"drug-{k[:32]}.json" for k in keys.values()} | {_comparisons_file(keys)})
    bare = merge_reports(list(parts.values()), rulesets)
    # --drug: one drug's rulesets cannot check a comparison with another drug, so a partial report has none
    comparisons = _comparisons(folder, keys, rulesets, vocab, use_cache) if drug is None else []
    if comparisons:  # only when a source compares drugs: a report without any keeps its shape
        bare["comparisons"] = cast("list[ComparisonData]", comparisons)  # engine.crossdrug's to_json, the same shape
    report = refresh_dispositions(bare, reviews)
    charts = {path: svg for p in parts.values() for path, svg in p.charts.items()}
    return report, Analysed(
        sum(p.cells for p in parts.values()),
        sum(p.seconds for p in fresh.values()),
        _not_analysed(cast("list[dict[str, Any]]", bare["analysis"].get("not_analysed", []))),
        not fresh,
        charts,
        base,
    )


@gc_paused()
def stale_report_files(out: str | os.PathLike[str], report: Report, analysed: Analysed) -> list[str]:
    """engine.report.stale_files, remembering in the cache the digests of what a report renders to.

    An unchanged project's `--check` then reads the files' sha256 instead of rendering megabytes of
    JSON, Markdown and HTML only to compare them. The memo is keyed by the report itself (with its
    dispositions), its charts and the shared inputs' key (engine code included), so it can never
    vouch for files another report would render differently; without the cache it is not used."""
    from engine.fragmentmemo import report_memo
    from engine.report import rendered, stale_files
    from engine.reportcharts import unlisted_charts

    if not analysed.key:
        return stale_files(out, report, analysed.charts)
    h = hashlib.sha256()
    add = adder(h)
    add("key", analysed.key.encode())
    add("report", json.dumps(report, ensure_ascii=False, allow_nan=False, sort_keys=True).encode("utf-8"))
    for path in sorted(analysed.charts):
        add("chart/" + path, analysed.charts[path].encode("utf-8"))
    memo = cache_dir(out) / f"rendered-{h.hexdigest()[:32]}.json"
    digests = _read_digests(memo)
    if digests is None:
        fragments = report_memo(out, analysed.key)
        digests = {
            n: hashlib.sha256(t.encode("utf-8")).hexdigest()
            for n, t in rendered(report, analysed.charts, out, fragments).items()
        }
        fragments.save()
        _store(cache_dir(out), memo, digests)
        for old in cache_dir(out).glob("rendered-*.json"):
            if old != memo:
                old.unlink(missing_ok=True)
    root = Path(out)
    stale = [name for name, digest in digests.items() if _file_digest(root / name) != digest]
    return stale + unlisted_charts(out, report)


def _read_digests(path: Path) -> dict[str, str] | None:
    data = read_json(path, MAX_CACHE_BYTES)
    if not isinstance(data, dict) or not data or not all(isinstance(v, str) for v in data.values()):
        return None
    return data


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _store(folder: Path, path: Path, entry: dict[str, Any]) -> None:
    """Write one entry (and the folder's .gitignore); a cache that cannot be written is no cache, not an error."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        gitignore = folder / ".gitignore"
        if not gitignore.exists():
            write_atomic(
                gitignore, "# accord's report cache (engine/reportcache.py): safe to delete, never commit\n*\n"
            )
        write_atomic(path, json.dumps(entry, ensure_ascii=False, allow_nan=False, sort_keys=True))
    except OSError:
        pass


def _comparisons(
    folder: Path, keys: dict[str, str], rulesets: list[Ruleset], vocab: Any, use_cache: bool
) -> list[dict[str, Any]]:
    """Every comparison claim checked against both drugs' labels (engine.crossdrug), as report.json lists them.

    It reads every drug's rulesets, so it is cached under all the drugs' keys together."""
    key = _comparisons_key(keys)
    path = folder / _comparisons_file(keys)
    if use_cache:
        hit = read_json(path, MAX_CACHE_BYTES)
        if isinstance(hit, dict) and hit.get("key") == key and isinstance(hit.get("comparisons"), list):
            return cast("list[dict[str, Any]]", hit["comparisons"])
    from engine.crossdrug import comparison_findings

    found = [f.to_json() for f in comparison_findings(rulesets, vocab)]
    if use_cache:
        _store(folder, path, {"key": key, "comparisons": found})
    return found


def _comparisons_key(keys: dict[str, str]) -> str:
    return hashlib.sha256("\n".join(f"{d}={k}" for d, k in sorted(keys.items())).encode()).hexdigest()


def _comparisons_file(keys: dict[str, str]) -> str:
    return f"comparisons-{_comparisons_key(keys)[:32]}.json"


def _prune(folder: Path, current: set[str]) -> None:
    """Drop the entries no drug of the project has now (and the whole-report entries of earlier versions)."""
    try:
        for old in [*folder.glob("drug-*.json"), *folder.glob("report-*.json"), *folder.glob("comparisons-*.json")]:
            if old.name not in current:
                old.unlink(missing_ok=True)
    except OSError:
        pass
