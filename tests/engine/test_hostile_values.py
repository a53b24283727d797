"""Hostile corpus, values room: schema regexes that mean one thing everywhere, numbers in values.

JSON Schema's `pattern` is ECMA-262; the `jsonschema` package searches with
Python's `re` (where `$` also matches before a final newline and `\\d` takes
Arabic-Indic digits) and jsonschema-rs with Rust's regex. Every pattern in
schema/ must mean the same in all three, so no hostile id slips through the
engine that decides. Files under tests/data/hostile/values/.
"""
from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any, Iterator

import jsonschema_rs
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.contract import _strict_integer_validator
from engine.loader import load_file, load_text
from engine.validate import validate_paths, validate_ruleset_document
from tests.conftest import REPO, write_ruleset

DATA = Path(__file__).resolve().parent.parent / "data" / "hostile" / "values"
END = r"$(?![\s\S])"
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
TEXT = "Use 2 mg once daily. Avoid when eGFR is below 30."


def _schemas() -> Iterator[tuple[str, Any]]:
    for path in sorted((REPO / "schema").glob("*.schema.json")):
        yield path.name, json.loads(path.read_text(encoding="utf-8"))
    vocab = load_file(REPO / "schema" / "vocabulary.yaml").data
    for name, question in vocab["questions"].items():
        yield f"vocabulary.yaml#{name}", question["value"]


def _patterns(node: Any, negated: bool = False) -> Iterator[tuple[str, bool]]:
    """Every `pattern` keyword (with whether it sits under a `not`), including inside propertyNames."""
    stack = [(node, negated)]
    while stack:
        current, under_not = stack.pop()
        if isinstance(current, dict):
            if isinstance(current.get("pattern"), str):
                yield current["pattern"], under_not
            for key, child in current.items():
                if key not in ("properties", "$defs", "patternProperties"):
                    stack.append((child, under_not or key == "not"))
                elif isinstance(child, dict):
                    stack.extend((grandchild, under_not) for grandchild in child.values())
        elif isinstance(current, list):
            stack.extend((child, under_not) for child in current)


PATTERNS = sorted({(p, neg) for _, schema in _schemas() for p, neg in _patterns(schema)})
POSITIVE = [p for p, neg in PATTERNS if not neg]
NEGATED = [p for p, neg in PATTERNS if neg]


@cache
def _validators(pattern: str) -> tuple[Any, Any]:
    schema = {"type": "string", "pattern": pattern}
    return jsonschema_rs.Draft202012Validator(schema), _strict_integer_validator()(schema)


def _verdicts(pattern: str, text: str) -> tuple[bool, bool]:
    fast, slow = _validators(pattern)
    return fast.is_valid(text), slow.is_valid(text)


def _engine_dependent(pattern: str) -> list[str]:
    """Constructs whose meaning differs between ECMA-262, Python re and Rust regex."""
    problems = []
    body = pattern.replace(r"[\s\S]", "")
    if re.search(r"\\[dDwWsSbB]", body):
        problems.append("a shorthand class (\\d \\w \\s \\b): spell the characters out")
    if re.search(r"(?<!\\)\.", re.sub(r"\[(\\.|[^\]])*\]", "", body)):
        problems.append("'.' outside a class (line terminators differ)")
    if re.search(r"(?<!\\)\$(?!\(\?!\[\\s\\S\]\))", pattern):
        problems.append(f"'$' must be written {END} (Python's $ matches before a final newline)")
    return problems


def test_the_walk_finds_the_patterns():
    assert len(POSITIVE) >= 8 and len(NEGATED) >= 3
    assert "^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9._-]*" + END in POSITIVE


@pytest.mark.parametrize("pattern", [p for p, _ in PATTERNS])
def test_no_pattern_depends_on_the_regex_engine(pattern):
    assert _engine_dependent(pattern) == []


@pytest.mark.parametrize("pattern", [r"^\d{4}$", r"^[a-z]+$", r"^a.b", r"\s"])
def test_the_lint_catches_engine_dependent_patterns(pattern):
    assert _engine_dependent(pattern)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_a_match_plus_newline_or_foreign_digits_is_refused_by_both(data):
    pattern = data.draw(st.sampled_from(POSITIVE))
    core = pattern.removesuffix(END)
    sample = data.draw(st.from_regex(core, fullmatch=True, alphabet=st.characters(codec="ascii")))
    assert _verdicts(pattern, sample) == (True, True), sample
    assert _verdicts(pattern, sample + "\n") == (False, False)
    assert _verdicts(pattern, sample + "\r\n") == (False, False)
    foreign = sample.translate(ARABIC_INDIC)
    if foreign != sample:
        assert _verdicts(pattern, foreign) == (False, False), foreign


TRICKY = [chr(c) for c in [*range(0x100), 0x660, 0x669, 0x6f0, 0x966, 0x1680, *range(0x2000, 0x2010), 0x2028, 0x2029,
                           0x202f, 0x205f, 0x3000, 0xff10, 0xfeff, 0x1d7ce]]


@pytest.mark.parametrize("pattern", NEGATED)
def test_negated_patterns_agree_on_every_tricky_character(pattern):
    schema = {"type": "string", "pattern": pattern}
    fast, slow = jsonschema_rs.Draft202012Validator(schema), _strict_integer_validator()(schema)
    for text in [c for ch in TRICKY for c in (ch, "a" + ch, ch + "a", "a" + ch + "a")]:
        assert fast.is_valid(text) == slow.is_valid(text), (pattern, text)


@pytest.mark.parametrize("field,value", [
    ("id", "jak-blog/renal-decline-adjust\n"),
    ("id", "jak-blog/renal-decline-adjust\r\n"),
    ("question", "dose\n"),
])
def test_claim_strings_with_a_trailing_newline_are_E100(tmp_path, field, value):
    path = write_ruleset(tmp_path, "jak-blog", TEXT, [{"question": "dose", "value": {"mg": 2, "every_days": 1}}])
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["claims"][0][field] = value
    _, diags = validate_ruleset_document(load_text(yaml.safe_dump(data), str(path)), check_source=False)
    assert ("E100", f"/claims/0/{field}") in [(d.code, d.pointer) for d in diags], [d.format() for d in diags]


def test_hostile_retrieved_date_with_arabic_indic_digits_is_E100(tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "sources").mkdir()
    (folder / "sources" / "src.txt").write_text(TEXT, encoding="utf-8")
    path = folder / "src.yaml"
    path.write_bytes((DATA / "arabic-indic-date.yaml").read_bytes())
    result = validate_paths([folder])
    assert [(d.code, d.line, d.pointer) for d in result.diagnostics] == [("E100", 6, "/source/retrieved")]
