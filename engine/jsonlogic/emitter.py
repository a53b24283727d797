"""Emit the source of one flat Python function for a rule (accord semantics); never runs it.

CodeGen writes text made only of names it chooses (``v3`` locals, ``b0``
parameters), keywords and operators from fixed tables; every value taken
from the rule becomes a parameter (`const`), never text. engine.jsonlogic.codegen
checks the text against its allow-list before anything is compiled.
"""

from __future__ import annotations

from typing import Any, Protocol

from engine.jsonlogic.semantics import (
    FLOAT_MAX,
    FLOAT_MIN,
    UNKNOWN,
    Closure,
    in_values,
    js_less,
    loose_equal,
    strict_equal,
    truthy,
)
from engine.jsonlogic.shapes import plain_fact


class Reference(Protocol):
    """What generated code falls back to: the closure compiler (engine.jsonlogic.closures.Compiler)."""

    def reference(self, rule: Any) -> Closure: ...


# ---------------------------------------------------------------- code generation
#
# In ``accord`` semantics a compiled rule is, in addition, turned into one flat
# Python function: no closure call per node, fact reads are dict lookups,
# numeric comparisons are single Python comparisons, ``and``/``or`` of
# comparisons are straight-line tests. The closure tree (closures.py) stays the
# reference: the generated function is specialised for the common shapes and
# hands anything else (an operation it does not specialise, a value of an
# unexpected type) to that closure, so both always give the same answer.
#
# Safety: the generated source only contains text emitted below: local names
# (``v3``, ``b0``...), keywords and operators chosen from fixed tables keyed by
# the (already whitelisted) operation. Every value taken from the rule (numbers,
# strings, fact names, lists) is a *bound value*: a parameter of the factory
# function, reached through a closure cell, never written into the source.
# engine.jsonlogic.codegen.check_generated enforces this before anything is compiled: the source
# may contain no string literal and no number other than 0 and 1.

_DEPTH_LIMIT = 40  # indentation deeper than this: the rule stays on the generic closure
_NUMBER_TYPES = (int, float)
_SAME_TYPE = {str: (str,), bool: (bool,), int: _NUMBER_TYPES, float: _NUMBER_TYPES}


class _Value:
    """A value computed by generated code: its expression, how to test it for UNKNOWN, its kind."""

    __slots__ = ("expr", "unknown", "kind", "const", "none_is_unknown")

    def __init__(self, expr: str, unknown: str | None, kind: str, const: Any = None, none_is_unknown: bool = False):
        self.expr = expr  # a local name or bound name holding the value
        self.unknown = unknown  # source of a test true when the value is UNKNOWN, None if never
        self.kind = kind  # "bool" (a comparison result), "num", "const" (a literal), "any"
        self.const = const  # the literal (kind "const")
        self.none_is_unknown = none_is_unknown  # a fact read: None stands for UNKNOWN


