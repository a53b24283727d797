"""The rule checker: facts exist, types match, enums hold, conditions are conditions."""

from __future__ import annotations

import pytest

from engine.contract import allowed_operations, vocabulary
from engine.rules import MAX_OPERATIONS, check_rule, facts_used, operation_count


def codes(rule):
    return [(code, "/".join(map(str, path))) for path, code, _ in check_rule(rule, vocabulary())]


@pytest.mark.parametrize(
    "rule",
    [
        True,
        {"and": [{">=": [{"var": "egfr"}, 30]}, {"<": [{"var": "egfr"}, 50]}]},
        {"<=": [30, {"var": "egfr"}, 60]},
        {"==": [{"var": "indication"}, "rheumatoid_arthritis"]},
        {"in": [{"var": "indication"}, ["covid19", "alopecia_areata"]]},
        {"or": [{"var": "pregnant"}, {"!": {"var": "breastfeeding"}}]},
        {"==": [{"var": "child_pugh"}, "C"]},
        {"if": [{"var": "pregnant"}, False, {">": [{"var": "age_years"}, 65]}]},
        {">": [{"+": [{"var": "anc"}, {"var": "alc"}]}, 1]},
    ],
)
def test_valid_rules(rule):
    assert codes(rule) == []


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"<": [{"var": "egfr"}, "30"]}, [("E202", "</1")]),
        ({"==": [{"var": "sex"}, "woman"]}, [("E203", "==/1")]),
        ({"in": [{"var": "indication"}, ["covid", "covid19"]]}, [("E203", "in/1/0")]),
        ({"var": "egfr"}, [("E202", "")]),
        ({"<": [{"var": "egfrr"}, 30]}, [("E201", "</0/var")]),
        ({"method": ["x", "__class__"]}, [("E200", "method")]),
        ({"log": "x"}, [("E200", "log")]),
        ({"missing": ["egfr"]}, [("E200", "missing")]),
        ({"and": [{"var": "pregnant"}, 3]}, [("E202", "and/1")]),
        ({"==": [{"var": "pregnant"}, 1]}, [("E202", "==/1")]),
        ({"<": [{"var": "egfr"}]}, [("E205", "<")]),
        ({">": [1, {"var": "egfr"}, 3]}, [("E205", ">")]),
        ({"var": ["egfr", 60]}, [("E204", "var")]),
        ({"var": {"cat": ["eg", "fr"]}}, [("E204", "var")]),
        ({"<": [{"%": [{"var": "egfr"}, 0]}, 1]}, [("E206", "</0/%/1")]),
        ({"in": [{"var": "indication"}, "covid19"]}, [("E202", "in/1")]),
    ],
)
def test_invalid_rules(rule, expected):
    assert codes(rule) == expected


def test_typo_suggestion():
    ((_, _, message),) = check_rule({"<": [{"var": "egrf"}, 30]}, vocabulary())
    assert "did you mean 'egfr'" in message


def test_whitelist_comes_from_schema_and_excludes_code_paths():
    ops = allowed_operations()
    assert {"var", "and", "<", "in"} <= ops
    assert not ({"method", "log", "missing", "map"} & ops)


def test_facts_used_in_order():
    rule = {
        "and": [
            {">": [{"var": "age_years"}, 65]},
            {"or": [{"var": "pregnant"}, {"<": [{"var": "egfr"}, {"var": "age_years"}]}]},
        ]
    }
    assert facts_used(rule) == ["age_years", "pregnant", "egfr"]


def test_operations_used_at_any_depth():
    from engine.rules import operations_used

    rule = {"and": [{"<": [{"var": "egfr"}, 30]}, {"!": {"method": ["", "__class__"]}}]}
    assert operations_used(rule) == {"and", "<", "var", "!", "method"}
    assert operations_used([[[[{"in": [1, [1]]}]]]]) == {"in"}


# ---------------------------------------------------------------- size (E208)


def wide_or(comparisons):
    """An `or` of comparisons: 1 + 2 x comparisons operations (each comparison holds a var)."""
    return {"or": [{"<": [{"var": "egfr"}, 30 - i]} for i in range(comparisons)]}


