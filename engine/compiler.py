"""Compile JSON-Logic rules to Python closures, once, cached by rule content.

Two semantics share one implementation:

* ``jsonlogic``: the standard semantics of jsonlogic.com (JavaScript truthiness
  and coercions, missing variables read as null). Used for the official
  conformance suite.
* ``accord``: a missing fact is UNKNOWN, never 0, false or null, and the
  logical operators follow Kleene's three-valued logic: ``and`` is false as
  soon as one argument is false, ``or`` true as soon as one is true, anything
  else touching UNKNOWN is UNKNOWN. Division by zero raises RuleError.

Nothing a rule contains is ever passed to eval, getattr or import: every
operation is a closure in the table below, and an operation outside it
(json-logic-qubit's ``method``, dotted names, ``log``) is a CompileError.
The full semantics, and where they deliberately differ from
json-logic-qubit, are written down in docs/rule-language.md.
"""
from __future__ import annotations

import json
import math
from typing import Any, Callable

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


def _kind(value: Any) -> str:
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
    ka, kb = _kind(a), _kind(b)
    if ka != kb:
        return False
    if ka == "object":
        return a is b
    return a == b


def loose_equal(a: Any, b: Any) -> bool:
    """JavaScript == for JSON values."""
    ka, kb = _kind(a), _kind(b)
    if ka == kb:
        return strict_equal(a, b) if ka != "object" else a is b
    if ka == "null" or kb == "null":
        return False
    if ka == "boolean":
        return loose_equal(to_number(a), b)
    if kb == "boolean":
        return loose_equal(a, to_number(b))
    if ka == "number" and kb == "string":
        return a == to_number(b)
    if ka == "string" and kb == "number":
        return to_number(a) == b
    if ka == "object":
        return loose_equal(to_string(a), b)
    if kb == "object":
        return loose_equal(a, to_string(b))
    return False


def _js_less(a: Any, b: Any, or_equal: bool) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a <= b if or_equal else a < b
    x, y = to_number(a), to_number(b)
    if math.isnan(x) or math.isnan(y):
        return False
    return x <= y if or_equal else x < y


def _number(value: Any) -> float:
    """Fast path for numbers, JavaScript coercion otherwise."""
    if type(value) is int or type(value) is float:
        return value
    return to_number(value)


# ---------------------------------------------------------------- compiler

