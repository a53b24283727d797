"""Analysis by slices of one categorical fact: specialised rules, and the same findings as the whole analysis."""

from __future__ import annotations

import pytest

from engine.analysis.driver import analyse, analyse_question
from engine.analysis.slicing import analyse_by_slices, slicing_fact, specialise
from engine.contract import vocabulary
from engine.jsonlogic import UNKNOWN, compiler
from engine.validate import validate_paths
from tests.conftest import REPO

IND = {"var": "indication"}


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    [
        ({"==": [IND, "rheumatoid_arthritis"]}, "rheumatoid_arthritis", True),
        ({"==": [IND, "rheumatoid_arthritis"]}, "covid19", False),
        ({"in": [IND, ["covid19", "alopecia_areata"]]}, "covid19", True),
        ({"and": [{"==": [IND, "covid19"]}, {"<": [{"var": "egfr"}, 30]}]}, "covid19", {"<": [{"var": "egfr"}, 30]}),
        ({"and": [{"==": [IND, "covid19"]}, {"<": [{"var": "egfr"}, 30]}]}, "alopecia_areata", False),
        ({"or": [{"==": [IND, "covid19"]}, {"var": "pregnant"}]}, "covid19", True),
        ({"or": [{"==": [IND, "covid19"]}, {"var": "pregnant"}]}, "psoriatic_arthritis", {"var": "pregnant"}),
        ({"!": {"==": [IND, "covid19"]}}, "covid19", False),
        ({"<": [{"var": "egfr"}, 30]}, "covid19", {"<": [{"var": "egfr"}, 30]}),  # does not read the fact
    ],
)
def test_specialise_substitutes_and_folds(rule, value, expected):
    assert specialise(rule, "indication", value) == expected


@pytest.mark.parametrize("value", ["rheumatoid_arthritis", "covid19", "juvenile_idiopathic_arthritis"])
def test_a_specialised_rule_agrees_with_the_rule_on_every_patient_of_the_slice(value):
    rule = {
        "if": [
            {"and": [{"in": [IND, ["covid19", "rheumatoid_arthritis"]]}, {">=": [{"var": "age_years"}, 18]}]},
            {"or": [{"!": {"==": [IND, "covid19"]}}, {"<": [{"var": "egfr"}, 15]}]},
            False,
        ]
    }
    special = specialise(rule, "indication", value)
    assert special is not None
    run = compiler("accord").compile
    for facts in ({}, {"age_years": 40}, {"age_years": 40, "egfr": 10}, {"age_years": 12, "egfr": 90}):
        whole = run(rule)({**facts, "indication": value})
        part = run(special)(facts) if isinstance(special, dict) else special
        assert (whole is UNKNOWN) == (part is UNKNOWN) and (whole is UNKNOWN or bool(whole) == bool(part)), facts


def ordinary_rulesets():
    return [r for r in validate_paths([REPO / "rulesets"], check_patients=False).rulesets if not r.is_reference]


@pytest.mark.parametrize("question", ["dose", "initiation"])
def test_slices_find_what_the_whole_analysis_finds(question):
    """On the four ordinary sources (small enough to analyse whole): the same findings, the same cells in all."""
    vocab = vocabulary()
    rulesets = ordinary_rulesets()
    whole = analyse_question(question, rulesets, vocab)
    assert not whole.not_analysed and whole.findings
    fact = slicing_fact(question, rulesets, vocab)
    assert fact == "indication"
    sliced = analyse_by_slices(question, rulesets, vocab, fact, lambda rs: analyse_question(question, rs, vocab))
    assert sliced is not None and not sliced.not_analysed

    def claims_by_pair(findings):
        out: dict[tuple[str, tuple[str, ...]], set[str]] = {}
        for f in findings:
            out.setdefault((f.kind, f.sources), set()).update(f.claims)
        return out

    # The same kinds of disagreement between the same sources over the same claims. Ids may differ: a
    # region spanning several indications is one finding whole and one per indication sliced, each
    # naming only the claims that apply there; and a slice cuts facts only at its own claims' thresholds.
    assert claims_by_pair(sliced.findings) == claims_by_pair(whole.findings)
    for f in sliced.findings:  # each region placed back: the slice's value in the region and its witness
        assert len(f.region.indices[fact]) == 1 and fact in f.region.witness


def test_the_bundled_corpus_with_its_labels_is_analysed_whole():
    """With the two labels, dose and initiation are over the budgets whole; by slices nothing is left out."""
    rulesets = validate_paths([REPO / "rulesets"], check_patients=False).rulesets
    analysis = analyse(rulesets, questions=["dose", "initiation"])
    assert not [n for qa in analysis.questions.values() for n in qa.not_analysed]
    assert all("analysed once per value of indication" in " ".join(qa.notes) for qa in analysis.questions.values())
