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
import re
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

MAX_NESTING = 256  # JSON levels (an operation is two); compiling recurses ~1.5 frames a level, evaluating ~0.5


def _nesting(rule: Any) -> int:
    """JSON nesting depth of a rule, level by level (no recursion, no per-node tuples)."""
    depth = 0
    level = [rule] if isinstance(rule, (dict, list)) else []
    while level:
        depth += 1
        level = [c for n in level for c in (n.values() if type(n) is dict else n) if isinstance(c, (dict, list))]
    return depth


class Compiler:
    """Turns a rule into a closure `f(data) -> value`. One instance per semantics."""

    def __init__(self, semantics: str = "accord", operations: frozenset[str] | None = None, generate: bool | None = None):
        if semantics not in ("accord", "jsonlogic"):
            raise ValueError(f"unknown semantics {semantics!r}")
        self.strict = semantics == "accord"
        self.operations = operations
        # accord rules are also generated into one flat function (see _CodeGen below)
        self.generate = self.strict if generate is None else generate
        self._cache: dict[str, Closure] = {}

    def compile(self, rule: Any) -> Closure:
        """Compile (or fetch from the cache) the function for `rule`.

        In accord semantics the result raises RuleError on a division (or
        modulo) by zero or an arithmetic overflow; callers (engine.evaluate)
        catch it and report the claim as not decidable for that patient. A
        rule nested deeper than MAX_NESTING is a CompileError (the loader
        stops files at 64 levels; this bounds the closures' call depth).
        """
        if _nesting(rule) > MAX_NESTING:
            raise CompileError(f"the rule is nested deeper than {MAX_NESTING} levels")
        key = json.dumps(rule, sort_keys=True, separators=(",", ":"))
        found = self._cache.get(key)
        if found is None:
            try:
                found = self._compile(rule)  # the reference closure; raises CompileError
            except RecursionError:  # a caller already deep in the stack: refuse, never crash
                raise CompileError("the rule is nested too deeply to compile") from None
            if self.generate:
                found = _generate(self, rule, found)
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

    def _junction(self, op: str, raw_args: Any) -> Closure:
        """`and` stops at the first false argument, `or` at the first true one (Kleene over UNKNOWN).

        In accord semantics a run of equalities between one fact and literals
        (`x == 1 or x == 2 or ...`, `x != 1 and x != 2 and ...`) is one set
        lookup, so a 100,000-wide `or` costs one evaluation, not 100,000.
        """
        strict = self.strict
        args = self._grouped_args(op, raw_args) if strict else self._args(raw_args)
        stop_when = op == "or"

        def junction(data: Any) -> Any:
            value: Any = None
            unknown = False
            for f in args:
                value = f(data)
                if value is UNKNOWN:
                    unknown = True
                    continue
                if truthy(value) is stop_when:
                    return value
            return UNKNOWN if (unknown and strict) else value
        return junction

    def _grouped_args(self, op: str, raw_args: Any) -> list[Closure]:
        """The junction's arguments, runs of one-fact equalities folded into _EqualityRun closures."""
        items = raw_args if isinstance(raw_args, list) else [raw_args]
        wanted = ("==", "===") if op == "or" else ("!=", "!==")
        out: list[Closure] = []
        run: list[tuple[str, Any, bool]] = []  # (op, literal, literal first)
        run_fact: str | None = None
        run_kind = ""

        def flush() -> None:
            if len(run) >= _RUN_MIN:
                if run_kind == "order":
                    out.append(_comparison_run(run_fact, run, every=op == "and"))  # type: ignore[arg-type]
                else:
                    out.append(_equality_run(run_fact, run, negate=op == "and"))  # type: ignore[arg-type]
            else:
                out.extend(self._compile({o: ([c, {"var": run_fact}] if flipped else [{"var": run_fact}, c])}) for o, c, flipped in run)
            run.clear()

        for item in items:
            found = _fact_equality(item, wanted)
            kind = "equal"
            if found is None:
                found = _fact_equality(item, _ORDER_OPS)
                kind = "order"
                if found is not None and not (type(found[2]) in (int, float) and found[2] == found[2]):
                    found = None  # thresholds are numbers (what the checker requires); anything else one by one
            if found is not None and (found[0] != run_fact or kind != run_kind or not run):
                run_kind = kind
                if run:
                    flush()
                run_fact = found[0]
            if found is not None:
                run.append(found[1:])
                continue
            if run:
                flush()
            out.append(self._compile(item))
        if run:
            flush()
        return out

    def _not(self, op: str, raw_args: Any) -> Closure:
        args = self._args(raw_args)
        arg = args[0] if args else (lambda data: None)
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
        """Arithmetic; in accord semantics a result beyond float range (inf, NaN, a huge int) is a RuleError."""
        inner = self._arith_value(op, raw_args)
        if not self.strict:
            return inner

        def checked(data: Any) -> Any:
            try:
                value = inner(data)
            except OverflowError:
                raise RuleError(f"{op!r} overflows: the result is not a finite number") from None
            return value if value is UNKNOWN or value is None else _finite(value, op)
        return checked

    def _arith_value(self, op: str, raw_args: Any) -> Closure:
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
        items = raw_args if isinstance(raw_args, list) else [raw_args]
        if len(items) == 2 and isinstance(items[1], list) and all(_is_scalar(i) for i in items[1]):
            return self._in_literal(items[0], items[1])
        a, b = self._pair(raw_args)

        def in_(data: Any) -> Any:
            x, y = a(data), b(data)
            if x is UNKNOWN or y is UNKNOWN:
                return UNKNOWN
            return _in_values(x, y)
        return in_

    def _in_literal(self, needle_rule: Any, haystack: list[Any]) -> Closure:
        """`in` over a literal list of scalars: strict membership, a set lookup for numbers and strings."""
        needle = self._compile(needle_rule)
        items = list(haystack)
        numbers = frozenset(i for i in items if type(i) in (int, float) and i == i)
        strings = frozenset(i for i in items if type(i) is str)
        rest = tuple(i for i in items if not (type(i) is str or (type(i) in (int, float) and i == i)))

        def in_list(data: Any) -> Any:
            x = needle(data)
            if x is UNKNOWN:
                return UNKNOWN
            kind = type(x)
            if kind is int or kind is float:
                return x in numbers or any(strict_equal(x, i) for i in rest)
            if kind is str:
                return x in strings
            return any(strict_equal(x, i) for i in items)
        return in_list

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


