"""Live cues (engine.cues) and gap suggestions (engine.gapfill) on synthetic rulesets with known overlaps and gaps."""

from __future__ import annotations

import dataclasses

import pytest

from engine.analysis.driver import analyse
from engine.conflicts import build_conflicts
from engine.contract import vocabulary
from engine.cues import OVERLAP, claim_from_data, cues
from engine.gapfill import NotAGap, gap_suggestion
from engine.model import Claim, Provenance, Ruleset

ONE = {"mg": 1, "every_days": 1}
TWO = {"mg": 2, "every_days": 1}
RA = {"==": [{"var": "indication"}, "rheumatoid_arthritis"]}


def egfr(op, x):
    return {op: [{"var": "egfr"}, x]}


def claim(slug, when, value, source="src"):
    return Claim(f"{source}/{slug}", source, "dose", value, when, Provenance("q", 0, 1), "draft")


def ruleset(*claims, source="src"):
    return Ruleset(f"{source}.yaml", source, source, f"sources/{source}.txt", "", list(claims))


@pytest.fixture(scope="module")
def vocab():
    return vocabulary()


# Bands with no hole and no overlap: egfr < 30 one, egfr >= 30 two (under rheumatoid arthritis).
LOW = claim("low", {"and": [RA, egfr("<", 30)]}, ONE)
HIGH = claim("high", {"and": [RA, egfr(">=", 30)]}, TWO)


def test_clean_banding_has_no_cues(vocab):
    assert cues(ruleset(LOW, HIGH), "dose", LOW, vocab) == []


def test_an_edit_that_creates_an_overlap(vocab):
    edited = dataclasses.replace(LOW, when={"and": [RA, egfr("<", 50)]})
    found = cues(ruleset(LOW, HIGH), "dose", edited, vocab)
    assert [(c.kind, c.other_claims) for c in found] == [(OVERLAP, ("src/high",))]
    assert found[0].region_text == "30 <= egfr < 50 and indication = rheumatoid_arthritis"
    assert found[0].text() == (
        "this band now overlaps src/high on 30 <= egfr < 50 and indication = rheumatoid_arthritis"
    )


def test_an_edit_that_opens_a_gap(vocab):
    edited = dataclasses.replace(LOW, when={"and": [RA, egfr("<=", 29)]})
    found = cues(ruleset(LOW, HIGH), "dose", edited, vocab)
    assert [(c.kind, c.other_claims, c.fact, c.side) for c in found] == [("gap", ("src/high",), "egfr", "below")]
    assert found[0].region_text == "29 < egfr < 30 and indication = rheumatoid_arthritis"
    assert found[0].text().startswith("leaves a hole at 29 < egfr < 30")
    # The claim on the other side sees the same hole from above.
    other = cues(ruleset(edited, HIGH), "dose", HIGH, vocab)
    assert [(c.kind, c.other_claims, c.side) for c in other] == [("gap", ("src/low",), "above")]


def test_an_edit_that_closes_a_gap(vocab):
    holed = dataclasses.replace(LOW, when={"and": [RA, egfr("<=", 29)]})
    source = ruleset(holed, HIGH)
    assert [c.kind for c in cues(source, "dose", holed, vocab)] == ["gap"]
    assert cues(source, "dose", LOW, vocab) == []  # the saved hole, edited back to egfr < 30


def test_a_new_claim_is_analysed_with_the_saved_ones(vocab):
    new = claim("middle", {"and": [RA, egfr(">=", 20), egfr("<", 40)]}, TWO)
    found = cues(ruleset(LOW, HIGH), "dose", new, vocab)
    # Same value as src/high where both apply: no overlap with it; another value than src/low on 20..30.
    assert [(c.kind, c.other_claims, c.region_text) for c in found] == [
        (OVERLAP, ("src/low",), "20 <= egfr < 30 and indication = rheumatoid_arthritis")
    ]


def test_a_renamed_claim_replaces_its_saved_version(vocab):
    renamed = dataclasses.replace(LOW, id="src/low-renamed", when={"and": [RA, egfr("<", 50)]})
    found = cues(ruleset(LOW, HIGH), "dose", renamed, vocab, replaces="src/low")
    assert [(c.kind, c.other_claims) for c in found] == [(OVERLAP, ("src/high",))]


def test_a_claim_moved_to_another_question_has_no_cues(vocab):
    moved = dataclasses.replace(LOW, question="initiation", value="start")
    assert cues(ruleset(LOW, HIGH), "dose", moved, vocab) == []


def test_claim_from_data_needs_what_analysis_reads():
    data = {"id": "src/x", "question": "dose", "value": ONE, "when": True, "provenance": {"exact": ""}}
    made = claim_from_data(data, "src", 3)
    assert made is not None and made.index == 3 and made.when is True
    assert claim_from_data({**data, "value": None}, "src") is None
    assert claim_from_data({k: v for k, v in data.items() if k != "when"}, "src") is None


# ---------------------------------------------------------------- gap suggestions


