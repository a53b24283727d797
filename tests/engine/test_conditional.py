"""Conditional answers: what an indeterminate answer hangs on, band by band, from the rules' own thresholds."""

from __future__ import annotations

import json

from engine import cli
from engine.conditional import depends_on
from engine.evaluate import evaluate_patient
from engine.validate import validate_paths
from tests.conftest import REPO, write_ruleset

TEXT = "Below 30 avoid. From 30 to 60 take 2 mg. Above 60 take 4 mg. Child-Pugh C avoid."
BANDS = [
    {"question": "dose", "value": "not_recommended", "when": {"<": [{"var": "crcl"}, 30]}, "quote": "Below 30 avoid"},
    {
        "question": "dose",
        "value": {"mg": 2, "every_days": 1},
        "when": {"<=": [30, {"var": "crcl"}, 60]},
        "quote": "From 30 to 60 take 2 mg",
    },
    {
        "question": "dose",
        "value": {"mg": 4, "every_days": 1},
        "when": {">": [{"var": "crcl"}, 60]},
        "quote": "Above 60 take 4 mg",
    },
]


def only(tmp_path, claims, facts):
    write_ruleset(tmp_path, "src", TEXT, claims)
    [ruleset] = validate_paths([tmp_path], check_patients=False).rulesets
    [found] = evaluate_patient([ruleset], facts, "p", ["dose"]).answers
    return ruleset, found


def test_a_missing_number_is_answered_band_by_band(tmp_path):
    ruleset, found = only(tmp_path, BANDS, {"age_years": 50})
    assert found.status == "indeterminate" and found.missing == ("crcl",)
    [dependence] = depends_on(ruleset, "dose", {"age_years": 50}, found)
    assert dependence.text() == (
        "depends on crcl: crcl < 30: not_recommended; 30 <= crcl <= 60: 2 mg once daily; crcl > 60: 4 mg once daily"
    )


def test_bands_with_the_same_answer_are_merged_and_a_category_is_given_value_by_value(tmp_path):
    claims = [
        {
            "question": "dose",
            "value": "not_recommended",
            "when": {"==": [{"var": "child_pugh"}, "C"]},
            "quote": "Child-Pugh C avoid",
        },
        {
            "question": "dose",
            "value": {"mg": 2, "every_days": 1},
            "when": {"!=": [{"var": "child_pugh"}, "C"]},
            "quote": "From 30 to 60 take 2 mg",
        },
    ]
    ruleset, found = only(tmp_path, claims, {})
    [dependence] = depends_on(ruleset, "dose", {}, found)
    answers = {b.text: b.answer for b in dependence.bands}
    assert answers["child_pugh = C"] == "not_recommended" and answers["child_pugh = A"] == "2 mg once daily"


def test_a_determinate_answer_depends_on_nothing(tmp_path):
    ruleset, found = only(tmp_path, BANDS, {"crcl": 45})
    assert found.status == "answered" and depends_on(ruleset, "dose", {"crcl": 45}, found) == []


def test_a_band_re_derives_the_facts_it_decides(tmp_path):
    """A rule on the renal category is answered per eGFR band: the category is derived in each band."""
    claims = [
        {
            "question": "dose",
            "value": "not_recommended",
            "when": {"==": [{"var": "renal_function_category"}, "severe"]},
            "quote": "Below 30 avoid",
        },
        {
            "question": "dose",
            "value": {"mg": 2, "every_days": 1},
            "when": {"!=": [{"var": "renal_function_category"}, "severe"]},
            "quote": "From 30 to 60 take 2 mg",
        },
    ]
    ruleset, found = only(tmp_path, claims, {})
    [dependence] = depends_on(ruleset, "dose", {}, found)
    assert dependence.fact == "renal_function_category"  # the fact the rules read, value by value
    assert {b.answer for b in dependence.bands} == {"not_recommended", "2 mg once daily"}


def test_eval_says_what_an_indeterminate_answer_depends_on(capsys):
    patient = REPO / "rulesets" / "patients" / "ad-egfr-30.yaml"
    assert (
        cli.main(["eval", "--patient", str(patient), "--rulesets", str(REPO / "rulesets"), "--question", "dose"]) == 0
    )
    out = capsys.readouterr().out
    assert "depends on crcl: crcl < 30: not_recommended; 30 <= crcl <= 60: 2 mg once daily" in out
    args = [
        "eval",
        "--patient",
        str(patient),
        "--rulesets",
        str(REPO / "rulesets"),
        "--question",
        "dose",
        "--format",
        "json",
    ]
    assert cli.main(args) == 0
    data = json.loads(capsys.readouterr().out)
    oracle = [d for d in data["depends_on"] if d["source"] == "dr-oracle"]
    assert (
        oracle
        and oracle[0]["fact"] == "crcl"
        and oracle[0]["bands"][0]
        == {
            "where": "crcl < 30",
            "status": "answered",
            "answer": "not_recommended",
        }
    )
