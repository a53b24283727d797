"""engine.contract.ContractValidator: jsonschema-rs decides validity, jsonschema explains.

The fast path is only sound if both validators agree on every instance, so
this module checks them against each other on every bundled document and on
many mutated ones (hypothesis), and checks the fallbacks.
"""

from __future__ import annotations

import copy
import json
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.contract import ContractValidator, schema_json, validator, vocabulary
from engine.loader import load_file
from tests.conftest import REPO

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


def _slow_is_valid(name: str, instance: Any) -> bool:
    return not list(validator(name)._detailed().iter_errors(instance))


def _bundled() -> list[tuple[str, Any]]:
    docs = [("ruleset", load_file(p).data) for p in sorted((REPO / "rulesets").glob("*.yaml"))]
    docs += [("patient", load_file(p).data) for p in sorted((REPO / "rulesets" / "patients").glob("*.yaml"))]
    docs.append(("reviews", load_file(REPO / "conflicts" / "reviews.yaml").data))
    docs.append(("report", json.loads((REPO / "conflicts" / "report.json").read_text(encoding="utf-8"))))
    docs.append(("vocabulary", load_file(REPO / "schema" / "vocabulary.yaml").data))
    return docs


def test_fast_validator_is_in_use():
    assert validator("ruleset")._fast is not None, "jsonschema-rs should be installed (pyproject dependency)"


@pytest.mark.parametrize("name,data", _bundled(), ids=lambda v: v if isinstance(v, str) else "")
def test_bundled_documents_valid_in_both(name, data):
    assert validator(name).is_valid(data)
    assert _slow_is_valid(name, data)
    assert list(validator(name).iter_errors(data)) == []


def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every container path in `data` (where a mutation can land)."""
    out = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            out.extend(_paths(value, prefix + (key,)))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out.extend(_paths(value, prefix + (i,)))
    return out


RULESET = load_file(REPO / "rulesets" / "lucius-label.yaml").data
RULESET["claims"] = RULESET["claims"][:12]
RULESET_PATHS = [p for p in _paths(RULESET) if p]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(RULESET_PATHS), st.sampled_from(["replace", "delete", "add"]), JUNK)
def test_fast_and_slow_agree_on_mutated_rulesets(path, action, junk):
    data = copy.deepcopy(RULESET)
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if action == "replace":
        parent[last] = junk
    elif action == "delete":
        del parent[last]
    elif isinstance(parent[last], dict):
        parent[last]["zz_extra"] = junk
    elif isinstance(parent[last], list):
        parent[last].append(junk)
    else:
        parent[last] = [parent[last], junk]
    fast = validator("ruleset")
    slow = _slow_is_valid("ruleset", data)
    assert fast.is_valid(data) == slow
    assert bool(list(fast.iter_errors(data))) == (not slow)


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        JUNK,
        st.fixed_dictionaries({"mg": JUNK, "every_days": JUNK}),
        st.fixed_dictionaries({"one_of": st.lists(JUNK, max_size=3)}),
    )
)
def test_question_value_validators_agree(value):
    question = vocabulary().questions["dose"]
    fast = question.value_validator
    assert fast.is_valid(value) == (not list(fast._detailed().iter_errors(value)))


def test_integers_beyond_64_bits_fall_back_to_jsonschema():
    checker = ContractValidator({"type": "integer", "minimum": 0})
    assert checker.is_valid(10**30)
    assert not checker.is_valid(-(10**30))
    assert [e.validator for e in checker.iter_errors(-(10**30))] == ["minimum"]


def test_invalid_instance_gets_jsonschema_errors_with_paths():
    data = copy.deepcopy(RULESET)
    data["claims"][3]["question"] = 7
    errors = list(validator("ruleset").iter_errors(data))
    assert errors and list(errors[0].absolute_path)[:3] == ["claims", 3, "question"]


def test_schema_without_rust_support_uses_jsonschema_alone(monkeypatch):
    monkeypatch.setitem(sys.modules, "jsonschema_rs", None)  # import fails as on a platform without a wheel
    checker = ContractValidator(schema_json("patient"))
    assert checker._fast is None
    assert not checker.is_valid({"facts": 3})
