"""Band charts as report files: named in report.json, drawn into conflicts/charts/, linked from report.md,
inlined in report.html, judged by --check like the other files, and never left behind."""

from __future__ import annotations

import json
from pathlib import Path

from engine import cli
from engine.report import stale_files
from engine.reportcache import cached_report
from engine.review import save_disposition
from engine.validate import validate_paths
from tests.engine.test_conflicts import base


def _out(tmp_path: Path) -> Path:
    """Beside the rulesets folder, as conflicts/ is beside rulesets/ (inside it, it would be an input)."""
    return tmp_path.with_name(tmp_path.name + "-conflicts")


def _run(tmp_path: Path, *args: str) -> int:
    return cli.main(["conflicts", "--rulesets", str(tmp_path), "--out", str(_out(tmp_path)), "--quiet", *args])


def _report(tmp_path: Path) -> dict:
    return json.loads((_out(tmp_path) / "report.json").read_text(encoding="utf-8"))


def test_each_numeric_finding_names_its_charts_and_the_files_are_written(tmp_path, ruleset_writer):
    base(ruleset_writer)
    assert _run(tmp_path) == 0
    report = _report(tmp_path)
    out = _out(tmp_path)
    egfr_findings = [c for c in report["conflicts"] if any(r.get("fact") == "egfr" for r in c["region"]["constraints"])]
    assert egfr_findings
    for item in egfr_findings:
        assert f"charts/{item['id']}-egfr.svg" in item["charts"]
    for item in report["conflicts"]:
        if not any("low" in r for r in item["region"]["constraints"]):
            assert "charts" not in item  # nothing numeric to draw: no chart named
    named = [p for c in report["conflicts"] for p in c.get("charts", [])]
    assert sorted(p.name for p in (out / "charts").iterdir()) == sorted(Path(p).name for p in named)
    md = (out / "report.md").read_text(encoding="utf-8")
    html = (out / "report.html").read_text(encoding="utf-8")
    for path in named:
        assert f"]({path})" in md  # a Markdown image: GitHub renders the SVG file
        svg = (out / path).read_text(encoding="utf-8")
        assert svg.startswith("<svg") and "egfr" in svg.lower()
    assert html.count("<svg") >= len(named)  # inlined: report.html needs no other file


def test_check_judges_the_chart_files(tmp_path, ruleset_writer, capsys):
    base(ruleset_writer)
    assert _run(tmp_path) == 0
    out = _out(tmp_path)
    for item in _report(tmp_path)["conflicts"]:
        save_disposition(out / "reviews.yaml", item["id"], "not_a_conflict", "bo", date="2026-01-03")
    assert _run(tmp_path) == 0
    assert _run(tmp_path, "--check") == 0
    chart = next((out / "charts").iterdir())
    original = chart.read_text(encoding="utf-8")
    chart.write_text(original.replace("<svg", "<svg data-edited='1'", 1), encoding="utf-8")
    capsys.readouterr()
    assert _run(tmp_path, "--check") == 1
    assert f"charts/{chart.name}: stale" in capsys.readouterr().err
    chart.unlink()
    assert _run(tmp_path, "--check") == 1
    assert _run(tmp_path) == 0 and chart.read_text(encoding="utf-8") == original
    leftover = out / "charts" / "C-0000000000-egfr.svg"
    leftover.write_text(original, encoding="utf-8")
    capsys.readouterr()
    assert _run(tmp_path, "--check") == 1
    assert "C-0000000000-egfr.svg: stale" in capsys.readouterr().err
    assert _run(tmp_path) == 0 and not leftover.exists()  # a chart no finding names is removed
    assert _run(tmp_path, "--check") == 0


def test_a_disposition_keeps_the_charts_in_report_html(tmp_path, ruleset_writer):
    base(ruleset_writer)
    assert _run(tmp_path) == 0
    out = _out(tmp_path)
    before = (out / "report.html").read_text(encoding="utf-8").count("<svg")
    first = _report(tmp_path)["conflicts"][0]["id"]
    save_disposition(out / "reviews.yaml", first, "not_a_conflict", "bo", date="2026-01-03")  # refreshes the files
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("<svg") == before and "bo" in html
    rulesets = validate_paths([tmp_path], check_patients=False).rulesets
    from engine.review import load_reviews

    reviews, _ = load_reviews(out / "reviews.yaml")
    report, analysed = cached_report(tmp_path, out, rulesets, reviews)
    assert analysed.cached and analysed.charts  # the charts come from the cache with the report
    assert stale_files(out, report, analysed.charts) == []