class Compiler:
    """Turns a rule into a closure `f(data) -> value`. One instance per semantics."""

    def __init__(self, semantics: str = "accord", operations: frozenset[str] | None = None):
        if semantics not in ("accord", "jsonlogic"):
            raise ValueError(f"unknown semantics {semantics!r}")
        self.strict = semantics == "accord"
        self.operations = operations
        self._cache: dict[str, Closure] = {}

    def compile(self, rule: Any) -> Closure:
        """Compile (or fetch from the cache) the closure for `rule`."""
        key = json.dumps(rule, sort_keys=True, separators=(",", ":"))
        found = self._cache.get(key)
        if found is None:
            found = self._compile(rule)
            if len(self._cache) > 100_000:
                self._cache.clear()
            self._cache[key] = found
        return found

    def evaluate(self, rule: Any, data: Any = None) -> Any:
        return self.compile(rule)(data)

    # -- dispatch
    def _compile(self, rule: Any) -> Closure:
        if isinstance(rule, list):
            items = [self._compile(r) for r in rule]
            return lambda data: [f(data) for f in items]
        if not isinstance(rule, dict) or len(rule) != 1:
            return lambda data, value=rule: value
        (op, raw_args), = rule.items()
        if not isinstance(op, str) or op not in _OPERATIONS or (self.operations is not None and op not in self.operations):
            raise CompileError(f"unknown operation {op!r}")
        builder = getattr(self, _OPERATIONS[op])
        return builder(op, raw_args)

    def _args(self, raw_args: Any) -> list[Closure]:
        if not isinstance(raw_args, list):
            raw_args = [raw_args]
        return [self._compile(a) for a in raw_args]

    # -- data access
    def _var(self, op: str, raw_args: Any) -> Closure:
        args = raw_args if isinstance(raw_args, list) else [raw_args]
        strict = self.strict
        if not args:
            return lambda data: data
        name_rule, default_rule = args[0], (args[1] if len(args) > 1 else None)
        default = self._compile(default_rule)
        if isinstance(name_rule, (dict, list)):
            name_f = self._compile(name_rule)
        else:
            name_f = None
        if strict and name_f is None and isinstance(name_rule, str) and name_rule and "." not in name_rule:
            # The hot path of every Accord rule: a plain fact name.
            def fact(data: Any, key: str = name_rule) -> Any:
                try:
                    value = data[key]
                except (KeyError, TypeError, IndexError):
                    return UNKNOWN
                return UNKNOWN if value is None else value
            return fact

        def var(data: Any) -> Any:
            name = name_f(data) if name_f is not None else name_rule
            if name is None or name == "" or name == []:
                return data
            found, value = _lookup(data, name)
            if not found or value is None:
                if strict:
                    return UNKNOWN
                return default(data)
            return value
        return var

    def _missing(self, op: str, raw_args: Any) -> Closure:
        args = self._args(raw_args)

        def missing(data: Any) -> Any:
            keys = [f(data) for f in args]
            if keys and isinstance(keys[0], list):
                keys = keys[0]
            return [key for key in keys if _is_missing(data, key)]
        return missing

    def _missing_some(self, op: str, raw_args: Any) -> Closure:
        args = self._args(raw_args)

        def missing_some(data: Any) -> Any:
            need, keys = args[0](data), args[1](data)
            absent = [k for k in keys if _is_missing(data, k)]
            return [] if len(keys) - len(absent) >= need else absent
        return missing_some

    # -- logic
    def _if(self, op: str, raw_args: Any) -> Closure:
        args = self._args(raw_args)
        strict = self.strict

        def if_(data: Any) -> Any:
            i = 0
            n = len(args)
            while i < n - 1:
                cond = args[i](data)
                if strict and cond is UNKNOWN:
                    return UNKNOWN
                if truthy(cond):
                    return args[i + 1](data)
                i += 2
            if i == n - 1:
                return args[i](data)
            return None
        return if_

    def _and(self, op: str, raw_args: Any) -> Closure:
        args = self._args(raw_args)
        strict = self.strict

        def and_(data: Any) -> Any:
            value: Any = None
            unknown = False
            for f in args:
                value = f(data)
                if value is UNKNOWN:
                    unknown = True
                    continue
                if not truthy(value):
                    return value
            return UNKNOWN if (unknown and strict) else value
        return and_

    def _or(self, op: str, raw_args: Any) -> Closure:
        args = self._args(raw_args)
        strict = self.strict

        def or_(data: Any) -> Any:
            value: Any = None
            unknown = False
            for f in args:
                value = f(data)
                if value is UNKNOWN:
                    unknown = True
                    continue
                if truthy(value):
                    return value
            return UNKNOWN if (unknown and strict) else value
        return or_

    def _not(self, op: str, raw_args: Any) -> Closure:
        arg = self._args(raw_args)[0] if self._args(raw_args) else (lambda data: None)
        negate = op == "!"

        def not_(data: Any) -> Any:
            value = arg(data)
            if value is UNKNOWN:
                return UNKNOWN
            return (not truthy(value)) if negate else truthy(value)
        return not_

    # -- comparison
    def _equal(self, op: str, raw_args: Any) -> Closure:
        a, b = self._pair(raw_args)
        compare = strict_equal if op in ("===", "!==") else loose_equal
        negate = op in ("!=", "!==")

        def equal(data: Any) -> Any:
            x, y = a(data), b(data)
            if x is UNKNOWN or y is UNKNOWN:
                return UNKNOWN
            result = compare(x, y)
            return not result if negate else result
        return equal

    def _order(self, op: str, raw_args: Any) -> Closure:
        args = self._args(raw_args)
        flip = op in (">", ">=")
        or_equal = op in ("<=", ">=")
        if len(args) == 3 and not flip:
            lo, mid, hi = args

            def between(data: Any) -> Any:
                x, y, z = lo(data), mid(data), hi(data)
                if x is UNKNOWN or y is UNKNOWN or z is UNKNOWN:
                    return UNKNOWN
                return _js_less(x, y, or_equal) and _js_less(y, z, or_equal)
            return between
        a, b = (args + [lambda data: None] * 2)[:2]
        if flip:
            a, b = b, a

        def order(data: Any) -> Any:
            x, y = a(data), b(data)
            if x is UNKNOWN or y is UNKNOWN:
                return UNKNOWN
            if (type(x) is int or type(x) is float) and (type(y) is int or type(y) is float):
                return x <= y if or_equal else x < y
            return _js_less(x, y, or_equal)
        return order

    # -- arithmetic
    def _arith(self, op: str, raw_args: Any) -> Closure:
        args = self._args(raw_args)
        strict = self.strict

        def values(data: Any) -> list[Any] | None:
            out = [f(data) for f in args]
            return None if any(v is UNKNOWN for v in out) else out

        if op == "+":
            def plus(data: Any) -> Any:
                vals = values(data)
                return UNKNOWN if vals is None else _sum(parse_float(v) if type(v) not in (int, float) else v for v in vals)
            return plus
        if op == "*":
            def times(data: Any) -> Any:
                vals = values(data)
                if vals is None:
                    return UNKNOWN
                result: float = 1
                for v in vals:
                    result *= parse_float(v) if type(v) not in (int, float) else v
                return result
            return times
        if op == "-":
            def minus(data: Any) -> Any:
                vals = values(data)
                if vals is None:
                    return UNKNOWN
                if len(vals) == 1:
                    return -_number(vals[0])
                return _number(vals[0]) - _number(vals[1])
            return minus
        if op in ("/", "%"):
            def divide(data: Any) -> Any:
                vals = values(data)
                if vals is None:
                    return UNKNOWN
                x, y = _number(vals[0]), _number(vals[1])
                if y == 0:
                    if strict:
                        raise RuleError(f"division by zero in {op!r}")
                    if op == "%" or x == 0:
                        return math.nan
                    return math.copysign(math.inf, x) * math.copysign(1, y)
                return x / y if op == "/" else math.fmod(x, y)
            return divide
        if op in ("min", "max"):
            pick = min if op == "min" else max

            def extreme(data: Any) -> Any:
                vals = values(data)
                if vals is None:
                    return UNKNOWN
                if not vals:
                    return None
                nums = [_number(v) for v in vals]
                if any(math.isnan(n) for n in nums):
                    return math.nan
                return pick(nums)
            return extreme
        raise CompileError(f"unknown operation {op!r}")  # pragma: no cover

    # -- strings and arrays
    def _in(self, op: str, raw_args: Any) -> Closure:
        a, b = self._pair(raw_args)

        def in_(data: Any) -> Any:
            x, y = a(data), b(data)
            if x is UNKNOWN or y is UNKNOWN:
                return UNKNOWN
            if isinstance(y, str):
                return to_string(x) in y
            if isinstance(y, list):
                return any(strict_equal(x, item) for item in y)
            return False
        return in_

    def _cat(self, op: str, raw_args: Any) -> Closure:
        args = self._args(raw_args)
        return lambda data: "".join(to_string(f(data)) for f in args)

    def _substr(self, op: str, raw_args: Any) -> Closure:
        args = self._args(raw_args)

        def substr(data: Any) -> Any:
            vals = [f(data) for f in args]
            text = to_string(vals[0])
            start = int(_number(vals[1])) if len(vals) > 1 else 0
            if start < 0:
                start = max(len(text) + start, 0)
            if len(vals) > 2:
                length = int(_number(vals[2]))
                end = len(text) + length if length < 0 else start + length
                return text[start:end]
            return text[start:]
        return substr

    def _merge(self, op: str, raw_args: Any) -> Closure:
        args = self._args(raw_args)

        def merge(data: Any) -> Any:
            out: list[Any] = []
            for f in args:
                value = f(data)
                out.extend(value if isinstance(value, list) else [value])
            return out
        return merge

    def _iterate(self, op: str, raw_args: Any) -> Closure:
        raw = raw_args if isinstance(raw_args, list) else [raw_args]
        source = self._compile(raw[0]) if raw else (lambda data: None)
        logic = self._compile(raw[1]) if len(raw) > 1 else (lambda data: None)
        initial = self._compile(raw[2]) if len(raw) > 2 else (lambda data: None)

        def items(data: Any) -> list[Any]:
            value = source(data)
            return value if isinstance(value, list) else []

        if op == "map":
            return lambda data: [logic(item) for item in items(data)]
        if op == "filter":
            return lambda data: [item for item in items(data) if truthy(logic(item))]
        if op == "all":
            def all_(data: Any) -> Any:
                seq = items(data)
                return bool(seq) and all(truthy(logic(item)) for item in seq)
            return all_
        if op == "some":
            return lambda data: any(truthy(logic(item)) for item in items(data))
        if op == "none":
            return lambda data: not any(truthy(logic(item)) for item in items(data))

        def reduce_(data: Any) -> Any:
            acc = initial(data)
            for item in items(data):
                acc = logic({"current": item, "accumulator": acc})
            return acc
        return reduce_

    def _pair(self, raw_args: Any) -> tuple[Closure, Closure]:
        args = self._args(raw_args)
        while len(args) < 2:
            args.append(lambda data: None)
        return args[0], args[1]


