"""Rule shapes both evaluators specialise: plain fact reads and runs of one-fact comparisons.

The closures (engine.jsonlogic.closures) and the vectorised evaluator fold a
run of `x == c1 or x == c2 ...` (or `x < c1 or x < c2 ...`) into one lookup;
they must recognise the same runs, so the recognisers live here, once.
"""
from __future__ import annotations

from typing import Any

from engine.jsonlogic.semantics import is_scalar

RUN_MIN = 8  # equalities on one fact in a row before a junction folds them into one set lookup


def fact_comparison(rule: Any, ops: tuple[str, str]) -> tuple[str, str, Any, bool] | None:
    """(fact, op, literal, literal first) when `rule` is `{op: [{"var": fact}, literal]}` (either order)."""
    if type(rule) is not dict or len(rule) != 1:
        return None
    (op, args), = rule.items()
    if op not in ops or not isinstance(args, list) or len(args) != 2:
        return None
    for side in (0, 1):
        var, literal = args[side], args[1 - side]
        if isinstance(var, dict) and len(var) == 1 and "var" in var and is_scalar(literal):
            name = plain_fact(var["var"])
            items = var["var"] if isinstance(var["var"], list) else [var["var"]]
            if name is not None and len(items) == 1:
                return name, op, literal, side == 1
    return None


ORDER_OPS = ("<", "<=", ">", ">=")
MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}

def plain_fact(args: Any) -> str | None:
    """The fact name of a var the closure compiler reads as a plain fact (accord), else None."""
    items = args if isinstance(args, list) else [args]
    if not items:
        return None
    name = items[0]
    if isinstance(name, str) and name and "." not in name:
        return name
    return None

