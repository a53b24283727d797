"""Region analysis against brute force: every cell of the joint grid, one patient at a time.

engine.analysis.grid compares sources on reduced, joined tables (keys, value-set
rows, distinct lines) for speed; this module re-derives the same findings the
slow, obvious way with engine.evaluate.answer on every cell of the product
of both sources' partitions, for many generated rulesets (hypothesis).
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.analysis.driver import analyse
from engine.analysis.grid import _distinct_lines, _neighbour_runs, _projections
from engine.analysis.model import BETWEEN, BOUNDARY, GAP
from engine.analysis.partition import partition, thresholds
from engine.contract import vocabulary
from engine.evaluate import ANSWERED, CONFLICTING, answer
from engine.meaning.facts import check, constraints
from engine.validate import validate_paths
from tests.conftest import possible, write_ruleset

TEXT = "One. Two. Three. Four. Five. Six."
QUOTES = ["One", "Two", "Three", "Four", "Five", "Six"]
VALUES = [{"mg": 1, "every_days": 1}, {"mg": 2, "every_days": 1}, {"mg": 4, "every_days": 1}, "not_recommended"]

ATOMS = st.one_of(
    st.builds(
        lambda op, t: {op: [{"var": "egfr"}, t]}, st.sampled_from(["<", "<=", ">", ">="]), st.sampled_from([30, 50, 60])
    ),
    st.builds(lambda op, t: {op: [{"var": "crcl"}, t]}, st.sampled_from(["<", ">="]), st.sampled_from([30, 60])),
    st.builds(lambda v: {"==": [{"var": "sex"}, v]}, st.sampled_from(["female", "male"])),
    st.builds(lambda v: {"==": [{"var": "renal_impairment"}, v]}, st.booleans()),
)
CONDITIONS = st.one_of(ATOMS, st.builds(lambda xs: {"and": xs}, st.lists(ATOMS, min_size=2, max_size=3))).filter(
    possible  # what validate accepts: an impossible condition is E215
)
CLAIMS = st.lists(st.tuples(CONDITIONS, st.sampled_from(range(len(VALUES)))), min_size=1, max_size=4)


def _rulesets(folder: Path, a: list, b: list):
    for source, claims in (("a-src", a), ("b-src", b)):
        write_ruleset(
            folder,
            source,
            TEXT,
            [
                {"question": "dose", "value": VALUES[v], "when": when, "quote": QUOTES[i]}
                for i, (when, v) in enumerate(claims)
            ],
        )
    result = validate_paths([folder], check_patients=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    return sorted(result.rulesets, key=lambda r: r.source_id)


def _can_exist(facts, vocab) -> bool:
    """Some patient with these facts breaks no relation of the vocabulary (engine.meaning.facts.check, the
    patient-file checker): the renal measures the cell lacks are tried at every value the constraints tell apart,
    the rest derived. Region analysis asks the same of a cell (all facts known), by its own means."""
    cuts, _ = thresholds([c.rule for c in constraints(vocab)], vocab)
    missing = [n for n in ("egfr", "crcl") if n not in facts]
    values = [partition(vocab.facts[n], cuts.get(n, ())).values for n in missing]
    return any(not check({**facts, **dict(zip(missing, v))}, vocab) for v in itertools.product(*values))


def _brute_force(question_analysis, rulesets):
    """{(value set A, value set B): (cells, claims, {fact: indices})} from every joint cell a patient can occupy."""
    parts = question_analysis.partitions
    names = sorted(question_analysis.partitions)
    found: dict = {}
    vocab = vocabulary()
    for combo in itertools.product(*(range(len(parts[n].cells)) for n in names)):
        facts = {n: parts[n].cells[i].value for n, i in zip(names, combo)}
        if not _can_exist(facts, vocab):
            continue
        x, y = (answer(r, "dose", facts) for r in rulesets)
        if x.status not in (ANSWERED, CONFLICTING) or y.status not in (ANSWERED, CONFLICTING):
            continue
        va, vb = ({v.key: v.claims for v in z.values} for z in (x, y))
        if set(va) == set(vb):
            continue
        label = (tuple(sorted(va)), tuple(sorted(vb)))
        count, claims, indices = found.get(label, (0, set(), {}))
        for mine, theirs in ((va, vb), (vb, va)):
            differing = [c for v, cs in mine.items() if v not in theirs for c in cs]
            claims |= set(differing or [c for cs in mine.values() for c in cs])
        for n, i in zip(names, combo):
            indices.setdefault(n, set()).add(i)
        found[label] = (count + 1, claims, indices)
    return sorted(
        (
            (count, tuple(sorted(claims)), {n: sorted(i) for n, i in sorted(indices.items())})
            for count, claims, indices in found.values()
        ),
        key=repr,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CLAIMS, CLAIMS)
def test_between_sources_matches_brute_force(a, b):
    with tempfile.TemporaryDirectory() as folder:
        rulesets = _rulesets(Path(folder), a, b)
    qa = analyse(rulesets, questions=["dose"]).questions["dose"]
    got = sorted(
        ((f.region.count, f.claims, f.region.indices) for f in qa.findings if f.kind in (BETWEEN, BOUNDARY)), key=repr
    )
    assert got == _brute_force(qa, rulesets)
    for f in qa.findings:
        if f.kind in (BETWEEN, BOUNDARY):  # the witness is a cell of the region where both sources answer, differently
            x, y = (answer(r, "dose", f.region.witness) for r in rulesets)
            assert {v.key for v in x.values} != {v.key for v in y.values}
            assert x.status in (ANSWERED, CONFLICTING) and y.status in (ANSWERED, CONFLICTING)


def _naive_neighbours(k: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    k = np.moveaxis(k, axis, -1)
    below, above = np.full(k.shape, -1), np.full(k.shape, -1)
    for index in np.ndindex(k.shape[:-1]):
        line = k[index]
        for i in range(len(line)):
            lo = i
            while lo > 0 and line[lo - 1] == line[i]:
                lo -= 1
            hi = i
            while hi < len(line) - 1 and line[hi + 1] == line[i]:
                hi += 1
            below[index + (i,)] = line[lo - 1] if lo > 0 else -1
            above[index + (i,)] = line[hi + 1] if hi < len(line) - 1 else -1
    return np.moveaxis(below, -1, axis), np.moveaxis(above, -1, axis)


SHAPES = st.lists(st.integers(1, 4), min_size=1, max_size=4)


@settings(max_examples=80, deadline=None)
@given(SHAPES, st.data())
def test_neighbour_runs_on_distinct_lines_match_a_naive_scan(shape, data):
    k = np.array(
        data.draw(st.lists(st.integers(0, 3), min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
    ).reshape(shape)
    axis = data.draw(st.integers(0, len(shape) - 1))
    lines, line_of, moved = _distinct_lines(k, axis)
    below, above = _neighbour_runs(lines, 1)
    assert len(lines) == len({tuple(r) for r in np.moveaxis(k, axis, -1).reshape(-1, shape[axis]).tolist()})
    want_below, want_above = _naive_neighbours(k, axis)
    assert (np.moveaxis(below[line_of].reshape(moved), -1, axis) == want_below).all()
    assert (np.moveaxis(above[line_of].reshape(moved), -1, axis) == want_above).all()


@settings(max_examples=80, deadline=None)
@given(SHAPES, st.data())
def test_projections_are_any_over_the_other_axes(shape, data):
    mask = np.array(
        data.draw(st.lists(st.booleans(), min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
    ).reshape(shape)
    got = _projections(mask)
    assert len(got) == mask.ndim
    for axis, seen in enumerate(got):
        others = tuple(i for i in range(mask.ndim) if i != axis)
        assert (seen == (mask.any(axis=others) if others else mask)).all()


def test_gap_kind_still_found_through_distinct_lines(tmp_path):
    write_ruleset(
        tmp_path,
        "a-src",
        TEXT,
        [
            {"question": "dose", "value": VALUES[0], "when": {"<": [{"var": "egfr"}, 30]}, "quote": "One"},
            {"question": "dose", "value": VALUES[1], "when": {">=": [{"var": "egfr"}, 50]}, "quote": "Two"},
            {"question": "dose", "value": VALUES[2], "when": {"==": [{"var": "sex"}, "male"]}, "quote": "Three"},
        ],
    )
    rulesets = validate_paths([tmp_path], check_patients=False).rulesets
    gaps = [f for f in analyse(rulesets).questions["dose"].findings if f.kind == GAP]
    assert [(f.fact, f.region.indices["egfr"]) for f in gaps] == [("egfr", [1, 2])]
