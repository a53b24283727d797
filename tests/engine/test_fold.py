"""The fold by value keys (engine.analysis.fold.by_keys) against the claim-by-claim walk it replaces.

by_keys folds one answer per distinct ordered tuple of value keys, finding each key's first claim
per class with NumPy; the walk visits every claim that applies in every class. On generated claim
sets both must give every class the same status, values, subsumed values, missing facts and claims
applying, and the analysis the same findings whichever fold it takes.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.analysis import cells, fold
from engine.analysis.driver import analyse
from engine.contract import vocabulary
from engine.evaluate import answer
from engine.validate import validate_paths
from tests.conftest import possible, write_ruleset

VALUES = [
    {"mg": 1, "every_days": 1},
    {"mg": 2, "every_days": 1},
    {"every_days": 1, "mg": 2.0},  # another spelling of the same dose: one key
    {"mg": 4, "every_days": 1},
    "not_recommended",
]
ATOMS = st.one_of(
    st.builds(
        lambda op, t: {op: [{"var": "egfr"}, t]},
        st.sampled_from(["<", "<=", ">", ">="]),
        st.sampled_from([15, 30, 45, 50, 60, 90]),
    ),
    st.builds(lambda op, t: {op: [{"var": "crcl"}, t]}, st.sampled_from(["<", ">="]), st.sampled_from([30, 60])),
    st.builds(lambda v: {"==": [{"var": "sex"}, v]}, st.sampled_from(["female", "male"])),
    # unknown where CrCl is 30 (a division by zero): classes with an unknown claim, whose answer names missing facts
    st.builds(lambda t: {"<": [{"/": [{"var": "egfr"}, {"-": [{"var": "crcl"}, 30]}]}, t]}, st.sampled_from([1, 2])),
)
CONDITIONS = st.one_of(ATOMS, st.builds(lambda xs: {"and": xs}, st.lists(ATOMS, min_size=2, max_size=3))).filter(
    possible
)
CLAIMS = st.lists(st.tuples(CONDITIONS, st.sampled_from(range(len(VALUES)))), min_size=1, max_size=12)


def _ruleset(folder: Path, claims: list[tuple[object, int]], source: str = "alpha"):
    text = " ".join(f"S{i}." for i in range(len(claims)))
    write_ruleset(
        folder,
        source,
        text,
        [
            {"question": "dose", "value": VALUES[v], "when": when, "quote": f"S{i}."}
            for i, (when, v) in enumerate(claims)
        ],
    )


def _load(folder: Path):
    result = validate_paths([folder], check_patients=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    return sorted(result.rulesets, key=lambda r: r.source_id)


def _summary(a):
    return (a.status, sorted(v.key for v in a.values), sorted(v.key for v in a.subsumed), a.missing)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CLAIMS)
def test_by_keys_gives_every_class_what_the_walk_gives(claims):
    with tempfile.TemporaryDirectory() as tmp:
        _ruleset(Path(tmp), claims)
        [ruleset] = _load(Path(tmp))
    vocab = vocabulary()
    mine = ruleset.claims_for("dose")
    parts, _ = cells.question_partitions("dose", mine, vocab)
    grid = cells.Grid("dose", [parts[n] for n in sorted(parts)])
    inverse, reps = cells.row_classes(cells.claim_words(grid, mine)[0])
    walked, walked_bits = fold.walk("alpha", "dose", mine, reps)
    keyed, keyed_bits = fold.by_keys("alpha", "dose", mine, reps, fold.KeyPlan.of(mine))
    assert keyed_bits == walked_bits
    assert [_summary(a) for a in keyed] == [_summary(a) for a in walked]
    # the claims giving each value of a class are its applying claims with that key
    plan = fold.KeyPlan.of(mine)
    masks = dict(zip(plan.keys, plan.key_masks()))
    for a, bits in zip(walked, walked_bits):
        for v in a.values:
            giving = bits & masks[v.key]
            assert list(v.claims) == [c.id for i, c in enumerate(mine) if giving >> i & 1]
    # and both are what engine.evaluate gives the cell's patient (where no division by zero can happen: a claim
    # evaluated one patient at a time is undecided by the error, on cells `and` with a false side is false)
    divides = any('"/"' in json.dumps(c.when) for c in mine)
    for flat in range(0 if divides else grid.size):
        k = int(inverse.ravel()[flat])
        expected = answer(ruleset, "dose", grid.cell_facts(flat))
        assert _summary(keyed[k])[:3] == _summary(expected)[:3]


def _findings(rulesets, how):
    def forced(source, question, claims, reps, work=None):
        if how == "walk":
            return fold.walk(source, question, claims, reps)
        return fold.by_keys(source, question, claims, reps, fold.KeyPlan.of(claims), work)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cells, "fold_classes", forced)
        result = analyse(rulesets)
    return [
        (f.kind, f.sources, f.claims, f.region.indices, f.region.count, f.region.witness, f.ending, f.beginning)
        for q in sorted(result.questions)
        for f in result.questions[q].findings
    ]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CLAIMS, CLAIMS)
def test_the_analysis_finds_the_same_whichever_fold_it_takes(a, b):
    with tempfile.TemporaryDirectory() as tmp:
        _ruleset(Path(tmp), a, "alpha")
        _ruleset(Path(tmp), b, "beta")
        rulesets = _load(Path(tmp))
    assert _findings(rulesets, "keys") == _findings(rulesets, "walk")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_overlapping_thresholds_take_the_fold_by_keys_and_find_what_the_walk_finds(tmp_path, seed):
    rng = np.random.default_rng(seed)
    thresholds = rng.choice(np.arange(1, 200), size=150, replace=False).tolist()
    alternating = [({">=": [{"var": "egfr"}, t]}, int(rng.integers(0, 2))) for t in thresholds]
    _ruleset(tmp_path, alternating, "alpha")
    _ruleset(tmp_path, [({"<": [{"var": "egfr"}, 100]}, 3), ({">=": [{"var": "egfr"}, 100]}, 1)], "beta")
    rulesets = _load(tmp_path)
    taken = []
    real = fold.by_keys

    def spy(*args, **kwargs):
        taken.append(len(args[2]))
        return real(*args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fold, "by_keys", spy)
        auto = analyse(rulesets)
    assert 150 in taken  # 150 claims, each class holding all those below it: the walk would visit 11,000
    found = [
        (f.kind, f.sources, f.claims, f.region.indices, f.region.count, f.region.witness, f.ending, f.beginning)
        for f in auto.questions["dose"].findings
    ]
    assert found == _findings(rulesets, "walk")
    assert any(kind == "within_source" for kind, *_ in found) and any(kind == "between_sources" for kind, *_ in found)
