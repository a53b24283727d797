"""Numbers inside claim and patient values: one canonical form, and the ones refused.

`{mg: 2.0, every_days: 1}` and `{mg: 2, every_days: 1}` are the same answer;
keyed as text they would be two, and a false conflict. Everything that keys
or compares values goes through engine.model.value_key, which uses
canonical() here. An integer beyond float range (a 401-digit `mg`) cannot be
shown, scaled or compared with a float: validate refuses it (E207, located)
with number_problems() before any of that happens.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

Parts = tuple[Any, ...]


def canonical(value: Any) -> Any:
    """`value` with every integral float written as the int it equals (2.0 -> 2); booleans stay booleans.

    Python already has 2.0 == 2; this makes their text (JSON) agree too.
    Non-integral and non-finite floats are left alone.
    """
    if type(value) is float:
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()} if _has_float(value) else value
    if isinstance(value, list):
        return [canonical(v) for v in value] if _has_float(value) else value
    return value


def _has_float(value: Any) -> bool:
    stack = [value]
    while stack:
        node = stack.pop()
        if type(node) is float:
            return True
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def number_problems(value: Any, at: Parts = ()) -> Iterator[tuple[Parts, str]]:
    """(path, message) for each number in `value` that cannot be used as a number.

    Iterative, so a deeply nested value cannot exhaust the stack; the loader
    already bounds depth and refuses 1e999, this catches what it must let
    through (exact integers of any size, non-finite floats built in memory).
    """
    stack: list[tuple[Parts, Any]] = [(at, value)]
    while stack:
        parts, node = stack.pop()
        if isinstance(node, bool):
            continue
        if isinstance(node, int):
            try:
                float(node)
            except OverflowError:
                yield parts, f"an integer of {_digits(node)} digits is beyond the range of a number (about 1.8e308)"
        elif isinstance(node, float):
            if not math.isfinite(node):
                yield parts, f"{node!r} is not a finite number"
        elif isinstance(node, dict):
            stack.extend((parts + (k,), v) for k, v in reversed(list(node.items())))
        elif isinstance(node, list):
            stack.extend((parts + (i,), v) for i, v in reversed(list(enumerate(node))))


def _digits(number: int) -> str:
    """The number of decimal digits, without converting a huge int to text (Python caps that at 4,300)."""
    magnitude = abs(number)
    estimate = int(magnitude.bit_length() * math.log10(2)) + 1
    return f"{estimate - (10 ** (estimate - 1) > magnitude):,}"