_RUN_MIN = 8  # equalities on one fact in a row before a junction folds them into one set lookup


def _is_scalar(value: Any) -> bool:
    return value is None or type(value) in (str, int, float, bool)


def _fact_equality(rule: Any, ops: tuple[str, str]) -> tuple[str, str, Any, bool] | None:
    """(fact, op, literal, literal first) when `rule` is `{op: [{"var": fact}, literal]}` (either order)."""
    if type(rule) is not dict or len(rule) != 1:
        return None
    (op, args), = rule.items()
    if op not in ops or not isinstance(args, list) or len(args) != 2:
        return None
    for side in (0, 1):
        var, literal = args[side], args[1 - side]
        if isinstance(var, dict) and len(var) == 1 and "var" in var and _is_scalar(literal):
            name = _plain_fact(var["var"])
            items = var["var"] if isinstance(var["var"], list) else [var["var"]]
            if name is not None and len(items) == 1:
                return name, op, literal, side == 1
    return None


def _equality_run(fact: str, run: list[tuple[str, Any, bool]], negate: bool) -> Closure:
    """One closure for `fact == c1 or fact == c2 ...` (negate: `fact != c1 and ...`), accord semantics.

    Same value as the junction of the separate comparisons: UNKNOWN when the
    fact is missing, else whether any literal equals it (JavaScript == or ===
    per comparison), negated for the `and` of `!=`. Numbers and strings are
    looked up in a set; anything else is compared one by one.
    """
    def plain(op: str, x: Any, c: Any) -> bool:
        return strict_equal(x, c) if op in ("===", "!==") else loose_equal(x, c)

    numbers = frozenset(c for _, c, _ in run if type(c) in (int, float) and c == c)
    strings = frozenset(c for _, c, _ in run if type(c) is str)
    others = tuple((op, c) for op, c, _ in run if not (type(c) is str or (type(c) in (int, float) and c == c)))
    loose_strings = tuple(c for op, c, _ in run if type(c) is str and op in ("==", "!="))
    loose_numbers = tuple(c for op, c, _ in run if type(c) in (int, float) and c == c and op in ("==", "!="))
    everything = tuple((op, c) for op, c, _ in run)

    def run_(data: Any) -> Any:
        try:
            x = data[fact]
        except (KeyError, TypeError, IndexError):
            return UNKNOWN
        if x is None:
            return UNKNOWN
        kind = type(x)
        if kind is int or kind is float:
            # a number equals a number literal under == and ===, a string one only under == (ToNumber)
            hit = x in numbers or any(plain(op, x, c) for op, c in others) or any(loose_equal(x, c) for c in loose_strings)
        elif kind is str:
            hit = x in strings or any(plain(op, x, c) for op, c in others) or any(loose_equal(x, c) for c in loose_numbers)
        else:
            hit = any(plain(op, x, c) for op, c in everything)
        return not hit if negate else hit
    return run_


