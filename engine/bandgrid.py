"""One source's claims on a question evaluated once on one shared grid, for every band chart that shows them.

engine.bands decides a claim's intervals on its own grid (the cells of the facts it reads, cut
at its own thresholds), which costs a grid, a mesh and an evaluation per claim and then, per
chart, a pass over every claim of every row to learn that most cannot apply in the chart's
context. Here a source's claims are evaluated on the product of partitions cut at all of their
thresholds (a refinement of each claim's own grid, so each claim's truth per cell is the same),
packed one bit a claim per cell; a chart then holds the other facts to its context once per row
and reads, for every claim at once, whether it applies somewhere and on which cells of the
charted fact (any / all over the other axes, as bitwise or / and of the packed bytes).

Only claims whose comparisons the cuts separate exactly are placed here (no partition notes): a
claim evaluated at finer representatives might otherwise answer differently. The rest, a claim
the batch evaluator refuses, and a grid too big to hold (MAX_TABLE_BYTES) are left to
engine.bands' claim-by-claim path, which gives the same intervals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.analysis.cells import Grid
from engine.analysis.partition import Partition, partition, thresholds
from engine.contract import Vocabulary
from engine.jsonlogic.vectorised import compile_mask
from engine.model import Claim

MAX_TABLE_BYTES = 16 << 20  # a grid whose packed bits pass this is left to the claim-by-claim path
CHUNK = 64  # claims evaluated into one bool buffer before packing (a multiple of 8)


@dataclass
class SourceTable:
    """A source's claims (those placed here) on one grid: bit i of a cell's bytes is claims[i]'s truth there."""

    claims: list[Claim]
    parts: list[Partition]
    bits: np.ndarray  # grid shape + (bytes,), uint8, np.packbits order (claim i: byte i // 8, bit 7 - i % 8)
    placed: set[int] = field(default_factory=set)  # id() of the claims placed here

    def cuts(self, fact: str) -> tuple[float, ...]:
        """The thresholds the placed claims cut `fact` at (within its range)."""
        return next((p.thresholds for p in self.parts if p.fact == fact), ())

    def axis(self, fact: str) -> int | None:
        return next((k for k, p in enumerate(self.parts) if p.fact == fact), None)


class Memo:
    """What sources repeat, worked out once per report (engine.bands.BandCache holds one): each condition's
    thresholds by its text, and its truth on a grid by its text and the grid's cuts. A formulary's
    sources share their bands, so most sources' grids are cut alike and their conditions are the same."""

    MAX_TRUTHS = 100_000

    def __init__(self) -> None:
        self.vocab: Vocabulary | None = None
        self.cuts: dict[str, tuple[dict[str, set[float]], list[str]]] = {}
        self.truths: dict[tuple[str, tuple[Any, ...]], np.ndarray] = {}

    def use(self, vocab: Vocabulary) -> None:
        """Forget everything when the vocabulary is another one (its facts' ranges cut the grids)."""
        if self.vocab is not vocab:
            self.vocab, self.cuts, self.truths = vocab, {}, {}

    def thresholds(self, claims: Sequence[Claim], vocab: Vocabulary) -> tuple[dict[str, set[float]], list[str]]:
        """partition.thresholds over the claims' conditions (a union of each one's), each worked out once."""
        cuts: dict[str, set[float]] = {}
        notes: set[str] = set()
        for claim in claims:
            key = repr(claim.when)
            found = self.cuts.get(key)
            if found is None:
                found = self.cuts[key] = thresholds((claim.when,), vocab)
            for name, values in found[0].items():
                cuts.setdefault(name, set()).update(values)
            notes.update(found[1])
        return cuts, sorted(notes)

    def truth(self, claim: Claim, grid: Grid, signature: tuple[Any, ...]) -> np.ndarray:
        """The claim's truth on `grid` (broadcastable to its shape), by the batch evaluator."""
        key = (repr(claim.when), signature)
        found = self.truths.get(key)
        if found is None:
            columns, present = grid.mesh(claim.facts)
            found = compile_mask(claim.when)(columns, present)[0]
            if len(self.truths) < self.MAX_TRUTHS:
                self.truths[key] = found
        return found


