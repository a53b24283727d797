"""The official JsonLogic conformance suite (tests/data/jsonlogic/tests.json, see SOURCE.md).

* Every entry through engine.jsonlogic in ``jsonlogic`` semantics: one named
  case per entry, the expected value compared as JSON (true is not 1).
* The entries inside Accord's whitelist with scalar data through the batch
  path (engine.jsonlogic.vectorised.compile_mask, one-row columns): the batch answer must be
  the entry's truthiness. Where batch refuses an entry (CompileError) Accord's
  rule checker must refuse it too: batch only narrows what checked rules need.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from engine.contract import allowed_operations, vocabulary
from engine.jsonlogic import CompileError, compiler, truthy
from engine.rules import check_rule

SUITE = Path(__file__).resolve().parents[1] / "data" / "jsonlogic" / "tests.json"


def _entries() -> list[tuple[str, object, object, object]]:
    section = "start"
    out = []
    for entry in json.loads(SUITE.read_text(encoding="utf-8")):
        if isinstance(entry, str):
            section = re.sub(r"[^a-z0-9]+", "-", entry.lstrip("# ").lower()).strip("-")[:40]
            continue
        rule, data, expected = entry
        name = (
            f"{len(out):03d}-{section}-"
            + re.sub(r"[^A-Za-z0-9<>=!+*/%?:-]+", "_", json.dumps(rule, separators=(",", ":")))[:50]
        )
        out.append((name, rule, data, expected))
    return out


ENTRIES = _entries()
assert len(ENTRIES) == 277, "tests.json changed: update SOURCE.md"


def same_json(a, b) -> bool:
    """Equal as JSON values: 1 == 1.0 but true is not 1; NaN equals NaN."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("rule,data,expected", [e[1:] for e in ENTRIES], ids=[e[0] for e in ENTRIES])
def test_official_suite_compiler(rule, data, expected):
    got = compiler("jsonlogic").evaluate(rule, data)
    assert same_json(got, expected), (rule, data, got, expected)


# ---------------------------------------------------------------- batch path

ALLOWED = allowed_operations()


def _batch_vars(rule, found: set[str]) -> bool:
    """True when `rule` only uses whitelisted operations and plain fact reads (collected)."""
    if isinstance(rule, list):
        return all(_batch_vars(r, found) for r in rule)
    if isinstance(rule, dict):
        if len(rule) != 1:
            return False
        ((op, args),) = rule.items()
        if op not in ALLOWED:
            return False
        if op == "var":
            items = args if isinstance(args, list) else [args]
            if len(items) != 1 or not isinstance(items[0], str) or not items[0] or "." in items[0]:
                return False
            found.add(items[0])
            return True
        return _batch_vars(args, found)
    return True


def _batch_entries():
    out = []
    for name, rule, data, expected in ENTRIES:
        facts: set[str] = set()
        if not _batch_vars(rule, facts) or isinstance(expected, (list, dict)):
            continue
        scalar = lambda v: isinstance(v, (bool, int, float, str))  # noqa: E731
        if facts and not (isinstance(data, dict) and all(f in data and scalar(data[f]) for f in facts)):
            continue  # a missing var is null in JsonLogic but UNKNOWN in Accord: not comparable
        out.append((name, rule, data, expected, sorted(facts)))
    return out


BATCH = _batch_entries()


def test_batch_selection_is_not_trivial():
    assert len(BATCH) >= 100


@pytest.mark.parametrize("rule,data,expected,facts", [e[1:] for e in BATCH], ids=[e[0] for e in BATCH])
def test_official_suite_batch(rule, data, expected, facts):
    from engine.jsonlogic.vectorised import compile_mask

    try:
        fn = compile_mask(rule)
    except CompileError:
        problems = check_rule(rule, vocabulary(), top_level_boolean=False)
        assert problems, f"batch refuses {rule!r} but Accord's checker accepts it"
        return
    columns = {f: np.array([data[f]]) for f in facts}
    present = {f: np.array([True]) for f in facts}
    true_mask, unknown_mask = fn(columns, present)
    assert not bool(np.ravel(unknown_mask)[0])
    assert bool(np.ravel(true_mask)[0]) is truthy(expected), (rule, data, expected)