_ORDER_OPS = ("<", "<=", ">", ">=")
_MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _comparison_run(fact: str, run: list[tuple[str, Any, bool]], every: bool) -> Closure:
    """One closure for `fact < c1 or fact >= c2 or ...` (every: the `and` of them), accord semantics.

    For a number only the extreme threshold of each operator matters (x < c
    for some c iff x < max c); anything else is compared one by one with
    JavaScript's coercions, as the separate comparisons would be.
    """
    normal = [(_MIRROR[op] if flipped else op, c) for op, c, flipped in run]
    by_op: dict[str, list[Any]] = {}
    for op, c in normal:
        by_op.setdefault(op, []).append(c)
    # or: the loosest threshold per operator; and: the tightest
    pick_upper, pick_lower = (min, max) if every else (max, min)
    lt, le = (pick_upper(by_op[o]) if o in by_op else None for o in ("<", "<="))
    gt, ge = (pick_lower(by_op[o]) if o in by_op else None for o in (">", ">="))

    def one(op: str, x: Any, c: Any) -> bool:
        if op == "<":
            return _js_less(x, c, False)
        if op == "<=":
            return _js_less(x, c, True)
        if op == ">":
            return _js_less(c, x, False)
        return _js_less(c, x, True)

    def run_(data: Any) -> Any:
        try:
            x = data[fact]
        except (KeyError, TypeError, IndexError):
            return UNKNOWN
        if x is None:
            return UNKNOWN
        if type(x) is int or type(x) is float:
            if every:
                return ((lt is None or x < lt) and (le is None or x <= le)
                        and (gt is None or x > gt) and (ge is None or x >= ge))
            return ((lt is not None and x < lt) or (le is not None and x <= le)
                    or (gt is not None and x > gt) or (ge is not None and x >= ge))
        if every:
            return all(one(op, x, c) for op, c in normal)
        return any(one(op, x, c) for op, c in normal)
    return run_


_FLOAT_MAX = 1.7976931348623157e308
_FLOAT_MIN = -_FLOAT_MAX


def _finite(value: Any, op: str) -> Any:
    """An arithmetic result in float range, else RuleError (accord: an overflow is no number to compare).

    NaN passes: from finite numbers it only comes of arithmetic on a
    non-number (divergence D14, refused by the checker), never of overflow.
    """
    if (type(value) is int or type(value) is float) and value == value and not -_FLOAT_MAX <= value <= _FLOAT_MAX:
        raise RuleError(f"{op!r} overflows: the result is not a finite number")
    return value


def _in_values(x: Any, y: Any) -> bool:
    """JsonLogic `in`: substring of a string, strict member of a list, else false."""
    if isinstance(y, str):
        return to_string(x) in y
    if isinstance(y, list):
        return any(strict_equal(x, item) for item in y)
    return False


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



# ---------------------------------------------------------------- code generation
#
# In ``accord`` semantics a compiled rule is, in addition, turned into one flat
# Python function: no closure call per node, fact reads are dict lookups,
# numeric comparisons are single Python comparisons, ``and``/``or`` of
# comparisons are straight-line tests. The generic closure above stays the
# reference: the generated function is specialised for the common shapes and
# hands anything else (an operation it does not specialise, a value of an
# unexpected type) to that closure, so both always give the same answer.
#
# Safety: the generated source only contains text emitted below: local names
# (``v3``, ``b0``...), keywords and operators chosen from fixed tables keyed by
# the (already whitelisted) operation. Every value taken from the rule (numbers,
# strings, fact names, lists) is a *bound value*: a parameter of the factory
# function, reached through a closure cell, never written into the source.
# `_check_generated` enforces this before anything is executed: the source
# may contain no string literal and no number other than 0 and 1.

_DEPTH_LIMIT = 40  # indentation deeper than this: the rule stays on the generic closure
_NUMBER_TYPES = (int, float)
_SAME_TYPE = {str: (str,), bool: (bool,), int: _NUMBER_TYPES, float: _NUMBER_TYPES}


