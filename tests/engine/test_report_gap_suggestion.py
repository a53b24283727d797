"""A gap finding in the report carries the claim that would close it (engine.gapfill), in all three files."""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator

from engine import cli
from tests.conftest import REPO
from tests.engine.test_conflicts import ONE, TEXT, TWO, egfr

SCHEMA = json.loads((REPO / "schema" / "report.schema.json").read_text(encoding="utf-8"))


def test_a_gap_finding_offers_the_claim_that_closes_it(tmp_path, ruleset_writer):
    ruleset_writer(
        "alpha",
        TEXT,
        [
            {"id": "alpha/low", "question": "dose", "value": ONE, "when": egfr("<", 30)},
            {"id": "alpha/high", "question": "dose", "value": TWO, "when": egfr(">=", 50)},
        ],
    )
    out = tmp_path.with_name(tmp_path.name + "-out")
    assert cli.main(["conflicts", "--rulesets", str(tmp_path), "--out", str(out), "-q"]) == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert not list(Draft202012Validator(SCHEMA).iter_errors(report))
    (gap,) = [c for c in report["conflicts"] if c["kind"] == "gap"]
    s = gap["suggestion"]
    assert (s["fact"], s["low"], s["low_inclusive"], s["high"], s["high_inclusive"]) == ("egfr", 30, True, 50, False)
    assert s["when"] == {"and": [{">=": [{"var": "egfr"}, 30]}, {"<": [{"var": "egfr"}, 50]}]}
    assert [c["from_claim"] for c in s["candidates"]] == ["alpha/low", "alpha/high"]
    assert all("suggestion" not in c for c in report["conflicts"] if c["kind"] != "gap")
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "**To close it:** a claim on dose where 30 <= egfr < 50" in md
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<b>To close it:</b> a claim on dose where 30 &lt;= egfr &lt; 50" in html
    assert json.loads((out / "report.json").read_text(encoding="utf-8")) == report  # offered, nothing written
    assert "alpha/gap" not in (tmp_path / "alpha.yaml").read_text(encoding="utf-8")
