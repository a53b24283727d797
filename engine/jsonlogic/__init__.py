"""The rule language: JSON-Logic semantics, the closure compiler, generated code and the vectorised evaluator.

* semantics: JavaScript truthiness, coercions, equality and ordering, UNKNOWN (one copy).
* shapes: the rule shapes both evaluators specialise (fact reads, runs of one-fact comparisons).
* closures: `Compiler`, rules to closures (the reference), both semantics.
* emitter: writes the source of one flat function per rule shape (never runs it).
* codegen: checks that source against an AST allow-list, then compiles it: the only `exec`.
* vectorised: `compile_mask`, one rule over NumPy columns (imported lazily: NumPy stays off `accord validate`).
"""

from __future__ import annotations

from typing import Any

from engine.jsonlogic.closures import MAX_NESTING, STANDARD_OPERATIONS, Compiler, compiler
from engine.jsonlogic.semantics import (
    UNKNOWN,
    Closure,
    CompileError,
    RuleError,
    loose_equal,
    parse_float,
    strict_equal,
    to_number,
    to_string,
    truthy,
)

__all__ = [
    "MAX_NESTING",
    "STANDARD_OPERATIONS",
    "UNKNOWN",
    "Closure",
    "CompileError",
    "Compiler",
    "RuleError",
    "compile_mask",
    "compiler",
    "loose_equal",
    "parse_float",
    "strict_equal",
    "to_number",
    "to_string",
    "truthy",
]


def __getattr__(name: str) -> Any:
    """`compile_mask` on first use, so importing the rule language does not import NumPy."""
    if name == "compile_mask":
        from engine.jsonlogic.vectorised import compile_mask

        return compile_mask
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