class _Value:
    """A value computed by generated code: its expression, how to test it for UNKNOWN, its kind."""

    __slots__ = ("expr", "unknown", "kind", "const", "none_is_unknown")

    def __init__(self, expr: str, unknown: str | None, kind: str, const: Any = None, none_is_unknown: bool = False):
        self.expr = expr          # a local name or bound name holding the value
        self.unknown = unknown    # source of a test true when the value is UNKNOWN, None if never
        self.kind = kind          # "bool" (a comparison result), "num", "const" (a literal), "any"
        self.const = const        # the literal (kind "const")
        self.none_is_unknown = none_is_unknown  # a fact read: None stands for UNKNOWN


class _CodeGen:
    """Emit one Python function for a rule in accord semantics."""

    def __init__(self, compiler: "Compiler"):
        self.compiler = compiler
        self.lines: list[str] = []
        self.bound: list[Any] = []
        self.helpers: dict[int, str] = {}
        self.counter = 0
        self.facts: dict[str, str] = {}  # fact name -> local holding data.get(name) (hoisted reads)

    # -- helpers
    def bind(self, value: Any) -> str:
        """Name of a helper value (shared: one parameter per distinct object)."""
        name = self.helpers.get(id(value))
        if name is None:
            name = self.helpers[id(value)] = self.const(value)
        return name

    def const(self, value: Any) -> str:
        """Name of a value taken from the rule: always its own parameter, so the
        generated source depends on the rule's shape only, never on its values."""
        self.bound.append(value)
        return f"b{len(self.bound) - 1}"

    def local(self) -> str:
        self.counter += 1
        return f"v{self.counter}"

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)

    def generic(self, rule: Any, depth: int) -> _Value:
        """Hand a node to the generic closure (same data scope)."""
        fn = self.const(self.compiler._compile(rule))
        name = self.local()
        self.emit(depth, f"{name} = {fn}(data)")
        return _Value(name, f"{name} is {self.bind(UNKNOWN)}", "any")

    def materialise(self, value: _Value, depth: int) -> str:
        """An expression whose value is the node's value, UNKNOWN included."""
        if not value.none_is_unknown:
            return value.expr
        name = self.local()
        self.emit(depth, f"{name} = {self.bind(UNKNOWN)} if {value.unknown} else {value.expr}")
        return name

    # -- entry
    def function(self, rule: Any, fallback: Closure) -> str:
        self.bind(UNKNOWN)
        fb = self.bind(fallback)
        self.emit(1, "def rule(data):")
        self.emit(2, f"if type(data) is not {self.bind(dict)}:")
        self.emit(3, f"return {fb}(data)")
        # a huge int fact mixed with a float raises OverflowError: the closure turns it into RuleError
        self.emit(2, "try:")
        for name in _repeated_facts(rule):
            local = self.local()
            self.emit(3, f"{local} = data.get({self.const(name)})")
            self.facts[name] = local
        self.tail(rule, 3)
        self.emit(2, "except OverflowError:")
        self.emit(3, f"return {fb}(data)")
        params = ", ".join(f"b{i}" for i in range(len(self.bound)))
        return "\n".join([f"def factory({params}):"] + self.lines + ["    return rule", ""])

    def tail(self, rule: Any, depth: int) -> None:
        """Emit code that returns the value of `rule`."""
        op, args = _operation(rule)
        if op in ("and", "or") and isinstance(args, list) and args:
            self.logic(op, args, depth, None)
            return
        if op in ("if", "?:") and isinstance(args, list) and args:
            self.branch(args, depth, None)
            return
        value = self.expr(rule, depth)
        self.emit(depth, f"return {self.materialise(value, depth)}")

    def result(self, target: str | None, depth: int, expr: str) -> None:
        """Deliver a node's value: return it (tail position) or assign it and leave the block."""
        if target is None:
            self.emit(depth, f"return {expr}")
        else:
            self.emit(depth, f"{target} = {expr}")
            self.emit(depth, "break")

    # -- expressions
    def expr(self, rule: Any, depth: int) -> _Value:
        if depth > _DEPTH_LIMIT:
            raise _TooDeep
        if isinstance(rule, list):
            return self.generic(rule, depth)
        if not isinstance(rule, dict) or len(rule) != 1:
            if isinstance(rule, (bool, int, float, str)) or rule is None:
                return _Value(self.const(rule), None, "const", rule)
            return self.generic(rule, depth)
        (op, args), = rule.items()
        if op == "var":
            name = _plain_fact(args)
            if name is not None:
                return self.fact(name, depth)
        elif op in ("and", "or") and isinstance(args, list) and args:
            target = self.local()
            self.emit(depth, "while True:")
            self.logic(op, args, depth + 1, target)
            return _Value(target, f"{target} is {self.bind(UNKNOWN)}", "any")
        elif op in ("if", "?:") and isinstance(args, list) and args:
            target = self.local()
            self.emit(depth, "while True:")
            self.branch(args, depth + 1, target)
            return _Value(target, f"{target} is {self.bind(UNKNOWN)}", "any")
        elif op in ("<", "<=", ">", ">=") and isinstance(args, list) and len(args) in (2, 3):
            if len(args) == 2:
                return self.order(op, args, depth)
            if op in ("<", "<="):
                return self.between(op, args, depth)
        elif op in ("==", "===", "!=", "!==") and isinstance(args, list) and len(args) == 2:
            return self.equal(op, args, depth)
        elif op in ("!", "!!"):
            items = args if isinstance(args, list) else [args]
            if len(items) == 1:
                return self.negate(op, items[0], depth)
        elif op == "in" and isinstance(args, list) and len(args) == 2:
            return self.membership(args, depth)
        elif op in ("+", "-", "*", "/") and isinstance(args, list) and args and (op in ("+", "*") or len(args) <= 2) and (op != "/" or len(args) == 2):
            return self.arith(op, rule, args, depth)
        return self.generic(rule, depth)

    def fact(self, name: str, depth: int) -> _Value:
        local = self.facts.get(name)
        if local is None:
            local = self.local()
            self.emit(depth, f"{local} = data.get({self.const(name)})")
        # a fact whose value is None (or absent) is UNKNOWN
        return _Value(local, f"{local} is None", "any", none_is_unknown=True)

    def unknown_test(self, values: list[_Value]) -> str | None:
        tests = [v.unknown for v in values if v.unknown is not None]
        return " or ".join(tests) if tests else None

    def known(self, depth: int, values: list[_Value], target: str) -> tuple[int, str]:
        """Open an if/else on UNKNOWN: returns the depth and keyword of the known branch."""
        test = self.unknown_test(values)
        if test is None:
            return depth, ""
        self.emit(depth, f"if {test}:")
        self.emit(depth + 1, f"{target} = {self.bind(UNKNOWN)}")
        return depth, "el"

    def order(self, op: str, args: list[Any], depth: int) -> _Value:
        a, b = self.expr(args[0], depth), self.expr(args[1], depth)
        if op in (">", ">="):
            a, b = b, a
        or_equal = op in ("<=", ">=")
        sym = "<=" if or_equal else "<"
        target = self.local()
        depth, kw = self.known(depth, [a, b], target)
        js_less = self.bind(_js_less)
        flag = self.bind(or_equal)
        if _is_number(a) or _is_number(b):
            # One side is a number: a Python comparison agrees with JavaScript for
            # numbers and booleans, and raises TypeError for anything else.
            self.emit(depth, f"{kw}se:" if kw else "if True:")
            self.emit(depth + 1, "try:")
            self.emit(depth + 2, f"{target} = {a.expr} {sym} {b.expr}")
            self.emit(depth + 1, "except TypeError:")
            self.emit(depth + 2, f"{target} = {js_less}({a.expr}, {b.expr}, {flag})")
        else:
            num = self.bind(_NUMBER_TYPES)
            self.emit(depth, f"{kw}if type({a.expr}) in {num} and type({b.expr}) in {num}:")
            self.emit(depth + 1, f"{target} = {a.expr} {sym} {b.expr}")
            self.emit(depth, "else:")
            self.emit(depth + 1, f"{target} = {js_less}({a.expr}, {b.expr}, {flag})")
        return _Value(target, f"{target} is {self.bind(UNKNOWN)}" if self.unknown_test([a, b]) else None, "bool")

    def between(self, op: str, args: list[Any], depth: int) -> _Value:
        lo, mid, hi = (self.expr(a, depth) for a in args)
        or_equal = op == "<="
        sym = "<=" if or_equal else "<"
        target = self.local()
        depth, kw = self.known(depth, [lo, mid, hi], target)
        js_less = self.bind(_js_less)
        flag = self.bind(or_equal)
        slow = f"{js_less}({lo.expr}, {mid.expr}, {flag}) and {js_less}({mid.expr}, {hi.expr}, {flag})"
        if _is_number(lo) and _is_number(hi):
            self.emit(depth, f"{kw}se:" if kw else "if True:")
            self.emit(depth + 1, "try:")
            self.emit(depth + 2, f"{target} = {lo.expr} {sym} {mid.expr} {sym} {hi.expr}")
            self.emit(depth + 1, "except TypeError:")
            self.emit(depth + 2, f"{target} = {slow}")
        else:
            self.emit(depth, f"{kw}se:" if kw else "if True:")
            self.emit(depth + 1, f"{target} = {slow}")
        return _Value(target, f"{target} is {self.bind(UNKNOWN)}" if self.unknown_test([lo, mid, hi]) else None, "bool")

    def equal(self, op: str, args: list[Any], depth: int) -> _Value:
        a, b = self.expr(args[0], depth), self.expr(args[1], depth)
        compare = self.bind(strict_equal if op in ("===", "!==") else loose_equal)
        negate = op in ("!=", "!==")
        sym = "!=" if negate else "=="
        target = self.local()
        depth, kw = self.known(depth, [a, b], target)
        slow = f"{'not ' if negate else ''}{compare}({a.expr}, {b.expr})"
        const, other = (b, a) if b.kind == "const" else (a, b)
        if const.kind == "const" and type(const.const) in (str, int, float, bool) and not (type(const.const) is float and const.const != const.const):
            same = self.bind(_NUMBER_TYPES if type(const.const) in (int, float) else _SAME_TYPE[type(const.const)])
            self.emit(depth, f"{kw}if type({other.expr}) in {same}:")
            self.emit(depth + 1, f"{target} = {a.expr} {sym} {b.expr}")
            self.emit(depth, "else:")
            self.emit(depth + 1, f"{target} = {slow}")
        else:
            self.emit(depth, f"{kw}se:" if kw else "if True:")
            self.emit(depth + 1, f"{target} = {slow}")
        return _Value(target, f"{target} is {self.bind(UNKNOWN)}" if self.unknown_test([a, b]) else None, "bool")

    def negate(self, op: str, arg: Any, depth: int) -> _Value:
        a = self.expr(arg, depth)
        target = self.local()
        depth, kw = self.known(depth, [a], target)
        self.emit(depth, f"{kw}se:" if kw else "if True:")
        if op == "!":
            self.emit(depth + 1, f"{target} = {self.truth(a, False)}")
        else:
            self.emit(depth + 1, f"{target} = {self.truth(a, True)}" if a.kind != "bool" else f"{target} = not not {a.expr}")
        return _Value(target, f"{target} is {self.bind(UNKNOWN)}" if a.unknown else None, "bool")

    def membership(self, args: list[Any], depth: int) -> _Value:
        needle = self.expr(args[0], depth)
        haystack = args[1]
        target = self.local()
        in_values = self.bind(_in_values)
        if isinstance(haystack, list) and all(type(i) in (str, int, float, bool) or i is None for i in haystack):
            # a literal list of scalars (what Accord's checker requires)
            items = self.const(list(haystack))
            kinds = {type(i) for i in haystack}
            depth, kw = self.known(depth, [needle], target)
            fast = None
            if kinds == {str}:
                fast = (self.bind(_SAME_TYPE[str]), frozenset(haystack))
            elif kinds and kinds <= {int, float} and all(i == i for i in haystack):
                fast = (self.bind(_NUMBER_TYPES), frozenset(haystack))
            if fast is not None:
                self.emit(depth, f"{kw}if type({needle.expr}) in {fast[0]}:")
                self.emit(depth + 1, f"{target} = {needle.expr} in {self.const(fast[1])}")
                self.emit(depth, "else:")
            else:
                self.emit(depth, f"{kw}se:" if kw else "if True:")
            self.emit(depth + 1, f"{target} = {in_values}({needle.expr}, {items})")
            return _Value(target, f"{target} is {self.bind(UNKNOWN)}" if needle.unknown else None, "bool")
        hay = self.expr(haystack, depth)
        depth, kw = self.known(depth, [needle, hay], target)
        self.emit(depth, f"{kw}se:" if kw else "if True:")
        self.emit(depth + 1, f"{target} = {in_values}({needle.expr}, {hay.expr})")
        return _Value(target, f"{target} is {self.bind(UNKNOWN)}" if self.unknown_test([needle, hay]) else None, "bool")

    def arith(self, op: str, rule: Any, args: list[Any], depth: int) -> _Value:
        values = [self.expr(a, depth) for a in args]
        target = self.local()
        depth, kw = self.known(depth, values, target)
        num = self.bind(_NUMBER_TYPES)
        checks = " and ".join(f"type({v.expr}) in {num}" for v in values if not _is_number(v)) or "True"
        names = [v.expr for v in values]
        if op == "+":
            fast = " + ".join(["0"] + names)
        elif op == "*":
            fast = " * ".join(["1"] + names)
        elif op == "-":
            fast = f"-{names[0]}" if len(names) == 1 else f"{names[0]} - {names[1]}"
        else:
            fast = f"{names[0]} / {names[1]}"
            checks += f" and {names[1]} != 0"
        generic = self.const(self.compiler._compile(rule))
        self.emit(depth, f"{kw}if {checks}:")
        self.emit(depth + 1, f"{target} = {fast}")
        # a result beyond float range (inf, NaN, a huge int): the generic closure raises RuleError
        self.emit(depth + 1, f"if not {self.bind(_FLOAT_MIN)} <= {target} <= {self.bind(_FLOAT_MAX)}:")
        self.emit(depth + 2, f"{target} = {generic}(data)")
        self.emit(depth, "else:")
        # anything else (strings, booleans, division by zero): the generic closure decides
        self.emit(depth + 1, f"{target} = {generic}(data)")
        return _Value(target, f"{target} is {self.bind(UNKNOWN)}" if self.unknown_test(values) else None, "num")

    # -- control flow (target None: tail position, the function returns)
    def truth(self, value: _Value, positive: bool) -> str:
        """Source of a test on a known value: JsonLogic-truthy (positive) or falsy."""
        if value.kind == "bool":
            return value.expr if positive else f"not {value.expr}"
        test = f"{self.bind(truthy)}({value.expr})"
        return test if positive else f"not {test}"

    def logic(self, op: str, args: list[Any], depth: int, target: str | None) -> None:
        U = self.bind(UNKNOWN)
        flag = self.local()
        earlier_unknown = False
        self.emit(depth, f"{flag} = False")
        for i, arg in enumerate(args):
            value = self.expr(arg, depth)
            last = i == len(args) - 1
            kw = "if"
            if value.unknown is not None:
                self.emit(depth, f"if {value.unknown}:")
                if last:
                    self.result(target, depth + 1, U)
                else:
                    self.emit(depth + 1, f"{flag} = True")
                kw = "elif"
            # `and` is decided by a falsy argument, `or` by a truthy one
            self.emit(depth, f"{kw} {self.truth(value, op == 'or')}:")
            self.result(target, depth + 1, value.expr)
            if last:
                self.emit(depth, "else:")
                self.result(target, depth + 1, f"{U} if {flag} else {value.expr}" if earlier_unknown else value.expr)
            earlier_unknown = earlier_unknown or value.unknown is not None

    def branch(self, args: list[Any], depth: int, target: str | None) -> None:
        U = self.bind(UNKNOWN)
        i, n = 0, len(args)
        while i < n - 1:
            cond = self.expr(args[i], depth)
            if cond.unknown is not None:
                self.emit(depth, f"if {cond.unknown}:")
                self.result(target, depth + 1, U)
            self.emit(depth, f"if {self.truth(cond, True)}:")
            if target is None:
                self.tail(args[i + 1], depth + 1)
            else:
                then = self.expr(args[i + 1], depth + 1)
                self.result(target, depth + 1, self.materialise(then, depth + 1))
            i += 2
        if i == n - 1:
            if target is None:
                self.tail(args[i], depth)
            else:
                other = self.expr(args[i], depth)
                self.result(target, depth, self.materialise(other, depth))
        else:
            self.result(target, depth, self.bind(None))


