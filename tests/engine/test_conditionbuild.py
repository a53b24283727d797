"""engine.conditionbuild: the built JSON-Logic evaluates as intended (engine.evaluate) and writes at `when:`."""

from __future__ import annotations

import pytest

from engine.conditionbuild import Band, BuildError, Equals, IsTrue, build, build_rule, set_when, when_style
from engine.contract import vocabulary
from engine.evaluate import evaluate_claim
from engine.loader import load_text
from engine.model import Claim, Provenance
from engine.rules import check_rule

VOCAB = vocabulary()
NUMBER = "egfr"
BOOLEAN = next(f.name for f in VOCAB.facts.values() if f.type == "boolean")
ENUM = next(f for f in VOCAB.facts.values() if f.values)


def applies(rule, **facts):
    claim = Claim("s/c", "s", "dose", "not_recommended", rule, Provenance("x", 0, 1), "draft")
    return evaluate_claim(claim, facts).applies


@pytest.mark.parametrize(("low_closed", "high_closed"), [(True, True), (True, False), (False, True), (False, False)])
def test_band_ends_included_or_excluded_as_chosen(low_closed, high_closed):
    rule = build(Band(NUMBER, 30, 49, low_closed, high_closed), VOCAB)
    assert applies(rule, egfr=40) is True
    assert applies(rule, egfr=29.9) is False and applies(rule, egfr=49.1) is False
    assert applies(rule, egfr=30) is low_closed
    assert applies(rule, egfr=49) is high_closed
    assert applies(rule) is None  # the fact missing: unknown, not false


@pytest.mark.parametrize(("closed", "at_end"), [(True, True), (False, False)])
def test_open_ended_bands(closed, at_end):
    above = build(Band(NUMBER, low=60, low_closed=closed), VOCAB)
    assert applies(above, egfr=200) is True and applies(above, egfr=59) is False and applies(above, egfr=60) is at_end
    below = build(Band(NUMBER, high=30, high_closed=closed), VOCAB)
    assert applies(below, egfr=0) is True and applies(below, egfr=31) is False and applies(below, egfr=30) is at_end


def test_band_in_the_bundled_form():
    assert build(Band(NUMBER, 30, 49, True, True), VOCAB) == {"<=": [30, {"var": "egfr"}, 49]}
    assert build(Band(NUMBER, low=65), VOCAB) == {">=": [{"var": "egfr"}, 65]}


def test_boolean_and_equals_and_joins():
    yes, no = build(IsTrue(BOOLEAN), VOCAB), build(IsTrue(BOOLEAN, False), VOCAB)
    assert applies(yes, **{BOOLEAN: True}) is True and applies(yes, **{BOOLEAN: False}) is False
    assert applies(no, **{BOOLEAN: False}) is True and applies(no, **{BOOLEAN: True}) is False
    eq = build(Equals(ENUM.name, ENUM.values[0]), VOCAB)
    assert applies(eq, **{ENUM.name: ENUM.values[0]}) is True
    assert applies(eq, **{ENUM.name: ENUM.values[1]}) is False
    both = build_rule([Band(NUMBER, 30, 60), IsTrue(BOOLEAN)], "and", VOCAB)
    either = build_rule([Band(NUMBER, 30, 60), IsTrue(BOOLEAN)], "or", VOCAB)
    assert applies(both, egfr=40, **{BOOLEAN: False}) is False and applies(either, egfr=40, **{BOOLEAN: False}) is True
    assert applies(both, egfr=40, **{BOOLEAN: True}) is True and applies(either, egfr=70, **{BOOLEAN: False}) is False


def test_built_rules_pass_the_rule_checker():
    rule = build_rule(
        [Band(NUMBER, 30, 49, False, True), IsTrue(BOOLEAN, False), Equals(ENUM.name, ENUM.values[-1])], "and", VOCAB
    )
    assert check_rule(rule, VOCAB) == []


@pytest.mark.parametrize(
    ("condition", "words"),
    [
        (Band("no_such_fact", 1, 2), "unknown fact"),
        (Band(BOOLEAN, 1, 2), "needs a number fact"),
        (Band(NUMBER), "at least one end"),
        (Band(NUMBER, 50, 30), "empty"),
        (Band(NUMBER, 30, 30, True, False), "empty"),
        (Band(NUMBER, float("nan"), 3), "finite number"),
        (IsTrue(NUMBER), "boolean fact"),
        (Equals(ENUM.name, "not-a-value"), "is not a value of"),
    ],
)
def test_refused_with_a_message(condition, words):
    with pytest.raises(BuildError, match=words):
        build(condition, VOCAB)


CLAIM = "id: s/a\nquestion: dose\nvalue: not_recommended\nwhen: true\nprovenance:\n  exact: x\nstatus: draft\n"


@pytest.mark.parametrize("style", ["flow", "block"])
def test_set_when_replaces_the_rule_and_keeps_the_rest(style):
    rule = build_rule([Band(NUMBER, 30, 49, True, True), IsTrue(BOOLEAN, False)], "and", VOCAB)
    text = set_when(CLAIM, rule, style)
    data = load_text(text, "c.yaml").data
    assert data["when"] == rule and data["provenance"] == {"exact": "x"} and data["status"] == "draft"
    again = set_when(text, {"var": BOOLEAN}, "flow")  # a block rule is replaced whole
    assert load_text(again, "c.yaml").data["when"] == {"var": BOOLEAN} and again.count("when:") == 1


def test_set_when_adds_a_missing_when_before_the_provenance():
    text = set_when(CLAIM.replace("when: true\n", ""), {"var": BOOLEAN})
    assert text.index("when:") < text.index("provenance:")


def test_when_style_follows_the_file():
    assert when_style('claims:\n  - when: {"var": "a"}\n  - when: true\n') == "flow"
    assert when_style("claims:\n  - when:\n      var: a\n  - when:\n      var: b\n") == "block"
