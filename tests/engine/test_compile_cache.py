"""The compile cache's key (engine.jsonlogic.closures.rule_key): one entry per rule, never another rule's function.

The witness checks compile every claim of the sources they ask; equal rules of
different claims (or sources) must share one compiled function, and rules that
answer differently must never share one.
"""

from __future__ import annotations

import pickle

import pytest

from engine.contract import vocabulary
from engine.jsonlogic import UNKNOWN, CompileError, Compiler
from engine.jsonlogic.closures import MAX_NESTING, rule_key


def test_equal_rules_parsed_apart_share_one_compiled_function() -> None:
    c = Compiler("accord")
    rule = {"and": [{">=": [{"var": "egfr"}, 30]}, {"==": [{"var": "sex"}, "male"]}]}
    copies = [pickle.loads(pickle.dumps(rule)) for _ in range(5)]
    assert len({id(x) for x in copies}) == 5
    assert len({id(c.compile(x)) for x in copies}) == 1
    assert len(c._cache) == 1


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"==": [{"var": "x"}, 1]}, {"==": [{"var": "x"}, 1.0]}),
        ({"===": [{"var": "x"}, 1]}, {"===": [{"var": "x"}, True]}),
        ({"==": [{"var": "x"}, 0.0]}, {"==": [{"var": "x"}, -0.0]}),
        ({"==": [{"var": "x"}, "1"]}, {"==": [{"var": "x"}, 1]}),
        ({"in": [{"var": "x"}, ["a", "b"]]}, {"in": [{"var": "x"}, ["b", "a"]]}),
    ],
)
def test_rules_that_differ_in_a_literal_get_their_own_function(a: object, b: object) -> None:
    c = Compiler("accord", generate=True)
    assert rule_key(a) != rule_key(b)
    assert c.compile(a) is not c.compile(b)


def test_strict_equality_still_tells_1_from_true_after_both_are_cached() -> None:
    c = Compiler("accord")
    one, true = {"===": [{"var": "x"}, 1]}, {"===": [{"var": "x"}, True]}
    c.compile(one)
    assert c.compile(true)({"x": True}) is True
    assert c.compile(one)({"x": True}) is False
    assert c.compile(one)({}) is UNKNOWN


def test_a_literal_object_comes_back_as_written() -> None:
    c = Compiler("jsonlogic")
    first, second = {"a": 1, "b": 2}, {"b": 2, "a": 1}
    assert list(c.compile(first)(None)) == ["a", "b"]
    assert list(c.compile(second)(None)) == ["b", "a"]


def test_values_marshal_cannot_write_are_keyed_by_their_json() -> None:
    class Name(str):
        pass

    rule = {"==": [{"var": Name("sex")}, "male"]}
    key = rule_key(rule)
    assert key == '{"==":[{"var":"sex"},"male"]}'
    assert Compiler("accord").compile(rule)({"sex": "male"}) is True


def test_a_rule_too_deep_for_both_keys_is_a_compile_error_not_a_crash() -> None:
    rule: object = True
    for _ in range(5000):
        rule = {"!": [rule]}
    with pytest.raises(CompileError, match=str(MAX_NESTING)):
        Compiler("accord").compile(rule)


def test_a_vocabulary_pickles_after_its_value_validators_were_used() -> None:
    """Worker processes receive the vocabulary: the cached validator key is text, not the validator."""
    vocab = vocabulary()
    for q in vocab.questions.values():
        assert q.value_validator is q.value_validator
    again = pickle.loads(pickle.dumps(vocab))
    some = next(iter(again.questions.values()))
    assert some.value_validator.is_valid(None) == next(iter(vocab.questions.values())).value_validator.is_valid(None)
