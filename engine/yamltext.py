"""Scalars and line positions for targeted YAML/JSON text edits: every string written reads back identical.

One place for what claim, patient, exclusion and review edits write into a
file. `quoted` is a double-quoted scalar that is both valid JSON and valid
YAML and reads back through engine.loader as exactly the value given: JSON
escapes, plus \\uXXXX for what a YAML double-quoted scalar cannot hold raw
(DEL and C1 controls, NEL and U+2028/2029, which YAML folds as line breaks,
the BOM and the noncharacters U+FFFE/U+FFFF). Lone surrogates (a non-UTF-8
byte from argv under surrogateescape) cannot be written as UTF-8 at all: they
are refused with UnwritableText, before anything is written. `plain_or_quoted`
keeps simple words plain (`status: draft`) and quotes everything else.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Characters a JSON string keeps raw but a YAML double-quoted scalar cannot hold as they are.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# A plain scalar that every YAML reader (1.1 or 1.2) takes as this very string.
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:[-./][A-Za-z0-9_]+)*\Z")
_YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"}


class UnwritableText(ValueError):
    """A value cannot be written so that it reads back identical (its message says which and why)."""


def check_text(value: str, what: str = "text") -> str:
    """`value` unchanged, or UnwritableText when it holds a lone surrogate (not encodable as UTF-8)."""
    found = _SURROGATE.search(value)
    if found:
        raise UnwritableText(
            f"{what} contains a byte that is not UTF-8 (at character {found.start() + 1}); use UTF-8 text"
        )
    return value


def quoted(value: Any, what: str = "value") -> str:
    """`value` (string, number, boolean, null, list or mapping) as one-line JSON that YAML reads back identically."""
    if isinstance(value, str):
        check_text(value, what)
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise UnwritableText(f"{what} cannot be written: {exc}") from None
    check_text(text, what)
    return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def is_plain_safe(value: str) -> bool:
    """Whether `value` can be written as a plain YAML scalar and still read as this string everywhere."""
    return bool(_PLAIN.match(value)) and value.lower() not in _YAML11_WORDS


def plain_or_quoted(value: Any, what: str = "value") -> str:
    """A simple word plain (draft, jak-blog/calc-egfr), anything else quoted."""
    if isinstance(value, str) and is_plain_safe(value):
        return value
    return quoted(value, what)


def line_start(text: str, pos: int) -> int:
    """Index of the first character of the line that holds `pos`."""
    return text.rfind("\n", 0, pos) + 1


def line_end(text: str, pos: int) -> int:
    """Index just past the newline ending the line that holds `pos` (or len(text))."""
    nl = text.find("\n", pos)
    return len(text) if nl == -1 else nl + 1


def line_indent(text: str, pos: int) -> str:
    """The leading whitespace of the line that holds `pos`."""
    start = line_start(text, pos)
    end = start
    while end < len(text) and text[end] in " \t":
        end += 1
    return text[start:end]


# ---------------------------------------------------------------- JSON files


def is_json_path(path: str) -> bool:
    return str(path).lower().endswith(".json")


def json_indent_unit(text: str) -> int | None:
    """The indentation step of a JSON file's text (None: written on one line)."""
    for line in text.split("\n")[1:]:
        stripped = line.lstrip(" ")
        if stripped and len(stripped) < len(line):
            return len(line) - len(stripped)
    return None


def json_block(value: Any, unit: int | None, base: str, what: str = "value") -> str:
    """`value` as JSON in the file's style, its continuation lines indented by `base`; reads back identically."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, indent=unit)
    except (TypeError, ValueError) as exc:
        raise UnwritableText(f"{what} cannot be written: {exc}") from None
    check_text(text, what)
    text = _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text.replace("\n", "\n" + base)


__all__ = [
    "UnwritableText",
    "check_text",
    "dump_block",
    "reads_back",
    "is_json_path",
    "is_plain_safe",
    "json_block",
    "json_indent_unit",
    "line_end",
    "line_indent",
    "line_start",
    "plain_or_quoted",
    "quoted",
]


# ---------------------------------------------------------------- whole documents


def dump_block(data: Any) -> str:
    """Block-style YAML of plain data, mappings in the order given; every scalar through plain_or_quoted.

    Used where Accord writes a whole file of its own (reviews.yaml): the
    result is checked by the caller with reads_back().
    """
    lines: list[str] = []
    _emit(data, 0, lines, "")
    return "\n".join(lines) + "\n"


def _is_collection(value: Any) -> bool:
    return isinstance(value, (dict, list)) and bool(value)


def _emit(value: Any, indent: int, lines: list[str], lead: str) -> None:
    """Append `value`'s lines; `lead` is the text the first line starts with (`key:` or `- `)."""
    pad = " " * indent
    if isinstance(value, dict) and value:
        first = True
        for key, item in value.items():
            head = (lead if first else pad) + plain_or_quoted(str(key), "key") + ":"
            first = False
            if _is_collection(item):
                if isinstance(item, list):
                    lines.append(head)
                    for element in item:
                        _emit(element, indent + 2, lines, pad + "- ")
                else:
                    lines.append(head)
                    _emit(item, indent + 2, lines, " " * (indent + 2))
            else:
                lines.append(head + " " + _scalar(item))
        return
    if isinstance(value, list) and value:
        for i, element in enumerate(value):
            _emit(element, indent + 2, lines, (lead if i == 0 else pad) + "- ")
        return
    lines.append(lead + _scalar(value))


def _scalar(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return plain_or_quoted(value)


def reads_back(text: str, data: Any, name: str = "<written>", as_json: bool = False) -> bool:
    """Whether `text` parses through engine.loader to exactly `data` (types included: 1 is not 1.0 nor True)."""
    from engine.loader import LoadError, load_text

    try:
        got = load_text(text, name, as_json=as_json).data
    except LoadError:
        return False
    return _same(got, data)


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    same: bool = a == b  # scalars YAML loads (str, int, float, bool, None) compare to a bool
    return same
