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
operation is a builder in the table at the end of this module, and an
operation outside it (json-logic-qubit's ``method``, dotted names, ``log``)
is a CompileError. In accord semantics the closure tree is the reference;
engine.jsonlogic.codegen may replace it with one generated function that
gives the same answers. The full semantics, and where they deliberately
differ from json-logic-qubit, are written down in docs/rule-language.md.
"""

from __future__ import annotations

import json
import marshal
import math
from collections.abc import Callable
from typing import Any

from engine.jsonlogic.codegen import generate
from engine.jsonlogic.semantics import (
    UNKNOWN,
    Closure,
    CompileError,
    RuleError,
    as_number,
    finite,
    in_values,
    is_missing,
    is_scalar,
    js_less,
    lookup,
    loose_equal,
    parse_float,
    strict_equal,
    to_string,
    truthy,
)
from engine.jsonlogic.shapes import MIRROR, RUN_MIN, Found, comparison_runs

MAX_NESTING = 256  # JSON levels (an operation is two); compiling recurses ~1.5 frames a level, evaluating ~0.5


def _nesting(rule: Any) -> int:
    """JSON nesting depth of a rule, level by level (no recursion, no per-node tuples)."""
    depth = 0
    level = [rule] if isinstance(rule, (dict, list)) else []
    while level:
        depth += 1
        level = [c for n in level for c in (n.values() if type(n) is dict else n) if isinstance(c, (dict, list))]
    return depth


def rule_key(rule: Any) -> bytes | str:
    """The compile cache's key for `rule`: its content, exact types and key order (one rule per key).

    marshal (format 2: no back-references, so the bytes depend on the content
    alone) is about 3x cheaper than canonical JSON, which the witness checks
    paid for 20,000 claims of 1,000 distinct rules. It tells 1 from 1.0 and
    True, as the compiled functions do, and keys in another order apart (a
    literal object is returned as written). Anything it cannot write (a dict
    or str subclass, nesting past its depth limit) is keyed by canonical
    JSON: a str, never equal to marshal's bytes.
    """
    try:
        return marshal.dumps(rule, 2)
    except ValueError:
        pass
    try:
        return json.dumps(rule, sort_keys=True, separators=(",", ":"))
    except RecursionError:  # deeper than the encoder goes: far past MAX_NESTING
        raise CompileError(f"the rule is nested deeper than {MAX_NESTING} levels") from None


class Compiler:
    """Turns a rule into a closure `f(data) -> value`. One instance per semantics."""

    def __init__(
        self, semantics: str = "accord", operations: frozenset[str] | None = None, generate: bool | None = None
    ):
        if semantics not in ("accord", "jsonlogic"):
            raise ValueError(f"unknown semantics {semantics!r}")
        self.strict = semantics == "accord"
        self.operations = operations
        # accord rules are also generated into one flat function (engine.jsonlogic.codegen)
        self.generate = self.strict if generate is None else generate
        self._cache: dict[bytes | str, Closure] = {}

    def compile(self, rule: Any) -> Closure:
        """Compile (or fetch from the cache) the function for `rule`.

        In accord semantics the result raises RuleError on a division (or
        modulo) by zero or an arithmetic overflow; callers (engine.evaluate)
        catch it and report the claim as not decidable for that patient. A
        rule nested deeper than MAX_NESTING is a CompileError (the loader
        stops files at 64 levels; this bounds the closures' call depth).
        """
        key = rule_key(rule)
        found = self._cache.get(key)
        if found is None:
            if _nesting(rule) > MAX_NESTING:  # checked once per distinct rule: a cached one passed it
                raise CompileError(f"the rule is nested deeper than {MAX_NESTING} levels")
            try:
                found = self._compile(rule)  # the reference closure; raises CompileError
            except RecursionError:  # a caller already deep in the stack: refuse, never crash
                raise CompileError("the rule is nested too deeply to compile") from None
            if self.generate:
                found = generate(self, rule, found)
            if len(self._cache) > 100_000:
                self._cache.clear()
            self._cache[key] = found
        return found

    def evaluate(self, rule: Any, data: Any = None) -> Any:
        return self.compile(rule)(data)

    def reference(self, rule: Any) -> Closure:
        """The closure tree for `rule`, uncached and never generated (what generated code falls back to)."""
        return self._compile(rule)

    # -- dispatch
    def _compile(self, rule: Any) -> Closure:
        if isinstance(rule, list):
            items = [self._compile(r) for r in rule]
            return lambda data: [f(data) for f in items]
        if not isinstance(rule, dict) or len(rule) != 1:
            return lambda data, value=rule: value
        ((op, raw_args),) = rule.items()
        if (
            not isinstance(op, str)
            or op not in _OPERATIONS
            or (self.operations is not None and op not in self.operations)
        ):
            raise CompileError(f"unknown operation {op!r}")
        return _OPERATIONS[op](self, op, raw_args)

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
            found, value = lookup(data, name)
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
            return [key for key in keys if is_missing(data, key)]

        return missing

    def _missing_some(self, op: str, raw_args: Any) -> Closure:
        args = self._args(raw_args)

        def missing_some(data: Any) -> Any:
            need, keys = args[0](data), args[1](data)
            absent = [k for k in keys if is_missing(data, k)]
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

        A division by zero (RuleError) in one argument does not stop the
        search: a false argument after it still decides an `and` (a true one
        an `or`), whatever the others are, as in the batch evaluator; the error
        is raised only when nothing decides.

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
            failed: RuleError | None = None
            for f in args:
                try:
                    value = f(data)
                except RuleError as error:  # only accord semantics raises it
                    failed = failed or error
                    continue
                if value is UNKNOWN:
                    unknown = True
                    continue
                if truthy(value) is stop_when:
                    return value
            if failed is not None:
                raise failed
            return UNKNOWN if (unknown and strict) else value

        return junction

    def _grouped_args(self, op: str, raw_args: Any) -> list[Closure]:
        """The junction's arguments, runs of one-fact comparisons folded into one closure each."""
        items = raw_args if isinstance(raw_args, list) else [raw_args]
        out: list[Closure] = []
        for key, members in comparison_runs(op, items, _closure_run_key):
            if key is None:
                out.append(self._compile(members[0][0]))
                continue
            fact, kind = key
            run = [found[1:] for _, found in members]  # (op, literal, literal first)
            if len(run) < RUN_MIN:
                out.extend(
                    self._compile({o: ([c, {"var": fact}] if flipped else [{"var": fact}, c])}) for o, c, flipped in run
                )
            elif kind == "order":
                out.append(_comparison_run(fact, run, every=op == "and"))
            else:
                out.append(_equality_run(fact, run, negate=op == "and"))
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
                return js_less(x, y, or_equal) and js_less(y, z, or_equal)

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
            return js_less(x, y, or_equal)

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
            return value if value is UNKNOWN or value is None else finite(value, op)

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
                return (
                    UNKNOWN
                    if vals is None
                    else _sum(parse_float(v) if type(v) not in (int, float) else v for v in vals)
                )

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
                    return -as_number(vals[0])
                return as_number(vals[0]) - as_number(vals[1])

            return minus
        if op in ("/", "%"):

            def divide(data: Any) -> Any:
                vals = values(data)
                if vals is None:
                    return UNKNOWN
                x, y = as_number(vals[0]), as_number(vals[1])
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
                nums = [as_number(v) for v in vals]
                if any(math.isnan(n) for n in nums):
                    return math.nan
                return pick(nums)

            return extreme
        raise CompileError(f"unknown operation {op!r}")  # pragma: no cover

    # -- strings and arrays
    def _in(self, op: str, raw_args: Any) -> Closure:
        items = raw_args if isinstance(raw_args, list) else [raw_args]
        if len(items) == 2 and isinstance(items[1], list) and all(is_scalar(i) for i in items[1]):
            return self._in_literal(items[0], items[1])
        a, b = self._pair(raw_args)

        def in_(data: Any) -> Any:
            x, y = a(data), b(data)
            if x is UNKNOWN or y is UNKNOWN:
                return UNKNOWN
            return in_values(x, y)

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
            start = int(as_number(vals[1])) if len(vals) > 1 else 0
            if start < 0:
                start = max(len(text) + start, 0)
            if len(vals) > 2:
                length = int(as_number(vals[2]))
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


def _closure_run_key(kind: str, found: Found) -> tuple[str, str] | None:
    """The run a comparison joins in the closures: its fact and kind; thresholds must be numbers."""
    literal = found[2]
    if kind == "order" and not (type(literal) in (int, float) and literal == literal):
        return None  # thresholds are numbers (what the checker requires); anything else one by one
    return (found[0], kind)


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
            hit = (
                x in numbers
                or any(plain(op, x, c) for op, c in others)
                or any(loose_equal(x, c) for c in loose_strings)
            )
        elif kind is str:
            hit = (
                x in strings
                or any(plain(op, x, c) for op, c in others)
                or any(loose_equal(x, c) for c in loose_numbers)
            )
        else:
            hit = any(plain(op, x, c) for op, c in everything)
        return not hit if negate else hit

    return run_


def _comparison_run(fact: str, run: list[tuple[str, Any, bool]], every: bool) -> Closure:
    """One closure for `fact < c1 or fact >= c2 or ...` (every: the `and` of them), accord semantics.

    For a number only the extreme threshold of each operator matters (x < c
    for some c iff x < max c); anything else is compared one by one with
    JavaScript's coercions, as the separate comparisons would be.
    """
    normal = [(MIRROR[op] if flipped else op, c) for op, c, flipped in run]
    by_op: dict[str, list[Any]] = {}
    for op, c in normal:
        by_op.setdefault(op, []).append(c)
    # or: the loosest threshold per operator; and: the tightest
    pick_upper, pick_lower = (min, max) if every else (max, min)
    lt, le = (pick_upper(by_op[o]) if o in by_op else None for o in ("<", "<="))
    gt, ge = (pick_lower(by_op[o]) if o in by_op else None for o in (">", ">="))

    def one(op: str, x: Any, c: Any) -> bool:
        if op == "<":
            return js_less(x, c, False)
        if op == "<=":
            return js_less(x, c, True)
        if op == ">":
            return js_less(c, x, False)
        return js_less(c, x, True)

    def run_(data: Any) -> Any:
        try:
            x = data[fact]
        except (KeyError, TypeError, IndexError):
            return UNKNOWN
        if x is None:
            return UNKNOWN
        if type(x) is int or type(x) is float:
            if every:
                return (
                    (lt is None or x < lt)
                    and (le is None or x <= le)
                    and (gt is None or x > gt)
                    and (ge is None or x >= ge)
                )
            return (
                (lt is not None and x < lt)
                or (le is not None and x <= le)
                or (gt is not None and x > gt)
                or (ge is not None and x >= ge)
            )
        if every:
            return all(one(op, x, c) for op, c in normal)
        return any(one(op, x, c) for op, c in normal)

    return run_


def _sum(values: Any) -> float:
    total: float = 0
    for v in values:
        total += v
    return total


# op -> builder method. The whole of what a rule can do; nothing else is reachable.
_Builder = Callable[[Compiler, str, Any], Closure]
_OPERATIONS: dict[str, _Builder] = {
    "var": Compiler._var,
    "missing": Compiler._missing,
    "missing_some": Compiler._missing_some,
    "if": Compiler._if,
    "?:": Compiler._if,
    "and": Compiler._junction,
    "or": Compiler._junction,
    "!": Compiler._not,
    "!!": Compiler._not,
    "==": Compiler._equal,
    "===": Compiler._equal,
    "!=": Compiler._equal,
    "!==": Compiler._equal,
    "<": Compiler._order,
    "<=": Compiler._order,
    ">": Compiler._order,
    ">=": Compiler._order,
    "+": Compiler._arith,
    "-": Compiler._arith,
    "*": Compiler._arith,
    "/": Compiler._arith,
    "%": Compiler._arith,
    "min": Compiler._arith,
    "max": Compiler._arith,
    "in": Compiler._in,
    "cat": Compiler._cat,
    "substr": Compiler._substr,
    "merge": Compiler._merge,
    "map": Compiler._iterate,
    "filter": Compiler._iterate,
    "reduce": Compiler._iterate,
    "all": Compiler._iterate,
    "some": Compiler._iterate,
    "none": Compiler._iterate,
}
STANDARD_OPERATIONS = frozenset(_OPERATIONS)

_compilers: dict[str, Compiler] = {}


def compiler(semantics: str = "accord") -> Compiler:
    """The shared compiler for a semantics; its cache is shared by every caller."""
    found = _compilers.get(semantics)
    if found is None:
        found = _compilers[semantics] = Compiler(semantics)
    return found
