"""The generated (flat) functions of accord semantics agree with the reference closures.

engine.jsonlogic keeps two implementations of accord semantics: the closure
tree (the reference, one closure per node) and one Python function generated
per rule shape. Here they are run side by side on arbitrary rules (every
standard operation, not just Accord's whitelist) and arbitrary JSON data,
results and raised exceptions compared; and the generated source is checked
to hold nothing taken from the rule.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.jsonlogic import UNKNOWN, CompileError, Compiler, RuleError, compiler
from engine.jsonlogic.codegen import SHAPES, CodeGen, UnsafeSource, callable_parameters, check_generated

FACTS = ["egfr", "crcl", "sex", "pregnant", "a.b", "", "x"]
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 60),
    st.sampled_from([0, 0.0, -0.0, 1.5, 30, 50.0, 1e308, float("nan")]),
    st.sampled_from(["", "0", "1", "30", "a", "abc", "covid19", "male", "true"]),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["b", "c"]), inner, max_size=2),
    max_leaves=5,
)

OPS_N = ["and", "or", "if", "?:", "+", "*", "min", "max", "cat", "merge", "missing"]
OPS_2 = ["==", "===", "!=", "!==", "<", "<=", ">", ">=", "-", "/", "%", "in", "substr", "missing_some"]


def rules(depth: int = 3):
    var = st.one_of(
        st.builds(lambda n: {"var": n}, st.sampled_from(FACTS)),
        st.builds(lambda n, d: {"var": [n, d]}, st.sampled_from(FACTS), scalars),
        st.just({"var": ""}),
        st.just({"var": []}),
        st.just({"var": 1}),
    )
    leaf = st.one_of(var, var, scalars, st.lists(scalars, max_size=3))
    if depth == 0:
        return leaf
    sub = rules(depth - 1)
    return st.one_of(
        leaf,
        st.builds(lambda op, args: {op: args}, st.sampled_from(OPS_N), st.lists(sub, min_size=0, max_size=4)),
        st.builds(lambda op, args: {op: args}, st.sampled_from(OPS_2), st.lists(sub, min_size=1, max_size=3)),
        st.builds(lambda op, a: {op: a}, st.sampled_from(["!", "!!", "-", "+", "and", "or", "var"]), sub),
        st.builds(lambda lo, x, hi, op: {op: [lo, x, hi]}, sub, sub, sub, st.sampled_from(["<", "<=", ">"])),
        st.builds(lambda x, items: {"in": [x, items]}, sub, st.lists(scalars, max_size=4)),
        st.builds(
            lambda op, src, body: {op: [src, body]}, st.sampled_from(["map", "filter", "all", "some", "none"]), sub, sub
        ),
    )


datas = st.one_of(
    st.dictionaries(st.sampled_from(FACTS + ["b"]), json_values, max_size=5),
    json_values,
)

REFERENCE = Compiler("accord", generate=False)


def outcome(fn, data):
    try:
        return ("ok", fn(data))
    except Exception as exc:  # noqa: BLE001 - the exception type is what is compared
        return ("raise", type(exc))


def same(a, b) -> bool:
    """Equal as JSON values, UNKNOWN and NaN included; booleans are not numbers."""
    if a is UNKNOWN or b is UNKNOWN:
        return a is b
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, float) and isinstance(b, float) and a == 0 == b:
        return math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@SETTINGS
@given(rule=rules(), data=datas)
def test_generated_function_agrees_with_reference_closure(rule, data):
    try:
        reference = REFERENCE.compile(rule)
    except CompileError:
        with pytest.raises(CompileError):
            compiler("accord").compile(rule)
        return
    generated = compiler("accord").compile(rule)
    expected, got = outcome(reference, data), outcome(generated, data)
    assert expected[0] == got[0], (rule, data, expected, got)
    if expected[0] == "raise":
        assert expected[1] is got[1], (rule, data, expected, got)
    else:
        assert same(expected[1], got[1]), (rule, data, expected, got)


HOSTILE = "__import__('os').system('touch /tmp/accord-codegen-pwned')"


@pytest.mark.parametrize(
    "rule",
    [
        {"and": [{">=": [{"var": HOSTILE}, 30]}, {"<": [{"var": "egfr"}, HOSTILE]}]},
        {"==": [{"var": "sex"}, HOSTILE + "\n    return 1"]},
        {"in": [{"var": "sex"}, [HOSTILE, "')\nimport os#"]]},
        {"if": [{"var": "x"}, HOSTILE, {"+": [{"var": "y"}, 12345]}]},
    ],
)
def test_generated_source_holds_no_rule_text(rule):
    gen = CodeGen(Compiler("accord"))
    source = gen.function(rule, lambda data: None)
    check_generated(
        source, callable_parameters(gen.bound)
    )  # the allow-list: no literal but 0/1/True/False/None, only emitted names
    assert "import" not in source and "12345" not in source and "30" not in source
    assert HOSTILE in gen.bound or any(HOSTILE in str(b) for b in gen.bound)
    fn = compiler("accord").compile(rule)
    fn({"x": True, "y": 1, "egfr": 40, "sex": "male", HOSTILE: 40})


def test_check_generated_rejects_literals_and_foreign_names():
    for bad in [
        "def factory():\n    return 'x'\n",
        "def factory():\n    return 2\n",
        "def factory():\n    return os\n",
        "def factory():\n    return data.__class__\n",
    ]:
        with pytest.raises(UnsafeSource):
            check_generated(bad)


def test_rules_of_one_shape_share_one_generated_function():
    c = compiler("accord")
    f1 = c.compile({"and": [{">=": [{"var": "egfr"}, 31]}, {"<": [{"var": "egfr"}, 51]}]})
    before = len(SHAPES)
    f2 = c.compile({"and": [{">=": [{"var": "crcl"}, 17.5]}, {"<": [{"var": "crcl"}, 99]}]})
    assert len(SHAPES) == before
    assert f1.__code__ is f2.__code__
    assert f1({"egfr": 40}) is True and f2({"crcl": 40}) is True and f2({"crcl": 10}) is False
    assert f2({}) is UNKNOWN


def test_deep_rule_falls_back_to_reference_closure():
    rule = {"<": [{"var": "egfr"}, 30]}
    for _ in range(60):
        rule = {"and": [{"or": [rule, False]}, True]}
    fn = compiler("accord").compile(rule)
    assert fn({"egfr": 5}) is True and fn({"egfr": 50}) is False and fn({}) is UNKNOWN
    assert not hasattr(fn, "__code__") or fn.__code__.co_filename != "<accord rule>"


@pytest.mark.parametrize(
    "rule",
    [
        {"method": [{"var": "egfr"}, "__class__"]},
        {"os.system": ["ls"]},
        {"log": [1]},
        {"a.b": [1]},
        {"and": [True, {"method": ["", "upper"]}]},
        {"eval": ["1"]},
        {"count": [1]},
    ],
)
def test_operations_outside_the_table_are_compile_errors(rule):
    for semantics in ("accord", "jsonlogic"):
        with pytest.raises(CompileError):
            compiler(semantics).compile(rule)


def test_division_by_zero_raises_rule_error_in_both_implementations():
    for c in (compiler("accord"), REFERENCE):
        with pytest.raises(RuleError):
            c.compile({"/": [{"var": "egfr"}, {"var": "crcl"}]})({"egfr": 1, "crcl": 0})
        with pytest.raises(RuleError):
            c.compile({"%": [{"var": "egfr"}, 0]})({"egfr": 1})
    assert compiler("jsonlogic").evaluate({"/": [1, 0]}) == math.inf


def test_non_dict_data_is_handled_like_the_reference():
    fn = compiler("accord").compile({"<": [{"var": "egfr"}, 30]})
    for data in (None, [], "egfr", 3, [1, 2]):
        assert fn(data) is UNKNOWN


GRID_VALUES = [None, 0, 29.9, 30, 30.0, 45, 50, True, False, "30", "male", "", [30], {"b": 1}, float("nan")]
RULE_SHAPES = [
    {"and": [{">=": [{"var": "egfr"}, 30]}, {"<": [{"var": "egfr"}, 50]}]},
    {"or": [{"<": [{"var": "egfr"}, 30]}, {"var": "x"}, {">": [{"var": "crcl"}, 45]}]},
    {"<=": [30, {"var": "egfr"}, 50]},
    {"<": [30, {"var": "egfr"}, {"var": "crcl"}]},
    {"<": [{"var": "egfr"}, {"var": "crcl"}]},
    {">=": ["30", {"var": "egfr"}]},
    {"==": [{"var": "egfr"}, 30]},
    {"===": [{"var": "egfr"}, "male"]},
    {"!=": [{"var": "x"}, True]},
    {"!==": [{"var": "egfr"}, {"var": "crcl"}]},
    {"in": [{"var": "egfr"}, [30, 45.0]]},
    {"in": [{"var": "egfr"}, ["male", "30"]]},
    {"in": [{"var": "egfr"}, [True, None, 30]]},
    {"in": [{"var": "egfr"}, "a30b"]},
    {"in": [{"var": "egfr"}, {"var": "crcl"}]},
    {"!": {"var": "egfr"}},
    {"!!": [{"var": "egfr"}]},
    {"!": {"<": [{"var": "egfr"}, 30]}},
    {"if": [{"var": "x"}, {"<": [{"var": "egfr"}, 30]}, {">": [{"var": "crcl"}, 30]}, "else"]},
    {"?:": [{"<": [{"var": "egfr"}, 30]}, {"var": "crcl"}, {"var": "x"}]},
    {"and": [{"if": [{"var": "x"}, {"var": "egfr"}]}, {"or": [{"var": "crcl"}, False]}]},
    {"+": [{"var": "egfr"}, {"var": "crcl"}, 1]},
    {"*": [{"var": "egfr"}, 2]},
    {"-": [{"var": "egfr"}]},
    {"-": [{"var": "egfr"}, {"var": "crcl"}]},
    {"/": [{"var": "egfr"}, {"var": "crcl"}]},
    {">": [{"/": [{"var": "egfr"}, 2]}, {"min": [{"var": "crcl"}, 40]}]},
    {"and": [{"var": "egfr"}]},
    {"or": [False, {"var": "egfr"}, 0]},
    {"var": "egfr"},
    7,
]


@pytest.mark.parametrize("rule", RULE_SHAPES, ids=[str(i) for i in range(len(RULE_SHAPES))])
def test_generated_function_agrees_on_a_value_grid(rule):
    reference, generated = REFERENCE.compile(rule), compiler("accord").compile(rule)
    for egfr in GRID_VALUES:
        for crcl in (None, 0, 45, "45", True):
            for x in (None, True, False, 0, "y"):
                data = {k: v for k, v in (("egfr", egfr), ("crcl", crcl), ("x", x)) if v is not None or k == "x"}
                expected, got = outcome(reference, data), outcome(generated, data)
                assert expected[0] == got[0] and (
                    expected[1] is got[1] if expected[0] == "raise" else same(expected[1], got[1])
                ), (rule, data, expected, got)
