"""accord eval / accord explain and the trace behind them."""

from __future__ import annotations

import json

import pytest

from engine import cli
from engine.evaluate import deciding_missing_facts
from engine.explain import explain, explain_text
from engine.validate import validate_paths

TEXT = "Band A. Band B. Liver."
MID = {"and": [{">=": [{"var": "egfr"}, 30]}, {"<": [{"var": "egfr"}, 50]}]}


@pytest.fixture
def folder(ruleset_writer, tmp_path):
    ruleset_writer(
        "src",
        TEXT,
        [
            {"question": "dose", "value": {"mg": 1, "every_days": 1}, "when": MID, "quote": "Band A"},
            {
                "question": "dose",
                "value": {"mg": 2, "every_days": 1},
                "when": {">=": [{"var": "egfr"}, 50]},
                "quote": "Band B",
            },
            {
                "question": "dose",
                "value": "not_recommended",
                "when": {
                    "and": [
                        {"<": [{"var": "crcl"}, 30]},
                        {"or": [{"!": {"var": "hepatic_impairment"}}, {"==": [{"var": "child_pugh"}, "C"]}]},
                    ]
                },
                "quote": "Liver",
            },
        ],
    )
    (tmp_path / "p.yaml").write_text("id: p1\nfacts: {egfr: 42, hepatic_impairment: false}\n")
    return tmp_path


def test_trace_marks_each_condition_with_values(folder):
    ruleset = validate_paths([folder]).ruleset("src")
    ex = explain(ruleset, "dose", {"egfr": 42, "hepatic_impairment": False})
    states = {t.claim.id: t.state for t in ex.claims}
    assert states == {"src/c0": "applied", "src/c1": "not applied", "src/c2": "unknown"}
    band = ex.claims[0].condition
    assert band.state == "held" and [p.state for p in band.parts] == ["held", "held"]
    assert band.parts[0].values == {"egfr": 42}
    assert ex.answer.status == "indeterminate" and ex.answer.missing == ("crcl",)
    text = explain_text(ruleset, "dose", {"egfr": 42, "hepatic_impairment": False})
    assert "✓ egfr is at least 30   (egfr = 42)" in text
    assert "quote: “Band A”" in text and "review: submitted" in text


def test_only_deciding_missing_facts_are_named():
    rule = {
        "and": [
            {"<": [{"var": "crcl"}, 30]},
            {"or": [{"!": {"var": "hepatic_impairment"}}, {"==": [{"var": "child_pugh"}, "C"]}]},
        ]
    }
    assert deciding_missing_facts(rule, {"hepatic_impairment": False}) == ["crcl"]
    assert deciding_missing_facts(rule, {"hepatic_impairment": True}) == ["crcl", "child_pugh"]
    assert deciding_missing_facts(rule, {"crcl": 20, "hepatic_impairment": False}) == []


def test_eval_json_contract(folder, capsys):
    assert cli.main(["eval", "--patient", str(folder / "p.yaml"), "--rulesets", str(folder), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"patient", "facts", "answers"}
    assert data["patient"] == "p1"
    (answer,) = data["answers"]
    assert answer == {
        "source": "src",
        "question": "dose",
        "status": "indeterminate",
        "values": [{"value": {"mg": 1, "every_days": 1}, "claims": ["src/c0"]}],
        "missing": ["crcl"],
    }


def test_eval_derives_and_says_how(folder, capsys):
    (folder / "q.yaml").write_text(
        "id: q1\nfacts: {serum_creatinine_mg_dl: 1.0, age_years: 50, sex: male, weight_kg: 70}\n"
    )
    assert cli.main(["eval", "--patient", str(folder / "q.yaml"), "--rulesets", str(folder), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["derived"]["egfr"].startswith("CKD-EPI 2021")
    assert data["answers"][0]["status"] == "answered"


def test_explain_cli_errors_are_messages(folder, capsys):
    base = ["explain", "--patient", str(folder / "p.yaml"), "--rulesets", str(folder), "--question", "dose"]
    assert cli.main(base + ["--source", "srx"]) == 2
    assert "did you mean 'src'" in capsys.readouterr().out
    assert cli.main(base + ["--source", "src"]) == 0
    assert "[applied] src/c0" in capsys.readouterr().out
    (folder / "bad.yaml").write_text("id: p2\nfacts: {egfr: high}\n")
    assert cli.main(["eval", "--patient", str(folder / "bad.yaml"), "--rulesets", str(folder)]) == 1
    assert "error[E500]" in capsys.readouterr().err


def test_explain_text_puts_the_applying_claims_first_then_the_resolution_then_the_rest_folded():
    """Issue 16 item 7: the two claims that decided come before the ones that did not apply, one line each."""
    from engine.explain import explain_text
    from engine.validate import validate_paths
    from tests.conftest import REPO

    rulesets = {r.source_id: r for r in validate_paths([REPO / "rulesets"], check_patients=False).rulesets}
    text = explain_text(
        rulesets["dr-oracle"],
        "dose",
        {
            "indication": "rheumatoid_arthritis",
            "child_pugh": "C",
            "egfr": 90,
            "crcl": 100,
            "age_years": 50,
            "strong_oat3_inhibitor": False,
        },
    )
    applied = text.index("[applied] dr-oracle/child-pugh-c-dose")
    resolved = text.index("resolved: not_recommended")
    folded = text.index("claims did not apply:")
    assert applied < resolved < folded
    assert "[not applied]" not in text  # folded to one line each
    assert "  dr-oracle/standard-dose → 2 mg once daily or 4 mg once daily   (when " in text[folded:]
