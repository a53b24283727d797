"""Claim words of box claims built axis by axis: a conjunction of conditions that each read one fact.

engine.analysis.cells.claim_words evaluates every claim on the grid and ORs its two bits
(applies, unknown) into each cell's words: one vectorised evaluation and a few grid-sized
operations per claim. On a source of 1,000 claims and a grid of a few thousand cells that is
Python overhead per claim, most of a synthetic corpus's analysis (issue 19 item 6).

Most claims are boxes: `{"and": [indication == ..., egfr >= 30, egfr < 50]}`, each argument
reading one fact. Such a claim's truth at a cell is the Kleene `and` of one value per axis
(the conjunction of its arguments on that axis's fact): it applies where every axis is true,
is unknown where none is false and not all are true (engine.jsonlogic: an `and` is false as
soon as one argument is false, whatever the others are). So each axis gets two bit rows per
cell of its partition (true, not false), one bit per claim, and the grid's words are the AND
of the axes' rows broadcast, word by word: a few grid-sized operations per 32 claims, and one
evaluation per distinct condition on a partition's cells (sources repeat their conditions).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.jsonlogic.vectorised import compile_mask
from engine.rules import facts_used

if TYPE_CHECKING:
    from engine.analysis.cells import Grid
    from engine.model import Claim

Groups = dict[str, Any]  # fact -> the condition on it (an argument, or an `and` of the arguments reading it)


def box_groups(claim: Claim, axes: dict[str, int]) -> Groups | None:
    """The claim's conditions grouped by the one fact each reads, when it is a box on these axes; else None.

    `true` is a box with no condition; an `and` qualifies when every argument reads exactly one fact
    of the grid; so does a single condition reading one fact."""
    when = claim.when
    if when is True:
        return {}
    if type(when) is dict and len(when) == 1 and "and" in when and type(when["and"]) is list and when["and"]:
        args = when["and"]
    else:
        args = [when]
    grouped: dict[str, list[Any]] = {}
    for arg in args:
        name = _one_fact(arg)
        if name is None:
            return None
        if name not in axes:
            return None
        grouped.setdefault(name, []).append(arg)
    return {name: items[0] if len(items) == 1 else {"and": items} for name, items in grouped.items()}


def _one_fact(arg: Any) -> str | None:
    """The one fact `arg` reads, else None. A comparison of one plain fact with literals is read directly
    (the common case, met once per claim and argument); anything else goes through engine.rules.facts_used."""
    if type(arg) is dict and len(arg) == 1:
        ((op, items),) = arg.items()
        if op in _COMPARISONS and type(items) is list:
            name = None
            for item in items:
                if type(item) is dict:
                    var = item.get("var") if len(item) == 1 else None
                    if type(var) is list and len(var) == 1:
                        var = var[0]
                    if type(var) is not str or not var or "." in var or (name is not None and var != name):
                        break
                    name = var
                elif not (item is None or type(item) in _SCALARS or (type(item) is list and _scalars(item))):
                    break
            else:
                if name is not None:
                    return name
    names = set(facts_used(arg))
    return names.pop() if len(names) == 1 else None


_COMPARISONS = frozenset(("==", "===", "!=", "!==", "<", "<=", ">", ">=", "in"))
_SCALARS = (str, int, float, bool)


def _scalars(items: list[Any]) -> bool:
    return all(x is None or type(x) in _SCALARS for x in items)


def worth_it(groups: Sequence[Groups | None], grid: Grid) -> bool:
    """Whether building words axis by axis pays: it costs a few grid-sized operations per axis a box claim
    reads and per word of 32 claims, plus rows of (partition cells x claims) per axis, where claim by claim
    costs about one grid-sized operation each plus an evaluation's Python overhead.

    Measured: 20 sources of 1,000 box claims on grids of a few thousand cells over 4 axes, 3.5x faster;
    the bundled corpus's grids of 5 to 16 claims over 10 to 16 axes, 2x slower; 10,000 claims on one axis of
    10,001 cells (the grid is the axis: nothing to gain, and rows of 10,000 x 10,001 bits), 5x slower. So:
    many box claims, a grid that is a real product (much larger than its axes together), rows that stay small."""
    boxes = [g for g in groups if g is not None]
    read = {name for g in boxes for name in g}
    if len(boxes) < max(32, 4 * len(read)):
        return False
    axes = sum(len(p.cells) for p in grid.partitions)
    return grid.size >= 8 * axes and axes * 2 * len(groups) <= MAX_ROW_BITS


MAX_ROW_BITS = 1 << 26  # the axes' bit rows, unpacked (64 MiB of bools)


def box_words(grid: Grid, groups: Sequence[Groups | None], words: list[np.ndarray]) -> None:
    """OR the bits of the box claims into `words`, in place: claim k (`groups[k]` its box_groups, None
    for a claim that is not a box, left to the caller) at bits 2k and 2k+1, as claim_words lays them out.
    The grid has at least one axis."""
    axes = len(grid.partitions)
    width = len(words)
    true_rows: list[np.ndarray] = []
    open_rows: list[np.ndarray] = []  # "not false": true or unknown
    constrained: list[np.ndarray] = []  # per axis, per word: does a box claim of the word read the axis?
    memo: dict[tuple[int, str], tuple[np.ndarray, np.ndarray]] = {}
    slots = np.arange(len(groups), dtype=np.int64)
    for axis, part in enumerate(grid.partitions):
        column, present = grid.mesh([part.fact])
        n = len(part.cells)
        true_bits = np.ones((n, len(groups)), dtype=bool)
        open_bits = np.ones((n, len(groups)), dtype=bool)
        reads = np.zeros(32 * width, dtype=bool)
        for k, found in enumerate(groups):
            condition = None if found is None else found.get(part.fact)
            if condition is None:
                continue
            reads[k] = True
            key = (axis, repr(condition))  # repr: exact for JSON values (1, 1.0 and True differ), cheaper than json
            if key not in memo:
                true_mask, unknown_mask = compile_mask(condition)(column, present)
                memo[key] = (
                    np.broadcast_to(true_mask, column[part.fact].shape).ravel(),
                    ~np.broadcast_to(true_mask | unknown_mask, column[part.fact].shape).ravel(),
                )
            is_true, is_false = memo[key]
            true_bits[:, k] = is_true
            open_bits[:, k] = ~is_false
        true_rows.append(_packed(true_bits, slots, width, n))
        open_rows.append(_packed(open_bits, slots, width, n))
        constrained.append(np.asarray(reads.reshape(width, 32).any(axis=1)))
    one = np.uint64(1)
    for w in range(width):
        applies: Any = np.uint64(_even_bits(groups, w))
        maybe: Any = applies
        for axis in range(axes):
            if not constrained[axis][w]:  # every claim of the word holds whatever this fact is
                continue
            shape = [1] * axes
            shape[axis] = -1
            applies = applies & true_rows[axis][:, w].reshape(shape)
            maybe = maybe & open_rows[axis][:, w].reshape(shape)
        unknown = maybe & ~applies
        words[w] |= np.broadcast_to(applies | (unknown << one), grid.shape)


def _even_bits(groups: Sequence[Groups | None], w: int) -> int:
    """The applies bits of word w that belong to a box claim (where a box with no condition is set everywhere)."""
    first, last = 32 * w, min(len(groups), 32 * (w + 1))
    return sum(1 << (2 * (k - 32 * w)) for k in range(first, last) if groups[k] is not None)


def _packed(bits: np.ndarray, slots: np.ndarray, width: int, n: int) -> np.ndarray:
    """Rows of `bits` (cells x claims) as uint64 words with claim k at bit 2k: shape (cells, width)."""
    spread = np.zeros((n, 64 * width), dtype=bool)
    spread[:, 2 * slots] = bits
    return np.packbits(spread, axis=1, bitorder="little").view("<u8").astype(np.uint64, copy=False)
