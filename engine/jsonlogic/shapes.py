"""Rule shapes both evaluators specialise: plain fact reads and runs of one-fact comparisons.

The closures (engine.jsonlogic.closures) and the vectorised evaluator fold a
run of `x == c1 or x == c2 ...` (or `x < c1 or x < c2 ...`) into one lookup;
they must recognise the same runs, so the recognisers live here, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from engine.jsonlogic.semantics import is_scalar

RUN_MIN = 8  # equalities on one fact in a row before a junction folds them into one set lookup


def fact_comparison(rule: Any, ops: tuple[str, ...]) -> tuple[str, str, Any, bool] | None:
    """(fact, op, literal, literal first) when `rule` is `{op: [{"var": fact}, literal]}` (either order)."""
    if type(rule) is not dict or len(rule) != 1:
        return None
    ((op, args),) = rule.items()
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


Found = tuple[str, str, Any, bool]  # what fact_comparison returns


def comparison_runs(
    op: str, items: list[Any], run_key: Callable[[str, Found], Any]
) -> Iterator[tuple[Any, list[tuple[Any, Found]]]]:
    """A junction's arguments split into maximal runs of one-fact comparisons with literals.

    `run_key(kind, found)` ("equal" or "order", and fact_comparison's tuple)
    names the run an argument may join, or None when it joins none; each
    evaluator keys runs by what its folded form can take. Yields (key,
    [(argument, found), ...]) per run, and (None, [(argument, None)]) per
    argument outside every run, in order, so both evaluators split alike.
    """
    wanted = ("==", "===") if op == "or" else ("!=", "!==")
    run: list[tuple[Any, Found]] = []
    key: Any = None
    for item in items:
        found = fact_comparison(item, wanted)
        kind = "equal"
        if found is None:
            found = fact_comparison(item, ORDER_OPS)
            kind = "order"
        this = None if found is None else run_key(kind, found)
        if run and this != key:
            yield key, run
            run = []
        key = this
        if this is None:
            yield None, [(item, None)]  # type: ignore[list-item]
        else:
            run.append((item, found))  # type: ignore[arg-type]
    if run:
        yield key, run


Required = tuple[tuple[str, str], ...]  # (fact, text) pairs a rule needs equal: required_texts


def required_texts(rule: Any) -> Required:
    """(fact, text) for each argument of a top-level `and` (or the rule itself) that is `fact == "text"` (or ===).

    In accord semantics such a rule is false for a patient whose fact is another
    string, whatever the other arguments are: an `and` is false as soon as one
    argument is false, even beside a division by zero (docs/rule-language.md).
    A caller evaluating many rules at one patient skips those (ruled_out)
    without compiling them.
    """
    if type(rule) is dict and len(rule) == 1 and "and" in rule:
        args = rule["and"]
        items = args if isinstance(args, list) else [args]
    else:
        items = [rule]
    out: list[tuple[str, str]] = []
    for (
        item
    ) in items:  # fact_comparison(item, ("==", "===")) with a text literal, unrolled: a witness check reads every rule
        if type(item) is not dict or len(item) != 1:
            continue
        args = item.get("==", item.get("==="))
        if type(args) is not list or len(args) != 2:
            continue
        var, text = args
        if type(text) is dict:
            var, text = text, var
        if type(text) is str and type(var) is dict and len(var) == 1:
            name = var.get("var")
            if type(name) is list and len(name) == 1:
                name = name[0]
            if type(name) is str and name and "." not in name:
                out.append((name, text))
    return tuple(out)


def ruled_out(required: Required, facts: dict[str, Any]) -> bool:
    """True when a rule with these required_texts is false at `facts` (one of those facts is another string)."""
    for name, text in required:
        value = facts.get(name)
        if type(value) is str and value != text:
            return True
    return False
