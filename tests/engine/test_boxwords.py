"""engine.analysis.boxwords: box claims' words built axis by axis equal claim-by-claim evaluation, bit for bit.

Claims are generated from Accord's whitelist (tests/engine/test_differential_properties strategies):
conjunctions of conditions on one fact each (boxes, the fast path) mixed with any other rule (left
to claim by claim), on grids cut at the rules' own thresholds; divisions by zero and literal
conditions included. The evaluation count (report.json's cells_evaluated) must be the same too.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import engine.analysis.cells as cells
from engine.analysis.boxwords import box_groups, worth_it
from engine.analysis.cells import Grid, claim_words
from engine.analysis.partition import partition, thresholds
from engine.model import Claim, Provenance
from engine.rules import check_rule
from tests.engine.test_differential_properties import SETTINGS, VOCAB, booleans, enum_test, var

ONE_FACT = st.one_of(
    enum_test(),
    st.builds(
        lambda op, name, x: {op: [var(name), x]},
        st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
        st.sampled_from(["egfr", "crcl", "age_years"]),
        st.sampled_from([15, 30, 45.5, 60, 0]),
    ),
    st.builds(lambda lo, hi: {"<=": [lo, var("egfr"), hi]}, st.sampled_from([15, 30]), st.sampled_from([45, 60])),
    st.builds(lambda x: {">": [{"/": [var("egfr"), var("egfr")]}, x]}, st.sampled_from([0, 1])),  # 0/0 at egfr 0
    st.sampled_from([{"var": "pregnant"}, {"!": {"var": "pregnant"}}]),
)
BOX = st.one_of(st.just(True), ONE_FACT, st.lists(ONE_FACT, min_size=1, max_size=4).map(lambda xs: {"and": xs}))
RULE = st.one_of(BOX, BOX, BOX, booleans(1))


def claims_of(rules):
    return [
        Claim(f"s/c{i}", "s", "dose", {"mg": 2}, r, Provenance("", 0, 0), "draft", index=i) for i, r in enumerate(rules)
    ]


def grid_for(claims):
    cut, _ = thresholds([c.when for c in claims], VOCAB)
    names = sorted({n for c in claims for n in c.facts})
    return Grid("dose", [partition(VOCAB.facts[n], cut.get(n, ())) for n in names])


@SETTINGS
@given(rules=st.lists(RULE, min_size=1, max_size=70))
def test_box_words_equal_claim_by_claim(rules):
    rules = [r for r in rules if check_rule(r, VOCAB) == []]
    claims = claims_of(rules)
    grid = grid_for(claims)
    cells.BOX_WORDS = False
    try:
        want_words, want_count = claim_words(grid, claims)
    finally:
        cells.BOX_WORDS = True
    forced = cells.worth_it
    cells.worth_it = lambda groups, grid: True  # the fast path whatever the sizes
    try:
        got_words, got_count = claim_words(grid, claims)
    finally:
        cells.worth_it = forced
    assert got_count == want_count
    assert len(got_words) == len(want_words)
    for w, (got, want) in enumerate(zip(got_words, want_words)):
        assert np.array_equal(got, want), (w, rules)


def test_what_is_a_box():
    axes = {"egfr": 5, "indication": 7, "pregnant": 2}
    band = {"and": [{">=": [var("egfr"), 30]}, {"<": [var("egfr"), 50]}, {"==": [var("indication"), "x"]}]}
    (claim,) = claims_of([band])
    assert box_groups(claim, axes) == {"egfr": {"and": band["and"][:2]}, "indication": band["and"][2]}
    two_facts = claims_of([{"<": [var("egfr"), var("crcl")]}, {"or": [{"var": "pregnant"}, band]}])
    assert [box_groups(c, {**axes, "crcl": 3}) for c in two_facts] == [None, None]
    assert box_groups(claims_of([True])[0], axes) == {}
    assert box_groups(claims_of([{"<": [var("age_years"), 18]}])[0], axes) is None  # not an axis of the grid


def test_the_fast_path_is_taken_only_where_it_pays():
    def grid(*sizes):
        names = ["egfr", "crcl", "age_years", "indication", "sex"]
        return Grid(
            "dose",
            [
                partition(VOCAB.facts[n], range(k - 2 if VOCAB.facts[n].type == "number" else 0))
                for n, k in zip(names, sizes)
            ],
        )

    product = grid(40, 30, 20)  # 24,000 cells from 90 along the axes
    assert product.size >= 8 * sum(len(p.cells) for p in product.partitions)
    many = [{"egfr": {}}] * 40
    assert worth_it(many, product) and not worth_it(many[:8], product) and not worth_it([None] * 100, product)
    line = grid(10_001)  # the grid is its one axis: claim by claim is as cheap
    assert not worth_it([{"egfr": {}}] * 10_000, line)
