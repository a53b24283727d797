"""Generate one flat Python function per rule shape (accord semantics): the only `exec` in Accord.

A rule is turned into source text made only of names this module emits
(``data``, ``rule``, ``factory``, ``v3``, ``b0`` ...), keywords and operators
picked from fixed tables; every value taken from the rule is a parameter of
the factory, never text in the source. Before anything is compiled,
`check_generated` parses the source and walks it against an explicit
allow-list (node types, names, attributes, callees, constants); anything
outside it is an UnsafeSource (a CompileError) and the rule runs on its
reference closures instead, which give the same answers. So "nothing a rule
contains is ever executed" is checkable in this one file.
"""
from __future__ import annotations

import ast
from typing import Any, Callable, Protocol

from engine.jsonlogic.semantics import (
    FLOAT_MAX, FLOAT_MIN, UNKNOWN, Closure, CompileError, in_values, js_less, loose_equal, strict_equal, truthy,
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
# `check_generated` enforces this before anything is executed: the source
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


class _TooDeep(Exception):
    pass


def _operation(rule: Any) -> tuple[str | None, Any]:
    if isinstance(rule, dict) and len(rule) == 1:
        (op, args), = rule.items()
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
            (op, args), = node.items()
            if op == "var":
                name = plain_fact(args)
                if name is not None:
                    counts[name] = counts.get(name, 0) + 1
            elif op not in ("map", "filter", "reduce", "all", "some", "none"):
                stack.append(args)
    return [name for name, count in counts.items() if count > 1]


SHAPES: dict[str, tuple[Callable[..., Closure], tuple[int, ...]]] = {}  # source -> (factory, parameters it calls)
_BUILTINS: dict[str, Any] = {"type": type, "TypeError": TypeError, "OverflowError": OverflowError}


def generate(compiler: Reference, rule: Any, reference: Closure) -> Closure:
    """The generated function for `rule`, or `reference` when the rule is too deep or too big to generate.

    The interpreter has hard limits generated code must stay under (20
    statically nested blocks, 100 indentation levels, parser recursion, and
    memory that grows with the source): the rule's shape is measured before
    generating, the emitted lines after, and any compile failure still falls
    back to the closure, which gives the same answers. Source outside the
    allow-list (check_generated) falls back the same way.
    """
    if not _small_enough(rule):
        return reference
    gen = CodeGen(compiler)
    try:
        source = gen.function(rule, reference)
    except (_TooDeep, RecursionError, MemoryError):
        return reference
    if not _lines_within_limits(gen.lines):
        return reference
    found = SHAPES.get(source)
    if found is None:
        try:
            called = check_generated(source, callable_parameters(gen.bound))
            namespace: dict[str, Any] = {"__builtins__": dict(_BUILTINS)}
            exec(compile(source, "<accord rule>", "exec"), namespace)  # the only exec: source checked just above
        except (CompileError, SyntaxError, RecursionError, MemoryError, OverflowError, ValueError):
            return reference  # a limit the checks above did not foresee: the closure is always correct
        found = (namespace["factory"], called)
        if len(SHAPES) > 10_000:
            SHAPES.clear()
        SHAPES[source] = found
    factory, called = found
    if any(type(gen.bound[i]) is not _FUNCTION for i in called):
        return reference  # same source, but a called parameter is not a function here: never call it
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


_FUNCTION = type(generate)


def callable_parameters(bound: list[Any]) -> frozenset[str]:
    """Factory parameters generated code may call: Python functions the generator bound (helpers, closures).

    Values taken from a rule are JSON data and never functions; builtins
    (exec, getattr, __import__) and classes are not functions of this type.
    """
    return frozenset(f"b{i}" for i, value in enumerate(bound) if type(value) is _FUNCTION)


class UnsafeSource(CompileError):
    """Generated source outside the allow-list: the rule runs on its closures instead."""


# The allow-list. Everything CodeGen emits, nothing more: no import, no lambda,
# comprehension, class, with, global, yield, subscript, starred or keyword
# argument; no attribute but data.get; no name but those below.
_NODES: frozenset[type] = frozenset({
    ast.Module, ast.FunctionDef, ast.arguments, ast.arg, ast.Return, ast.If, ast.While, ast.Break,
    ast.Try, ast.ExceptHandler, ast.Assign, ast.Name, ast.Load, ast.Store, ast.Call, ast.Attribute,
    ast.Compare, ast.BoolOp, ast.UnaryOp, ast.BinOp, ast.IfExp, ast.Constant,
    ast.And, ast.Or, ast.Not, ast.USub, ast.Add, ast.Sub, ast.Mult, ast.Div,
    ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Is, ast.IsNot, ast.In,
})
_READ_ONLY = frozenset({"data", "rule", "type", "TypeError", "OverflowError"})
_EXCEPTIONS = frozenset({"TypeError", "OverflowError"})


def _refuse(node: ast.AST, why: str) -> UnsafeSource:
    return UnsafeSource(f"generated rule source line {getattr(node, 'lineno', '?')}: {why}")


def check_generated(source: str, callables: frozenset[str] = frozenset()) -> tuple[int, ...]:
    """Check generated source against the allow-list; the indices of the parameters it calls.

    The source must be `def factory(b0, b1, ...):` holding `def rule(data):`
    and `return rule`; inside, only the node types in _NODES, the names
    data/rule/type/TypeError/OverflowError, locals v<n> (the only names
    assigned) and parameters b<n> (read only); the only attribute is
    `data.get`; a call may only be `type(x)`, `data.get(x)` or a parameter in
    `callables`; constants are None, True, False, 0 and 1; every loop is a
    `while True:` left on every path (so it runs at most once: the work is
    bounded by the source's length). Anything else is an UnsafeSource,
    raised before the source is compiled.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise UnsafeSource(f"generated rule source does not parse: {error.msg}") from None
    body = tree.body
    if len(body) != 1 or not isinstance(body[0], ast.FunctionDef) or body[0].name != "factory":
        raise UnsafeSource("generated rule source is not one `def factory`")
    factory = body[0]
    params = [a.arg for a in factory.args.args]
    if params != [f"b{i}" for i in range(len(params))]:
        raise _refuse(factory, "factory parameters are not b0, b1, ...")
    inner = factory.body
    if (len(inner) != 2 or not isinstance(inner[0], ast.FunctionDef) or inner[0].name != "rule"
            or [a.arg for a in inner[0].args.args] != ["data"]
            or not isinstance(inner[1], ast.Return) or not isinstance(inner[1].value, ast.Name) or inner[1].value.id != "rule"):
        raise _refuse(factory, "factory does not hold exactly `def rule(data)` and `return rule`")
    parameters = frozenset(params)
    called: set[int] = set()
    for node in ast.walk(tree):
        if type(node) not in _NODES:
            raise _refuse(node, f"{type(node).__name__} is not allowed")
        if isinstance(node, ast.FunctionDef):
            if node.decorator_list or node.returns is not None or (node is not factory and node is not inner[0]):
                raise _refuse(node, f"function {node.name!r} is not allowed")
        elif isinstance(node, ast.arguments):
            if node.posonlyargs or node.vararg or node.kwonlyargs or node.kwarg or node.defaults or node.kw_defaults:
                raise _refuse(factory, "only plain parameters are allowed")
        elif isinstance(node, ast.arg):
            if node.annotation is not None:
                raise _refuse(node, "annotations are not allowed")
        elif isinstance(node, ast.Name):
            _check_name(node, parameters)
        elif isinstance(node, ast.Attribute):
            if not (node.attr == "get" and isinstance(node.value, ast.Name) and node.value.id == "data" and isinstance(node.ctx, ast.Load)):
                raise _refuse(node, f"attribute {node.attr!r} is not allowed")
        elif isinstance(node, ast.Call):
            called.update(_check_call(node, callables))
        elif isinstance(node, ast.Constant):
            value = node.value
            if not (value is None or value is True or value is False or (type(value) is int and value in (0, 1))):
                raise _refuse(node, f"literal {value!r} is not allowed (rule values are parameters)")
        elif isinstance(node, ast.ExceptHandler):
            if node.name is not None or not (isinstance(node.type, ast.Name) and node.type.id in _EXCEPTIONS):
                raise _refuse(node, "only `except TypeError:` and `except OverflowError:` are allowed")
        elif isinstance(node, ast.While):
            if not (isinstance(node.test, ast.Constant) and node.test.value is True) or node.orelse or not _leaves(node.body):
                raise _refuse(node, "a loop must be `while True:` left by break or return on every path (it runs once)")
        elif isinstance(node, ast.Try):
            if node.orelse or node.finalbody:
                raise _refuse(node, "try may only have except handlers")
    return tuple(sorted(called))


def _leaves(body: list[ast.stmt]) -> bool:
    """Every path through `body` ends in break or return (so an enclosing `while True:` runs once)."""
    last = body[-1]
    if isinstance(last, (ast.Break, ast.Return)):
        return True
    return isinstance(last, ast.If) and bool(last.orelse) and _leaves(last.body) and _leaves(last.orelse)


def _check_name(node: ast.Name, parameters: frozenset[str]) -> None:
    """Locals v<n> may be assigned; parameters and the fixed names only read."""
    name = node.id
    local = name[:1] == "v" and name[1:].isdigit() and name[1:].isascii()
    if isinstance(node.ctx, ast.Store):
        if not local:
            raise _refuse(node, f"assigning {name!r} is not allowed")
    elif not (local or name in parameters or name in _READ_ONLY):
        raise _refuse(node, f"name {name!r} is not allowed")


def _check_call(node: ast.Call, callables: frozenset[str]) -> list[int]:
    """A call is `type(x)`, `data.get(x)` or a callable parameter; the parameter's index if one."""
    if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        raise _refuse(node, "keyword and starred arguments are not allowed")
    func = node.func
    if isinstance(func, ast.Attribute):
        if len(node.args) != 1:
            raise _refuse(node, "data.get takes one argument")
        return []
    if not isinstance(func, ast.Name):
        raise _refuse(node, "only named functions may be called")
    if func.id == "type":
        if len(node.args) != 1:
            raise _refuse(node, "type takes one argument")
        return []
    if func.id not in callables:
        raise _refuse(node, f"calling {func.id!r} is not allowed")
    return [int(func.id[1:])]
