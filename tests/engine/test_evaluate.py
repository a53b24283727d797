"""Evaluation: answered / conflicting / indeterminate / silent, Kleene logic, derived facts."""

from __future__ import annotations

import pytest

from engine.derive import ckd_epi_2021, cockcroft_gault, derivation, derive_facts
from engine.evaluate import evaluate_patient
from engine.jsonlogic import UNKNOWN, RuleError, compiler
from engine.validate import validate_paths

TEXT = "A. B. C. D."
BAND_LOW = {"<": [{"var": "egfr"}, 30]}
BAND_MID = {"and": [{">=": [{"var": "egfr"}, 30]}, {"<": [{"var": "egfr"}, 50]}]}
RA = {"==": [{"var": "indication"}, "rheumatoid_arthritis"]}


@pytest.fixture
def rulesets(ruleset_writer, tmp_path):
    ruleset_writer(
        "s",
        TEXT,
        [
            {"question": "dose", "value": "not_recommended", "when": BAND_LOW, "quote": "A"},
            {"question": "dose", "value": {"mg": 2, "every_days": 1}, "when": BAND_MID, "quote": "B"},
            {
                "question": "dose",
                "value": {"mg": 4, "every_days": 1},
                "when": {"and": [RA, {"<": [{"var": "egfr"}, 40]}]},
                "quote": "C",
            },
            {"question": "indication_status", "value": "approved", "when": RA, "quote": "D"},
        ],
    )
    result = validate_paths([tmp_path])
    assert result.ok, [d.format() for d in result.diagnostics]
    return result.rulesets


def status(rulesets, facts, question="dose"):
    return evaluate_patient(rulesets, facts).get("s", question)


def test_answered(rulesets):
    a = status(rulesets, {"egfr": 45, "indication": "rheumatoid_arthritis"})
    assert (a.status, a.value, a.values[0].claims) == ("answered", {"mg": 2, "every_days": 1}, ("s/c1",))


def test_conflicting(rulesets):
    a = status(rulesets, {"egfr": 35, "indication": "rheumatoid_arthritis"})
    assert a.status == "conflicting"
    assert sorted(v.claims[0] for v in a.values) == ["s/c1", "s/c2"]


def test_indeterminate_names_missing_fact_never_treats_it_as_false(rulesets):
    a = status(rulesets, {"egfr": 35})
    assert a.status == "indeterminate"
    assert a.missing == ("indication",)
    a = status(rulesets, {"indication": "rheumatoid_arthritis"})
    assert a.status == "indeterminate" and a.missing == ("egfr",)


def test_unknown_claim_with_same_value_does_not_block(rulesets):
    # RA with egfr 45: claim c2 (RA and egfr<40) is false, c1 applies.
    a = status(rulesets, {"egfr": 45})
    assert a.status == "answered"


def test_silent(rulesets):
    a = status(rulesets, {"egfr": 90, "indication": "covid19"})
    assert a.status == "silent" and a.values == ()


def test_json_shape(rulesets):
    data = evaluate_patient(rulesets, {"egfr": 20, "indication": "covid19"}, "p1").to_json()
    assert data["patient"] == "p1"
    assert data["answers"][0] == {
        "source": "s",
        "question": "dose",
        "status": "answered",
        "values": [{"value": "not_recommended", "claims": ["s/c0"]}],
        "missing": [],
    }


def test_kleene_logic():
    c = compiler("accord")
    assert c.evaluate({"and": [{"var": "pregnant"}, False]}, {}) is False
    assert c.evaluate({"or": [{"var": "pregnant"}, True]}, {}) is True
    assert c.evaluate({"and": [{"var": "pregnant"}, True]}, {}) is UNKNOWN
    assert c.evaluate({"!": {"var": "pregnant"}}, {}) is UNKNOWN
    assert c.evaluate({"<": [{"var": "egfr"}, 30]}, {"egfr": None}) is UNKNOWN
    assert c.evaluate({"<": [{"var": "egfr"}, 30]}, {"egfr": 0}) is True


def test_division_by_zero_is_an_error_in_accord_semantics():
    with pytest.raises(RuleError):
        compiler("accord").evaluate({"/": [1, {"var": "egfr"}]}, {"egfr": 0})


def test_derived_facts_and_given_value_wins():
    facts, how = derive_facts({"serum_creatinine_mg_dl": 1.0, "age_years": 50, "sex": "male", "weight_kg": 70})
    assert facts["egfr"] == pytest.approx(91.69, abs=0.01)
    assert facts["crcl"] == pytest.approx(87.5, abs=0.01)
    assert {"egfr", "crcl"} <= set(how)  # by formula; the rest by schema/relations.yaml (renal category, ...)
    assert set(
        derivation({"serum_creatinine_mg_dl": 1.0, "age_years": 50, "sex": "male", "weight_kg": 70}).formulas
    ) == {
        "egfr",
        "crcl",
    }
    facts, how = derive_facts({"serum_creatinine_mg_dl": 1.0, "age_years": 50, "sex": "male", "egfr": 40})
    assert facts["egfr"] == 40 and "egfr" not in how and "crcl" not in how


def test_reference_values():
    # CKD-EPI 2021 reference: female, 60 y, creatinine 0.7 -> 0.9938^60 * 142 * 1.012
    assert ckd_epi_2021(0.7, 60, "female") == pytest.approx(142 * 0.9938**60 * 1.012)
    assert cockcroft_gault(2.0, 80, "female", 60) == pytest.approx((60 * 60) / 144 * 0.85)


def test_scaled_restrictions_stack_to_the_most_restrictive(ruleset_writer, tmp_path):
    ruleset_writer(
        "s",
        "Caution. Only if. Recommended.",
        [
            {
                "question": "initiation",
                "value": "use_with_caution",
                "when": {">=": [{"var": "age_years"}, 65]},
                "quote": "Caution",
            },
            {
                "question": "initiation",
                "value": "only_if_no_alternative",
                "when": {"var": "cv_risk_factor"},
                "quote": "Only if",
            },
            {
                "question": "initiation",
                "value": "recommended",
                "when": {"<": [{"var": "age_years"}, 18]},
                "quote": "Recommended",
            },
        ],
    )
    rulesets = validate_paths([tmp_path]).rulesets
    a = evaluate_patient(rulesets, {"age_years": 70, "cv_risk_factor": True}).get("s", "initiation")
    assert (a.status, a.value) == ("answered", "only_if_no_alternative")
    assert [g.value for g in a.subsumed] == ["use_with_caution"]
    assert a.to_json()["subsumed"] == [{"value": "use_with_caution", "claims": ["s/c0"]}]
    # A missing fact that could add a stronger restriction leaves the answer open...
    a = evaluate_patient(rulesets, {"age_years": 70}).get("s", "initiation")
    assert (a.status, a.missing) == ("indeterminate", ("cv_risk_factor",))
    a = evaluate_patient(rulesets, {"age_years": 40, "cv_risk_factor": True}).get("s", "initiation")
    assert (a.status, a.value) == ("answered", "only_if_no_alternative")
    # ...one that could only add a weaker one does not.
    ruleset = rulesets[0]
    from engine.evaluate import ClaimOutcome, combine

    outcomes = [ClaimOutcome(ruleset.claims[0], None, ("age_years",)), ClaimOutcome(ruleset.claims[1], True)]
    assert combine("s", "initiation", outcomes).status == "answered"
    # ...but 'recommended' together with a restriction is a contradiction.
    a = evaluate_patient(rulesets, {"age_years": 10, "cv_risk_factor": True}).get("s", "initiation")
    assert a.status == "conflicting"
