"""Split each fact's domain into cells at every threshold the rules use.

Within one cell every comparison of the fact with a rule's constant has the
same truth value, so evaluating a rule on one representative value per cell
decides it for the whole cell. Numbers are cut at each threshold into: below
the lowest, each threshold point, the open intervals between, above the
highest, all inside the fact's vocabulary `range`. Enums take every value of
the vocabulary, booleans both values.

A threshold is read from any comparison (<, <=, >, >=, between, ==, !=, in)
whose arguments read exactly one numeric fact through an affine expression
(`egfr >= 30`, `30 <= egfr < 50`, `crcl * 2 > 60`). Comparisons that read
several facts, or a non-affine expression, cannot be cut exactly; they are
reported as notes so nobody mistakes the analysis for complete.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from engine.contract import Fact, Vocabulary
from engine.jsonlogic import RuleError, compiler
from engine.rules import facts_used

_COMPARISONS = {"<", "<=", ">", ">=", "==", "===", "!=", "!=="}


@dataclass(frozen=True)
class Cell:
    """One cell of a fact's partition. Numbers: an interval; enums and booleans: one value."""

    value: Any  # the representative value evaluated for the whole cell
    low: float | None = None
    high: float | None = None
    low_closed: bool = True
    high_closed: bool = True
    point: bool = False

    def contains(self, x: float) -> bool:
        if self.low is None or self.high is None:
            return x == self.value
        above = x >= self.low if self.low_closed else x > self.low
        below = x <= self.high if self.high_closed else x < self.high
        return above and below


@dataclass(frozen=True)
class Partition:
    """A fact's cells, in order (numbers ascending; enums in vocabulary order; false, true)."""

    fact: str
    type: str
    cells: tuple[Cell, ...]
    thresholds: tuple[float, ...] = ()
    range: tuple[float, float] | None = None
    typical: Any = None  # the fact's typical value (vocabulary; a number, false, an enum value): witnesses prefer it

    @property
    def values(self) -> list[Any]:
        return [c.value for c in self.cells]


def _nice(x: float) -> float | int:
    """An int when the float is integral, so witnesses read `egfr: 40`, not 40.0."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return int(x)
    return x


def representative(low: float, high: float) -> float | int:
    """A value strictly inside (low, high): the integer nearest the middle if there is one, else the middle."""
    mid = (low + high) / 2
    for candidate in sorted({math.floor(mid), math.ceil(mid)}, key=lambda c: (abs(c - mid), c)):
        if low < candidate < high:
            return int(candidate)
    return _nice(round(mid, 9))


def as_float(x: Any) -> float | None:
    """`x` as a finite float, or None: a 401-digit int or an infinity is not a number analysis can cut at."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    try:
        f = float(x)
    except OverflowError:
        return None
    return f if math.isfinite(f) else None


def numeric_partition(fact: Fact, thresholds: Iterable[float]) -> Partition:
    lo, hi = fact.range if fact.range else (-1e9, 1e9)
    lo, hi = float(lo), float(hi)
    finite = (as_float(t) for t in thresholds)  # defensive: thresholds() only yields finite floats
    cuts = sorted({t for t in finite if t is not None and lo <= t <= hi})
    is_cut = set(cuts)  # membership in a set: a list made this quadratic (100,000 thresholds took 30 s)
    breaks = sorted(is_cut | {lo, hi})
    cells: list[Cell] = []
    for i, b in enumerate(breaks):
        if b in is_cut:
            cells.append(Cell(_nice(b), _nice(b), _nice(b), True, True, point=True))
        if i + 1 < len(breaks):
            a, c = b, breaks[i + 1]
            low_closed = a == lo and a not in is_cut
            high_closed = c == hi and c not in is_cut
            cells.append(Cell(representative(a, c), _nice(a), _nice(c), low_closed, high_closed))
    if not cells:  # a range of one point
        cells.append(Cell(_nice(lo), _nice(lo), _nice(hi), True, True, point=True))
    typical = as_float(fact.typical)
    return Partition(
        fact.name,
        "number",
        tuple(cells),
        tuple(_nice(t) for t in cuts),
        (_nice(lo), _nice(hi)),
        typical if typical is not None and lo <= typical <= hi else None,
    )


def partition(fact: Fact, thresholds: Iterable[float] = ()) -> Partition:
    """The cells of `fact` given the thresholds rules compare it with."""
    if fact.type == "number":
        return numeric_partition(fact, thresholds)
    if fact.type == "boolean":
        typical = fact.typical if isinstance(fact.typical, bool) else None
        return Partition(fact.name, "boolean", (Cell(False), Cell(True)), typical=typical)
    typical = fact.typical if fact.typical in fact.values else None
    return Partition(fact.name, "enum", tuple(Cell(v) for v in fact.values), typical=typical)


# ---------------------------------------------------------------- thresholds