class CodeGen:
    """Emit one Python function for a rule in accord semantics."""

    def __init__(self, compiler: Reference):
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
        fn = self.const(self.compiler.reference(rule))
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
        # a huge int fact mixed with a float raises OverflowError: the closure turns it into RuleError;
        # a RuleError (division by zero) may still be decided by a later and/or argument: the closure decides
        self.emit(2, "try:")
        for name in _repeated_facts(rule):
            local = self.local()
            self.emit(3, f"{local} = data.get({self.const(name)})")
            self.facts[name] = local
        self.tail(rule, 3)
        self.emit(2, "except ArithmeticError:")
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
            raise TooDeep
        if isinstance(rule, list):
            return self.generic(rule, depth)
        if not isinstance(rule, dict) or len(rule) != 1:
            if isinstance(rule, (bool, int, float, str)) or rule is None:
                return _Value(self.const(rule), None, "const", rule)
            return self.generic(rule, depth)
        ((op, args),) = rule.items()
        if op == "var":
            name = plain_fact(args)
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
        elif (
            op in ("+", "-", "*", "/")
            and isinstance(args, list)
            and args
            and (op in ("+", "*") or len(args) <= 2)
            and (op != "/" or len(args) == 2)
        ):
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
        less = self.bind(js_less)
        flag = self.bind(or_equal)
        if _is_number(a) or _is_number(b):
            # One side is a number: a Python comparison agrees with JavaScript for
            # numbers and booleans, and raises TypeError for anything else.
            self.emit(depth, f"{kw}se:" if kw else "if True:")
            self.emit(depth + 1, "try:")
            self.emit(depth + 2, f"{target} = {a.expr} {sym} {b.expr}")
            self.emit(depth + 1, "except TypeError:")
            self.emit(depth + 2, f"{target} = {less}({a.expr}, {b.expr}, {flag})")
        else:
            num = self.bind(_NUMBER_TYPES)
            self.emit(depth, f"{kw}if type({a.expr}) in {num} and type({b.expr}) in {num}:")
            self.emit(depth + 1, f"{target} = {a.expr} {sym} {b.expr}")
            self.emit(depth, "else:")
            self.emit(depth + 1, f"{target} = {less}({a.expr}, {b.expr}, {flag})")
        return _Value(target, f"{target} is {self.bind(UNKNOWN)}" if self.unknown_test([a, b]) else None, "bool")

    def between(self, op: str, args: list[Any], depth: int) -> _Value:
        lo, mid, hi = (self.expr(a, depth) for a in args)
        or_equal = op == "<="
        sym = "<=" if or_equal else "<"
        target = self.local()
        depth, kw = self.known(depth, [lo, mid, hi], target)
        less = self.bind(js_less)
        flag = self.bind(or_equal)
        slow = f"{less}({lo.expr}, {mid.expr}, {flag}) and {less}({mid.expr}, {hi.expr}, {flag})"
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
        if (
            const.kind == "const"
            and type(const.const) in (str, int, float, bool)
            and not (type(const.const) is float and const.const != const.const)
        ):
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
            self.emit(
                depth + 1, f"{target} = {self.truth(a, True)}" if a.kind != "bool" else f"{target} = not not {a.expr}"
            )
        return _Value(target, f"{target} is {self.bind(UNKNOWN)}" if a.unknown else None, "bool")

    def membership(self, args: list[Any], depth: int) -> _Value:
        needle = self.expr(args[0], depth)
        haystack = args[1]
        target = self.local()
        member = self.bind(in_values)
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
            self.emit(depth + 1, f"{target} = {member}({needle.expr}, {items})")
            return _Value(target, f"{target} is {self.bind(UNKNOWN)}" if needle.unknown else None, "bool")
        hay = self.expr(haystack, depth)
        depth, kw = self.known(depth, [needle, hay], target)
        self.emit(depth, f"{kw}se:" if kw else "if True:")
        self.emit(depth + 1, f"{target} = {member}({needle.expr}, {hay.expr})")
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
        generic = self.const(self.compiler.reference(rule))
        self.emit(depth, f"{kw}if {checks}:")
        self.emit(depth + 1, f"{target} = {fast}")
        # a result beyond float range (inf, NaN, a huge int): the generic closure raises RuleError
        self.emit(depth + 1, f"if not {self.bind(FLOAT_MIN)} <= {target} <= {self.bind(FLOAT_MAX)}:")
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


class TooDeep(Exception):
    """The rule is nested deeper than generated code may be (_DEPTH_LIMIT): use the closures."""


def _operation(rule: Any) -> tuple[str | None, Any]:
    if isinstance(rule, dict) and len(rule) == 1:
        ((op, args),) = rule.items()
        return op, args
    return None, None


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
            ((op, args),) = node.items()
            if op == "var":
                name = plain_fact(args)
                if name is not None:
                    counts[name] = counts.get(name, 0) + 1
            elif op not in ("map", "filter", "reduce", "all", "some", "none"):
                stack.append(args)
    return [name for name, count in counts.items() if count > 1]
