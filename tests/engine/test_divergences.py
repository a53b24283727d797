"""Every deliberate divergence from json-logic-qubit, demonstrated.

One test per row of the table "Divergences from json-logic-qubit" in
docs/rule-language.md, named test_d<N>_...; a last test keeps the table and
the tests in step. Each test shows json-logic-qubit's real behaviour (probed,
not assumed) next to Accord's.

json-logic-qubit's ``method`` runs arbitrary Python: `qubit()` below refuses
any rule with an operation outside Accord's whitelist, so qubit's rule
interpreter is only ever called on whitelisted rules. Where a row is about
a non-whitelisted operation (cat), the qubit *operation function* is called
directly on literal arguments; `method`, `log` and `count` are never called.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import json_logic
import pytest

from engine.contract import allowed_operations, vocabulary
from engine.evaluate import evaluate_claim
from engine.jsonlogic import UNKNOWN, CompileError, RuleError, compiler
from engine.rules import check_rule, operations_used

DOC = Path(__file__).resolve().parents[2] / "docs" / "rule-language.md"
ALLOWED = allowed_operations()
accord = compiler("accord")
jsonlogic = compiler("jsonlogic")


def qubit(rule, data=None):
    """json-logic-qubit's jsonLogic, on whitelisted rules only."""
    ops = operations_used(rule)
    assert ops <= ALLOWED, f"refusing to run json-logic-qubit on {sorted(ops - ALLOWED)}"
    return json_logic.jsonLogic(rule, data if data is not None else {})


def test_d1_missing_fact_is_unknown_not_null():
    rule = {"<": [{"var": "egfr"}, 30]}
    assert qubit(rule, {}) is False  # null < 30 is false in qubit
    assert accord.evaluate(rule, {}) is UNKNOWN
    assert qubit({"var": "egfr"}, {}) is None and accord.evaluate({"var": "egfr"}, {}) is UNKNOWN
    # a fact given as null is missing too
    assert accord.evaluate(rule, {"egfr": None}) is UNKNOWN


def test_d2_not_of_a_missing_fact_is_unknown():
    rule = {"!": {"var": "pregnant"}}
    assert qubit(rule, {}) is True
    assert accord.evaluate(rule, {}) is UNKNOWN


def test_d3_kleene_and():
    rule = {"and": [{"var": "pregnant"}, True]}
    assert qubit(rule, {}) is None  # the falsy null, read as "does not apply"
    assert accord.evaluate(rule, {}) is UNKNOWN
    # ...but a false argument decides, in both
    decided = {"and": [{"var": "pregnant"}, {"<": [{"var": "egfr"}, 30]}]}
    assert qubit(decided, {"egfr": 45}) is None
    assert accord.evaluate(decided, {"egfr": 45}) is False


def test_d4_kleene_or():
    rule = {"or": [{"var": "pregnant"}, False]}
    assert qubit(rule, {}) is False
    assert accord.evaluate(rule, {}) is UNKNOWN
    assert qubit({"or": [{"var": "pregnant"}, True]}, {}) is True
    assert accord.evaluate({"or": [{"var": "pregnant"}, True]}, {}) is True


def test_d5_if_on_a_missing_condition_is_unknown():
    rule = {"if": [{"var": "pregnant"}, False, True]}
    assert qubit(rule, {}) is True  # takes the else branch
    assert accord.evaluate(rule, {}) is UNKNOWN
    between = {"<=": [30, {"var": "egfr"}, 60]}
    assert qubit(between, {}) is False and accord.evaluate(between, {}) is UNKNOWN


def test_d6_division_by_zero_is_a_rule_error():
    rule = {"/": [{"var": "egfr"}, {"var": "crcl"}]}
    with pytest.raises(ZeroDivisionError):
        qubit(rule, {"egfr": 1, "crcl": 0})
    with pytest.raises(RuleError):
        accord.evaluate(rule, {"egfr": 1, "crcl": 0})
    assert jsonlogic.evaluate({"/": [1, 0]}) == math.inf  # standard JsonLogic: Infinity
    # callers catch it: evaluate_claim reports the claim as undecidable, with the reason
    from engine.model import Claim, Provenance

    claim = Claim("s/c", "s", "dose", "x", {">": [rule, 1]}, Provenance("q", 0, 1), "approved")
    outcome = evaluate_claim(claim, {"egfr": 1, "crcl": 0})
    assert outcome.applies is None and "division by zero" in outcome.error
    # and the checker refuses a literal zero divisor outright
    assert [code for _, code, _ in check_rule({">": [{"/": [{"var": "egfr"}, 0]}, 1]}, vocabulary())] == ["E206"]


def test_d7_remainder_takes_the_sign_of_the_dividend():
    rule = {"%": [{"-": [{"var": "egfr"}]}, 3]}
    assert qubit(rule, {"egfr": 7}) == 2  # Python modulo
    assert accord.evaluate(rule, {"egfr": 7}) == -1  # JavaScript remainder


