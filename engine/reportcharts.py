"""The report's band charts as files: `conflicts/charts/<finding>-<fact>.svg`, linked from report.md, inlined in report.html.

GitHub renders an SVG file linked from Markdown but strips inline `<svg>`, so every finding over a
numeric fact gets one SVG file per fact (engine.bands builds the chart from the loaded rulesets,
engine.bandsvg draws it). Each finding in report.json lists its files under `charts`, so report.md
and a reviewer's tooling find them from the report alone. Drawing needs the rulesets; recording a
disposition does not redraw (the charts show answers, not decisions): report.html then takes the
SVGs from the files already written, refusing any that the SVG check in engine.reporthtml rejects.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from engine.contract import Vocabulary
from engine.model import Ruleset
from engine.reportdata import Report

CHARTS_DIR = "charts"
MAX_CHART_BYTES = 1 << 20  # a chart file bigger than this was not written by accord: not read back


def name_charts(report: Report, vocab: Vocabulary | None = None) -> None:
    """List under each finding's `charts` the files of its band charts: one per numeric fact its regions bound.

    The names follow from the finding alone (engine.bands.chart_facts), so naming is cheap and done for
    every report; drawing (draw_charts) needs the rulesets and is cached with the report."""
    from engine.bands import chart_facts
    from engine.bandsvg import chart_file_name

    for item in report["conflicts"]:
        paths = [f"{CHARTS_DIR}/{chart_file_name(item['id'], fact)}" for fact in chart_facts(item, vocab)]
        if paths:
            item["charts"] = list(dict.fromkeys(paths))
        else:
            item.pop("charts", None)


def draw_charts(report: Report, rulesets: Sequence[Ruleset], vocab: Vocabulary | None = None) -> dict[str, str]:
    """Every chart the report names, drawn from the rulesets: {relative path: SVG}."""
    from engine.bands import charts_for_findings
    from engine.bandsvg import chart_file, to_svg

    drawn = charts_for_findings(report["conflicts"], rulesets, vocab)
    files: dict[str, str] = {}
    for item in report["conflicts"]:
        named = set(item.get("charts", []))
        for chart in drawn.get(item["id"], []):
            path = f"{CHARTS_DIR}/{chart_file(item['id'], chart)}"
            if path in named:
                files.setdefault(path, to_svg(chart))
    return files


def chart_paths(report: Report) -> list[str]:
    """Every chart file the report names, in report order."""
    return [p for item in report["conflicts"] for p in item.get("charts", [])]


def read_charts(out_dir: str | os.PathLike[str], report: Report) -> dict[str, str]:
    """The SVGs of the report's charts as written in `out_dir` (a missing or oversized file is left out)."""
    root = Path(out_dir)
    found: dict[str, str] = {}
    for path in chart_paths(report):
        file = root / path
        try:
            if file.is_symlink() or not file.is_file() or file.stat().st_size > MAX_CHART_BYTES:
                continue
            found[path] = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
    return found


def svgs_by_finding(report: Report, files: Mapping[str, str]) -> dict[str, list[str]]:
    """finding id -> its SVG texts, for engine.reporthtml.render_html."""
    return {
        item["id"]: [files[p] for p in item.get("charts", []) if p in files]
        for item in report["conflicts"]
        if item.get("charts")
    }


def unlisted_charts(out_dir: str | os.PathLike[str], report: Report) -> list[str]:
    """Chart files in `out_dir` that the report no longer names (left from an earlier report)."""
    folder = Path(out_dir) / CHARTS_DIR
    if not folder.is_dir():
        return []
    named = set(chart_paths(report))
    return sorted(f"{CHARTS_DIR}/{p.name}" for p in folder.glob("*.svg") if f"{CHARTS_DIR}/{p.name}" not in named)
