"""engine.jsonlogic.vectorised returns masks the caller owns: never a view of an input, never shared between calls.

(The copy-free fast path of compile_mask must not leak input arrays; the
row-by-row agreement with the compiler is in test_differential_properties.py.)
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.jsonlogic.vectorised import compile_mask

RULES = [
    {"and": [{">=": [{"var": "egfr"}, 30]}, {"<": [{"var": "egfr"}, 50]}]},
    {"<=": [15, {"var": "egfr"}, 60]},
    {"var": "pregnant"},
    {"!": {"var": "pregnant"}},
    {"or": [{"var": "pregnant"}, {"<": [{"var": "egfr"}, 30]}]},
    {"==": [{"var": "pregnant"}, True]},
    {"in": [{"var": "sex"}, ["male"]]},
    True,
]


@pytest.mark.parametrize("rule", RULES, ids=[str(i) for i in range(len(RULES))])
def test_masks_are_owned_and_fresh(rule):
    n = 50
    rng = np.random.default_rng(3)
    columns = {
        "egfr": rng.uniform(0, 100, n),
        "pregnant": rng.random(n) < 0.5,
        "sex": np.array(["male", "female"] * (n // 2), dtype=object),
    }
    present = {k: rng.random(n) < 0.8 for k in columns}
    before = {k: v.copy() for k, v in {**columns, **{"p_" + k: v for k, v in present.items()}}.items()}
    fn = compile_mask(rule)
    t1, u1 = fn(columns, present)
    expected = (t1.copy(), u1.copy())
    assert t1.shape == u1.shape == (n,)
    for out in (t1, u1):
        assert out.flags.owndata and out.flags.writeable
        for array in (*columns.values(), *present.values()):
            assert not np.shares_memory(out, array)
    assert not np.shares_memory(t1, u1)
    t1[:] = True
    u1[:] = True
    t2, u2 = fn(columns, present)
    assert (t2 == expected[0]).all() and (u2 == expected[1]).all()
    after = {**columns, **{"p_" + k: v for k, v in present.items()}}
    assert all((before[k] == after[k]).all() for k in before)