class _TooDeep(Exception):
    pass


def _operation(rule: Any) -> tuple[str | None, Any]:
    if isinstance(rule, dict) and len(rule) == 1:
        (op, args), = rule.items()
        return op, args
    return None, None


def _plain_fact(args: Any) -> str | None:
    """The fact name of a var the closure compiler reads as a plain fact (accord), else None."""
    items = args if isinstance(args, list) else [args]
    if not items:
        return None
    name = items[0]
    if isinstance(name, str) and name and "." not in name:
        return name
    return None


def _is_number(value: _Value) -> bool:
    return value.kind == "const" and type(value.const) in (int, float)


def _repeated_facts(rule: Any) -> list[str]:
    """Facts read more than once at the top data scope (read once, up front)."""
    counts: dict[str, int] = {}
    stack = [rule]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict) and len(node) == 1:
            (op, args), = node.items()
            if op == "var":
                name = _plain_fact(args)
                if name is not None:
                    counts[name] = counts.get(name, 0) + 1
            elif op not in ("map", "filter", "reduce", "all", "some", "none"):
                stack.append(args)
    return [name for name, count in counts.items() if count > 1]


_SHAPES: dict[str, Callable[..., Closure]] = {}  # generated source -> factory
_GENERATED_NAMES = re.compile(r"^(?:[bv]\d+|data|rule|factory|type|TypeError|OverflowError)$")


