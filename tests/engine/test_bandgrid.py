"""The shared grid (engine.bandgrid) gives every band chart what the claim-by-claim path gives it.

engine.bands charts a source's claims from one grid cut at all their thresholds; a grid too big
for MAX_TABLE_BYTES falls back to evaluating each claim on its own grid. Forcing that fallback
must change nothing: the same intervals, ends, lanes, conditional flags, notes and SVG.
"""

from __future__ import annotations

from typing import Any

import pytest

import engine.bandgrid
from engine.bandgrid import runs, source_table
from engine.bands import BandCache, band_chart
from engine.bandsvg import to_svg
from engine.contract import vocabulary
from engine.validate import validate_paths
from tests.conftest import write_ruleset

TEXT = "Alpha says one thing. Beta says another. Gamma says a third. Delta adds a fourth."
TWO = {"mg": 2, "every_days": 1}
FOUR = {"mg": 4, "every_days": 1}


def v(name: str) -> dict[str, str]:
    return {"var": name}


MIXED = [
    {"question": "dose", "value": "not_recommended", "when": {"<": [v("crcl"), 30]}},
    {"question": "dose", "value": TWO, "when": {"<=": [30, v("crcl"), 60]}},
    {"question": "dose", "value": FOUR, "when": {"or": [{">": [v("crcl"), 90]}, {"<": [v("crcl"), 15]}]}},
    {"question": "dose", "value": TWO, "when": {"and": [{">=": [v("crcl"), 45]}, {">": [v("age_years"), 70]}]}},
    {"question": "dose", "value": FOUR, "when": {"==": [v("child_pugh"), "C"]}},  # unbounded, conditional
    {"question": "dose", "value": TWO},  # when: true
    {"question": "dose", "value": FOUR, "when": {">": [{"*": [v("crcl"), 2]}, 130]}},  # affine: solved
    {"question": "dose", "value": TWO, "when": {">": [{"+": [v("crcl"), v("age_years")]}, 120]}},  # a note
    {"question": "dose", "value": FOUR, "when": {"!": {"<": [v("crcl"), 75]}}},
    {
        "question": "dose",
        "value": "not_recommended",
        "when": {"and": [{"<": [v("crcl"), 50]}, {"==": [v("strong_oat3_inhibitor"), True]}]},
    },
]
OTHER = [
    {"question": "dose", "value": TWO, "when": {"<": [v("crcl"), 45]}},
    {"question": "dose", "value": FOUR, "when": {">=": [v("crcl"), 45]}},
]
CONTEXTS: list[dict[str, dict[str, Any]]] = [
    {},
    {"child_pugh": {"values": ["C"]}},
    {"child_pugh": {"values": ["A", "B"]}, "strong_oat3_inhibitor": {"values": [True]}},
    {"age_years": {"low": 65, "low_inclusive": True, "high": 80, "high_inclusive": False}},
    {"age_years": {"low": 18, "low_inclusive": True, "high": 70, "high_inclusive": True}},
    {"age_years": {"low": 70, "low_inclusive": False, "high": 120, "high_inclusive": True}},
]


@pytest.fixture
def rulesets(tmp_path):
    write_ruleset(tmp_path, "alpha", TEXT, MIXED)
    write_ruleset(tmp_path, "beta", TEXT, OTHER)
    result = validate_paths([tmp_path], check_patients=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    return result.rulesets


def charts(rulesets, named=("alpha/c3",)) -> list[Any]:
    cache = BandCache()  # shared across the charts, as a report shares it
    out = []
    for context in CONTEXTS:
        chart = band_chart(
            rulesets,
            "dose",
            "crcl",
            ["alpha", "beta"],
            (45, True, 60, False),
            context=context,
            named=named,
            cache=cache,
        )
        assert chart is not None
        out.append(chart)
    return out


def test_the_shared_grid_and_the_claim_by_claim_path_draw_the_same_charts(rulesets, monkeypatch):
    shared = charts(rulesets)
    cache = BandCache()
    alpha = next(r for r in rulesets if r.source_id == "alpha")
    table = cache.table(alpha, "dose", alpha.claims_for("dose"), vocabulary())
    assert len(table.placed) == len(MIXED) - 1  # all but the claim whose comparison cannot be cut exactly
    monkeypatch.setattr(engine.bandgrid, "MAX_TABLE_BYTES", 0)  # every grid too big: claim by claim
    assert not BandCache().table(alpha, "dose", alpha.claims_for("dose"), vocabulary()).placed
    alone = charts(rulesets)
    assert [c.to_json() for c in shared] == [c.to_json() for c in alone]
    assert [to_svg(c) for c in shared] == [to_svg(c) for c in alone]
    assert any(i.conditional for c in shared for r in c.rows for i in r.intervals)
    assert any(i.unbounded for c in shared for r in c.rows for i in r.intervals)
    assert len({len(c.rows[0].intervals) for c in shared}) > 1  # the contexts change what applies


def test_a_claim_the_batch_evaluator_refuses_leaves_the_grid_to_the_others(rulesets, monkeypatch):
    import engine.jsonlogic.vectorised as vectorised

    alpha = next(r for r in rulesets if r.source_id == "alpha")
    claims = alpha.claims_for("dose")
    real = vectorised.compile_mask
    refused = claims[1].when

    def picky(rule):
        if rule == refused:
            raise vectorised.CompileError("refused for the test")
        return real(rule)

    monkeypatch.setattr(engine.bandgrid, "compile_mask", picky)
    table = source_table("dose", claims, vocabulary())
    assert id(claims[1]) not in table.placed and id(claims[0]) in table.placed
    assert 60 not in table.cuts("crcl")  # its thresholds are not the grid's (no other claim cuts there)


def test_runs_are_maximal_with_one_every():
    import numpy as np

    some = np.array([[1, 0], [1, 1], [1, 1], [0, 1], [1, 1]], dtype=bool)
    every = np.array([[1, 0], [1, 0], [0, 0], [0, 1], [0, 1]], dtype=bool)
    assert runs(some, every) == [[(0, 1, True), (2, 2, False), (4, 4, False)], [(1, 2, False), (3, 4, True)]]


def test_sources_repeating_their_conditions_share_one_evaluation(tmp_path):
    for name in ("alpha", "beta", "gamma"):
        write_ruleset(tmp_path, name, TEXT, OTHER)
    rulesets = validate_paths([tmp_path], check_patients=False).rulesets
    cache = BandCache()
    chart = band_chart(rulesets, "dose", "crcl", ["alpha", "beta", "gamma"], (40, True, 50, True), cache=cache)
    assert [len(r.intervals) for r in chart.rows] == [2, 2, 2]
    memo = cache._memo
    assert memo is not None and len(memo.truths) == len(OTHER) and len(memo.cuts) == len(OTHER)
    alone = band_chart(rulesets, "dose", "crcl", ["alpha", "beta", "gamma"], (40, True, 50, True))
    assert alone.to_json() == chart.to_json()
