"""Region analysis: evaluate every source on every cell of a question's fact space.

For each question the facts its claims read are cut into cells
(engine.partition); the grid is their product. Every claim is evaluated once
on the grid with engine.jsonlogic.vectorised (an open mesh, so a claim reading one fact costs
one small array), and each source's answer per cell is folded exactly as
engine.evaluate.combine does for a single patient. Cells are then compared:

between_sources  two sources both answer, with different values (or value sets);
within_source    one source's applicable claims give different values;
boundary         a between-sources disagreement confined to the point of a
                 threshold both sources use (they agree on the number, not on
                 which side it belongs to);
gap              along a numeric fact, with the other facts fixed, claims of a
                 source end just below a run of cells and others begin just
                 above it, and the claims applying inside the run apply on both
                 sides too (a hole in a banding). When nothing applies there the
                 source is silent; otherwise it answers only through claims that
                 span the hole.

A source that is silent where another answers is not a conflict: sources do
not have to cover everything. A source that contradicts itself (b) is still
compared with the others by the set of values it gives: two sources disagree
where their sets of values differ, and the claims named are those giving a
value the other source does not give. Cells are merged into findings by the claims
involved (never by cell boundaries), which engine.conflicts turns into
conflicts with ids, regions and witness patients. Test patients are never used.

When a question's facts fall apart into independent groups, engine.factored
finds the same findings without building the full grids (analyse_question
picks it when it pays off, or when a full grid would be over the budget).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from engine.jsonlogic.vectorised import compile_mask
from engine.contract import Vocabulary, vocabulary
from engine.evaluate import ANSWERED, CONFLICTING, Answer, ClaimOutcome, fold
from engine.gcpause import gc_paused
from engine.model import Claim, Ruleset
from engine.partition import Partition, partition, thresholds

BETWEEN, WITHIN, GAP, BOUNDARY = "between_sources", "within_source", "gap", "boundary"
# A source's grid on one question is the product of the partitions of every fact its claims
# read: 18 facts already make 1.3M cells. Past this many cells (about 1 GB at peak) the
# source is not analysed on that question, and the report says so, rather than exhausting
# memory on a ruleset we do not control. Each cell also holds two bits per claim, in 64-bit
# words: thousands of claims on a large grid are bounded the same way (WORDS_PER_CELL).
MAX_CELLS = 1 << 24
WORDS_PER_CELL = 4  # at MAX_CELLS cells: 256 claims, 512 MB of claim bits
# The cell budget alone let a grid at exactly MAX_CELLS peak at 2.5 GB: every cell also costs
# the side arrays (classes, points, join keys, sort buffers). So the arrays one question holds
# are bounded in bytes as well, estimated before any is built (grid_bytes), and this many in
# all keeps peak RSS under 1 GiB (benchmarks/hostile_analysis.py measures it).
MAX_BYTES = 320 << 20
# Bytes bound memory, not time: the largest grid MAX_BYTES admits took 53 s, and 3,000 claims
# each above its own threshold fold 9 M claim visits in Python. So the whole analysis has a work
# budget, counted in units of about one array element operation and estimated before each step
# (a grid: cells x (claims + words + axes); a fold: claims visited, FOLD_UNITS each; a pair: passes
# over both grids). Counting, not timing, keeps the report the same on every machine. The default
# is about 3 s of analysis on 2 idle cores, leaving room for witnesses and the report; the bundled
# corpus needs 88 M, the synthetic corpus (20 x 1,000 claims) 82 M.
MAX_WORK = 1_200_000_000
LABEL_UNITS = 5000  # one distinct disagreement of a pair named, ranked and counted
FOLD_UNITS = 1000  # one claim visited by the Python fold (and the labelling after it) costs about as much as 1,000 array element operations
KINDS = (BETWEEN, WITHIN, BOUNDARY, GAP)


class OverWork(Exception):
    """A step's estimated work exceeds what is left of the analysis's work budget."""

    def __init__(self, what: str, units: int, left: int, limit: int) -> None:
        super().__init__(f"{what} needs about {units:,} units of work, over the {max(left, 0):,} left of the work budget "
                         f"({limit:,}); raise it with --max-work")
        self.units, self.left, self.limit = units, left, limit


@dataclass
class Work:
    """The analysis's work budget, spent step by step in question order (so deterministic)."""

    limit: int = MAX_WORK
    spent: int = 0

    def take(self, units: int, what: str) -> None:
        """Spend `units`, or raise OverWork (spending nothing) when they do not fit."""
        if self.spent + units > self.limit:
            raise OverWork(what, units, self.limit - self.spent, self.limit)
        self.spent += units


def grid_work(cells: int, claims: int, axes: int) -> int:
    """Units to evaluate `claims` on a grid, sort its rows of claim words and scan its lines along each axis."""
    return cells * (max(claims, 1) + 16 * _words(claims) + 4 * max(axes, 1))


def popcount(rows: np.ndarray) -> int:
    """Set bits in an array of uint64 words (claims a fold would visit, two bits for an unknown one)."""
    if hasattr(np, "bitwise_count"):
        return int(np.bitwise_count(rows).sum(dtype=np.int64))
    table = np.array([bin(i).count("1") for i in range(256)], dtype=np.int64)  # NumPy < 2.0
    return int(table[np.ascontiguousarray(rows).view(np.uint8)].sum())


