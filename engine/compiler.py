"""Kept for the import paths other modules still use (engine.partition, engine.model); the rule language
lives in engine.jsonlogic. Remove once those callers import engine.jsonlogic directly."""
from __future__ import annotations

from engine.jsonlogic import (
    MAX_NESTING,
    STANDARD_OPERATIONS,
    UNKNOWN,
    Closure,
    CompileError,
    Compiler,
    RuleError,
    compiler,
    loose_equal,
    parse_float,
    strict_equal,
    to_number,
    to_string,
    truthy,
)

__all__ = [
    "MAX_NESTING", "STANDARD_OPERATIONS", "UNKNOWN", "Closure", "CompileError", "Compiler", "RuleError",
    "compiler", "loose_equal", "parse_float", "strict_equal", "to_number", "to_string", "truthy",
]
