"""engine.jsonlogic.vectorised agrees with the scalar compiler (Accord semantics) row by row."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from engine.jsonlogic import UNKNOWN, CompileError, compiler, truthy
from engine.jsonlogic.vectorised import compile_mask

FACTS = {
    "egfr": [None, 0, 29.9, 30, 45, 50, 60, 61],
    "crcl": [None, 10, 30, 60],
    "indication": [None, "rheumatoid_arthritis", "covid19"],
    "pregnant": [None, True, False],
}
RULES = [
    {"and": [{">=": [{"var": "egfr"}, 30]}, {"<": [{"var": "egfr"}, 50]}]},
    {"or": [{"var": "pregnant"}, {"<": [{"var": "crcl"}, 30]}]},
    {"!": {"var": "pregnant"}},
    {"<=": [30, {"var": "egfr"}, 60]},
    {"<": [30, {"var": "egfr"}, 60]},
    {"in": [{"var": "indication"}, ["covid19", "alopecia_areata"]]},
    {"==": [{"var": "indication"}, "rheumatoid_arthritis"]},
    {"!=": [{"var": "indication"}, "rheumatoid_arthritis"]},
    {"if": [{"var": "pregnant"}, {">": [{"var": "egfr"}, 30]}, {"<": [{"var": "crcl"}, 30]}]},
    {">": [{"/": [{"var": "egfr"}, {"var": "crcl"}]}, 1]},
    {">": [{"max": [{"var": "egfr"}, {"var": "crcl"}]}, 40]},
    {
        "and": [
            {"!!": {"var": "pregnant"}},
            {
                "or": [
                    {"==": [{"var": "indication"}, "covid19"]},
                    {">=": [{"-": [{"var": "egfr"}, {"*": [2, {"var": "crcl"}]}]}, 0]},
                ]
            },
        ]
    },
    True,
    False,
    {"==": [{"var": "pregnant"}, True]},
]


def _table():
    names = list(FACTS)
    rows = list(itertools.product(*FACTS.values()))
    columns, present = {}, {}
    for i, name in enumerate(names):
        values = [r[i] for r in rows]
        present[name] = np.array([v is not None for v in values])
        if name == "indication":
            columns[name] = np.array([v if v is not None else "" for v in values], dtype=object)
        elif name == "pregnant":
            columns[name] = np.array([bool(v) for v in values])
        else:
            columns[name] = np.array([v if v is not None else 0 for v in values], dtype=float)
    return names, rows, columns, present


@pytest.mark.parametrize("rule", RULES, ids=[str(i) for i in range(len(RULES))])
def test_batch_matches_scalar_compiler(rule):
    names, rows, columns, present = _table()
    true_mask, unknown_mask = compile_mask(rule)(columns, present)
    assert true_mask.shape == unknown_mask.shape == (len(rows),)
    assert not (true_mask & unknown_mask).any()
    scalar = compiler("accord").compile(rule)
    for k, row in enumerate(rows):
        data = {n: v for n, v in zip(names, row) if v is not None}
        try:
            result = scalar(data)
            unknown, true = result is UNKNOWN, result is not UNKNOWN and truthy(result)
        except ArithmeticError:
            unknown, true = True, False
        assert (bool(unknown_mask[k]), bool(true_mask[k])) == (unknown, true), (rule, data)


def test_open_mesh_broadcasts():
    egfr = np.array([10.0, 40.0, 70.0]).reshape(3, 1)
    preg = np.array([True, False]).reshape(1, 2)
    rule = {"and": [{">": [{"var": "egfr"}, 30]}, {"!": {"var": "pregnant"}}]}
    t, u = compile_mask(rule)(
        {"egfr": egfr, "pregnant": preg}, {"egfr": np.ones((3, 1), bool), "pregnant": np.ones((1, 2), bool)}
    )
    assert t.tolist() == [[False, False], [False, True], [False, True]]
    assert not u.any()


def test_missing_column_is_unknown_never_false():
    t, u = compile_mask({"<": [{"var": "egfr"}, 30]})({"crcl": np.zeros(2)}, {"crcl": np.ones(2, bool)})
    assert u.tolist() == [True, True] and not t.any()
    # ...but a false conjunct still decides an 'and'
    t, u = compile_mask({"and": [{"<": [{"var": "egfr"}, 30]}, {">": [{"var": "crcl"}, 5]}]})(
        {"crcl": np.zeros(2)}, {"crcl": np.ones(2, bool)}
    )
    assert not u.any() and not t.any()


def test_unknown_operation_rejected():
    with pytest.raises(CompileError):
        compile_mask({"method": [{"var": "egfr"}, "__class__"]})
