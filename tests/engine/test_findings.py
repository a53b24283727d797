"""Findings grouped by cause (engine/findings.py): one finding per disagreeing pair, omissions apart.

Synthetic rulesets with known answers: the grouping, the omission test and the ids are
checked against what a reviewer would say the causes are.
"""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator

from engine.conflicts import find_conflicts
from engine.findings import OMISSION
from engine.report import build_report, render_markdown
from engine.validate import validate_paths
from tests.conftest import REPO

TEXT = "Alpha says one thing. Beta says another. Gamma says a third. Delta adds a fourth."
TWO = {"mg": 2, "every_days": 1}
ONE = {"mg": 1, "every_days": 1}
FOUR = {"mg": 4, "every_days": 1}
SCHEMA = json.loads((REPO / "schema" / "report.schema.json").read_text(encoding="utf-8"))


def egfr(op: str, x: float) -> dict:
    return {op: [{"var": "egfr"}, x]}


def ra(*rules: dict) -> dict:
    return {"and": [{"==": [{"var": "indication"}, "rheumatoid_arthritis"]}, *rules]}


def analysed(folder: Path):
    rulesets = validate_paths([folder], check_patients=False).rulesets
    conflicts, analysis = find_conflicts(rulesets)
    return rulesets, conflicts, analysis


def test_one_pair_of_statements_is_one_finding_however_many_regions(tmp_path, ruleset_writer):
    # alpha: 2 mg at eGFR >= 30, and also 4 mg at 30-60 (it contradicts itself there); beta: 1 mg everywhere.
    # Two regions (30-60, >= 60) differ in what else alpha says, but '2 mg against 1 mg' is one cause.
    ruleset_writer(
        "alpha",
        TEXT,
        [
            {"question": "dose", "value": TWO, "when": egfr(">=", 30)},
            {"question": "dose", "value": FOUR, "when": {"and": [egfr(">=", 30), egfr("<", 60)]}},
        ],
    )
    ruleset_writer("beta", TEXT, [{"question": "dose", "value": ONE, "when": egfr(">=", 0)}])
    _, conflicts, _ = analysed(tmp_path)
    between = {c.sides[0]["says"]: c for c in conflicts if c.kind == "between_sources"}
    assert sorted(between) == ["2 mg once daily", "4 mg once daily"], [c.description for c in conflicts]
    finding = between["2 mg once daily"]
    assert len(finding.regions) == 2  # both bands, each with its own witness
    assert sorted(30 <= r["witness"]["facts"]["egfr"] < 60 for r in finding.regions) == [False, True]
    assert [s["claims"] for s in finding.sides] == [["alpha/c0"], ["beta/c0"]]
    assert [s["says"] for s in finding.sides] == ["2 mg once daily", "1 mg once daily"]
    assert finding.description.startswith("alpha says 2 mg once daily (claim c0) but beta says 1 mg once daily")
    assert "(2 regions)" in finding.description
    assert "cells" not in finding.description and "hull" not in finding.description
    assert len(between["4 mg once daily"].regions) == 1
    assert [c.kind for c in conflicts].count("within_source") == 1


def test_a_modifier_one_source_never_reads_is_one_omission_not_a_conflict_per_band(tmp_path, ruleset_writer):
    bands = [(0, 30, "not_recommended"), (30, 60, ONE), (60, 200, TWO)]
    alpha = [{"question": "dose", "value": v, "when": {"and": [egfr(">=", lo), egfr("<", hi)]}} for lo, hi, v in bands]
    beta = [*alpha, {"question": "dose", "value": "adjustment_required", "when": {"var": "strong_oat3_inhibitor"}}]
    # beta reduces with OAT3 inhibitors: at 2 mg or 1 mg with the inhibitor, 'adjustment_required' is more precise,
    # so use a value that contradicts: a halved regimen alpha never gives
    beta[-1] = {"question": "dose", "value": {"mg": 2, "every_days": 2}, "when": {"var": "strong_oat3_inhibitor"}}
    ruleset_writer("alpha", TEXT, alpha)
    ruleset_writer("beta", TEXT, beta)
    _, conflicts, _ = analysed(tmp_path)
    omissions = [c for c in conflicts if c.kind == OMISSION]
    assert len(omissions) == 1, [c.description for c in conflicts]
    (o,) = omissions
    assert o.silent == "alpha" and o.unaddressed == ["strong_oat3_inhibitor"]
    assert o.severity == "medium"  # dose is high: an omission is a step below
    assert len(o.regions) == 3  # one per band, all one finding
    assert o.description.startswith("alpha does not address strong OAT3 inhibitor; beta says 2 mg every 2 days")
    assert all(r["witness"]["facts"]["strong_oat3_inhibitor"] is True for r in o.regions)
    assert not [c for c in conflicts if c.kind == "between_sources"]  # the bands agree: nothing else