def _sum(values: Any) -> float:
    total: float = 0
    for v in values:
        total += v
    return total


def _is_missing(data: Any, key: Any) -> bool:
    found, value = _lookup(data, key)
    return not found or value is None or value == ""


def _lookup(data: Any, name: Any) -> tuple[bool, Any]:
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


# op -> builder method. The whole of what a rule can do; nothing else is reachable.
_OPERATIONS: dict[str, str] = {
    "var": "_var", "missing": "_missing", "missing_some": "_missing_some",
    "if": "_if", "?:": "_if", "and": "_and", "or": "_or", "!": "_not", "!!": "_not",
    "==": "_equal", "===": "_equal", "!=": "_equal", "!==": "_equal",
    "<": "_order", "<=": "_order", ">": "_order", ">=": "_order",
    "+": "_arith", "-": "_arith", "*": "_arith", "/": "_arith", "%": "_arith", "min": "_arith", "max": "_arith",
    "in": "_in", "cat": "_cat", "substr": "_substr", "merge": "_merge",
    "map": "_iterate", "filter": "_iterate", "reduce": "_iterate", "all": "_iterate", "some": "_iterate", "none": "_iterate",
}
STANDARD_OPERATIONS = frozenset(_OPERATIONS)

_compilers: dict[str, Compiler] = {}


def compiler(semantics: str = "accord") -> Compiler:
    """The shared compiler for a semantics; its cache is shared by every caller."""
    found = _compilers.get(semantics)
    if found is None:
        found = _compilers[semantics] = Compiler(semantics)
    return found