def _generate(compiler: "Compiler", rule: Any, reference: Closure) -> Closure:
    """The generated function for `rule`, or `reference` when the rule is too deep or too big to generate.

    The interpreter has hard limits generated code must stay under (20
    statically nested blocks, 100 indentation levels, parser recursion, and
    memory that grows with the source): the rule's shape is measured before
    generating, the emitted lines after, and any compile failure still falls
    back to the closure, which gives the same answers.
    """
    if not _small_enough(rule):
        return reference
    gen = _CodeGen(compiler)
    try:
        source = gen.function(rule, reference)
    except (_TooDeep, RecursionError, MemoryError):
        return reference
    if not _lines_within_limits(gen.lines):
        return reference
    factory = _SHAPES.get(source)
    if factory is None:
        namespace: dict[str, Any] = {"__builtins__": {"type": type, "TypeError": TypeError, "OverflowError": OverflowError}}
        try:
            _check_generated(source)
            exec(compile(source, "<accord rule>", "exec"), namespace)  # source: only code emitted by _CodeGen
        except (SyntaxError, RecursionError, MemoryError, OverflowError, ValueError):
            return reference  # a limit the checks above did not foresee: the closure is always correct
        factory = namespace["factory"]
        if len(_SHAPES) > 10_000:
            _SHAPES.clear()
        _SHAPES[source] = factory
    return factory(*gen.bound)


