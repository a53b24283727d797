"""Question shapes (schema/shapes.yaml) drive answers and comparisons: change the data, watch behaviour change.

Each test takes the bundled vocabulary, changes one relation of its shapes (cardinality,
an order, an implication, an axis, a qualifier) and checks that engine.evaluate's answer
and engine.meaning.questions.value_sets_disagree follow the data, with no code change.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from engine.conflicts import PRECISION, find_conflicts
from engine.contract import Vocabulary, vocabulary
from engine.evaluate import ANSWERED, CONFLICTING, ClaimOutcome, answer_text, combine
from engine.meaning.questions import (
    AGREE,
    CONTRADICT,
    ShapeError,
    compile_shapes,
    qualifier_problems,
    relate_value_sets,
    resolve_keys,
    shape_errors,
    value_sets_disagree,
)
from engine.meaning.questions import (
    PRECISION as RELATES_BY_PRECISION,
)
from engine.model import Claim, Provenance, answer_key
from engine.report import build_report
from engine.validate import validate_paths
from tests.conftest import write_ruleset


def variant(change: Any) -> Vocabulary:
    """The bundled vocabulary with its shapes data changed by `change(shapes)`."""
    shapes = copy.deepcopy(vocabulary().shapes)
    change(shapes)
    return replace(vocabulary(), shapes=shapes)


def claim(question: str, value: Any, n: int = 0, qualifiers: dict[str, str] | None = None) -> Claim:
    return Claim(
        f"src/c{n}", "src", question, value, True, Provenance("x", 0, 1), "submitted", qualifiers=dict(qualifiers or {})
    )


def answer_of(question: str, values: list[Any], vocab: Vocabulary | None = None, quals: list[Any] | None = None):
    claims = [claim(question, v, i, (quals or [None] * len(values))[i]) for i, v in enumerate(values)]
    return combine("src", question, [ClaimOutcome(c, True) for c in claims], vocab)


def keys(*values: Any) -> list[str]:
    return [answer_key(v) for v in values]


# ---------------------------------------------------------------- the bundled shapes


def test_the_bundled_shapes_hold():
    assert shape_errors(vocabulary()) == []
    shapes = compile_shapes(vocabulary())
    assert shapes["treatment_interruption"].cardinality == "many"
    assert shapes["dose"].cardinality == "one"
    # initiation's order is the vocabulary's scale, not repeated in shapes.yaml
    assert shapes["initiation"].order == vocabulary().questions["initiation"].scale


def test_every_question_of_the_vocabulary_has_a_shape_with_its_why():
    listed = vocabulary().shapes["questions"]
    assert set(listed) == set(vocabulary().questions)
    named = vocabulary().shapes["shapes"]
    for name, spec in listed.items():
        full = {**named.get(spec.get("use", ""), {}), **spec}
        assert full.get("why"), name


# ---------------------------------------------------------------- cardinality


def test_accumulating_answers_are_one_answer_and_a_variant_makes_them_conflict():
    got = answer_of("treatment_interruption", ["interrupt", "consult_specialist"])
    assert got.status == ANSWERED and [v.value for v in got.values] == ["interrupt", "consult_specialist"]
    assert got.summary() == "interrupt + consult_specialist"

    def one(shapes: dict[str, Any]) -> None:
        shapes["questions"]["treatment_interruption"]["cardinality"] = "one"

    assert answer_of("treatment_interruption", ["interrupt", "consult_specialist"], variant(one)).status == CONFLICTING


def test_between_sources_a_many_answer_differs_only_by_declared_exclusions():
    a, b = keys("interrupt", "consult_specialist"), keys("consult_specialist")
    assert not value_sets_disagree("treatment_interruption", a, b)  # an omission, not a contradiction

    def exclusive(shapes: dict[str, Any]) -> None:
        spec = shapes["questions"]["treatment_interruption"]
        spec["exclusive"] = [{"values": ["interrupt", "consult_specialist"], "why": "test"}]

    vocab = variant(exclusive)
    assert value_sets_disagree("treatment_interruption", keys("interrupt"), b, vocab)
    assert answer_of("treatment_interruption", ["interrupt", "consult_specialist"], vocab).status == CONFLICTING


def test_an_order_stacks_within_a_source_and_removing_it_accumulates():
    got = answer_of("treatment_interruption", ["interrupt", "discontinue"])
    assert got.status == ANSWERED and [v.value for v in got.values] == ["discontinue"]
    assert [v.value for v in got.subsumed] == ["interrupt"]

    def no_order(shapes: dict[str, Any]) -> None:
        del shapes["questions"]["treatment_interruption"]["order"]

    got = answer_of("treatment_interruption", ["interrupt", "discontinue"], variant(no_order))
    assert got.status == ANSWERED and [v.value for v in got.values] == ["interrupt", "discontinue"]


def test_an_unrestricted_value_contradicts_a_restriction_of_the_same_source():
    assert answer_of("dose_adjustment", ["consider", "required"]).values[0].value == "required"
    assert answer_of("dose_adjustment", ["not_required", "required"]).status == CONFLICTING
    # the vocabulary's scale still works as initiation's order
    got = answer_of("initiation", ["use_with_caution", "contraindicated"])
    assert got.status == ANSWERED and got.values[0].value == "contraindicated"
    assert answer_of("initiation", ["recommended", "use_with_caution"]).status == CONFLICTING


# ---------------------------------------------------------------- implications


def test_an_implication_subsumes_within_and_is_precision_between_and_a_variant_without_it_contradicts():
    got = answer_of("interaction.oat3_inhibitor", ["interacts", "reduce_dose"])
    assert got.status == ANSWERED and [v.value for v in got.values] == ["reduce_dose"]
    assert [v.value for v in got.subsumed] == ["interacts"]
    verdict, pairs = relate_value_sets("interaction.oat3_inhibitor", keys("reduce_dose"), keys("interacts"))
    assert verdict == RELATES_BY_PRECISION and pairs[0][2] == "refines"
    assert value_sets_disagree("interaction.oat3_inhibitor", keys("reduce_dose"), keys("interacts"))

    def drop(shapes: dict[str, Any]) -> None:
        del shapes["questions"]["interaction.oat3_inhibitor"]["implies"]

    vocab = variant(drop)
    assert answer_of("interaction.oat3_inhibitor", ["interacts", "reduce_dose"], vocab).status == CONFLICTING
    assert relate_value_sets("interaction.oat3_inhibitor", keys("reduce_dose"), keys("interacts"), vocab)[0] == (
        CONTRADICT
    )


def test_a_regimen_is_a_kind_of_adjustment_required_by_a_json_schema_pattern():
    regimen = {"mg": 2, "every_days": 1}
    assert relate_value_sets("dose", keys(regimen), keys("adjustment_required"))[0] == RELATES_BY_PRECISION
    assert relate_value_sets("dose", keys(regimen), keys({"mg": 1, "every_days": 1}))[0] == CONTRADICT
    assert relate_value_sets("dose", keys(regimen), keys("not_recommended"))[0] == CONTRADICT
    # within one source the implication is declared conflicting (the two may come from different triggers)
    assert answer_of("dose", [regimen, "adjustment_required"]).status == CONFLICTING

    def subsume(shapes: dict[str, Any]) -> None:
        shapes["questions"]["dose"]["implies"][0]["within_source"] = "subsumed"

    got = answer_of("dose", [regimen, "adjustment_required"], variant(subsume))
    assert got.status == ANSWERED and got.values[0].value == regimen


def test_schedules_imply_frequency_words_transitively():
    every_3 = {"at_weeks": [4], "then_every_months": 3}
    q = "monitoring.blood_counts"
    assert relate_value_sets(q, keys(every_3), keys({"frequency": "unspecified"}))[0] == RELATES_BY_PRECISION
    assert relate_value_sets(q, keys(every_3), keys({"frequency": "regularly"}))[0] == RELATES_BY_PRECISION
    # a single check at 3 months is not a regular schedule, but it is still monitoring of some frequency
    assert relate_value_sets(q, keys({"at_months": [3]}), keys({"frequency": "regularly"}))[0] == AGREE
    assert relate_value_sets(q, keys({"frequency": "regularly"}), keys({"frequency": "unspecified"}))[0] == (
        RELATES_BY_PRECISION
    )
    # two schedules of one source accumulate
    assert answer_of(q, [every_3, {"at_weeks": [4], "then_every_months": [3, 6]}]).status == ANSWERED


# ---------------------------------------------------------------- axes


def test_values_on_different_axes_are_never_compared_and_a_variant_without_axes_compares_them():
    q = "risk.infection"
    assert not value_sets_disagree(q, keys("common"), keys("increased"))
    assert not value_sets_disagree(q, keys("reported"), keys("increased"))
    assert value_sets_disagree(q, keys("no_significant_increase"), keys("increased"))
    got = answer_of(q, ["common", "increased"])
    assert got.status == ANSWERED and answer_text(got.status, [v.value for v in got.values]) == "common + increased"

    def flat(shapes: dict[str, Any]) -> None:
        shapes["questions"][q] = {"cardinality": "one", "why": "test: one axis"}

    vocab = variant(flat)
    assert value_sets_disagree(q, keys("common"), keys("increased"), vocab)
    assert answer_of(q, ["common", "increased"], vocab).status == CONFLICTING


# ---------------------------------------------------------------- qualifiers


def us(v: str) -> str:
    return answer_key(v, {"jurisdiction": "US"})


def eu(v: str) -> str:
    return answer_key(v, {"jurisdiction": "EU"})


def test_jurisdictions_are_compared_apart_and_unspecified_with_every_one():
    q = "indication_status"
    assert not value_sets_disagree(q, [us("approved")], [eu("off_label")])
    assert value_sets_disagree(q, [us("approved")], [us("off_label")])
    assert value_sets_disagree(q, [answer_key("approved")], [eu("off_label")])  # no qualifier: unspecified
    got = answer_of(q, ["approved", "off_label"], quals=[{"jurisdiction": "US"}, {"jurisdiction": "EU"}])
    assert got.status == ANSWERED
    assert got.summary() == "approved (jurisdiction US) + off_label (jurisdiction EU)"
    assert got.to_json()["values"][0]["qualifiers"] == {"jurisdiction": "US"}
    # the default written out and left out are one answer
    same = answer_of(q, ["approved", "approved"], quals=[{"jurisdiction": "unspecified"}, None])
    assert same.status == ANSWERED and len(same.values) == 1
    assert resolve_keys(q, [answer_key("approved"), eu("off_label")]).conflicting

    def strict(shapes: dict[str, Any]) -> None:
        del shapes["questions"][q]["qualifiers"]["jurisdiction"]["matches_any"]

    vocab = variant(strict)
    assert not value_sets_disagree(q, [answer_key("approved")], [eu("off_label")], vocab)
    assert not resolve_keys(q, [answer_key("approved"), eu("off_label")], vocab).conflicting


def test_qualifier_problems_name_the_qualifier_and_the_allowed_values():
    assert qualifier_problems("indication_status", {"jurisdiction": "US"}) == []
    assert qualifier_problems("indication_status", {"jurisdiction": "Mars"}) == [
        (("jurisdiction",), False, "'Mars' is not a jurisdiction of indication_status (one of US, EU, unspecified)")
    ]
    assert qualifier_problems("dose", {"jurisdiction": "US"}) == [
        (("jurisdiction",), True, "dose has no qualifier 'jurisdiction' (schema/shapes.yaml declares none for it)")
    ]


def test_validate_locates_an_unknown_qualifier(tmp_path: Path):
    text = "Approved in the US. Approved in the EU."
    write_ruleset(
        tmp_path,
        "src",
        text,
        [
            {
                "question": "indication_status",
                "value": "approved",
                "quote": "Approved in the US",
                "qualifiers": {"jurisdiction": "US", "region": "north"},
            }
        ],
    )
    result = validate_paths([tmp_path], check_patients=False)
    found = [d.format() for d in result.diagnostics if d.code == "E214"]
    assert len(found) == 1 and found[0].endswith(
        "error[E214]: indication_status has no qualifier 'region' (its qualifiers: jurisdiction) "
        "(at /claims/0/qualifiers/region)"
    )


# ---------------------------------------------------------------- region analysis and the report


def _pair(tmp_path: Path, question: str, a: Any, b: Any) -> list[Any]:
    write_ruleset(tmp_path, "a-src", "Alpha.", [{"question": question, "value": a, "quote": "Alpha"}])
    write_ruleset(tmp_path, "b-src", "Beta.", [{"question": question, "value": b, "quote": "Beta"}])
    result = validate_paths([tmp_path], check_patients=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    return sorted(result.rulesets, key=lambda r: r.source_id)


def test_precision_differences_are_notes_never_conflicts_and_a_variant_makes_them_conflicts(tmp_path: Path):
    rulesets = _pair(tmp_path, "interaction.oat3_inhibitor", "reduce_dose", "interacts")
    conflicts, analysis = find_conflicts(rulesets)
    assert [c.kind for c in conflicts] == [PRECISION]
    report = build_report(rulesets, conflicts, analysis, {})
    assert report["conflicts"] == [] and report["summary"]["conflicts"] == 0
    (note,) = report["precision_notes"]
    assert note["kind"] == "precision" and note["severity"] == "low"
    assert "reduce_dose is a kind of interacts" in note["description"]

    def drop(shapes: dict[str, Any]) -> None:
        del shapes["questions"]["interaction.oat3_inhibitor"]["implies"]

    conflicts, analysis = find_conflicts(rulesets, variant(drop))
    assert [c.kind for c in conflicts] == ["between_sources"]


def test_an_axis_variant_changes_the_region_analysis(tmp_path: Path):
    rulesets = _pair(tmp_path, "risk.infection", "common", "increased")
    assert find_conflicts(rulesets)[0] == []

    def flat(shapes: dict[str, Any]) -> None:
        shapes["questions"]["risk.infection"] = {"cardinality": "one", "why": "test: one axis"}

    assert [c.kind for c in find_conflicts(rulesets, variant(flat))[0]] == ["between_sources"]


def test_a_cardinality_variant_changes_within_source_findings(tmp_path: Path):
    write_ruleset(
        tmp_path,
        "a-src",
        "Alpha. Beta.",
        [
            {"question": "treatment_interruption", "value": "interrupt", "quote": "Alpha"},
            {"question": "treatment_interruption", "value": "consult_specialist", "quote": "Beta"},
        ],
    )
    rulesets = validate_paths([tmp_path], check_patients=False).rulesets
    assert find_conflicts(rulesets)[0] == []

    def one(shapes: dict[str, Any]) -> None:
        shapes["questions"]["treatment_interruption"]["cardinality"] = "one"

    assert [c.kind for c in find_conflicts(rulesets, variant(one))[0]] == ["within_source"]


# ---------------------------------------------------------------- shapes that cannot hold


@pytest.mark.parametrize(
    ("change", "pointer", "message"),
    [
        (
            lambda s: s["questions"].__setitem__("dosage", {"cardinality": "one"}),
            ("questions", "dosage"),
            "unknown question 'dosage' (did you mean 'dose'?)",
        ),
        (
            lambda s: s["questions"]["interaction.oat3_inhibitor"]["implies"][0].__setitem__("implies", "interact"),
            ("questions", "interaction.oat3_inhibitor", "implies", 0, "implies"),
            '"interact" is not a value of interaction.oat3_inhibitor (values: interacts, reduce_dose)',
        ),
        (
            lambda s: s["questions"]["interaction.oat3_inhibitor"]["implies"].append(
                {"value": "interacts", "implies": "reduce_dose", "why": "test"}
            ),
            ("questions", "interaction.oat3_inhibitor", "implies"),
            'implication cycle: "interacts" and "reduce_dose" imply each other (two values that imply each other are one value)',
        ),
        (
            lambda s: s["questions"]["treatment_interruption"].update(
                compatible=[{"values": ["interrupt", "consult_specialist"], "why": "t"}],
                exclusive=[{"values": ["consult_specialist", "interrupt"], "why": "t"}],
            ),
            ("questions", "treatment_interruption", "compatible"),
            '"consult_specialist" and "interrupt" are declared both compatible and exclusive',
        ),
        (
            lambda s: s["shapes"]["risk_statement"]["axes"]["evidence"].append("common"),
            ("shapes", "risk_statement", "axes", "evidence", 1),
            "'common' is on two axes (frequency and evidence): a value answers one thing",
        ),
        (
            lambda s: s["questions"]["initiation"].__setitem__(
                "order", {"values": ["recommended", "contraindicated"], "why": "t"}
            ),
            ("questions", "initiation", "order"),
            "initiation already has a scale in vocabulary.yaml, which is its order: do not repeat it here",
        ),
        (
            lambda s: s["questions"]["route"].__setitem__("use", "nonesuch"),
            ("questions", "route", "use"),
            "unknown shape 'nonesuch' (shapes: class_comparison, comparison, risk_statement, schedule, test_before_start)",
        ),
    ],
)
def test_a_shapes_variant_that_cannot_hold_names_its_pointer(change: Any, pointer: tuple[Any, ...], message: str):
    vocab = variant(change)
    errors = shape_errors(vocab)
    assert errors, message
    assert (errors[0].path, errors[0].message) == (pointer, message)
    with pytest.raises(ShapeError):
        compile_shapes(vocab)


def test_an_expected_single_value_does_not_match_an_accumulated_answer():
    from engine.testing import matches

    both = answer_of("treatment_interruption", ["interrupt", "consult_specialist"])
    assert not matches("interrupt", both)
    assert matches("interrupt", answer_of("treatment_interruption", ["interrupt"]))


def test_one_value_under_a_wildcard_qualifier_is_the_same_answer():
    """approved with no jurisdiction named and approved in the US agree; approved and not_approved do not."""
    from engine.meaning.questions import AGREE, CONTRADICT, relate_value_sets
    from engine.model import answer_key

    unspecified = answer_key("approved", {"jurisdiction": "unspecified"})
    us = answer_key("approved", {"jurisdiction": "US"})
    eu = answer_key("approved", {"jurisdiction": "EU"})
    assert relate_value_sets("indication_status", [unspecified], [us])[0] == AGREE
    assert (
        relate_value_sets("indication_status", [unspecified], [answer_key("not_approved", {"jurisdiction": "US"})])[0]
        == CONTRADICT
    )
    assert (
        relate_value_sets("indication_status", [us], [answer_key("not_approved", {"jurisdiction": "EU"})])[0]
        != CONTRADICT
    )
    assert relate_value_sets("indication_status", [us], [eu])[0] == AGREE  # apart: compared only where they agree
