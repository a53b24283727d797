"""Cells: a question's grid (the product of its facts' partitions), every claim evaluated on it, each source's answer per cell.

Claims are evaluated with engine.jsonlogic.vectorised on an open mesh (a
claim reading one fact costs one small array); each source's answer per
cell is folded exactly as engine.evaluate.combine does for one patient.
Both strategies (engine.analysis.grid and engine.analysis.components) use
these cells and the region helpers here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from engine.analysis.boxwords import Groups, box_groups, box_words, worth_it
from engine.analysis.feasible import Factor, axis_column, feasible_mask, touching
from engine.analysis.fold import KeyPlan, fold_classes
from engine.analysis.fold import popcount as popcount  # re-exported: callers count fold work here
from engine.analysis.fold import row_claims as row_claims
from engine.analysis.model import Cuts, RegionCells, Work, grid_work, word_count
from engine.analysis.partition import Partition, partition, thresholds
from engine.analysis.witness import cell_costs
from engine.contract import Vocabulary
from engine.evaluate import ANSWERED, CONFLICTING, Answer, fold
from engine.jsonlogic.vectorised import compile_mask
from engine.meaning.questions import value_sets_disagree
from engine.model import Claim, Ruleset


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
            column, presence = axis_column(part, axis, len(self.partitions))
            column.flags.writeable = False
            presence.flags.writeable = False
            cache[axis] = (column, presence)
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
    # The class of the cells no patient can occupy (a constraint is false there): silent, applying
    # nothing, and excluded from every finding; None when every cell is feasible.
    infeasible_class: int | None = None
    infeasible: int = 0  # how many cells that class holds

    def claim_ids(self, bits: int) -> list[str]:
        """The ids of the claims set in `bits` (bit i: claims[i]), in claim order."""
        if not bits:
            return []
        if bits.bit_length() <= 64:
            return [c.id for i, c in enumerate(self.claims[: bits.bit_length()]) if bits >> i & 1]
        raw = np.frombuffer(bits.to_bytes((bits.bit_length() + 7) // 8, "little"), dtype=np.uint8)
        return [self.claims[i].id for i in np.flatnonzero(np.unpackbits(raw, bitorder="little")).tolist()]

    @cached_property
    def key_masks(self) -> dict[str, int]:
        """Value key -> the claims giving it (bits over `claims`): a class's claims giving a value are
        applied[class] & key_masks[key] (the answers' ValueGroups may name none, engine.analysis.fold)."""
        plan = KeyPlan.of(self.claims)
        return dict(zip(plan.keys, plan.key_masks()))

    # Pair comparisons reuse these: a source meets every other source of the question.
    @cached_property
    def costs(self) -> np.ndarray:
        """Per cell (flat), its witness cost (witness_cost): the cheapest cell is the witness."""
        return witness_cost(self.grid).ravel()

    @cached_property
    def value_sets(self) -> tuple[list[tuple[str, ...]], np.ndarray]:
        """Distinct value-key sets (sorted keys of the answer's values), and each class's index into them."""
        ids: dict[tuple[str, ...], int] = {}
        seen: dict[int, int] = {}  # answers are shared between classes (engine.analysis.fold.by_keys)
        per_class = []
        for x in self.answers:
            found = seen.get(id(x))
            if found is None:
                found = seen[id(x)] = ids.setdefault(tuple(sorted(v.key for v in x.values)), len(ids))
            per_class.append(found)
        return list(ids), np.array(per_class, dtype=np.int64)

    @cached_property
    def signatures(self) -> tuple[list[tuple[int, int]], np.ndarray]:
        """Distinct (value-set id, claims giving those values as bits), and each class's index into them:
        classes giving the same values through the same claims name the same claims."""
        sets, set_of_class = self.value_sets
        masks = self.key_masks
        of_set = [sum(masks[k] for k in keys) for keys in sets]  # key masks are disjoint: sum is union
        ids: dict[tuple[int, int], int] = {}
        per_class = [
            ids.setdefault((s, bits & of_set[s]), len(ids)) for s, bits in zip(set_of_class.tolist(), self.applied)
        ]
        return list(ids), np.array(per_class, dtype=np.int64)

    @cached_property
    def populated(self) -> np.ndarray:
        """Per class: does it hold a cell? (A class whose cells are all infeasible holds none.)"""
        return np.bincount(self.classes.ravel(), minlength=len(self.answers)) > 0

    @cached_property
    def speaks(self) -> np.ndarray:
        """Per class: does the source answer (or contradict itself) there?"""
        return np.array([x.status in (ANSWERED, CONFLICTING) for x in self.answers], dtype=bool)


@dataclass(frozen=True)
class Judge:
    """When the answers of two sides on the same cells make a finding, and whose claims it names.

    Between two sources on one question (between_judge): value sets that disagree
    (engine.meaning.questions), naming on each side the claims giving a value the other side
    does not give, or all its claims when there is none. A cross-question link
    (engine.analysis.linked) judges one source's answers on two questions by the link's values.
    Both strategies (grid, components) take the same judge, so they find the same findings.
    """

    disagree: Callable[[tuple[str, ...], tuple[str, ...]], bool]
    named: Callable[[int, Sequence[str], Collection[str]], list[str]]  # (side 0/1, its keys, the other's) -> keys


def differing_keys(_side: int, mine: Sequence[str], theirs: Collection[str]) -> list[str]:
    """The value keys of one side the other does not give, or all of them when there is none."""
    return [k for k in mine if k not in theirs] or list(mine)


def between_judge(question: str) -> Judge:
    """Two sources on one question: their value sets disagree (engine.meaning.questions.value_sets_disagree)."""
    return Judge(lambda a, b: value_sets_disagree(question, a, b), differing_keys)


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


def question_partitions(
    question: str,
    claims: list[Claim],
    vocab: Vocabulary,
    per_claim: dict[str, tuple[Cuts, list[str]]] | None = None,
    extra_cuts: Cuts | None = None,
) -> tuple[dict[str, Partition], list[str]]:
    """Partitions of every fact the question's claims read, cut at the thresholds of all of them
    (and at `extra_cuts`: the constraints' thresholds, engine.analysis.feasible.constraint_cuts)."""
    names = sorted({n for c in claims for n in c.facts if n in vocab.facts})
    cuts, notes = merged_thresholds(claims, per_claim if per_claim is not None else claim_thresholds(claims, vocab))
    for name, values in (extra_cuts or {}).items():
        cuts.setdefault(name, set()).update(values)
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


def row_classes(words: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of stacked uint64 words: (inverse per cell, representative words per class)."""
    if len(words) == 1:
        uniq, inverse = np.unique(words[0].ravel(), return_inverse=True)
        return inverse.reshape(words[0].shape), uniq.reshape(-1, 1)
    flat = [w.ravel() for w in words]
    first, inverse = lex_rows(flat)
    return inverse.reshape(words[0].shape), np.stack([f[first] for f in flat], axis=1)


def source_cells(
    question: str,
    parts: dict[str, Partition],
    ruleset: Ruleset,
    claims: list[Claim],
    vocab: Vocabulary,
    per_claim: dict[str, tuple[Cuts, list[str]]] | None = None,
    work: Work | None = None,
    facts: list[str] | None = None,
    factors: tuple[Factor, ...] = (),
) -> tuple[SourceCells, int]:
    """Evaluate one source's claims on every cell of its own grid. Raises OverWork.

    The grid's facts are `facts` (default: those its claims read); the constraints (factors,
    engine.analysis.feasible) reading one of them mark the cells no patient occupies as one silent class (infeasible_class)."""
    facts = sorted(facts if facts is not None else {n for c in claims for n in c.facts})
    grid = Grid(question, [parts[n] for n in facts])
    constrained = touching(factors, facts)
    if work is not None:
        work.take(
            grid_work(grid.size, len(claims) + len(constrained), len(facts)),
            f"its grid of {grid.size:,} cells for {len(claims):,} claims",
        )
    words, evaluations = claim_words(grid, claims)
    inverse, reps = row_classes(words)
    ok = feasible_mask(facts, grid.shape, constrained)
    answers, applied_bits = fold_classes(ruleset.source_id, question, claims, reps, work)
    cuts, _ = merged_thresholds(claims, per_claim if per_claim is not None else claim_thresholds(claims, vocab))
    dead, dead_cells = None, 0
    if ok is not None and not ok.all():
        dead, dead_cells = len(answers), int(ok.size - np.count_nonzero(ok))
        inverse = np.where(ok, inverse, dead)
        answers.append(fold(ruleset.source_id, question, {}, []))
        applied_bits.append(0)
    return SourceCells(
        ruleset.source_id, claims, grid, inverse, answers, applied_bits, cuts, set(facts), dead, dead_cells
    ), evaluations


BOX_WORDS = True  # box claims' bits built axis by axis (engine.analysis.boxwords); off: one claim at a time


def claim_words(grid: Grid, claims: list[Claim]) -> tuple[list[np.ndarray], int]:
    """Every claim evaluated on every cell of `grid` (engine.jsonlogic.vectorised), packed two bits a claim
    (applies at 2i, unknown at 2i+1) into uint64 words; and the number of evaluations."""
    words = [np.zeros(grid.shape, dtype=np.uint64) for _ in range(word_count(len(claims)))]
    evaluations = 0
    groups: list[Groups | None] = [None] * len(claims)
    if BOX_WORDS and grid.partitions:
        sizes = {p.fact: len(p.cells) for p in grid.partitions}
        groups = [box_groups(c, sizes) for c in claims]
        if worth_it(groups, grid):
            box_words(grid, groups, words)
        else:
            groups = [None] * len(claims)
        for c, g in zip(claims, groups):
            if g is not None:  # what evaluating it on its facts' open mesh counts
                evaluations += math.prod(sizes[n] for n in set(c.facts))
    for i, claim in enumerate(claims):
        if groups[i] is not None:
            continue
        columns, present = grid.mesh(claim.facts)
        true_mask, unknown_mask = compile_mask(claim.when)(columns, present)
        evaluations += int(true_mask.size)
        for bit, mask in ((2 * i, true_mask), (2 * i + 1, unknown_mask)):
            if mask.any():
                w = words[bit // 64]
                w |= mask.astype(np.uint64) << np.uint64(bit % 64)
    return words, evaluations


def witness_cost(grid: Grid) -> np.ndarray:
    """Per cell (int64, grid-shaped), its witness cost: the sum over its facts of engine.analysis.witness.cell_costs,
    so the cheapest cell is the one nearest the typical patient (each numeric fact's typical value, as a
    share of its range), then with the fewest threshold points (interiors preferred), then first in order.
    Built on the open mesh, one small array per axis; cached per grid (pairs reuse a source's grid)."""
    cache = grid.__dict__
    if "_witness_cost" not in cache:
        total = np.zeros(grid.shape, dtype=np.int64)
        for axis, part in enumerate(grid.partitions):
            shape = [1] * len(grid.shape)
            shape[axis] = len(part.cells)
            total = total + np.array(cell_costs(part), dtype=np.int64).reshape(shape)
        total.flags.writeable = False
        cache["_witness_cost"] = total
    return cache["_witness_cost"]


def _best_cell(grid: Grid, cells: np.ndarray) -> int:
    if not grid.partitions:
        return 0
    costs = witness_cost(grid).ravel()[cells]
    return int(cells[int(np.argmin(costs))])


def is_box(parts: dict[str, Partition], indices: dict[str, list[int]], count: int) -> bool:
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
    return RegionCells(parts, indices, count, is_box(parts, indices, count), grid.cell_facts(_best_cell(grid, cells)))


def shared_threshold(region: RegionCells, a: SourceCells, b: SourceCells) -> tuple[str, Any] | None:
    """(fact, t) when the whole region sits on the point t of a threshold both sources use."""
    for name in sorted(a.facts & b.facts):
        part = region.partitions[name]
        idx = region.indices[name]
        if part.type != "number" or len(idx) != 1 or not part.cells[idx[0]].point:
            continue
        t = part.cells[idx[0]].value
        if float(t) in {float(x) for x in a.thresholds.get(name, ())} and float(t) in {
            float(x) for x in b.thresholds.get(name, ())
        }:
            return name, t
    return None
