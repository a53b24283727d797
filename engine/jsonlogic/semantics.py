"""JsonLogic value semantics: one copy, used by the closures, the generated code and the vectorised evaluator.

JavaScript truthiness, ToNumber/ToString/parseFloat, the kinds of values,
== and ===, ordering, `in`, and the dotted-path lookup of `var`. UNKNOWN is
the value of anything that depends on a missing fact (accord semantics).
Nothing here executes, imports or looks up attributes by a rule's text.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

Closure = Callable[[Any], Any]


class _Unknown:
    """The value of an expression that depends on a missing fact."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:  # pragma: no cover - guard against accidental truthiness
        raise TypeError("UNKNOWN has no truth value; test `is UNKNOWN` first")


UNKNOWN: Any = _Unknown()


class CompileError(ValueError):
    """The rule cannot be compiled (unknown operation, malformed arguments)."""


class RuleError(ArithmeticError):
    """Evaluation failed in a way a valid rule should not (division by zero)."""


# ---------------------------------------------------------------- JS semantics


def truthy(value: Any) -> bool:
    """JsonLogic truthiness: [], "", 0, null, false and NaN are false; "0" is true."""
    if value is None or value is False:
        return False
    if value is True:
        return True
    if isinstance(value, (int, float)):
        return value != 0 and not (isinstance(value, float) and math.isnan(value))
    if isinstance(value, (str, list, dict)):
        return len(value) > 0 if not isinstance(value, dict) else True
    return bool(value)


def to_number(value: Any) -> float:
    """JavaScript ToNumber."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return value
    if value is None:
        return 0.0
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return 0.0
        try:
            return float(text) if text.lower() not in ("nan", "inf", "-inf", "infinity", "+inf") else math.nan
        except ValueError:
            return math.nan
    if isinstance(value, list):
        return to_number(to_string(value))
    return math.nan


def parse_float(value: Any) -> float:
    """JavaScript parseFloat: the longest numeric prefix of the string form."""
    if isinstance(value, bool) or value is None:
        return math.nan
    if isinstance(value, (int, float)):
        return value
    text = to_string(value).lstrip()
    end = 0
    best = math.nan
    while end < len(text):
        end += 1
        try:
            best = float(text[:end])
        except ValueError:
            if text[:end] not in ("-", "+", ".", "-.", "+.") and not text[:end].lower().endswith(("e", "e-", "e+")):
                break
    return best


def to_string(value: Any) -> str:
    """JavaScript ToString for JSON values."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    if isinstance(value, list):
        return ",".join("" if v is None else to_string(v) for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)


def kind(value: Any) -> str:
    """The JavaScript type of a JSON value: null, boolean, number, string or object (lists too)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object"


def strict_equal(a: Any, b: Any) -> bool:
    """JavaScript ===: same kind and same value (true !== 1)."""
    ka, kb = kind(a), kind(b)
    if ka != kb:
        return False
    if ka == "object":
        return a is b
    # Annotated, not bool(...): JSON values compare to a bool already, and this is on the evaluation path.
    same: bool = a == b
    return same


def loose_equal(a: Any, b: Any) -> bool:
    """JavaScript == for JSON values."""
    ka, kb = kind(a), kind(b)
    if ka == kb:
        return strict_equal(a, b) if ka != "object" else a is b
    if ka == "null" or kb == "null":
        return False
    if ka == "boolean":
        return loose_equal(to_number(a), b)
    if kb == "boolean":
        return loose_equal(a, to_number(b))
    if ka == "number" and kb == "string":
        number_same: bool = a == to_number(b)  # a JSON number against a float: a bool
        return number_same
    if ka == "string" and kb == "number":
        string_same: bool = to_number(a) == b
        return string_same
    if ka == "object":
        return loose_equal(to_string(a), b)
    if kb == "object":
        return loose_equal(a, to_string(b))
    return False


def js_less(a: Any, b: Any, or_equal: bool) -> bool:
    """JavaScript a < b (or a <= b): strings by code point, anything else as numbers; NaN is never less."""
    if isinstance(a, str) and isinstance(b, str):
        return a <= b if or_equal else a < b
    x, y = to_number(a), to_number(b)
    if math.isnan(x) or math.isnan(y):
        return False
    return x <= y if or_equal else x < y


def as_number(value: Any) -> float:
    """Fast path for numbers, JavaScript coercion otherwise."""
    if type(value) is int or type(value) is float:
        return value
    return to_number(value)


def is_scalar(value: Any) -> bool:
    """A JSON literal that is not a list or an object."""
    return value is None or type(value) in (str, int, float, bool)


FLOAT_MAX = 1.7976931348623157e308
FLOAT_MIN = -FLOAT_MAX


def finite(value: Any, op: str) -> Any:
    """An arithmetic result in float range, else RuleError (accord: an overflow is no number to compare).

    NaN passes: from finite numbers it only comes of arithmetic on a
    non-number (divergence D14, refused by the checker), never of overflow.
    """
    if (type(value) is int or type(value) is float) and value == value and not -FLOAT_MAX <= value <= FLOAT_MAX:
        raise RuleError(f"{op!r} overflows: the result is not a finite number")
    return value


def in_values(x: Any, y: Any) -> bool:
    """JsonLogic `in`: substring of a string, strict member of a list, else false."""
    if isinstance(y, str):
        return to_string(x) in y
    if isinstance(y, list):
        return any(strict_equal(x, item) for item in y)
    return False


def is_missing(data: Any, key: Any) -> bool:
    """JsonLogic `missing`: absent, null or the empty string."""
    found, value = lookup(data, key)
    return not found or value is None or value == ""


def lookup(data: Any, name: Any) -> tuple[bool, Any]:
    """Follow a dotted path or index through dicts and lists; never getattr."""
    if isinstance(name, bool):
        return False, None
    parts = [name] if isinstance(name, (int, float)) else to_string(name).split(".")
    current = data
    for part in parts:
        if isinstance(current, dict):
            if part in current:
                current = current[part]
                continue
            key = to_string(part)
            if key not in current:
                return False, None
            current = current[key]
        elif isinstance(current, list):
            try:
                index = int(part)
            except (TypeError, ValueError):
                return False, None
            if index < 0 or index >= len(current):
                return False, None
            current = current[index]
        else:
            return False, None
    return True, current
