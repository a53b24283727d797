"""Property tests: Accord's compiler, engine.jsonlogic.vectorised and json-logic-qubit side by side.

Rules are generated from Accord's whitelist (schema/rule.schema.json) over
vocabulary facts (numbers, enums, booleans) and pass Accord's rule checker;
patients are generated with any fact possibly missing.

* compiler(accord) == batch on every patient, missing facts included
  (a division by zero is a RuleError for the compiler and unknown for batch);
* compiler(accord) == json-logic-qubit wherever the semantics are meant to
  agree: every fact the rule reads is present, no division by zero and no
  ``%`` (JavaScript's remainder, not Python's modulo). The deliberate
  divergences are in docs/rule-language.md and tests/engine/test_divergences.py.

json-logic-qubit's ``method`` runs arbitrary Python; qubit is only ever called
here on rules generated from the whitelist (asserted before each call).
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from json_logic import jsonLogic

from engine.contract import allowed_operations, vocabulary
from engine.jsonlogic import UNKNOWN, RuleError, compiler, truthy
from engine.jsonlogic.vectorised import compile_mask
from engine.rules import check_rule, operations_used

VOCAB = vocabulary()
ALLOWED = allowed_operations()
NUMBERS = [n for n, f in VOCAB.facts.items() if f.type == "number"][:5]
ENUMS = {n: list(f.values) for n, f in VOCAB.facts.items() if f.type == "enum"}
BOOLEANS = [n for n, f in VOCAB.facts.items() if f.type == "boolean"][:4]
THRESHOLDS = [0.5, 1, 2, 15, 30, 30.0, 45, 50, 60, 90.5]
SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)


def var(name):
    return {"var": name}


def numeric(depth):
    leaf = st.one_of(st.sampled_from(NUMBERS).map(var), st.sampled_from(NUMBERS).map(var), st.sampled_from(THRESHOLDS))
    if depth == 0:
        return leaf
    sub = numeric(depth - 1)
    return st.one_of(
        leaf,
        leaf,
        st.builds(
            lambda op, args: {op: args},
            st.sampled_from(["+", "*", "min", "max"]),
            st.lists(sub, min_size=1, max_size=3),
        ),
        st.builds(lambda a, b: {"-": [a, b]}, sub, sub),
        st.builds(lambda a: {"-": [a]}, sub),
        st.builds(
            lambda op, a, b: {op: [a, b]},
            st.sampled_from(["/", "%"]),
            sub,
            st.one_of(st.sampled_from(NUMBERS).map(var), st.sampled_from([2, 7.5])),
        ),
        st.builds(lambda c, a, b: {"if": [c, a, b]}, booleans(depth - 1), sub, sub),
    )


def enum_test():
    def one(name):
        values = ENUMS[name]
        return st.one_of(
            st.builds(
                lambda op, v: {op: [var(name), v]}, st.sampled_from(["==", "===", "!=", "!=="]), st.sampled_from(values)
            ),
            st.builds(
                lambda items: {"in": [var(name), items]},
                st.lists(st.sampled_from(values), min_size=1, max_size=3, unique=True),
            ),
        )

    return st.sampled_from(sorted(ENUMS)).flatmap(one)


def booleans(depth):
    leaf = st.one_of(
        st.sampled_from(BOOLEANS).map(var),
        st.builds(lambda op, a, b: {op: [a, b]}, st.sampled_from(["<", "<=", ">", ">="]), numeric(0), numeric(0)),
        st.builds(
            lambda op, lo, x, hi: {op: [lo, x, hi]},
            st.sampled_from(["<", "<="]),
            st.sampled_from(THRESHOLDS),
            st.sampled_from(NUMBERS).map(var),
            st.sampled_from(THRESHOLDS),
        ),
        enum_test(),
        st.builds(
            lambda b, v, op: {op: [var(b), v]},
            st.sampled_from(BOOLEANS),
            st.booleans(),
            st.sampled_from(["==", "!=", "===", "!=="]),
        ),
        st.builds(
            lambda x, items: {"in": [x, items]},
            st.sampled_from(NUMBERS).map(var),
            st.lists(st.sampled_from(THRESHOLDS), min_size=1, max_size=3),
        ),
    )
    if depth == 0:
        return leaf
    sub = booleans(depth - 1)
    return st.one_of(
        leaf,
        leaf,
        st.builds(lambda op, args: {op: args}, st.sampled_from(["and", "or"]), st.lists(sub, min_size=1, max_size=3)),
        st.builds(lambda op, a: {op: a}, st.sampled_from(["!", "!!"]), sub),
        st.builds(lambda op, a: {op: [a]}, st.sampled_from(["!", "!!"]), sub),
        st.builds(lambda op, c, a, b: {op: [c, a, b]}, st.sampled_from(["if", "?:"]), sub, sub, sub),
        st.builds(lambda c1, a, c2, b, e: {"if": [c1, a, c2, b, e]}, sub, sub, sub, sub, sub),
        st.builds(
            lambda op, a, b: {op: [a, b]},
            st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
            numeric(depth - 1),
            numeric(depth - 1),
        ),
    )


def patient_values(draw_missing: bool):
    facts = {}
    for name in NUMBERS:
        facts[name] = st.one_of(
            st.sampled_from(THRESHOLDS + [0, 10, 29.9, 200]),
            st.floats(0, 150, allow_nan=False).map(lambda x: round(x, 1)),
        )
    for name, values in ENUMS.items():
        facts[name] = st.sampled_from(values)
    for name in BOOLEANS:
        facts[name] = st.booleans()
    if draw_missing:
        facts = {k: st.one_of(st.none(), v, v) for k, v in facts.items()}
    return st.fixed_dictionaries(facts).map(lambda d: {k: v for k, v in d.items() if v is not None})


def uses(rule) -> set[str]:
    from engine.rules import facts_used

    return set(facts_used(rule))


def scalar(rule, patient):
    try:
        result = compiler("accord").compile(rule)(patient)
    except RuleError:
        return "error"
    return "unknown" if result is UNKNOWN else truthy(result)


def columns_for(patients):
    columns, present = {}, {}
    for name, fact in VOCAB.facts.items():
        if fact.type not in ("number", "enum", "boolean"):
            continue
        have = np.array([name in p for p in patients], dtype=bool)
        if fact.type == "number":
            col = np.array([p.get(name, 0.0) for p in patients], dtype=float)
        elif fact.type == "boolean":
            col = np.array([p.get(name, False) for p in patients], dtype=bool)
        else:
            col = np.array([p.get(name, "") for p in patients], dtype=object)
        columns[name], present[name] = col, have
    return columns, present


@SETTINGS
@given(rule=booleans(2), patients=st.lists(patient_values(True), min_size=1, max_size=8))
def test_compiler_equals_batch_with_missing_facts(rule, patients):
    assert check_rule(rule, VOCAB) == [], rule
    columns, present = columns_for(patients)
    true_mask, unknown_mask = compile_mask(rule)(columns, present)
    for i, patient in enumerate(patients):
        expected = scalar(rule, patient)
        got = "unknown" if unknown_mask[i] else bool(true_mask[i])
        assert got == ("unknown" if expected == "error" else expected), (rule, patient, expected, got)


@SETTINGS
@given(rule=booleans(2), patient=patient_values(False))
def test_compiler_equals_qubit_when_semantics_agree(rule, patient):
    assert check_rule(rule, VOCAB) == [], rule
    ops = operations_used(rule)
    assert ops <= ALLOWED and "method" not in ops  # qubit only ever sees whitelisted rules
    assume("%" not in ops)
    ours = scalar(rule, patient)
    assume(ours != "error")
    assert uses(rule) <= set(patient)
    theirs = jsonLogic(rule, patient)
    assert isinstance(theirs, bool), (rule, patient, theirs)
    assert ours is theirs, (rule, patient, ours, theirs)
    # the batch path agrees on the same patient too
    columns, present = columns_for([patient])
    true_mask, unknown_mask = compile_mask(rule)(columns, present)
    assert not unknown_mask[0] and bool(true_mask[0]) is ours


@SETTINGS
@given(
    rest=st.lists(booleans(2), min_size=0, max_size=3),
    name=st.sampled_from(sorted(ENUMS)),
    pick=st.integers(0, 50),
    first=st.booleans(),
    patient=patient_values(True),
)
def test_a_rule_ruled_out_by_its_required_texts_is_false(rest, name, pick, first, patient):
    """engine.jsonlogic.shapes.ruled_out lets witness checks skip claims: it must never skip one that is not false."""
    from engine.jsonlogic.shapes import required_texts, ruled_out

    values = ENUMS[name]
    test = (
        {"==": [var(name), values[pick % len(values)]]} if first else {"===": [values[pick % len(values)], var(name)]}
    )
    rule = {"and": [test, *rest]} if rest or first else test
    needs = required_texts(rule)
    assert (name, values[pick % len(values)]) in needs
    if ruled_out(needs, patient):
        assert scalar(rule, patient) is False, (rule, patient)
    for other in rest:  # any rule at all: whatever it requires rules it out only where it is false
        if ruled_out(required_texts(other), patient):
            assert scalar(other, patient) is False, (other, patient)