def source_table(question: str, claims: Sequence[Claim], vocab: Vocabulary, memo: Memo | None = None) -> SourceTable:
    """The table of `claims` (one source's, on `question`); a claim it cannot place is left out of `placed`."""
    memo = memo if memo is not None else Memo()
    memo.use(vocab)
    exact, cuts = _exact_claims(claims, vocab, memo)
    for attempt in range(2):  # a claim the evaluator refuses leaves; the grid is then cut for the others only
        if attempt:
            cuts = memo.thresholds(exact, vocab)[0]
        names = sorted({n for c in exact for n in c.facts if n in vocab.facts})
        parts = [partition(vocab.facts[n], cuts.get(n, ())) for n in names]
        shape = tuple(len(p.cells) for p in parts)
        width = (len(exact) + 7) // 8
        if not exact or math.prod(shape) * width > MAX_TABLE_BYTES:
            return SourceTable([], [], np.zeros((0,), dtype=np.uint8))
        grid = Grid(question, parts)
        signature = tuple((p.fact, p.type, p.thresholds) for p in parts)
        bits = np.zeros(shape + (width,), dtype=np.uint8)
        refused: list[Claim] = []
        chunk = np.zeros(shape + (CHUNK,), dtype=bool)  # CHUNK claims' truths, packed together
        for start in range(0, len(exact), CHUNK):
            chunk[...] = False
            for j, claim in enumerate(exact[start : start + CHUNK]):
                try:
                    chunk[..., j] = memo.truth(claim, grid, signature)
                except Exception:  # noqa: BLE001 (the claim-by-claim path says why it is not charted)
                    refused.append(claim)
            bits[..., start >> 3 : (start + CHUNK) >> 3] = np.packbits(chunk, axis=-1)[..., : width - (start >> 3)]
        if not refused:
            return SourceTable(list(exact), parts, bits, {id(c) for c in exact})
        gone = {id(c) for c in refused}
        exact = [c for c in exact if id(c) not in gone]
    return SourceTable([], [], np.zeros((0,), dtype=np.uint8))


def _exact_claims(claims: Sequence[Claim], vocab: Vocabulary, memo: Memo) -> tuple[list[Claim], dict[str, set[float]]]:
    """The claims whose thresholds come without a note (each comparison cut exactly), in order, and their cuts."""
    out: list[Claim] = []
    cuts: dict[str, set[float]] = {}
    for claim in claims:
        try:
            found, claim_notes = memo.thresholds((claim,), vocab)
        except Exception:  # noqa: BLE001 (left to the claim-by-claim path)
            continue
        if not claim_notes:
            out.append(claim)
            for name, values in found.items():
                cuts.setdefault(name, set()).update(values)
    return out, cuts


def held(table: SourceTable, fact: str, keeps: dict[int, Any]) -> tuple[np.ndarray, np.ndarray] | None:
    """Per cell of `fact`'s axis, the claims that apply for some / for every value the context keeps of
    the other facts (unpacked bools, cells x claims); `keeps` holds each bounded axis's kept cells.
    None when the context keeps no cell of some fact (claims that do not read it would still apply)."""
    sub = table.bits
    for axis, keep in sorted(keeps.items()):
        if not keep.any():
            return None
        sub = np.compress(keep, sub, axis=axis)
    at = table.axis(fact)
    sub = sub[None] if at is None else np.moveaxis(sub, at, 0)
    flat = sub.reshape(sub.shape[0], -1, sub.shape[-1])
    n = len(table.claims)
    some = np.unpackbits(np.bitwise_or.reduce(flat, axis=1), axis=1)[:, :n].astype(bool)
    every = np.unpackbits(np.bitwise_and.reduce(flat, axis=1), axis=1)[:, :n].astype(bool)
    return some, every


def runs(some: np.ndarray, every: np.ndarray) -> list[list[tuple[int, int, bool]]]:
    """Per column (claim), its runs of cells: (first, last, every) for each maximal run of `some` cells
    with the same `every`, in order (cells x claims arrays)."""
    n, k = some.shape
    if n == 0:
        return [[] for _ in range(k)]
    change = np.ones((n, k), dtype=bool)
    change[1:] = ~some[:-1] | (every[1:] != every[:-1])
    last = np.ones((n, k), dtype=bool)
    last[:-1] = ~some[1:] | (every[1:] != every[:-1])
    starts, ends = some & change, some & last
    sc, si = np.nonzero(starts.T)
    _ec, ei = np.nonzero(ends.T)
    out: list[list[tuple[int, int, bool]]] = [[] for _ in range(k)]
    for c, i, j in zip(sc.tolist(), si.tolist(), ei.tolist()):
        out[c].append((i, j, bool(every[i, c])))
    return out
