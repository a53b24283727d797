"""Generate one flat Python function per rule shape (accord semantics): the only `exec` in Accord.

engine.jsonlogic.emitter turns a rule into source text made only of names it
emits (``data``, ``rule``, ``factory``, ``v3``, ``b0`` ...), keywords and
operators picked from fixed tables; every value taken from the rule is a
parameter of the factory, never text in the source. Before anything is
compiled, `check_generated` parses the source and walks it against an explicit
allow-list (node types, names, attributes, callees, constants); anything
outside it is an UnsafeSource (a CompileError) and the rule runs on its
reference closures instead, which give the same answers. So "nothing a rule
contains is ever executed" is checkable in this one file.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from engine.jsonlogic.emitter import CodeGen, Reference, TooDeep
from engine.jsonlogic.semantics import Closure, CompileError

__all__ = ["SHAPES", "CodeGen", "UnsafeSource", "callable_parameters", "check_generated", "generate"]


SHAPES: dict[str, tuple[Callable[..., Closure], tuple[int, ...]]] = {}  # source -> (factory, parameters it calls)
_BUILTINS: dict[str, Any] = {
    "type": type,
    "TypeError": TypeError,
    "OverflowError": OverflowError,
    "ArithmeticError": ArithmeticError,
}


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
    except (TooDeep, RecursionError, MemoryError):
        return reference
    found = SHAPES.get(source)  # a known source passed the line limits when it was first met (same text, same lines)
    if found is None:
        if not _lines_within_limits(gen.lines):
            return reference
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
_MAX_OPERATIONS = 500  # operations in one rule; wider rules run on closures (linear, set lookups)
_MAX_NESTED_LOGIC = 12  # nested and/or/if: each is a `while True:` block
_MAX_BLOCKS = 16  # statically nested while/try blocks in the emitted source
_MAX_LINES = 8_000  # emitted lines (compile time and memory grow with them)


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
_NODES: frozenset[type] = frozenset(
    {
        ast.Module,
        ast.FunctionDef,
        ast.arguments,
        ast.arg,
        ast.Return,
        ast.If,
        ast.While,
        ast.Break,
        ast.Try,
        ast.ExceptHandler,
        ast.Assign,
        ast.Name,
        ast.Load,
        ast.Store,
        ast.Call,
        ast.Attribute,
        ast.Compare,
        ast.BoolOp,
        ast.UnaryOp,
        ast.BinOp,
        ast.IfExp,
        ast.Constant,
        ast.And,
        ast.Or,
        ast.Not,
        ast.USub,
        ast.Add,
        ast.Sub,
        ast.Mult,
        ast.Div,
        ast.Eq,
        ast.NotEq,
        ast.Lt,
        ast.LtE,
        ast.Is,
        ast.IsNot,
        ast.In,
    }
)
_READ_ONLY = frozenset({"data", "rule", "type", "TypeError", "OverflowError", "ArithmeticError"})
_EXCEPTIONS = frozenset({"TypeError", "OverflowError", "ArithmeticError"})


def _refuse(node: ast.AST, why: str) -> UnsafeSource:
    return UnsafeSource(f"generated rule source line {getattr(node, 'lineno', '?')}: {why}")


def check_generated(source: str, callables: frozenset[str] = frozenset()) -> tuple[int, ...]:
    """Check generated source against the allow-list; the indices of the parameters it calls.

    The source must be `def factory(b0, b1, ...):` holding `def rule(data):`
    and `return rule`; inside, only the node types in _NODES, the names
    data/rule/type/TypeError/OverflowError/ArithmeticError, locals v<n> (the only names
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
    if (
        len(inner) != 2
        or not isinstance(inner[0], ast.FunctionDef)
        or inner[0].name != "rule"
        or [a.arg for a in inner[0].args.args] != ["data"]
        or not isinstance(inner[1], ast.Return)
        or not isinstance(inner[1].value, ast.Name)
        or inner[1].value.id != "rule"
    ):
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
            if not (
                node.attr == "get"
                and isinstance(node.value, ast.Name)
                and node.value.id == "data"
                and isinstance(node.ctx, ast.Load)
            ):
                raise _refuse(node, f"attribute {node.attr!r} is not allowed")
        elif isinstance(node, ast.Call):
            called.update(_check_call(node, callables))
        elif isinstance(node, ast.Constant):
            value = node.value
            if not (value is None or value is True or value is False or (type(value) is int and value in (0, 1))):
                raise _refuse(node, f"literal {value!r} is not allowed (rule values are parameters)")
        elif isinstance(node, ast.ExceptHandler):
            if node.name is not None or not (isinstance(node.type, ast.Name) and node.type.id in _EXCEPTIONS):
                raise _refuse(
                    node, "only `except TypeError:`, `except OverflowError:` and `except ArithmeticError:` are allowed"
                )
        elif isinstance(node, ast.While):
            if (
                not (isinstance(node.test, ast.Constant) and node.test.value is True)
                or node.orelse
                or not _leaves(node.body)
            ):
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
