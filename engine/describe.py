"""A claim's JSON-Logic `when` in words, for people reading rules (TUI, reports).

{"and": [{"==": [{"var": "indication"}, "rheumatoid_arthritis"]}, {">": [{"var": "age_years"}, 70]}]}
reads "indication is rheumatoid arthritis and age (years) is more than 70".
Pure Python; unknown shapes fall back to compact JSON so nothing is hidden.
"""

from __future__ import annotations

import json
from typing import Any

_CMP = {
    "<": "is less than",
    "<=": "is at most",
    ">": "is more than",
    ">=": "is at least",
    "==": "is",
    "===": "is",
    "!=": "is not",
    "!==": "is not",
}
_MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
_ARITH = {"+": "+", "-": "−", "*": "×", "/": "÷", "%": "mod"}


def _fact(name: str) -> str:
    return name.replace("_", " ")


def _is_var(node: Any) -> bool:
    return isinstance(node, dict) and len(node) == 1 and "var" in node


def _var_name(node: Any) -> str:
    arg = node["var"]
    if isinstance(arg, list):
        arg = arg[0] if arg else ""
    return str(arg)


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value.replace("_", " ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    if value is None:
        return "nothing"
    return json.dumps(value)


def describe(rule: Any) -> str:
    """`rule` in words; `true` reads 'always (every patient)'."""
    if rule is True:
        return "always (every patient)"
    if rule is False:
        return "never"
    return _words(rule, top=True)


def _words(node: Any, top: bool = False) -> str:
    if _is_var(node):
        return _fact(_var_name(node))
    if not isinstance(node, dict) or len(node) != 1:
        return _literal(node)
    ((op, args),) = node.items()
    if not isinstance(args, list):
        args = [args]
    if op in ("and", "or"):
        parts = [_words(a) for a in args]
        joined = f" {op} ".join(parts)
        return joined if top else f"({joined})"
    if op == "!":
        inner = args[0] if args else None
        if _is_var(inner):
            return f"not {_fact(_var_name(inner))}"
        return f"not {_words(inner)}"
    if op == "!!":
        return _words(args[0] if args else None)
    if op in _CMP and len(args) == 2:
        left, right = args
        if not _is_var(left) and _is_var(right) and op in _MIRROR:
            left, right, op = right, left, _MIRROR[op]
        if op in ("==", "===") and right is True and _is_var(left):
            return _fact(_var_name(left))
        if op in ("==", "===", "!=", "!==") and right is False and _is_var(left):
            return ("not " if op in ("==", "===") else "") + _fact(_var_name(left))
        return f"{_words(left)} {_CMP[op]} {_words(right)}"
    if op in ("<", "<=") and len(args) == 3:
        low, mid, high = args
        word = "at least" if op == "<=" else "more than"
        word2 = "at most" if op == "<=" else "less than"
        return f"{_words(mid)} is {word} {_words(low)} and {word2} {_words(high)}"
    if op == "in" and len(args) == 2:
        needle, hay = args
        if isinstance(hay, list):
            return f"{_words(needle)} is one of " + ", ".join(_literal(h) for h in hay)
        return f"{_words(needle)} is in {_words(hay)}"
    if op in ("if", "?:"):
        pieces = []
        for i in range(0, len(args) - 1, 2):
            pieces.append(f"if {_words(args[i])} then {_words(args[i + 1])}")
        if len(args) % 2:
            pieces.append(f"otherwise {_words(args[-1])}")
        return "(" + "; ".join(pieces) + ")"
    if op in _ARITH:
        return "(" + f" {_ARITH[op]} ".join(_words(a) for a in args) + ")"
    if op in ("min", "max"):
        return f"the {'smallest' if op == 'min' else 'largest'} of " + ", ".join(_words(a) for a in args)
    return json.dumps(node, ensure_ascii=False)