# Limits of generated code, well under CPython's (CO_MAXBLOCKS 20, MAXINDENT 100).
_MAX_OPERATIONS = 500     # operations in one rule; wider rules run on closures (linear, set lookups)
_MAX_NESTED_LOGIC = 12    # nested and/or/if: each is a `while True:` block
_MAX_BLOCKS = 16          # statically nested while/try blocks in the emitted source
_MAX_LINES = 8_000        # emitted lines (compile time and memory grow with them)


def _small_enough(rule: Any) -> bool:
    """Measure a rule before generating: number of operations and nesting of block-opening ones."""
    count = 0
    stack: list[tuple[Any, int]] = [(rule, 0)]
    while stack:
        node, logic = stack.pop()
        if isinstance(node, list):
            stack.extend((item, logic) for item in node)
        elif isinstance(node, dict):
            count += 1
            if count > _MAX_OPERATIONS:
                return False
            opens = any(op in ("and", "or", "if", "?:") for op in node)
            if logic + opens > _MAX_NESTED_LOGIC:
                return False
            stack.extend((value, logic + opens) for value in node.values())
    return True


def _lines_within_limits(lines: list[str]) -> bool:
    """Check the emitted source: line count, indentation and statically nested blocks."""
    if len(lines) > _MAX_LINES:
        return False
    open_blocks: list[int] = []  # indentation of each enclosing while/try
    for line in lines:
        indent = (len(line) - len(line.lstrip(" "))) // 4
        if indent > 80:
            return False
        while open_blocks and open_blocks[-1] >= indent:
            open_blocks.pop()
        body = line.lstrip(" ")
        if body.startswith(("while ", "try:", "for ", "with ")):
            open_blocks.append(indent)
            if len(open_blocks) > _MAX_BLOCKS:
                return False
    return True


def _check_generated(source: str) -> None:
    """Refuse generated source holding anything but emitted names and 0/1/True/False/None."""
    import ast

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and not (node.value is None or node.value is True or node.value is False or (type(node.value) is int and node.value in (0, 1))):
            raise AssertionError(f"generated rule source holds a literal: {node.value!r}")
        if isinstance(node, ast.Name) and not _GENERATED_NAMES.match(node.id):
            raise AssertionError(f"generated rule source names {node.id!r}")
        if isinstance(node, ast.Attribute) and node.attr != "get":
            raise AssertionError(f"generated rule source reads attribute {node.attr!r}")
        if isinstance(node, ast.arg) and not _GENERATED_NAMES.match(node.arg):
            raise AssertionError(f"generated rule source has parameter {node.arg!r}")

# op -> builder method. The whole of what a rule can do; nothing else is reachable.
_OPERATIONS: dict[str, str] = {
    "var": "_var", "missing": "_missing", "missing_some": "_missing_some",
    "if": "_if", "?:": "_if", "and": "_junction", "or": "_junction", "!": "_not", "!!": "_not",
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