def test_d8_loose_equality_with_booleans_follows_javascript():
    assert qubit({"==": [2, True]}) is True  # Python truthiness
    assert accord.evaluate({"==": [2, True]}) is False  # true == 1 only
    assert jsonlogic.evaluate({"==": [2, True]}) is False


def test_d9_null_equals_only_null():
    assert qubit({"==": [None, False]}) is True
    assert accord.evaluate({"==": [None, False]}) is False


def test_d10_numeric_strings_compare_as_numbers():
    assert qubit({"==": ["1.0", 1]}) is False  # str(1) != "1.0"
    assert accord.evaluate({"==": ["1.0", 1]}) is True
    # and Accord's checker refuses a string/number comparison in a rule (strict == typing)
    problems = check_rule({"==": [{"var": "egfr"}, "30"]}, vocabulary())
    assert [code for _, code, _ in problems] == ["E202"]
    assert qubit({"==": [{"var": "egfr"}, "30"]}, {"egfr": 30}) is True


def test_d11_in_a_list_is_strict_membership():
    assert qubit({"in": [1, [True]]}) is True
    assert accord.evaluate({"in": [1, [True]]}) is False
    assert qubit({"in": [1.0, [1]]}) is True and accord.evaluate({"in": [1.0, [1]]}) is True


def test_d12_in_a_string_converts_the_needle():
    with pytest.raises(TypeError):
        qubit({"in": [1, "123"]})
    assert accord.evaluate({"in": [1, "123"]}) is True


def test_d13_numbers_keep_their_float_type():
    assert type(qubit({"/": [6, 3]})) is int and qubit({"/": [6, 3]}) == 2
    result = accord.evaluate({"/": [6, 3]})
    assert type(result) is float and result == 2.0


def test_d14_arithmetic_on_non_numbers_is_nan():
    assert qubit({"+": [True, 1]}) == 2
    assert math.isnan(accord.evaluate({"+": [True, 1]}))
    with pytest.raises(ValueError):
        qubit({"max": [1, "x"]})
    assert math.isnan(accord.evaluate({"max": [1, "x"]}))


def test_d15_ordering_follows_javascript_coercion():
    assert qubit({"<": [None, 1]}) is False
    assert accord.evaluate({"<": [None, 1]}) is True  # null is 0
    with pytest.raises(ValueError):
        qubit({"<": [1, "a"]})
    assert accord.evaluate({"<": [1, "a"]}) is False  # NaN compares false


def test_d16_truthiness_follows_javascript():
    assert qubit({"!!": [{"var": "x"}]}, {"x": {}}) is False
    assert accord.evaluate({"!!": [{"var": "x"}]}, {"x": {}}) is True  # an object is truthy
    assert accord.evaluate({"!!": [{"var": "x"}]}, {"x": float("nan")}) is False  # NaN is falsy
    assert qubit({"!!": [{"var": "x"}]}, {"x": float("nan")}) is True


def test_d17_empty_and_is_null():
    assert qubit({"and": []}) is False
    assert accord.evaluate({"and": []}) is None
    assert [code for _, code, _ in check_rule({"and": []}, vocabulary())] == ["E205"]


def test_d18_chained_ternary():
    with pytest.raises(TypeError):
        qubit({"?:": [False, 1, True, 2, 3]})
    assert accord.evaluate({"?:": [False, 1, True, 2, 3]}) == 2


def test_d19_cat_uses_javascript_strings():
    # cat is outside Accord's whitelist: qubit's operation function, called directly on literals
    assert json_logic.operations["cat"](1.0, True, None) == "1.0TrueNone"
    assert jsonlogic.evaluate({"cat": [1.0, True, None]}) == "1truenull"
    assert json_logic.operations["cat"]([1, 2]) == "[1, 2]"
    assert jsonlogic.evaluate({"cat": [[1, 2]]}) == "1,2"
    assert "cat" not in ALLOWED


@pytest.mark.parametrize("op", ["method", "log", "count", "os.system", "a.b", "__class__"])
def test_d20_operations_outside_the_table_do_not_compile(op):
    if op in ("method", "log", "count"):
        assert op in json_logic.operations  # qubit has it (method: getattr + call; never run here)
    for semantics in ("accord", "jsonlogic"):
        with pytest.raises(CompileError):
            compiler(semantics).compile({op: [{"var": "egfr"}, "__class__"]})
        with pytest.raises(CompileError):
            compiler(semantics).compile({"and": [True, {"!": {op: []}}]})
    assert check_rule({op: [1]}, vocabulary())[0][1] == "E200"


def test_divergence_table_and_tests_in_step():
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Divergences from json-logic-qubit", 1)[1].split("\n## ", 1)[0]
    documented = sorted({int(n) for n in re.findall(r"^\|\s*D(\d+)\s*\|", section, re.M)})
    tested = sorted(int(m.group(1)) for name in globals() if (m := re.match(r"test_d(\d+)_", name)))
    assert documented == tested == list(range(1, len(tested) + 1))
