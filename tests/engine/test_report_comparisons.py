"""Comparisons with another drug in the conflict report: report.json, report.md, report.html and the --check warning."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator

from engine import cli
from tests.conftest import REPO
from tests.engine.test_crossdrug import BARI_THROMBOSIS, TOFA_THROMBOSIS, _blog, _labels

SCHEMA = json.loads((REPO / "schema" / "report.schema.json").read_text(encoding="utf-8"))


def _conflicts(rs: Path, out: Path, *extra: str) -> int:
    return cli.main(["conflicts", "--rulesets", str(rs), "--out", str(out), "-q", *extra])


def test_a_comparison_neither_label_supports_is_reported_as_such(tmp_path, capsys):
    rs, out = tmp_path / "rs", tmp_path / "out"
    _labels(rs, bari=[BARI_THROMBOSIS], tofa=[TOFA_THROMBOSIS])
    _blog(rs, {"question": "vs_tofacitinib.thrombosis", "value": "higher"})
    assert _conflicts(rs, out) == 0
    assert "blog/0: vs_tofacitinib.thrombosis = higher is not supported by the labels" in capsys.readouterr().err
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert not list(Draft202012Validator(SCHEMA).iter_errors(report))
    (item,) = report["comparisons"]
    assert (item["claim"], item["verdict"], item["drug"], item["other"]) == (
        "blog/0",
        "not_supported",
        "baricitinib",
        "tofacitinib",
    )
    assert {e["claim"] for ev in item["checked"].values() for e in ev} == {"bari-label/0", "tofa-label/0"}
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## Comparisons with another drug" in md and "| **not_supported** | `blog/0` |" in md
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="comparisons"' in html and "<strong>not_supported</strong>" in html
    assert _conflicts(rs, out, "--check") in (0, 1)  # a warning, never a failure of its own
    capsys.readouterr()
    assert _conflicts(rs, out, "--check") == _conflicts(rs, out, "--check", "--no-cache")  # cached alike


def test_without_a_comparison_the_report_keeps_its_shape_and_a_drug_report_has_none(tmp_path):
    rs, out = tmp_path / "rs", tmp_path / "out"
    _labels(rs, bari=[BARI_THROMBOSIS], tofa=[TOFA_THROMBOSIS])
    assert _conflicts(rs, out) == 0
    assert "comparisons" not in json.loads((out / "report.json").read_text(encoding="utf-8"))
    _blog(rs, {"question": "vs_tofacitinib.thrombosis", "value": "class_effect"})
    assert _conflicts(rs, out) == 0
    (item,) = json.loads((out / "report.json").read_text(encoding="utf-8"))["comparisons"]
    assert item["verdict"] == "supported_by_labels"
    one = tmp_path / "one"
    assert _conflicts(rs, one, "--drug", "baricitinib") == 0  # tofacitinib's label is not in a baricitinib report
    assert "comparisons" not in json.loads((one / "report.json").read_text(encoding="utf-8"))
