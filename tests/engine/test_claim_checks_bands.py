"""A within-source conflict where one claim's band lies inside another's of a different value says so
(engine.conflicts.contained: `contains` on the conflict, "one band contains the other" in its description)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.validate import validate_paths
from tests.conftest import write_ruleset
from tests.engine.test_claim_checks import DOSE1, TEXT, claim, var

# ---------------------------------------------------------------- one band inside another, another value


def within_conflicts(tmp: Path, claims: list[dict[str, Any]]) -> list[Any]:
    from engine.conflicts import find_conflicts
    from engine.report import build_report

    write_ruleset(tmp, "src", TEXT, claims)
    rulesets = validate_paths([tmp], check_patients=False).rulesets
    conflicts, analysis = find_conflicts(rulesets)
    report = build_report(rulesets, conflicts, analysis, {})
    return [c for c in report["conflicts"] if c["kind"] == "within_source"]


def test_band_inside_a_band_of_another_value_says_one_contains_the_other(tmp_path):
    from jsonschema import Draft202012Validator

    from tests.conftest import REPO

    found = within_conflicts(
        tmp_path,
        [
            claim({"<": [var("egfr"), 60]}),
            claim({"<": [var("egfr"), 30]}, value=DOSE1, quote="Avoid when eGFR is below 30"),
        ],
    )
    assert len(found) == 1
    assert found[0]["contains"] == [["src/c1", "src/c0"]]
    assert "one band contains the other (src/c1 lies inside src/c0)" in found[0]["description"]
    schema = json.loads((REPO / "schema" / "report.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator(schema["$defs"]["conflict"] | {"$defs": schema["$defs"]}).validate(found[0])


def test_overlapping_bands_do_not_contain_each_other(tmp_path):
    found = within_conflicts(
        tmp_path,
        [
            claim({"<": [var("egfr"), 60]}),
            claim({">": [var("egfr"), 30]}, value=DOSE1, quote="Avoid when eGFR is below 30"),
        ],
    )
    assert len(found) == 1
    assert "contains" not in found[0] and "one band contains" not in found[0]["description"]