def test_operations_are_objects_and_literal_lists_add_none():
    assert operation_count(True) == 0 and operation_count([1, 2, [3]]) == 0
    assert operation_count({"<": [{"var": "egfr"}, 30]}) == 2
    assert operation_count({"in": [{"var": "indication"}, [f"x{i}" for i in range(50_000)]]}) == 2
    assert operation_count({"if": [{"!": [{"var": "pregnant"}]}, [{"+": [1, 2]}], {"var": "egfr"}]}) == 5
    assert operation_count(wide_or(10)) == 21


def test_a_rule_at_the_limit_is_checked_and_one_over_is_e208_alone():
    at_limit = {
        "or": [*wide_or((MAX_OPERATIONS - 1) // 2)["or"]] + ([{"var": "pregnant"}] if MAX_OPERATIONS % 2 == 0 else [])
    }
    assert operation_count(at_limit, 10**9) == MAX_OPERATIONS
    assert check_rule(at_limit, vocabulary()) == []
    over = {"or": [*at_limit["or"], {"var": "pregnant"}]}
    assert operation_count(over, 10**9) == MAX_OPERATIONS + 1
    # E208 at the rule itself, and nothing else: the checker does not walk it (its unknown fact is not reported)
    over["or"].append({"var": "no_such_fact"})
    ((path, code, message),) = check_rule(over, vocabulary())
    assert (path, code) == ((), "E208") and f"{MAX_OPERATIONS:,}" in message


def test_counting_stops_at_the_limit():
    huge = wide_or(100_000)
    assert operation_count(huge) == MAX_OPERATIONS + 1
    assert operation_count(huge, 10) == 11
    assert operation_count(huge, 10**9) == 200_001


def test_any_nesting_is_counted_without_recursion():
    deep: object = {"var": "egfr"}
    for _ in range(50_000):
        deep = {"!": [deep]}
    assert operation_count(deep, 10**9) == 50_001
    assert codes(deep) == [("E208", "")]


# check_rule remembers its answer per distinct rule (sources repeat each other's conditions): never another's.


def _vocabulary_without(fact: str):
    from engine.contract import vocabulary_from_data
    from engine.loader import load_file
    from schema import SCHEMA_DIR

    vocab = vocabulary()
    data = load_file(SCHEMA_DIR / "vocabulary.yaml").data
    del data["facts"][fact]
    return vocabulary_from_data(data, relations=vocab.relations, shapes=vocab.shapes, links=vocab.links)


def test_a_repeated_rule_gets_the_same_problems_and_a_list_of_its_own():
    rule = {"and": [{"<": [{"var": "egfrr"}, 30]}, {"==": [{"var": "sex"}, "woman"]}]}
    first = check_rule(rule, vocabulary())
    seen = list(first)
    assert [code for _, code, _ in seen] == ["E201", "E203"]
    first.clear()  # a caller's list is its own: the remembered answer is untouched
    assert check_rule({"and": [{"<": [{"var": "egfrr"}, 30]}, {"==": [{"var": "sex"}, "woman"]}]}, vocabulary()) == seen


@pytest.mark.parametrize(
    ("ok", "bad"),
    [
        ({"<": [{"var": "egfr"}, 1]}, {"<": [{"var": "egfr"}, True]}),
        ({"==": [{"var": "sex"}, "male"]}, {"==": [{"var": "sex"}, "Male"]}),
    ],
)
def test_rules_equal_under_json_loose_reading_are_checked_apart(ok, bad):
    assert codes(ok) == []
    assert codes(bad) != []
    assert codes(ok) == []


def test_the_answer_follows_the_vocabulary_asked():
    rule = {"<": [{"var": "egfr"}, 30]}
    without = _vocabulary_without("egfr")
    assert check_rule(rule, vocabulary()) == []
    assert [code for _, code, _ in check_rule(rule, without)] == ["E201"]
    assert check_rule(rule, vocabulary()) == []
    assert [code for _, code, _ in check_rule(rule, without)] == ["E201"]


def test_a_top_level_value_is_a_problem_only_where_a_condition_is_asked_for():
    rule = {"+": [{"var": "egfr"}, 1]}
    assert [code for _, code, _ in check_rule(rule, vocabulary())] == ["E202"]
    assert check_rule(rule, vocabulary(), top_level_boolean=False) == []
    assert [code for _, code, _ in check_rule(rule, vocabulary())] == ["E202"]