@dataclass
class Grid:
    """The cells of one question: the product of the partitions of the facts its claims read."""

    question: str
    partitions: list[Partition]

    @property
    def facts(self) -> list[str]:
        return [p.fact for p in self.partitions]

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(p.cells) for p in self.partitions)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) if self.partitions else 1

    def mesh(self, names: Iterable[str]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Open-mesh columns and presence for `names` (each shaped along its own axis).

        Each fact's column is built once per grid: rebuilt per claim, 10,000 claims
        on a 20,001-cell axis converted 200 M values in Python before any budget check."""
        columns: dict[str, np.ndarray] = {}
        present: dict[str, np.ndarray] = {}
        wanted = set(names)
        for axis, part in enumerate(self.partitions):
            if part.fact in wanted:
                columns[part.fact], present[part.fact] = self._column(axis, part)
        return columns, present

    def _column(self, axis: int, part: Partition) -> tuple[np.ndarray, np.ndarray]:
        cache = self.__dict__.setdefault("_columns", {})
        if axis not in cache:
            shape = [1] * len(self.partitions)
            shape[axis] = len(part.cells)
            if part.type == "number":
                column = np.array([float(v) for v in part.values], dtype=float)
            elif part.type == "boolean":
                column = np.array(part.values, dtype=bool)
            else:
                column = np.array(part.values, dtype=object)
            column.flags.writeable = False
            presence = np.ones(shape, dtype=bool)
            presence.flags.writeable = False
            cache[axis] = (column.reshape(shape), presence)
        return cache[axis]

    def cell_index(self, flat: int) -> tuple[int, ...]:
        return tuple(int(i) for i in np.unravel_index(flat, self.shape)) if self.partitions else ()

    def cell_facts(self, flat: int) -> dict[str, Any]:
        """The representative patient of a cell: one value per fact of the grid."""
        return {p.fact: p.cells[i].value for p, i in zip(self.partitions, self.cell_index(flat))}


@dataclass
class SourceCells:
    """One source's answers over a grid: a class per cell, and what each class means."""

    source: str
    claims: list[Claim]
    grid: Grid  # the source's own grid: the facts its claims read
    classes: np.ndarray  # grid-shaped int: index into answers/applied
    answers: list[Answer]
    applied: list[int]  # bitmask over `claims` of the claims that apply, per class
    thresholds: dict[str, set[float]]
    facts: set[str]

    def claim_ids(self, bits: int) -> list[str]:
        return [c.id for i, c in enumerate(self.claims) if bits >> i & 1]

    # Pair comparisons reuse these: a source meets every other source of the question.
    @cached_property
    def points(self) -> np.ndarray:
        """Per cell (flat), how many of its numeric facts sit on a threshold point."""
        return _point_count(self.grid).ravel().astype(np.int64)

    @cached_property
    def values(self) -> list[dict[str, tuple[str, ...]]]:
        """Per class: value key -> the claims giving it."""
        return [{v.key: v.claims for v in x.values} for x in self.answers]

    @cached_property
    def value_sets(self) -> tuple[list[tuple[str, ...]], np.ndarray]:
        """Distinct value-key sets, and each class's index into them."""
        return _value_set_ids(self.values)

    @cached_property
    def signatures(self) -> tuple[list[tuple[tuple[str, tuple[str, ...]], ...]], np.ndarray]:
        """Distinct (value key, claims) sets, and each class's index into them."""
        return _value_set_ids([set(mine.items()) for mine in self.values])

    @cached_property
    def speaks(self) -> np.ndarray:
        """Per class: does the source answer (or contradict itself) there?"""
        return np.array([x.status in (ANSWERED, CONFLICTING) for x in self.answers], dtype=bool)


@dataclass
class RegionCells:
    """Where a finding holds: per fact, the cell indices it covers; how many cells; a witness cell."""

    partitions: dict[str, Partition]
    indices: dict[str, list[int]]
    count: int
    box: bool
    witness: dict[str, Any]


@dataclass
class Finding:
    """Cells where something disagrees, merged by kind and the claims involved."""

    kind: str
    question: str
    sources: tuple[str, ...]
    claims: tuple[str, ...]
    region: RegionCells
    fact: str | None = None  # gap: the axis; boundary: the fact of the shared threshold
    threshold: float | None = None  # boundary: the shared threshold
    ending: tuple[str, ...] = ()  # gap: claims that end just below the hole
    beginning: tuple[str, ...] = ()  # gap: claims that begin just above it


@dataclass(frozen=True)
class NotAnalysed:
    """A source left out of one question's analysis because its grid exceeds the cell budget."""

    question: str
    source: str
    cells: int
    facts: tuple[str, ...]
    claims: int
    reason: str = ""  # set when the cell budget is not what stopped it (bytes, or a number it cannot compute with)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"question": self.question, "source": self.source, "cells": self.cells, "facts": list(self.facts), "claims": self.claims}
        if self.reason:
            data["reason"] = self.reason
        return data

    def message(self, limit: int) -> str:
        if self.reason:
            return (f"{self.question}: {self.source} was not analysed: {self.reason}; conflicts involving it on this question "
                    f"are not reported")
        size = f"its {self.claims:,} claims read {len(self.facts)} facts, a grid of {self.cells:,} cells"
        if self.cells <= limit:
            size += f" holding {_words(self.claims)} words of claim bits each ({self.cells * _words(self.claims):,} in all, limit {WORDS_PER_CELL * limit:,})"
        else:
            size += f" (limit {limit:,})"
        return (f"{self.question}: {self.source} was not analysed: {size}; conflicts involving it on this question are not "
                f"reported. Raise the limit with --max-cells, or split the question's claims")


def _words(claims: int) -> int:
    """64-bit words per cell for two bits (applies, unknown) per claim."""
    return max(1, (2 * claims + 63) // 64)


def over_budget(cells: int, claims: int, max_cells: int) -> bool:
    """Whether a grid of `cells` cells for `claims` claims exceeds the analysis budget."""
    return cells > max_cells or cells * _words(claims) > WORDS_PER_CELL * max_cells


def grid_bytes(cells: int, claims: int) -> int:
    """Peak bytes of arrays while one source's grid is built and compared, estimated before any exists.

    Per cell: the claim words, their stacked copy and np.unique's sorted copy
    (3 x 8 bytes a word), and about twelve int64 side arrays (the two masks
    of a claim as uint64, unique's permutation and inverse, the classes, the
    points, a pair's join keys and inverse, a gap's moved lines and groups).
    """
    return cells * 8 * (3 * _words(claims) + 12)


def retained_bytes(cells: int) -> int:
    """Bytes a source's grid keeps while the question's pairs are compared: classes and points (int64)."""
    return cells * 16


@dataclass
class QuestionAnalysis:
    question: str
    partitions: dict[str, Partition]
    sources: dict[str, SourceCells]
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    note_sources: dict[str, str] = field(default_factory=dict)  # note -> the source whose claim it is about
    evaluations: int = 0
    not_analysed: list[NotAnalysed] = field(default_factory=list)
    findings_cut: list[tuple[str, ...]] = field(default_factory=list)  # claims of between-source findings not located (over max_findings for one pair)
    cells: dict[str, int] = field(default_factory=dict)  # per source analysed: the cells of its full grid
    method: str = "grid"  # grid: full grids (this module); components: engine.factored


@dataclass
class Analysis:
    questions: dict[str, QuestionAnalysis]
    seconds: float = 0.0
    max_cells: int = MAX_CELLS
    max_bytes: int = MAX_BYTES
    # Set by engine.conflicts.build_conflicts when more conflicts were found than it may build.
    truncated: dict[str, Any] | None = None
    conflict_ids: frozenset[str] = frozenset()  # every conflict found, built or not (no disposition of a cut one is orphaned)
    max_work: int = MAX_WORK
    work: int = 0  # units of the work budget spent

    @property
    def not_analysed(self) -> list[NotAnalysed]:
        return [n for q in self.questions.values() for n in q.not_analysed]

    @property
    def cells(self) -> int:
        """Cells analysed: every source on every cell of its own grid (by components or in full)."""
        return sum(n for q in self.questions.values() for n in q.cells.values())

    @property
    def evaluations(self) -> int:
        return sum(q.evaluations for q in self.questions.values())


# ---------------------------------------------------------------- grid

Cuts = dict[str, set[float]]


def claim_thresholds(claims: Iterable[Claim], vocab: Vocabulary) -> dict[str, tuple[Cuts, list[str]]]:
    """Each claim's own thresholds and notes (located: each names its claim), by claim id."""
    out = {}
    for c in claims:
        cuts, notes = thresholds((c.when,), vocab)
        out[c.id] = (cuts, [f"{c.id}: {n}" for n in notes])
    return out


def merged_thresholds(claims: Iterable[Claim], per_claim: dict[str, tuple[Cuts, list[str]]]) -> tuple[Cuts, list[str]]:
    cuts: Cuts = {}
    notes: set[str] = set()
    for claim in claims:
        found, claim_notes = per_claim[claim.id]
        for name, values in found.items():
            cuts.setdefault(name, set()).update(values)
        notes.update(claim_notes)
    return cuts, sorted(notes)


def question_partitions(question: str, claims: list[Claim], vocab: Vocabulary,
                        per_claim: dict[str, tuple[Cuts, list[str]]] | None = None) -> tuple[dict[str, Partition], list[str]]:
    """Partitions of every fact the question's claims read, cut at the thresholds of all of them."""
    names = sorted({n for c in claims for n in c.facts if n in vocab.facts})
    cuts, notes = merged_thresholds(claims, per_claim if per_claim is not None else claim_thresholds(claims, vocab))
    return {n: partition(vocab.facts[n], cuts.get(n, ())) for n in names}, notes


def _dense(column: np.ndarray) -> tuple[np.ndarray, int]:
    """Each value's rank among the column's distinct values (int64), and how many there are."""
    uniq, inverse = np.unique(column, return_inverse=True)
    return inverse.ravel().astype(np.int64, copy=False), len(uniq)


def lex_rows(columns: list[np.ndarray], bounds: list[int | None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of equal-length integer columns in lexicographic order: (first row of each, inverse).

    np.unique(axis=0) sorts rows as structured records, one field compare at a
    time (53 s on a 2.3M-cell grid of two words); ranking column by column and
    folding the ranks into one int64 code sorts plain integers instead, in the
    same order. `bounds[i]`, when known, says column i already holds ints in
    [0, bound), so it needs no ranking of its own.
    """
    code, bound = np.zeros(len(columns[0]) if columns else 0, dtype=np.int64), 1
    for i, column in enumerate(columns):
        known = bounds[i] if bounds is not None else None
        if known is None:
            column, known = _dense(column)
        if bound * max(known, 1) >= 1 << 62:
            code, bound = _dense(code)
        code = code * max(known, 1) + column.astype(np.int64, copy=False)
        bound *= max(known, 1)
    _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    return first, inverse.ravel()


def _row_classes(words: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of stacked uint64 words: (inverse per cell, representative words per class)."""
    if len(words) == 1:
        uniq, inverse = np.unique(words[0].ravel(), return_inverse=True)
        return inverse.reshape(words[0].shape), uniq.reshape(-1, 1)
    flat = [w.ravel() for w in words]
    first, inverse = lex_rows(flat)
    return inverse.reshape(words[0].shape), np.stack([f[first] for f in flat], axis=1)


def source_cells(question: str, parts: dict[str, Partition], ruleset: Ruleset, claims: list[Claim], vocab: Vocabulary,
                 per_claim: dict[str, tuple[Cuts, list[str]]] | None = None, work: Work | None = None) -> tuple[SourceCells, int]:
    """Evaluate one source's claims on every cell of its own grid (the facts its claims read). Raises OverWork."""
    facts = sorted({n for c in claims for n in c.facts})
    grid = Grid(question, [parts[n] for n in facts])
    if work is not None:
        work.take(grid_work(grid.size, len(claims), len(facts)), f"its grid of {grid.size:,} cells for {len(claims):,} claims")
    words, evaluations = claim_words(grid, claims)
    inverse, reps = _row_classes(words)
    if work is not None:
        work.take(popcount(reps) * FOLD_UNITS, f"folding its {len(reps):,} distinct combinations of {len(claims):,} claims")
    answers: list[Answer] = []
    applied: list[int] = []
    for row in reps:
        answer, applies_bits = _fold_row(ruleset.source_id, question, claims, row)
        answers.append(answer)
        applied.append(applies_bits)
    cuts, _ = merged_thresholds(claims, per_claim if per_claim is not None else claim_thresholds(claims, vocab))
    return SourceCells(ruleset.source_id, claims, grid, inverse, answers, applied, cuts, set(facts)), evaluations


def _fold_row(source: str, question: str, claims: list[Claim], row: np.ndarray) -> tuple[Answer, int]:
    """One cell class's Answer from its words (applies, unknown per claim), and which claims apply.

    Only the claims with a bit set are visited (a handful of a source's
    thousands): a claim that does not apply takes no part in the answer.
    """
    applied: dict[str, list[Claim]] = {}
    unknown: list[ClaimOutcome] = []
    applies, unknowns = row_claims(row)
    for i in applies:
        claim = claims[i]
        applied.setdefault(claim.value_key, []).append(claim)
    for i in unknowns:
        claim = claims[i]
        unknown.append(ClaimOutcome(claim, None, claim.facts))
    if len(row) <= SMALL_ROW:
        applies_bits = 0
        for i in applies:
            applies_bits |= 1 << i
    else:
        mask = np.zeros(len(claims), dtype=bool)
        mask[applies] = True
        applies_bits = int.from_bytes(np.packbits(mask, bitorder="little").tobytes(), "little")
    return fold(source, question, applied, unknown), applies_bits


def row_claims(row: np.ndarray) -> tuple[list[int], list[int]]:
    """The claims one cell class's words say apply, and those left unknown (each ascending).

    Walking the set bits of one big int costs a pass over the int per bit:
    cheap for a few words, cubic in the claims for thousands (3,000 overlapping
    claims: 124 s). Past SMALL_ROW words the row is read with NumPy in one pass.
    """
    if len(row) <= SMALL_ROW:
        bits = 0
        for k, word in enumerate(row.tolist()):
            bits |= word << (64 * k)
        applies, unknown = [], []
        while bits:
            low = bits & -bits
            bit = low.bit_length() - 1
            if bit & 1 == 0:
                applies.append(bit >> 1)
                bits &= ~(0b11 << bit)
            else:
                unknown.append(bit >> 1)
                bits ^= low
        return applies, unknown
    bits = np.unpackbits(np.ascontiguousarray(row, dtype="<u8").view(np.uint8), bitorder="little")
    pairs = bits[: 2 * (len(bits) // 2)].reshape(-1, 2)
    return np.flatnonzero(pairs[:, 0]).tolist(), np.flatnonzero(pairs[:, 1] & (pairs[:, 0] ^ 1)).tolist()


SMALL_ROW = 4  # words (128 claims) up to which row_claims walks one int


def claim_words(grid: Grid, claims: list[Claim]) -> tuple[list[np.ndarray], int]:
    """Every claim evaluated on every cell of `grid` (engine.jsonlogic.vectorised), packed two bits a claim
    (applies at 2i, unknown at 2i+1) into uint64 words; and the number of evaluations."""
    words = [np.zeros(grid.shape, dtype=np.uint64) for _ in range(_words(len(claims)))]
    evaluations = 0
    for i, claim in enumerate(claims):
        columns, present = grid.mesh(claim.facts)
        true_mask, unknown_mask = compile_mask(claim.when)(columns, present)
        evaluations += int(true_mask.size)
        for bit, mask in ((2 * i, true_mask), (2 * i + 1, unknown_mask)):
            if mask.any():
                w = words[bit // 64]
                w |= (mask.astype(np.uint64) << np.uint64(bit % 64))
    return words, evaluations


# ---------------------------------------------------------------- regions

def _point_count(grid: Grid) -> np.ndarray:
    """Per cell, how many of its numeric facts sit on a threshold point (witnesses prefer interiors)."""
    total = np.zeros(grid.shape, dtype=np.int16)
    for axis, part in enumerate(grid.partitions):
        shape = [1] * len(grid.shape)
        shape[axis] = len(part.cells)
        total = total + np.array([c.point for c in part.cells], dtype=np.int16).reshape(shape)
    return total


def _best_cell(grid: Grid, cells: np.ndarray) -> int:
    if not grid.partitions:
        return 0
    points = _point_count(grid).ravel()[cells]
    return int(cells[int(np.argmin(points))])


def _is_box(parts: dict[str, Partition], indices: dict[str, list[int]], count: int) -> bool:
    volume = 1
    for name, idx in indices.items():
        volume *= len(idx)
        if parts[name].type == "number" and idx and idx[-1] - idx[0] + 1 != len(idx):
            return False
    return volume == count


def region_of_cells(grid: Grid, cells: np.ndarray) -> RegionCells:
    parts = {p.fact: p for p in grid.partitions}
    if not grid.partitions:
        return RegionCells(parts, {}, 1, True, {})
    index = np.unravel_index(cells, grid.shape)
    indices = {p.fact: np.unique(index[axis]).tolist() for axis, p in enumerate(grid.partitions)}
    count = int(len(cells))
    return RegionCells(parts, indices, count, _is_box(parts, indices, count), grid.cell_facts(_best_cell(grid, cells)))


def _group(keys: np.ndarray, wanted: dict[int, Any]) -> dict[Any, np.ndarray]:
    """Flat cell indices per label, for cells whose key is in `wanted` (key -> label)."""
    if not wanted:
        return {}
    flat = keys.ravel()
    order = np.argsort(flat, kind="stable")
    sorted_keys = flat[order]
    out: dict[Any, list[np.ndarray]] = {}
    for key, label in wanted.items():
        lo = np.searchsorted(sorted_keys, key, side="left")
        hi = np.searchsorted(sorted_keys, key, side="right")
        if hi > lo:
            out.setdefault(label, []).append(order[lo:hi])
    return {label: np.sort(np.concatenate(parts)) for label, parts in out.items()}


# ---------------------------------------------------------------- within a source

def within_source(sc: SourceCells) -> list[Finding]:
    """Cells where the source's applicable claims disagree, one finding per set of values given."""
    wanted: dict[int, tuple[str, ...]] = {}
    claims_of: dict[tuple[str, ...], set[str]] = {}
    for k, a in enumerate(sc.answers):
        if a.status == CONFLICTING:
            label = tuple(sorted(v.key for v in a.values))
            wanted[k] = label
            claims_of.setdefault(label, set()).update(c for v in a.values for c in v.claims)
    return [Finding(WITHIN, sc.grid.question, (sc.source,), tuple(sorted(claims_of[label])), region_of_cells(sc.grid, cells))
            for label, cells in sorted(_group(sc.classes, wanted).items())]


def _neighbour_runs(k: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """For every cell, the class of the run just below and just above its own run along `axis` (-1: none)."""
    k = np.moveaxis(k, axis, -1)
    length = k.shape[-1]
    idx = np.arange(length)
    change = np.ones(k.shape, dtype=bool)
    change[..., 1:] = k[..., 1:] != k[..., :-1]
    start = np.maximum.accumulate(np.where(change, idx, 0), axis=-1)
    last = np.ones(k.shape, dtype=bool)
    last[..., :-1] = change[..., 1:]
    end = np.flip(np.minimum.accumulate(np.flip(np.where(last, idx, length - 1), axis=-1), axis=-1), axis=-1)
    below = np.where(start > 0, np.take_along_axis(k, np.maximum(start - 1, 0), axis=-1), -1)
    above = np.where(end < length - 1, np.take_along_axis(k, np.minimum(end + 1, length - 1), axis=-1), -1)
    return np.moveaxis(below, -1, axis), np.moveaxis(above, -1, axis)


def _distinct_lines(classes: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """The grid's lines along `axis` (every other fact fixed), deduplicated.

    Returns (distinct lines as rows, each line's row, the shape with `axis`
    moved last). A 1.3M-cell grid has 442,368 lines along a 3-cell axis but
    fewer than a thousand distinct ones, so runs are found on those alone.
    """
    moved = np.moveaxis(classes, axis, -1)
    shape = moved.shape
    lines = np.ascontiguousarray(moved).reshape(-1, shape[-1]).astype(np.int64)
    n = int(lines.max()) + 1 if lines.size else 1
    if shape[-1] * math.log2(max(n, 2)) < 62:  # one int64 code per line
        code = np.zeros(len(lines), dtype=np.int64)
        for column in lines.T:
            code = code * n + column
        _, first, inverse = np.unique(code, return_index=True, return_inverse=True)
        return lines[first], inverse.ravel(), shape
    first, inverse = lex_rows(list(lines.T), [n] * shape[-1])
    return lines[first], inverse, shape


def gaps(sc: SourceCells) -> list[Finding]:
    """Holes in a source's banding of a numeric fact (see the module docstring)."""
    findings: list[Finding] = []
    n = len(sc.answers)
    grid = sc.grid
    for axis, part in enumerate(grid.partitions):
        if part.type != "number" or len(part.cells) < 3:
            continue
        lines, line_of, moved_shape = _distinct_lines(sc.classes, axis)
        below, above = _neighbour_runs(lines, 1)
        ok = (below >= 0) & (above >= 0)
        if not ok.any():
            continue
        line_keys = np.where(ok, (below * n + lines) * n + above, -1)
        wanted: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        for key in np.unique(line_keys).tolist():
            if key < 0:
                continue
            rest, up = divmod(key, n)
            down, mid = divmod(rest, n)
            b, m, u = sc.applied[down], sc.applied[mid], sc.applied[up]
            if m & ~b == 0 and m != b and m & ~u == 0 and m != u:
                wanted[key] = (tuple(sc.claim_ids(b & ~m)), tuple(sc.claim_ids(u & ~m)))
        if not wanted:
            continue
        keys = np.moveaxis(line_keys[line_of].reshape(moved_shape), -1, axis)
        for (ending, beginning), cells in sorted(_group(keys, wanted).items()):
            claims = tuple(sorted(set(ending) | set(beginning)))
            findings.append(Finding(GAP, grid.question, (sc.source,), claims, region_of_cells(grid, cells), part.fact, None, ending, beginning))
    return findings


# ---------------------------------------------------------------- between sources

def _shared_keys(sc: SourceCells, shared: list[str], strides: dict[str, int]) -> np.ndarray:
    """Per cell of the source's grid, the flat index of its shared facts' cell."""
    total = np.zeros(sc.grid.shape, dtype=np.int64)
    for axis, part in enumerate(sc.grid.partitions):
        if part.fact in strides:
            shape = [1] * len(sc.grid.shape)
            shape[axis] = len(part.cells)
            total = total + (np.arange(len(part.cells), dtype=np.int64) * strides[part.fact]).reshape(shape)
    return total


def _value_set_ids(values: list[dict[str, Any]]) -> tuple[list[tuple[str, ...]], np.ndarray]:
    """Distinct sorted value-key sets of the classes, and each class's index into them."""
    ids: dict[tuple[str, ...], int] = {}
    per_class = [ids.setdefault(tuple(sorted(v)), len(ids)) for v in values]
    return list(ids), np.array(per_class, dtype=np.int64)


@dataclass
class _Side:
    """One source of a pair, reduced to what the comparison needs.

    A cell's key is (shared cell, class); keys of classes that answer are
    reduced further to rows (shared cell, value set), because a disagreement
    depends only on the values each source gives there. Joining rows instead of
    keys keeps the join as small as the number of distinct value sets allows.
    """

    sc: SourceCells
    inverse: np.ndarray  # per cell: index of its key
    key_row: np.ndarray  # per key: index of its row, or -1 (the class does not answer)
    key_class: np.ndarray  # per key: class
    row_shared: np.ndarray  # per row: shared cell (ascending)
    row_set: np.ndarray  # per row: value-set id
    row_cells: np.ndarray  # per row: number of cells
    key_best: np.ndarray  # per key: fewest threshold points of any of its cells
    row_best: np.ndarray  # per row: fewest threshold points of any of its cells
    sets: list[tuple[str, ...]]
    values: list[dict[str, tuple[str, ...]]]  # per class: value key -> claims
    points: np.ndarray  # per cell: threshold points (witnesses prefer interiors)


def _factorize(keys: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """np.unique(keys, return_inverse=True, return_counts=True) for int keys in [0, bound).

    When the bound is within a few times the number of keys, one counting
    pass replaces the sort (a 1.3M-cell grid: ~5 ms instead of ~30 ms).
    """
    if bound > max(4 * keys.size, 1 << 16):
        uniq, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        return uniq, inverse.ravel(), counts
    tally = np.bincount(keys, minlength=bound)
    uniq = np.flatnonzero(tally)
    rank = np.zeros(bound, dtype=np.int64)
    rank[uniq] = np.arange(len(uniq))
    return uniq, rank[keys], tally[uniq]


def _side(sc: SourceCells, shared: list[str], strides: dict[str, int]) -> _Side:
    n = len(sc.answers)
    shared_cells = int(np.prod([len(p.cells) for p in sc.grid.partitions if p.fact in strides], dtype=np.int64))
    keys = (_shared_keys(sc, shared, strides) * n + sc.classes).ravel()
    uniq, inverse, counts = _factorize(keys, shared_cells * n)
    key_class, key_shared = uniq % n, uniq // n
    values = sc.values
    sets, set_of_class = sc.value_sets
    spoken = np.nonzero(sc.speaks[key_class])[0]
    codes = key_shared[spoken] * max(1, len(sets)) + set_of_class[key_class[spoken]]
    rows, row_of_spoken = np.unique(codes, return_inverse=True)
    row_of_spoken = row_of_spoken.ravel()
    key_row = np.full(len(uniq), -1, dtype=np.int64)
    key_row[spoken] = row_of_spoken
    points = sc.points
    key_best = np.full(len(uniq), np.iinfo(np.int16).max, dtype=np.int64)
    for p in np.flatnonzero(np.bincount(points))[::-1].tolist():  # fewest last, so it wins; a handful of passes
        key_best[inverse[points == p]] = p
    row_best = np.full(len(rows), np.iinfo(np.int16).max, dtype=np.int64)
    np.minimum.at(row_best, row_of_spoken, key_best[spoken])
    return _Side(sc, inverse, key_row, key_class, rows // max(1, len(sets)), rows % max(1, len(sets)),
                 np.bincount(row_of_spoken, weights=counts[spoken], minlength=len(rows)), key_best, row_best, sets, values, points)


def _equi_join(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j) with left[i] == right[j]; both arrays ascending. Pairs come in (i, j) order."""
    lo = np.searchsorted(right, left, side="left")
    width = np.searchsorted(right, left, side="right") - lo
    ii = np.repeat(np.arange(len(left)), width)
    offsets = np.arange(len(ii)) - np.repeat(np.cumsum(width) - width, width)
    return ii, np.repeat(lo, width) + offsets


def between_sources(a: SourceCells, b: SourceCells, limit: int | None = None,
                    cut: list[tuple[str, ...]] | None = None, work: Work | None = None) -> list[Finding]:
    """Cells where both sources answer, differently; one finding per pair of value sets.

    Facts only one source reads vary freely, so the pair is analysed on each
    source's own grid joined on the facts both read (never on the product of
    both grids): a joined row is (shared cell s, values of A at s, values of B at s)."""
    shared = sorted(a.facts & b.facts)
    strides: dict[str, int] = {}
    stride = 1
    for name in reversed(shared):
        strides[name] = stride
        stride *= len(a.grid.partitions[a.grid.facts.index(name)].cells)
    x, y = _side(a, shared, strides), _side(b, shared, strides)
    join_a, join_b = _equi_join(x.row_shared, y.row_shared)
    if not len(join_a):
        return []
    # A disagreement label depends only on the two value sets: label each distinct pair once.
    vpairs, vpair_inv = np.unique(x.row_set[join_a] * len(y.sets) + y.row_set[join_b], return_inverse=True)
    labels: dict[tuple[tuple[str, ...], tuple[str, ...]], int] = {}
    vpair_label = np.full(len(vpairs), -1, dtype=np.int64)
    for j, code in enumerate(vpairs.tolist()):
        ia, ib = divmod(code, len(y.sets))
        if x.sets[ia] != y.sets[ib]:
            vpair_label[j] = labels.setdefault((x.sets[ia], y.sets[ib]), len(labels))
    row_label = vpair_label[vpair_inv.ravel()]
    keep = row_label >= 0
    if not keep.any():
        return []
    join_a, join_b, row_label = join_a[keep], join_b[keep], row_label[keep]
    if work is not None:  # naming, ranking and counting every label is Python work, located or not
        work.take(len(labels) * LABEL_UNITS + 8 * (len(join_a) + a.grid.size + b.grid.size),
                  f"comparing it with {a.source} ({len(labels):,} distinct disagreements)")
    label_list = list(labels)
    claims_of = _claims_of(label_list, ((0, x, join_a), (1, y, join_b)), row_label)
    counts = np.bincount(row_label, weights=x.row_cells[join_a] * y.row_cells[join_b], minlength=len(labels))
    parts = {p.fact: p for p in a.grid.partitions}
    parts.update({p.fact: p for p in b.grid.partitions})
    findings = []
    chosen = sorted(labels.items())
    if limit is not None and len(chosen) > limit:
        # Each label's region costs passes over both grids: past the limit, only the first `limit`
        # by claims are located, and the rest counted (cut), so 90,000 labels never cost minutes.
        from engine.conflicts import conflict_id  # lazily: engine.conflicts builds on this module

        question = a.grid.question  # report order within one pair: kind, then id (between_sources' id, before kinds are known)
        ranked = sorted(chosen, key=lambda kv: (conflict_id(BETWEEN, question, sorted(claims_of[kv[1]])), kv[0]))
        chosen = sorted(ranked[:limit])
        if cut is not None:  # the claims of each label not located: their conflict ids stay known
            cut.extend(tuple(sorted(claims_of[index])) for _, index in ranked[limit:])
    if work is not None:  # each region located costs a pass over both grids and the joined rows
        size = a.grid.size + b.grid.size + len(join_a)
        work.take(size * len(chosen), f"locating {len(chosen):,} regions of its disagreements with {a.source} on {size:,} cells and rows")
    for label, index in chosen:
        rows = np.nonzero(row_label == index)[0]
        ra, rb = join_a[rows], join_b[rows]
        indices: dict[str, set[int]] = {}
        for side, members in ((x, ra), (y, rb)):
            for part, seen in zip(side.sc.grid.partitions, _projections(_row_mask(side, members))):
                indices.setdefault(part.fact, set()).update(np.nonzero(seen)[0].tolist())
        pick = int(np.argmin(x.row_best[ra] + y.row_best[rb]))
        witness = a.grid.cell_facts(_witness_cell(x, int(ra[pick])))
        for name, value in b.grid.cell_facts(_witness_cell(y, int(rb[pick]))).items():
            witness.setdefault(name, value)
        sorted_indices = {name: sorted(idx) for name, idx in sorted(indices.items())}
        count = int(counts[index])
        region = RegionCells(parts, sorted_indices, count, _is_box(parts, sorted_indices, count), witness)
        kind, fact, threshold = BETWEEN, None, None
        shared_point = _shared_point(region, a, b)
        if shared_point is not None:
            kind, (fact, threshold) = BOUNDARY, shared_point
        findings.append(Finding(kind, a.grid.question, (a.source, b.source), tuple(sorted(claims_of[index])), region, fact, threshold))
    return findings


def _claims_of(labels: list[tuple[tuple[str, ...], tuple[str, ...]]], sides: Iterable[tuple[int, _Side, np.ndarray]], row_label: np.ndarray) -> list[set[str]]:
    """Per label, the claims giving a value the other source does not give there (all its claims if none)."""
    claims_of: list[set[str]] = [set() for _ in labels]
    width = max(1, len(labels))
    for side_index, side, joined_rows in sides:
        # (row, label) pairs, joined with the keys of each row; classes giving the same values
        # through the same claims name the same claims, so each distinct signature is visited once.
        row_labels = np.unique(joined_rows * width + row_label)
        distinct, signature = side.sc.signatures
        spoken = np.nonzero(side.key_row >= 0)[0]
        order = np.argsort(side.key_row[spoken], kind="stable")
        key_rows = side.key_row[spoken][order]
        i, j = _equi_join(key_rows, row_labels // width)
        codes = np.unique(signature[side.key_class[spoken][order][i]] * width + row_labels[j] % width)
        for code in codes.tolist():
            sig, index = divmod(code, width)
            theirs = set(labels[index][1 - side_index])
            mine = dict(distinct[sig])
            differing = [c for v, cs in mine.items() if v not in theirs for c in cs]
            claims_of[index].update(differing or [c for cs in mine.values() for c in cs])
    return claims_of


def _row_mask(side: _Side, rows: np.ndarray) -> np.ndarray:
    """The cells of `side`'s grid whose key belongs to one of `rows`."""
    member = np.zeros(len(side.row_shared) + 1, dtype=bool)  # the extra last slot answers key_row == -1
    member[rows] = True
    return member[side.key_row][side.inverse].reshape(side.sc.grid.shape)


def _witness_cell(side: _Side, row: int) -> int:
    """The first cell, with the fewest threshold points, of the row's first key (in class order) having that few."""
    key = int(np.nonzero((side.key_row == row) & (side.key_best == side.row_best[row]))[0][0])
    return int(np.nonzero((side.inverse == key) & (side.points == side.key_best[key]))[0][0])


def _projections(mask: np.ndarray) -> list[np.ndarray]:
    """For each axis, which of its indices have any True cell: mask.any(all other axes).

    Reducing the full array once per axis costs ndim passes over it (18 passes
    over 1.3M cells for one bundled question); halving the axes recursively
    costs about two passes, then work on arrays the size of the square root.
    """
    if mask.ndim <= 1:
        return [mask.reshape(-1)] if mask.ndim == 1 else []
    half = mask.ndim // 2
    low = tuple(range(half))
    high = tuple(range(half, mask.ndim))
    return _projections(mask.any(axis=high)) + _projections(mask.any(axis=low))


def _shared_point(region: RegionCells, a: SourceCells, b: SourceCells) -> tuple[str, Any] | None:
    """(fact, t) when the whole region sits on the point t of a threshold both sources use."""
    for name in sorted(a.facts & b.facts):
        part = region.partitions[name]
        idx = region.indices[name]
        if part.type != "number" or len(idx) != 1 or not part.cells[idx[0]].point:
            continue
        t = part.cells[idx[0]].value
        if float(t) in {float(x) for x in a.thresholds.get(name, ())} and float(t) in {float(x) for x in b.thresholds.get(name, ())}:
            return name, t
    return None


# ---------------------------------------------------------------- driver

def analyse_question(question: str, rulesets: list[Ruleset], vocab: Vocabulary | None = None, max_cells: int = MAX_CELLS,
                     method: str = "auto", max_bytes: int = MAX_BYTES, max_findings: int | None = None,
                     work: Work | None = None) -> QuestionAnalysis:
    """Findings of one question. `method`: "auto" picks components when they pay off
    (engine.factored.pays_off), "grid" forces full grids (the reference the tests compare with).
    `work`: the budget shared by the whole analysis; a source (or the question, by components)
    whose next step does not fit is named in not_analysed with the work it needed."""
    vocab = vocab or vocabulary()
    per_source = [(r, r.claims_for(question)) for r in sorted(rulesets, key=lambda r: r.source_id)]
    per_source = [(r, cs) for r, cs in per_source if cs]
    all_claims = [c for _, cs in per_source for c in cs]
    per_claim = claim_thresholds(all_claims, vocab)
    parts, notes = question_partitions(question, all_claims, vocab, per_claim)
    result = QuestionAnalysis(question, parts, {}, notes=[f"{question}: {n}" for n in notes])
    source_of = {c.id: r.source_id for r, cs in per_source for c in cs}
    for claim_id, (_, claim_notes) in per_claim.items():
        for n in claim_notes:
            result.note_sources.setdefault(f"{question}: {n}", source_of[claim_id])
    from engine import factored  # it builds on this module's grids, so it is imported here, not at the top

    if method == "auto" and factored.pays_off(parts, per_source, max_cells, max_bytes):
        try:
            by_components = factored.analyse_factored(question, parts, per_source, per_claim, vocab, max_cells, max_bytes, work)
        except factored.TooWide:
            pass  # too wide even by components: full grids, sources over the budget left out
        except OverWork as exc:  # the full grids would cost more still: every source of the question is left out
            for ruleset, claims in per_source:
                facts = tuple(sorted({n for c in claims for n in c.facts}))
                result.not_analysed.append(NotAnalysed(
                    question, ruleset.source_id, math.prod(len(parts[n].cells) for n in facts), facts, len(claims),
                    f"the question's analysis by independent groups of facts stopped: {exc}"))
            return result
        else:
            result.findings, result.cells, result.method = by_components.findings, by_components.cells, "components"
            return result
    held = 0  # bytes the grids analysed so far keep until the pairs are compared
    for ruleset, claims in per_source:
        facts = tuple(sorted({n for c in claims for n in c.facts}))
        cells = math.prod(len(parts[n].cells) for n in facts)  # a Python int: no overflow before the check
        if over_budget(cells, len(claims), max_cells):
            result.not_analysed.append(NotAnalysed(question, ruleset.source_id, cells, facts, len(claims)))
            continue
        need = held + grid_bytes(cells, len(claims))
        if need > max_bytes:
            result.not_analysed.append(NotAnalysed(
                question, ruleset.source_id, cells, facts, len(claims),
                f"its grid of {cells:,} cells for {len(claims):,} claims needs about {need >> 20:,} MiB of arrays "
                f"(with the question's other grids), over the {max_bytes >> 20:,} MiB budget; raise it with --max-memory"))
            continue
        try:
            sc, evaluations = source_cells(question, parts, ruleset, claims, vocab, per_claim, work)
        except OverWork as exc:
            result.not_analysed.append(NotAnalysed(question, ruleset.source_id, cells, facts, len(claims), str(exc)))
            continue
        held += retained_bytes(cells)
        result.sources[ruleset.source_id] = sc
        result.cells[ruleset.source_id] = sc.grid.size
        result.evaluations += evaluations
    findings: list[Finding] = []
    ids = sorted(result.sources)
    for i, a in enumerate(ids):
        sc = result.sources[a]
        findings.extend(within_source(sc))
        findings.extend(gaps(sc))
        for b in ids[i + 1:]:
            other = result.sources[b]
            try:
                findings.extend(between_sources(sc, other, max_findings, result.findings_cut, work))
            except OverWork as exc:
                result.not_analysed.append(NotAnalysed(question, b, other.grid.size, tuple(sorted(other.facts)), len(other.claims), str(exc)))
    result.findings = findings
    return result


def analyse(rulesets: list[Ruleset], vocab: Vocabulary | None = None, questions: Iterable[str] | None = None,
            on_question: Callable[[str, int], None] | None = None, max_cells: int = MAX_CELLS,
            max_bytes: int = MAX_BYTES, max_findings: int | None = None, max_work: int = MAX_WORK) -> Analysis:
    """Region analysis of every question any ruleset answers (or of `questions`).

    `on_question(name, total)` is called before each question, so a caller can show progress.
    A source whose grid on a question exceeds `max_cells` cells or `max_bytes` bytes of arrays is
    left out of it (Analysis.not_analysed); so is a question whose rules cannot be computed on
    (a number beyond float range that validation let through): said, never a traceback. All
    questions share one budget of `max_work` units (see MAX_WORK), spent in question order.
    """
    vocab = vocab or vocabulary()
    work = Work(max_work)
    started = time.perf_counter()
    wanted = sorted(set(questions) if questions is not None else {q for r in rulesets for q in r.questions})
    out = {}
    with gc_paused():  # millions of short-lived, cycle-free answers: see engine.gcpause
        for q in wanted:
            if on_question is not None:
                on_question(q, len(wanted))
            try:
                out[q] = analyse_question(q, rulesets, vocab, max_cells, max_bytes=max_bytes, max_findings=max_findings, work=work)
            except (ArithmeticError, RecursionError) as exc:
                out[q] = _refused(q, rulesets, vocab, exc)
    return Analysis(out, time.perf_counter() - started, max_cells, max_bytes, max_work=max_work, work=work.spent)


def _refused(question: str, rulesets: list[Ruleset], vocab: Vocabulary, exc: BaseException) -> QuestionAnalysis:
    """A question whose claims could not be evaluated on cells: every source of it is named as not analysed."""
    result = QuestionAnalysis(question, {}, {})
    why = f"its claims could not be evaluated on cells ({type(exc).__name__}: {str(exc)[:120]})"
    for ruleset in sorted(rulesets, key=lambda r: r.source_id):
        claims = ruleset.claims_for(question)
        if claims:
            facts = tuple(sorted({n for c in claims for n in c.facts if n in vocab.facts}))
            result.not_analysed.append(NotAnalysed(question, ruleset.source_id, 0, facts, len(claims), why))
    return result
