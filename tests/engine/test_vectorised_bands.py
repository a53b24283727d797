"""compile_mask's direct path for band rules (and/or of one-fact comparisons with numbers) answers as the compiler.

The direct path (engine.jsonlogic.vectorised._band_mask) folds literals at
compile time, shares a fact's present mask among its bands and works in
place; every answer is checked here cell by cell against the scalar compiler
(accord semantics), on flat columns and open meshes, with and without present
masks, for float, int and bool columns, and the masks must stay the caller's
own arrays.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.jsonlogic import UNKNOWN, compiler, truthy
from engine.jsonlogic.vectorised import compile_mask

FACTS = ("a", "b", "c")
NUMBERS = st.sampled_from([0, 1, 15, 29.9, 30, 30.0, 45, 50, 60, 90.5, -1])
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def var(name):
    return {"var": name}


def band():
    fact = st.sampled_from(FACTS).map(var)
    return st.one_of(
        st.builds(lambda op, f, n: {op: [f, n]}, st.sampled_from(["<", "<=", ">", ">="]), fact, NUMBERS),
        st.builds(lambda op, f, n: {op: [n, f]}, st.sampled_from(["<", "<=", ">", ">="]), fact, NUMBERS),
        st.builds(lambda op, lo, f, hi: {op: [lo, f, hi]}, st.sampled_from(["<", "<="]), NUMBERS, fact, NUMBERS),
    )


def band_rule():
    arg = st.one_of(band(), band(), band(), st.sampled_from([True, False, 0, 1, "", "x", None]))
    return st.one_of(
        band(),
        st.builds(lambda op, args: {op: args}, st.sampled_from(["and", "or"]), st.lists(arg, min_size=1, max_size=5)),
    )


def scalar(rule, patient):
    result = compiler("accord").compile(rule)(patient)
    return "unknown" if result is UNKNOWN else truthy(result)


@st.composite
def tables(draw):
    """Columns (flat or an open mesh), present masks for some facts, and each fact's dtype."""
    mesh = draw(st.booleans())
    columns, present = {}, {}
    for axis, name in enumerate(FACTS):
        size = draw(st.integers(1, 4))
        shape = tuple(size if i == axis else 1 for i in range(len(FACTS))) if mesh else (6,)
        count = int(np.prod(shape))
        dtype = draw(st.sampled_from(["float", "int", "bool", "float32"]))
        if dtype == "bool":
            values = draw(st.lists(st.booleans(), min_size=count, max_size=count))
        else:
            values = draw(
                st.lists(st.sampled_from([0, 1, 15, 29.9, 30, 45, 50, 60, 61, 100]), min_size=count, max_size=count)
            )
            if dtype == "int":
                values = [int(v) for v in values]
        column = np.array(values, dtype={"float": float, "int": np.int64, "bool": bool, "float32": np.float32}[dtype])
        if draw(st.booleans()):  # else: the fact is passed without a present mask (no row misses it)
            present[name] = np.array(draw(st.lists(st.booleans(), min_size=count, max_size=count))).reshape(shape)
        columns[name] = column.reshape(shape)
    if draw(st.booleans()):
        del columns[draw(st.sampled_from(FACTS))]  # a fact missing for every row
    return columns, present


def patient_at(columns, present, shape, index):
    patient = {}
    for name, column in columns.items():
        known = present.get(name)
        if known is None or np.broadcast_to(known, shape)[index]:
            patient[name] = np.broadcast_to(column, shape)[index].item()
    return patient


@SETTINGS
@given(rule=band_rule(), table=tables())
def test_band_masks_equal_the_compiler_cell_by_cell(rule, table):
    columns, present = table
    before = {k: v.copy() for k, v in columns.items()}
    true_mask, unknown_mask = compile_mask(rule)(columns, present)
    shape = np.broadcast_shapes(*(v.shape for v in columns.values()), *(v.shape for v in present.values()))
    assert true_mask.shape == unknown_mask.shape == shape
    assert true_mask.dtype == unknown_mask.dtype == bool
    for out in (true_mask, unknown_mask):
        assert out.flags.owndata and out.flags.writeable
        assert not any(np.shares_memory(out, a) for a in (*columns.values(), *present.values()))
    assert not np.shares_memory(true_mask, unknown_mask)
    assert all((before[k] == columns[k]).all() for k in columns)
    for index in np.ndindex(shape):
        patient = patient_at(columns, present, shape, index)
        got = "unknown" if unknown_mask[index] else bool(true_mask[index])
        assert got == scalar(rule, patient), (rule, patient, got)


def test_literals_fold_to_a_constant_mask_whatever_the_facts():
    columns = {"a": np.array([10.0, 40.0]), "b": np.array([1.0, 2.0])}
    none_present = {"a": np.zeros(2, bool), "b": np.zeros(2, bool)}
    t, u = compile_mask({"and": [{"<": [{"var": "a"}, 30]}, False]})(columns, none_present)
    assert t.tolist() == [False, False] and u.tolist() == [False, False]  # false decides an and, facts missing or not
    t, u = compile_mask({"or": [{"<": [{"var": "a"}, 30]}, 1]})(columns, none_present)
    assert t.tolist() == [True, True] and u.tolist() == [False, False]
    t, u = compile_mask({"and": [True, "x", {"<": [{"var": "a"}, 30]}]})(columns, {})
    assert t.tolist() == [True, False] and u.tolist() == [False, False]  # truthy literals drop out of an and


def test_a_column_of_strings_takes_the_general_path():
    columns = {"a": np.array(["10", "40", "x"], dtype=object)}
    t, u = compile_mask({"and": [{">": [{"var": "a"}, 5]}, {"<": [{"var": "a"}, 30]}]})(columns, {})
    expected = [scalar({"and": [{">": [{"var": "a"}, 5]}, {"<": [{"var": "a"}, 30]}]}, {"a": v}) for v in columns["a"]]
    assert [bool(x) for x in t] == expected == [True, False, False]
    assert not u.any()


def test_a_fact_missing_in_a_three_fact_junction_leaves_it_unknown():
    rule = {"and": [{">": [{"var": "a"}, 0]}, {">": [{"var": "b"}, 0]}, {">": [{"var": "c"}, 0]}]}
    columns = {name: np.array([1.0, 1.0, -1.0]) for name in FACTS}
    present = {
        "a": np.array([True, True, True]),
        "b": np.array([True, True, True]),
        "c": np.array([True, False, False]),
    }
    t, u = compile_mask(rule)(columns, present)
    # row 1: a and b hold, c missing: unknown; row 2: c missing but a fails: false
    assert t.tolist() == [True, False, False] and u.tolist() == [False, True, False]
    either = {"or": [{"<": [{"var": "a"}, 0]}, {"<": [{"var": "b"}, 0]}, {"<": [{"var": "c"}, 0]}]}
    t, u = compile_mask(either)(columns, present)
    assert t.tolist() == [False, False, True] and u.tolist() == [False, True, False]