def gap_findings(*claims, vocab):
    rulesets = [ruleset(*claims)]
    conflicts = build_conflicts(rulesets, analyse(rulesets, vocab), vocab)
    return [c.to_json() for c in conflicts if c.kind == "gap"], rulesets


def test_gap_suggestion_has_the_hole_with_its_ends_and_the_neighbours_values(vocab):
    below = claim("below", {"and": [RA, egfr(">=", 30), egfr("<=", 49)]}, ONE)
    above = claim("above", {"and": [RA, egfr(">", 50)]}, TWO)
    found, rulesets = gap_findings(below, above, vocab=vocab)
    assert len(found) == 1
    s = gap_suggestion(found[0], rulesets, vocab)
    assert (s.question, s.fact, s.low, s.low_inclusive, s.high, s.high_inclusive) == (
        "dose",
        "egfr",
        49,
        False,
        50,
        True,
    )
    assert s.interval_text == "49 < egfr <= 50"
    assert s.when == {"and": [RA, egfr(">", 49), egfr("<=", 50)]}
    assert s.candidates == [{"value": ONE, "from_claim": "src/below"}, {"value": TWO, "from_claim": "src/above"}]
    assert (s.ending, s.beginning) == (("src/below",), ("src/above",))
    assert s.to_json()["text"] == "49 < egfr <= 50"
    # The suggested claim closes the gap: with it (either candidate value) the source has no hole there.
    for candidate in s.candidates:
        fill = claim("fill", s.when, candidate["value"])
        assert gap_findings(below, above, fill, vocab=vocab)[0] == []
        assert [c.kind for c in cues(ruleset(below, above), "dose", fill, vocab)] == []


def test_gap_suggestion_keeps_closed_ends_closed_and_only_shared_conditions(vocab):
    below = claim("below", {"and": [RA, {"var": "renal_impairment"}, egfr("<", 30)]}, ONE)
    above = claim("above", {"and": [RA, egfr(">", 40)]}, TWO)
    found, rulesets = gap_findings(below, above, vocab=vocab)
    suggestions = [gap_suggestion(f, rulesets, vocab) for f in found]
    assert suggestions and all(
        (s.low, s.low_inclusive, s.high, s.high_inclusive) == (30, True, 40, True) for s in suggestions
    )
    assert all(s.when == {"and": [RA, egfr(">=", 30), egfr("<=", 40)]} for s in suggestions)  # renal: not shared


def test_gap_suggestion_refuses_other_findings(vocab):
    with pytest.raises(NotAGap):
        gap_suggestion({"id": "C-1", "kind": "within_source"}, [], vocab)


# ---------------------------------------------------------------- narrowing is exact


def _cues_of(findings, edited, by_id):
    from engine.conflicts import describe_region
    from engine.cues import _cue

    out = set()
    for f in findings:
        if edited.id in f.claims:
            cue = _cue(f, edited.id, by_id, describe_region(f.region))
            if cue is not None:
                out.add(cue)
    return out


SAMPLE = 3  # of about 400 edits; each is a whole-grid analysis, 50 ms


def test_narrowed_cues_match_the_whole_analysis_on_the_bundled_corpus(vocab):
    """Every dose and initiation claim of every bundled source, as saved and with a threshold moved, against
    analyse_question's findings on the whole grid: the same gaps; overlaps exactly when the whole grid has
    some, naming no claim it does not (a whole-grid overlap groups cells by the values given, so it can reach
    cells where the edited claim does not apply: the narrowed one names only what overlaps the claim)."""
    from pathlib import Path

    from engine.analysis.driver import analyse_question
    from engine.cues import edited_ruleset, findings_of
    from engine.validate import validate_paths

    repo = Path(__file__).resolve().parents[2]
    rulesets = validate_paths([repo / "rulesets"], check_patients=False).rulesets
    compared = seen = 0
    for r in rulesets:
        for question in ("dose", "initiation"):
            for c in r.claims_for(question):
                moved = _moved(c.when)
                for when in (c.when, moved) if moved != c.when else (c.when,):
                    seen += 1
                    if seen % SAMPLE:  # one edit in SAMPLE, spread over every source and both questions
                        continue
                    edited = dataclasses.replace(c, when=when)
                    changed = edited_ruleset(r, edited)
                    by_id = {x.id: x for x in changed.claims_for(question)}
                    narrow = _cues_of(findings_of(changed, question, edited, vocab), edited, by_id)
                    whole = _cues_of(analyse_question(question, [changed], vocab).findings, edited, by_id)
                    where = (c.id, when)
                    assert {x for x in narrow if x.kind == "gap"} == {x for x in whole if x.kind == "gap"}, where
                    near = {n for x in narrow if x.kind == OVERLAP for n in x.other_claims}
                    far = {n for x in whole if x.kind == OVERLAP for n in x.other_claims}
                    assert near <= far and bool(near) == bool(far), where
                    compared += 1
    assert compared > 40


def _moved(rule):
    """The first number of `rule` one higher."""
    done = False

    def walk(node):
        nonlocal done
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if not done and isinstance(node, (int, float)) and not isinstance(node, bool):
            done = True
            return node + 1
        return node

    return walk(rule)
