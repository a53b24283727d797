"""A division by zero beside a deciding side: the one-patient and the batch evaluator give the same answer.

docs/rule-language.md: `and` is false as soon as one argument is false
(whatever the others are), `or` true as soon as one is true; a division by
zero is undecidable (RuleError for the compiler, an unknown row for the
batch). So a false side decides an `and` whichever side comes first; the
compiler used to stop at the division when it came first (RuleError) while
the batch answered false. Without a deciding side the division still makes
the rule undecidable in both.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.jsonlogic import UNKNOWN, Compiler, RuleError, compiler, truthy
from engine.jsonlogic.vectorised import compile_mask

DIVIDES = {">": [{"/": [1, {"var": "x"}]}, 2]}  # x = 0: division by zero
MODULO = {"<": [{"%": [5, {"var": "x"}]}, 2]}
FALSE_SIDE = {"<": [{"var": "x"}, -1]}  # false for x = 0
TRUE_SIDE = {">=": [{"var": "x"}, 0]}  # true for x = 0

CASES = [
    ({"and": [False, DIVIDES]}, False),
    ({"and": [DIVIDES, False]}, False),
    ({"and": [DIVIDES, FALSE_SIDE]}, False),
    ({"and": [FALSE_SIDE, DIVIDES]}, False),
    ({"and": [MODULO, {"var": "flag"}]}, False),
    ({"and": [DIVIDES, {"and": [TRUE_SIDE, FALSE_SIDE]}]}, False),
    ({"or": [DIVIDES, True]}, True),
    ({"or": [DIVIDES, TRUE_SIDE]}, True),
    ({"or": [MODULO, {"!": {"var": "flag"}}]}, True),
    ({"!": {"and": [DIVIDES, FALSE_SIDE]}}, True),
    ({"and": [DIVIDES, TRUE_SIDE]}, "undecidable"),
    ({"or": [DIVIDES, FALSE_SIDE]}, "undecidable"),
    ({"and": [DIVIDES, {"var": "missing"}]}, "undecidable"),
    ({"or": [{"var": "missing"}, DIVIDES, FALSE_SIDE]}, "undecidable"),
    ({"if": [DIVIDES, True, False]}, "undecidable"),
]
PATIENT = {"x": 0, "flag": False}
EVALUATORS = {
    "generated": lambda: compiler("accord"),
    "closures": lambda: Compiler("accord", generate=False),
}


def one_patient(make, rule):
    try:
        value = make().compile(rule)(PATIENT)
    except RuleError:
        return "undecidable"
    return "undecidable" if value is UNKNOWN else truthy(value)


def batch(rule):
    columns = {"x": np.array([0.0]), "flag": np.array([False])}
    present = {"x": np.array([True]), "flag": np.array([True])}
    true_mask, unknown_mask = compile_mask(rule)(columns, present)
    return "undecidable" if unknown_mask[0] else bool(true_mask[0])


@pytest.mark.parametrize("evaluator", sorted(EVALUATORS))
@pytest.mark.parametrize(("rule", "expected"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_one_patient_and_batch_agree_on_a_division_by_zero(rule, expected, evaluator):
    assert one_patient(EVALUATORS[evaluator], rule) == expected
    assert batch(rule) == expected


def test_an_undecided_division_still_names_its_error():
    with pytest.raises(RuleError, match="division by zero"):
        compiler("accord").compile({"and": [DIVIDES, TRUE_SIDE]})(PATIENT)
