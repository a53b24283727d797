"""The full-grid strategy of region analysis: compare sources cell by cell on each source's whole grid.

For each question the facts its claims read are cut into cells
(engine.analysis.partition); the grid is their product (engine.analysis.cells). Every claim is evaluated once
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

When a question's facts fall apart into independent groups, engine.analysis.components
finds the same findings without building the full grids (engine.analysis.driver
picks it when it pays off, or when a full grid would be over the budget).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from engine.analysis.cells import (
    Judge,
    SourceCells,
    between_judge,
    is_box,
    lex_rows,
    region_of_cells,
    shared_threshold,
)
from engine.analysis.model import BETWEEN, BOUNDARY, GAP, LABEL_UNITS, WITHIN, Finding, RegionCells, Work, conflict_id
from engine.analysis.partition import Partition
from engine.analysis.witness import cell_costs
from engine.evaluate import CONFLICTING


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


def within_source(sc: SourceCells) -> list[Finding]:
    """Cells where the source's applicable claims disagree, one finding per set of values given."""
    wanted: dict[int, tuple[str, ...]] = {}
    claims_of: dict[tuple[str, ...], int] = {}  # label -> the claims giving its values (bits over sc.claims)
    held = sc.populated
    sets, set_of_class = sc.value_sets
    for k, (a, s) in enumerate(zip(sc.answers, set_of_class.tolist())):
        if a.status == CONFLICTING and held[k]:  # a class all of whose cells are infeasible names no claim
            label = sets[s]
            wanted[k] = label
            claims_of[label] = claims_of.get(label, 0) | sc.applied[k]  # conflicting: every claim applying
    return [
        Finding(
            WITHIN,
            sc.grid.question,
            (sc.source,),
            tuple(sorted(sc.claim_ids(claims_of[label]))),
            region_of_cells(sc.grid, cells),
        )
        for label, cells in sorted(_group(sc.classes, wanted).items())
    ]


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
            if sc.infeasible_class in (down, mid, up):  # no patient there: never a hole, never a side of one
                continue
            b, m, u = sc.applied[down], sc.applied[mid], sc.applied[up]
            if m & ~b == 0 and m != b and m & ~u == 0 and m != u:
                wanted[key] = (tuple(sc.claim_ids(b & ~m)), tuple(sc.claim_ids(u & ~m)))
        if not wanted:
            continue
        keys = np.moveaxis(line_keys[line_of].reshape(moved_shape), -1, axis)
        for (ending, beginning), cells in sorted(_group(keys, wanted).items()):
            claims = tuple(sorted(set(ending) | set(beginning)))
            findings.append(
                Finding(
                    GAP,
                    grid.question,
                    (sc.source,),
                    claims,
                    region_of_cells(grid, cells),
                    part.fact,
                    None,
                    ending,
                    beginning,
                )
            )
    return findings