def test_a_baseline_claim_scoped_away_from_the_modifiers_is_a_contradiction(tmp_path, ruleset_writer):
    # beta's standard dose holds 'when no OAT3 inhibitor' (the typical patient): where it says 4 mg and alpha
    # 2 mg, the disagreement is about the dose, not the inhibitor
    ruleset_writer("alpha", TEXT, [{"question": "dose", "value": TWO, "when": ra()}])
    ruleset_writer(
        "beta",
        TEXT,
        [
            {"question": "dose", "value": FOUR, "when": ra({"!": {"var": "strong_oat3_inhibitor"}})},
            {"question": "dose", "value": TWO, "when": ra({"var": "strong_oat3_inhibitor"})},
        ],
    )
    _, conflicts, _ = analysed(tmp_path)
    assert [(c.kind, c.sides[1]["says"]) for c in conflicts] == [("between_sources", "4 mg once daily")]


def test_a_fact_of_the_same_concept_is_addressed_egfr_answers_for_crcl(tmp_path, ruleset_writer):
    ruleset_writer("alpha", TEXT, [{"question": "dose", "value": "not_recommended", "when": egfr("<", 30)}])
    ruleset_writer("beta", TEXT, [{"question": "dose", "value": ONE, "when": {"<": [{"var": "crcl"}, 30]}}])
    _, conflicts, _ = analysed(tmp_path)
    assert conflicts and all(c.kind != OMISSION for c in conflicts)  # both speak to kidney function


def test_ids_survive_an_unrelated_claim_and_follow_the_values(tmp_path, ruleset_writer):
    claims = [{"question": "dose", "value": TWO, "when": egfr(">=", 30)}]
    ruleset_writer("alpha", TEXT, claims)
    ruleset_writer("beta", TEXT, [{"question": "dose", "value": ONE, "when": egfr(">=", 0)}])
    before = {c.id for c in analysed(tmp_path)[1]}
    ruleset_writer("alpha", TEXT, [*claims, {"question": "route", "value": "oral", "when": True}])
    assert before <= {c.id for c in analysed(tmp_path)[1]}
    ruleset_writer("alpha", TEXT, [{"question": "dose", "value": FOUR, "when": egfr(">=", 30)}])
    assert not before & {c.id for c in analysed(tmp_path)[1]}  # another value: another cause


def test_the_report_has_findings_with_regions_words_and_a_coverage_table(tmp_path, ruleset_writer):
    ruleset_writer("alpha", TEXT, [{"question": "dose", "value": TWO, "when": egfr(">=", 30)}])
    ruleset_writer(
        "beta",
        TEXT,
        [
            {"question": "dose", "value": ONE, "when": egfr(">=", 0)},
            {"question": "route", "value": "oral", "when": True},
        ],
    )
    rulesets, conflicts, analysis = analysed(tmp_path)
    report = build_report(rulesets, conflicts, analysis, {})
    assert not list(Draft202012Validator(SCHEMA).iter_errors(report))
    (item,) = report["conflicts"]
    assert item["region"]["words"] == "eGFR ≥ 30 mL/min/1.73 m²"
    assert item["regions"][0]["region"]["words"] == item["region"]["words"]
    assert {"question": "route", "claims": {"alpha": 0, "beta": 1}} in report["coverage"]
    md = render_markdown(report)
    assert "## Coverage" in md and "| route | — | 1 |" in md
    assert "hull" not in md and " cells" not in md.split("## Conflicts")[1]