def thresholds(rules: Iterable[Any], vocab: Vocabulary) -> tuple[dict[str, set[float]], list[str]]:
    """Numeric thresholds per fact used by `rules`, and notes on comparisons that could not be cut."""
    found: dict[str, set[float]] = {}
    notes: list[str] = []
    for rule in rules:
        stack = [rule]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
                continue
            if not isinstance(node, dict) or len(node) != 1:
                continue
            ((op, raw),) = node.items()
            args = raw if isinstance(raw, list) else [raw]
            if op in _COMPARISONS:
                if _plain_cut(args, vocab, found):
                    continue  # `fact op number`: nothing below it to walk
                _comparison(node, args, vocab, found, notes)
            elif op == "in" and len(args) == 2 and isinstance(args[1], list):
                names = [n for n in facts_used(args[0]) if vocab.facts.get(n) and vocab.facts[n].type == "number"]
                if len(names) == 1:
                    for item in args[1]:
                        if isinstance(item, (int, float)) and not isinstance(item, bool):
                            if as_float(item) is None:
                                notes.append(
                                    f"{names[0]} compared with a number beyond float range, not cut there: {_short(node)}"
                                )
                                continue
                            t = _literal_cut(args[0], item, names[0])
                            if t is None:
                                t = _solve(args[0], item, names[0])
                            if t is None:
                                notes.append(f"cannot cut {names[0]} exactly for {_short(node)}")
                            else:
                                found.setdefault(names[0], set()).add(t)
            if op != "var":
                stack.extend(a for a in args if isinstance(a, (dict, list)))
    return found, sorted(set(notes))


def _plain_cut(args: list[Any], vocab: Vocabulary, found: dict[str, set[float]]) -> bool:
    """Record the cut of `{"var": numeric fact} op number` (either order) and say so; also say so for a
    fact that is not a number compared with a literal (an enum's equality: nothing to cut); False for any other shape.

    The common comparison, read straight off its two arguments: the general
    path walks the comparison three more times (facts read, literals beyond
    float range, the cut), which was most of the cost of a 999-operation rule.
    Gives the cut `_comparison` gives for the same arguments (`_literal_cut`).
    """
    if len(args) != 2:
        return False
    for var, literal in ((args[0], args[1]), (args[1], args[0])):
        if type(var) is dict and len(var) == 1 and type(var.get("var")) is str:
            fact = vocab.facts.get(var["var"])
            if fact is None or fact.type != "number":  # `indication == "x"`: no number to cut, nothing below
                return not isinstance(literal, (dict, list))
            value = as_float(literal)
            if value is None:
                return False
            found.setdefault(fact.name, set()).add(round(value, 9))
            return True
    return False


def _comparison(node: Any, args: list[Any], vocab: Vocabulary, found: dict[str, set[float]], notes: list[str]) -> None:
    numeric = [n for n in facts_used(node) if vocab.facts.get(n) is not None and vocab.facts[n].type == "number"]
    if not numeric:
        return
    if len(set(numeric)) > 1:
        notes.append(
            f"comparison reads several numeric facts ({', '.join(sorted(set(numeric)))}); cells may not separate it exactly: {_short(node)}"
        )
        return
    name = numeric[0]
    if any(_beyond_float(a) for a in args):
        notes.append(f"{name} compared with a number beyond float range, not cut there: {_short(node)}")
        return
    for a, b in zip(args, args[1:]):
        t = _literal_cut(a, b, name)
        if t is None:
            if not facts_used(a) and not facts_used(b):
                continue
            t = _solve({"-": [a, b]}, 0, name)
        if t is None:
            notes.append(f"cannot cut {name} exactly for {_short(node)}")
        elif t is not False:
            found.setdefault(name, set()).add(t)


def _beyond_float(node: Any) -> bool:
    """Whether a literal anywhere in `node` is a number no float can hold (which float() would raise on)."""
    stack = [node]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)
        elif isinstance(x, (int, float)) and not isinstance(x, bool) and as_float(x) is None:
            return True
    return False


def _literal_cut(a: Any, b: Any, name: str) -> float | None:
    """The threshold of the common `{"var": name}` versus a number comparison, without solving."""
    for x, y in ((a, b), (b, a)):
        if x == {"var": name} and as_float(y) is not None:
            return round(float(y), 9)
    return None


def _solve(expr: Any, target: float, name: str) -> float | None | bool:
    """x where the affine expression `expr` of fact `name` equals `target`; False when constant, None when not affine."""
    try:
        # the uncached closure tree: evaluated three times, so generating code (and caching a
        # one-off expression) costs more than it saves (a third of analysing 33,300 such comparisons)
        f = compiler("accord").reference(expr)
        y0, y1, y2 = (f({name: x}) for x in (0.0, 1.0, 2.0))
        values = [float(y) for y in (y0, y1, y2)]
    except (RuleError, TypeError, ValueError, ArithmeticError, RecursionError):
        return None
    slope = values[1] - values[0]
    if any(math.isnan(v) or math.isinf(v) for v in values) or not math.isclose(
        values[2] - values[1], slope, rel_tol=1e-9, abs_tol=1e-12
    ):
        return None
    if slope == 0:
        return False
    t = as_float(target)
    x = (t - values[0]) / slope if t is not None else math.inf
    return round(x, 9) if math.isfinite(x) else None


def _short(node: Any) -> str:
    import json

    text = json.dumps(node, sort_keys=True, separators=(",", ":"))
    return text if len(text) <= 120 else text[:119] + "…"