def _shared_keys(sc: SourceCells, shared: list[str], strides: dict[str, int]) -> np.ndarray:
    """Per cell of the source's grid, the flat index of its shared facts' cell."""
    total = np.zeros(sc.grid.shape, dtype=np.int64)
    for axis, part in enumerate(sc.grid.partitions):
        if part.fact in strides:
            shape = [1] * len(sc.grid.shape)
            shape[axis] = len(part.cells)
            total = total + (np.arange(len(part.cells), dtype=np.int64) * strides[part.fact]).reshape(shape)
    return total


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
    key_best: np.ndarray  # per key: the least witness cost of any of its cells
    row_best: np.ndarray  # per row: the least witness cost of any of its cells
    sets: list[tuple[str, ...]]
    costs: np.ndarray  # per cell: witness cost (engine.analysis.cells.witness_cost: nearest typical, then interiors)

    @cached_property
    def spoken_keys(self) -> tuple[np.ndarray, np.ndarray]:
        """The keys that answer, by row (stable): each one's row and its class's signature (cells.signatures),
        which naming the claims of a label joins with the label's rows (_claims_of)."""
        spoken = np.nonzero(self.key_row >= 0)[0]
        order = np.argsort(self.key_row[spoken], kind="stable")
        _, signature = self.sc.signatures
        return self.key_row[spoken][order], signature[self.key_class[spoken][order]]

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays this side holds of its own (the costs are the source's, held anyway)."""
        arrays = (self.inverse, self.key_row, self.key_class, self.key_best)
        rows = (self.row_shared, self.row_set, self.row_cells, self.row_best)
        return sum(a.nbytes for a in arrays + rows) + 2 * self.key_row.nbytes  # + spoken_keys, once computed


class PairSides:
    """What between_sources needs of each source alone, kept across the source's pairs.

    A source's side of a pair (_side: its cells keyed by shared cell and class, reduced to rows) depends
    only on the source and the facts it shares with the other, and the witness costs of the shared cells
    only on those facts' cells: for many sources that all read eGFR it is the same for each of a source's
    pairs. Recomputed per pair, it made n sources cost n^2 sides (issue 19 item 6: 400 sources, 80,000
    pairs). One instance serves one question's pairs (engine.analysis.driver); sides are kept while
    their bytes fit `budget`, past it computed per pair as without a cache, and `drop` releases a
    source's sides once its pairs are done. Findings are the same with or without it.
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.held = 0
        self._sides: dict[tuple[int, tuple[tuple[str, int], ...]], _Side] = {}
        # keyed by the shared partitions' ids; the partitions are kept with the costs so the ids stay theirs
        self._costs: dict[tuple[int, ...], tuple[list[Partition], np.ndarray]] = {}
        self._disagree: dict[tuple[str, tuple[str, ...], tuple[str, ...]], bool] = {}

    def side(self, sc: SourceCells, shared: list[str], strides: dict[str, int]) -> _Side:
        key = (id(sc), tuple(strides.items()))
        found = self._sides.get(key)
        if found is None:
            found = _side(sc, shared, strides)
            size = found.nbytes
            if self.held + size <= self.budget:
                self._sides[key] = found
                self.held += size
        return found

    def shared_costs(self, sc: SourceCells, shared: list[str]) -> np.ndarray:
        parts = [sc.grid.partitions[sc.grid.facts.index(name)] for name in shared]
        key = tuple(id(p) for p in parts)
        found = self._costs.get(key)
        if found is None:
            found = self._costs[key] = (parts, _shared_costs(sc, shared))
        return found[1]

    def judge(self, question: str) -> Judge:
        """between_judge, each pair of value sets judged once for all the question's pairs."""
        plain = between_judge(question)
        memo = self._disagree

        def disagree(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
            key = (question, a, b)
            found = memo.get(key)
            if found is None:
                found = memo[key] = plain.disagree(a, b)
            return found

        return Judge(disagree, plain.named)

    def drop(self, sc: SourceCells) -> None:
        """Release `sc`'s sides: its pairs are done."""
        for key in [k for k in self._sides if k[0] == id(sc)]:
            self.held -= self._sides.pop(key).nbytes


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
    sets, set_of_class = sc.value_sets
    spoken = np.nonzero(sc.speaks[key_class])[0]
    codes = key_shared[spoken] * max(1, len(sets)) + set_of_class[key_class[spoken]]
    rows, row_of_spoken = np.unique(codes, return_inverse=True)
    row_of_spoken = row_of_spoken.ravel()
    key_row = np.full(len(uniq), -1, dtype=np.int64)
    key_row[spoken] = row_of_spoken
    costs = sc.costs
    key_best = np.full(len(uniq), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(key_best, inverse, costs)  # one pass (ufunc.at: ~3 ms on 1.3M cells)
    row_best = np.full(len(rows), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(row_best, row_of_spoken, key_best[spoken])
    return _Side(
        sc,
        inverse,
        key_row,
        key_class,
        rows // max(1, len(sets)),
        rows % max(1, len(sets)),
        np.bincount(row_of_spoken, weights=counts[spoken], minlength=len(rows)),
        key_best,
        row_best,
        sets,
        costs,
    )


def _equi_join(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j) with left[i] == right[j]; both arrays ascending. Pairs come in (i, j) order."""
    lo = np.searchsorted(right, left, side="left")
    width = np.searchsorted(right, left, side="right") - lo
    ii = np.repeat(np.arange(len(left)), width)
    offsets = np.arange(len(ii)) - np.repeat(np.cumsum(width) - width, width)
    return ii, np.repeat(lo, width) + offsets


def between_sources(
    a: SourceCells,
    b: SourceCells,
    limit: int | None = None,
    cut: list[tuple[str, ...]] | None = None,
    work: Work | None = None,
    judge: Judge | None = None,
    sides: PairSides | None = None,
) -> list[Finding]:
    """Cells where both sources answer, differently (as `judge` says; default between_judge); one finding per
    pair of value sets.

    Facts only one source reads vary freely, so the pair is analysed on each
    source's own grid joined on the facts both read (never on the product of
    both grids): a joined row is (shared cell s, values of A at s, values of B at s).
    `sides`: each source's side kept across its pairs (PairSides; the grids' partitions the same for
    every source, as in one question's analysis); without it both are computed for this pair."""
    shared = sorted(a.facts & b.facts)
    strides: dict[str, int] = {}
    stride = 1
    for name in reversed(shared):
        strides[name] = stride
        stride *= len(a.grid.partitions[a.grid.facts.index(name)].cells)
    if sides is None:
        x, y = _side(a, shared, strides), _side(b, shared, strides)
        shared_cost = _shared_costs(a, shared)
    else:
        x, y = sides.side(a, shared, strides), sides.side(b, shared, strides)
        shared_cost = sides.shared_costs(a, shared)
    join_a, join_b = _equi_join(x.row_shared, y.row_shared)
    if not len(join_a):
        return []
    # A disagreement label depends only on the two value sets: label each distinct pair once.
    question = a.grid.question
    judge = judge or (between_judge(question) if sides is None else sides.judge(question))
    vpairs, vpair_inv = np.unique(x.row_set[join_a] * len(y.sets) + y.row_set[join_b], return_inverse=True)
    labels: dict[tuple[tuple[str, ...], tuple[str, ...]], int] = {}
    vpair_label = np.full(len(vpairs), -1, dtype=np.int64)
    for j, code in enumerate(vpairs.tolist()):
        ia, ib = divmod(code, len(y.sets))
        if judge.disagree(x.sets[ia], y.sets[ib]):
            vpair_label[j] = labels.setdefault((x.sets[ia], y.sets[ib]), len(labels))
    row_label = vpair_label[vpair_inv.ravel()]
    keep = row_label >= 0
    if not keep.any():
        return []
    join_a, join_b, row_label = join_a[keep], join_b[keep], row_label[keep]
    if work is not None:  # naming, ranking and counting every label is Python work, located or not
        work.take(
            len(labels) * LABEL_UNITS + 8 * (len(join_a) + x.inverse.size + y.inverse.size),
            f"comparing it with {a.source} ({len(labels):,} distinct disagreements)",
        )
    label_list = list(labels)
    claims_of = _claims_of(label_list, ((0, x, join_a), (1, y, join_b)), row_label, judge)
    counts = np.bincount(row_label, weights=x.row_cells[join_a] * y.row_cells[join_b], minlength=len(labels))
    parts = {p.fact: p for p in a.grid.partitions}
    parts.update({p.fact: p for p in b.grid.partitions})
    findings = []
    chosen = sorted(labels.items())
    if limit is not None and len(chosen) > limit:
        # Each label's region costs passes over both grids: past the limit, only the first `limit`
        # by claims are located, and the rest counted (cut), so 90,000 labels never cost minutes.
        question = (
            a.grid.question
        )  # report order within one pair: kind, then id (between_sources' id, before kinds are known)
        ranked = sorted(chosen, key=lambda kv: (conflict_id(BETWEEN, question, sorted(claims_of[kv[1]])), kv[0]))
        chosen = sorted(ranked[:limit])
        if cut is not None:  # the claims of each label not located: their conflict ids stay known
            cut.extend(tuple(sorted(claims_of[index])) for _, index in ranked[limit:])
    if work is not None:  # each region located costs a pass over both grids and the joined rows
        size = x.inverse.size + y.inverse.size + len(join_a)  # the grids' cells
        work.take(
            size * len(chosen),
            f"locating {len(chosen):,} regions of its disagreements with {a.source} on {size:,} cells and rows",
        )
    for _label, index in chosen:
        rows = np.nonzero(row_label == index)[0]
        ra, rb = join_a[rows], join_b[rows]
        indices: dict[str, set[int]] = {}
        for side, members in ((x, ra), (y, rb)):
            for part, seen in zip(side.sc.grid.partitions, _projections(_row_mask(side, members))):
                indices.setdefault(part.fact, set()).update(np.nonzero(seen)[0].tolist())
        # Both rows of a pair hold the same shared cell, whose facts' cost each side counts: once is subtracted.
        pick = int(np.argmin(x.row_best[ra] + y.row_best[rb] - shared_cost[x.row_shared[ra]]))
        witness = a.grid.cell_facts(_witness_cell(x, int(ra[pick])))
        for name, value in b.grid.cell_facts(_witness_cell(y, int(rb[pick]))).items():
            witness.setdefault(name, value)
        sorted_indices = {name: sorted(idx) for name, idx in sorted(indices.items())}
        count = int(counts[index])
        region = RegionCells(parts, sorted_indices, count, is_box(parts, sorted_indices, count), witness)
        kind, fact, threshold = BETWEEN, None, None
        shared_point = shared_threshold(region, a, b)
        if shared_point is not None:
            kind, (fact, threshold) = BOUNDARY, shared_point
        findings.append(
            Finding(
                kind, a.grid.question, (a.source, b.source), tuple(sorted(claims_of[index])), region, fact, threshold
            )
        )
    return findings


def _claims_of(
    labels: list[tuple[tuple[str, ...], tuple[str, ...]]],
    sides: Iterable[tuple[int, _Side, np.ndarray]],
    row_label: np.ndarray,
    judge: Judge,
) -> list[set[str]]:
    """Per label, the claims `judge` names (between sources: those giving a value the other source does not
    give there, all its claims if none)."""
    width = max(1, len(labels))
    bits: list[list[int]] = [[0, 0] for _ in labels]  # per label and side: the claims named (bits)
    both = list(sides)
    for side_index, side, joined_rows in both:
        # (row, label) pairs, joined with the keys of each row; classes giving the same values
        # through the same claims name the same claims, so each distinct signature is visited once.
        row_labels = np.unique(joined_rows * width + row_label)
        distinct, _ = side.sc.signatures
        key_rows, key_signature = side.spoken_keys
        i, j = _equi_join(key_rows, row_labels // width)
        codes = np.unique(key_signature[i] * width + row_labels[j] % width)
        sets, masks = side.sets, side.sc.key_masks
        for code in codes.tolist():
            sig, index = divmod(code, width)
            theirs = set(labels[index][1 - side_index])
            set_id, giving = distinct[sig]
            for key in judge.named(side_index, list(sets[set_id]), theirs):
                bits[index][side_index] |= giving & masks.get(key, 0)
    named = {side_index: side.sc for side_index, side, _ in both}
    return [{c for i, sc in named.items() for c in sc.claim_ids(pair[i])} for pair in bits]


def _row_mask(side: _Side, rows: np.ndarray) -> np.ndarray:
    """The cells of `side`'s grid whose key belongs to one of `rows`."""
    member = np.zeros(len(side.row_shared) + 1, dtype=bool)  # the extra last slot answers key_row == -1
    member[rows] = True
    return member[side.key_row][side.inverse].reshape(side.sc.grid.shape)


def _witness_cell(side: _Side, row: int) -> int:
    """The first cell of least witness cost (nearest typical, then fewest threshold points) of the row's first key
    (in class order) having that cost."""
    key = int(np.nonzero((side.key_row == row) & (side.key_best == side.row_best[row]))[0][0])
    return int(np.nonzero((side.inverse == key) & (side.costs == side.key_best[key]))[0][0])


def _shared_costs(sc: SourceCells, shared: list[str]) -> np.ndarray:
    """Per shared cell (flat, in the strides' order: `shared` sorted, last fastest), the witness cost of its facts."""
    total = np.zeros(1, dtype=np.int64)
    for name in shared:
        part = sc.grid.partitions[sc.grid.facts.index(name)]
        total = np.add.outer(total, np.array(cell_costs(part), dtype=np.int64)).ravel()
    return total


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
