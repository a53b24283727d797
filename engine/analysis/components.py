"""Region analysis by independent components: engine.analysis.grid' findings without the full grid.

A source's grid on a question is the product of the cells of every fact its
claims read, so it doubles with every boolean fact: 25 facts are 33 million
cells, 40 are a trillion. But two facts never read by one claim cannot
interact: whether a claim applies depends only on its own facts. So the
facts are grouped into components (facts linked by a claim of a source being
compared), each component's small grid is evaluated as engine.analysis.grid does,
and its cells are summarised by *state*: per source, the values of the claims
that apply and of those left unknown. A source's answer depends on nothing
else (engine.evaluate.fold), and the state of a whole patient is the union of
its components' states. Components are combined state by state, so the work
grows with the number of distinct states, not with the product of cells.

Per state the combination carries what a finding needs: the number of cells,
the cell indices of every fact, the claims giving each value, and a witness.
The findings (kind, claims, cell count, indices, fact, threshold) are those
engine.analysis.grid reports on the full grid, which tests/engine/test_factored.py
checks on generated rulesets; witnesses may be other cells of the same region.
engine.analysis.driver uses this path when it pays off (pays_off:
the facts fall apart into small groups) or when a full grid is over budget.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.analysis.cells import (
    Grid,
    Judge,
    between_judge,
    claim_words,
    is_box,
    lex_rows,
    merged_thresholds,
    popcount,
    row_claims,
    row_classes,
    shared_threshold,
    source_cells,
    witness_cost,
)
from engine.analysis.feasible import Factor, coupled_facts, feasible_mask, touching
from engine.analysis.grid import gaps
from engine.analysis.model import (
    BETWEEN,
    BOUNDARY,
    FOLD_UNITS,
    MAX_BYTES,
    WITHIN,
    Cuts,
    Finding,
    RegionCells,
    Work,
    grid_bytes,
    grid_work,
    over_budget,
    word_count,
)
from engine.analysis.partition import Partition
from engine.analysis.witness import cell_costs
from engine.evaluate import ANSWERED, CONFLICTING, Answer, ClaimOutcome, fold
from engine.model import Claim, Ruleset

# Distinct states a combination may hold before the question is declared too wide to analyse.
MAX_STATES = 1 << 16
# Pairs of states one combining step may visit: checked before the step, since building them
# first is what took 2.2 GB (two sources x 1,000 independent bands: a million pairs); the bundled corpus needs 4,096 at most.
MAX_PAIRS = 1 << 16
# Bytes per cell index or claim id a combined state holds in its sets (CPython set slots and ints).
ITEM_BYTES = 64
# Full grids this small take milliseconds: components are not worth looking for.
SMALL_GRID = 1 << 16
# Keep each source's component evaluations across its pairs (Evaluations); False evaluates them per pair as
# before (benchmarks/walls.py (h3) times both; the findings are the same).
SHARE_EVALUATIONS = True

SideState = tuple[frozenset[str], frozenset[str]]  # value keys of the claims that apply, and of unknown ones
State = tuple[SideState, ...]  # one per source compared (one for within/gaps, two for a pair)


@dataclass
class Cells:
    """The cells sharing one state: how many, where, which claims give which value, one witness."""

    count: int
    indices: dict[str, set[int]]
    claims: tuple[dict[str, set[str]], ...]  # per side: value key -> ids of claims giving it
    witness: dict[str, int]  # fact -> cell index
    cost: int  # witness cost of the witness (engine.analysis.cells.witness_cost: nearest typical, then interiors)

    @classmethod
    def none(cls, sides: int) -> Cells:
        """No cells yet: what a label starts from before absorbing its states."""
        return cls(0, {}, tuple({} for _ in range(sides)), {}, math.inf)  # type: ignore[arg-type]

    def absorb(self, other: Cells) -> None:
        """Add another group of cells with the same state."""
        self.count += other.count
        for name, idx in other.indices.items():
            self.indices.setdefault(name, set()).update(idx)
        for mine, theirs in zip(self.claims, other.claims):
            for key, ids in theirs.items():
                mine.setdefault(key, set()).update(ids)
        if other.cost < self.cost:
            self.witness, self.cost = other.witness, other.cost


class TooWide(Exception):
    """A component grid or a combination exceeds the budget."""


@dataclass
class _SourceInfo:
    """What boundary detection needs of a source (engine.analysis.grid.shared_threshold)."""

    facts: set[str]
    thresholds: Cuts


# ---------------------------------------------------------------- components


def components(
    claim_groups: Iterable[list[Claim]], facts: Iterable[str] = (), factors: tuple[Factor, ...] = ()
) -> list[tuple[list[str], list[list[Claim]]]]:
    """Facts linked by any claim or constraint, with each side's claims per component; claims reading no fact form
    a last one. `facts`: more facts of the grids (coupled by constraints), `factors`: the constraints (engine.analysis.feasible) that link them."""
    groups = [list(g) for g in claim_groups]
    extra = sorted(facts)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for group in groups:
        for claim in group:
            read = claim.facts
            for name in read:
                find(name)
            for other in read[1:]:
                parent[find(other)] = find(read[0])
    for name in extra:
        find(name)
    for a in touching(factors, parent):  # coupled facts are one component: a constraint is judged on one grid
        if not a.facts:
            continue
        first, *rest = a.facts
        for other in rest:
            parent[find(other)] = find(first)
    roots: dict[str, list[str]] = {}
    for name in sorted(parent):
        roots.setdefault(find(name), []).append(name)
    out = []
    for root, names in sorted(roots.items(), key=lambda kv: kv[1]):
        out.append((names, [[c for c in g if c.facts and find(c.facts[0]) == root] for g in groups]))
    constant = [[c for c in g if not c.facts] for g in groups]
    if any(constant):
        out.append(([], constant))
    return out


@dataclass
class _Evaluated:
    """One side's claims of a component evaluated on the component's grid: a class per cell, and per class
    what a table needs of it (its state, the claims giving each value, its words as one int)."""

    inverse: np.ndarray  # per cell (flat): class
    states: list[SideState]
    by_value: list[dict[str, frozenset[str]]]  # per class: value key -> ids of the claims giving it
    bits: list[int]  # per class: bit 2i: claim i applies, 2i+1: it is unknown (engine.analysis.cells.claim_words)
    popcount: list[int]  # per class: its set bits (the claims a fold visits)

    @property
    def nbytes(self) -> int:
        return int(self.inverse.nbytes) + 64 * len(self.states)


def _evaluate(grid: Grid, claims: list[Claim]) -> _Evaluated:
    words, _ = claim_words(grid, claims)
    inverse, reps = row_classes(words)
    states, by_value, bits, counts = [], [], [], []
    for row in reps:
        applies_at, unknown_at = row_claims(row)
        found: dict[str, set[str]] = {}
        for i in applies_at:
            found.setdefault(claims[i].value_key, set()).add(claims[i].id)
        states.append((frozenset(found), frozenset(claims[i].value_key for i in unknown_at)))
        by_value.append({k: frozenset(v) for k, v in found.items()})
        bits.append(sum(int(w) << (64 * k) for k, w in enumerate(row.tolist())))
        counts.append(popcount(row))
    return _Evaluated(inverse.ravel(), states, by_value, bits, counts)


class Evaluations:
    """Each source's claims evaluated once per component grid, kept across its pairs (issue 19 item 6).

    A pair's table (component_table) joins its sides' states cell by cell, and a side's states depend
    only on its own claims and the component's facts: the same for every pair of a source whose
    components are those of its pairs (sources reading the same groups of facts). One instance serves
    one question (analyse_factored); it also keeps each component's grid (its witness costs) and
    feasible cells. Sides are kept while their bytes fit `budget` (past it, evaluated per pair), and
    `drop` releases a source's once its pairs are done. Tables are the same with or without it."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.held = 0
        self._grids: dict[tuple[str, ...], tuple[Grid, np.ndarray, np.ndarray | None]] = {}
        self._sides: dict[tuple[str, tuple[str, ...], tuple[str, ...]], _Evaluated] = {}

    def grid(
        self, question: str, parts: dict[str, Partition], facts: list[str], constrained: tuple[Factor, ...]
    ) -> tuple[Grid, np.ndarray, np.ndarray | None]:
        """The component's grid, its witness costs and feasible cells (flat; None: all feasible)."""
        key = tuple(facts)
        found = self._grids.get(key)
        if found is None:
            grid = Grid(question, [parts[n] for n in facts])
            ok = feasible_mask(facts, grid.shape, constrained)
            found = (grid, witness_cost(grid).ravel(), None if ok is None else ok.ravel())
            size = found[1].nbytes + (0 if ok is None else ok.nbytes)
            if self.held + size <= self.budget:
                self._grids[key] = found
                self.held += size
        return found

    def side(self, owner: str, grid: Grid, claims: list[Claim]) -> _Evaluated:
        # a side without claims of the component is the same for every owner: kept once (never dropped)
        key = (owner if claims else "", tuple(grid.facts), tuple(c.id for c in claims))
        found = self._sides.get(key)
        if found is None:
            found = _evaluate(grid, claims)
            if self.held + found.nbytes <= self.budget:
                self._sides[key] = found
                self.held += found.nbytes
        return found

    def drop(self, owner: str) -> None:
        """Release `owner`'s sides: its pairs are done."""
        for key in [k for k in self._sides if k[0] == owner]:
            self.held -= self._sides.pop(key).nbytes


def _joint_order(evaluated: list[_Evaluated], classes: list[list[int]], sides: list[list[Claim]]) -> list[int]:
    """The joint classes (one class per side) in the order of their rows over all sides' claims together
    (claim_words of the sides' claims in turn, rows compared word by word): the order a table's states are
    met in, which decides a witness between equally cheap cells of one state."""
    offsets, shift = [], 0
    for side in sides:
        offsets.append(shift)
        shift += 2 * len(side)
    words = word_count(sum(len(side) for side in sides))
    mask = (1 << 64) - 1

    def key(j: int) -> tuple[int, ...]:
        bits = 0
        for ev, cls, offset in zip(evaluated, classes, offsets):
            bits |= ev.bits[cls[j]] << offset
        return tuple((bits >> (64 * w)) & mask for w in range(words))

    return sorted(range(len(classes[0]) if classes else 0), key=key)


def component_table(
    question: str,
    parts: dict[str, Partition],
    facts: list[str],
    sides: list[list[Claim]],
    max_cells: int,
    max_bytes: int = MAX_BYTES,
    work: Work | None = None,
    factors: tuple[Factor, ...] = (),
    evaluations: Evaluations | None = None,
    owners: tuple[str, ...] = (),
) -> dict[State, Cells]:
    """Evaluate one component's claims on its own grid and summarise its feasible cells by state.

    The constraints reading its facts are judged here (a constraint's facts are one component), so
    a cell no patient occupies joins no state: the combined states hold only feasible patients.
    Each side is evaluated alone and the sides joined cell by cell; `evaluations` keeps a side's
    evaluation for the other pairs of its owner (`owners`: each side's source)."""
    claims = [c for side in sides for c in side]
    constrained = tuple(touching(factors, facts))
    cells = math.prod(len(parts[n].cells) for n in facts)
    if over_budget(cells, len(claims), max_cells) or grid_bytes(cells, len(claims)) > max_bytes:
        raise TooWide(f"a component of {len(facts)} linked facts and {len(claims)} claims has {cells:,} cells")
    if work is not None:
        work.take(
            grid_work(cells, len(claims) + len(constrained), len(facts)),
            f"a group of {len(facts)} linked facts ({cells:,} cells) for {len(claims):,} claims",
        )
    kept = evaluations if evaluations is not None else Evaluations(0)
    grid, costs, ok = kept.grid(question, parts, facts, constrained)
    names = owners if len(owners) == len(sides) else tuple(f"side {s}" for s in range(len(sides)))
    evaluated = [kept.side(owner, grid, side) for owner, side in zip(names, sides)]
    # The joint class of each cell: one class per side (lexicographic), then in the order of the joint rows.
    first, joint = lex_rows([ev.inverse for ev in evaluated], [len(ev.states) for ev in evaluated])
    classes = [ev.inverse[first].tolist() for ev in evaluated]
    order_of = _joint_order(evaluated, classes, sides)
    n = len(order_of)
    if work is not None:
        folded = sum(ev.popcount[cls[j]] for ev, cls in zip(evaluated, classes) for j in range(n))
        work.take(folded * FOLD_UNITS, f"folding {n:,} distinct combinations of {len(claims):,} claims")
    rank = np.empty(n, dtype=np.int64)
    rank[np.array(order_of, dtype=np.int64)] = np.arange(n, dtype=np.int64)
    flat = rank[joint]
    if ok is not None:  # infeasible cells get a class past the last: outside every class's bounds
        flat = np.where(ok, flat, n)
    order = np.argsort(flat, kind="stable")
    bounds = np.searchsorted(flat[order], np.arange(n + 1))
    table: dict[State, Cells] = {}
    for k, j in enumerate(order_of):
        state = tuple(ev.states[cls[j]] for ev, cls in zip(evaluated, classes))
        by_value = tuple(
            {key: set(ids) for key, ids in ev.by_value[cls[j]].items()} for ev, cls in zip(evaluated, classes)
        )
        cells = order[bounds[k] : bounds[k + 1]]
        if not len(cells):  # every cell of the class is infeasible
            continue
        index = np.unravel_index(cells, grid.shape) if facts else ()
        best = int(cells[int(np.argmin(costs[cells]))]) if facts else 0
        group = Cells(
            count=int(len(cells)),
            indices={name: set(np.unique(index[axis]).tolist()) for axis, name in enumerate(facts)},
            claims=by_value,
            witness=dict(zip(facts, grid.cell_index(best))),
            cost=int(costs[best]) if facts else 0,
        )
        if state in table:
            table[state].absorb(group)
        else:
            table[state] = group
    return table


def _items(table: dict[State, Cells]) -> int:
    """Set entries (cell indices and claim ids) the table's states hold."""
    return sum(
        sum(map(len, c.indices.values())) + sum(len(ids) for side in c.claims for ids in side.values())
        for c in table.values()
    )


def combine(
    tables: list[dict[State, Cells]], sides: int, max_bytes: int = MAX_BYTES, work: Work | None = None
) -> dict[State, Cells]:
    """The states of whole patients: every combination of component states, unioned; cells multiply.

    Each step's cost is known before it runs: len(acc) x len(table) pairs, each
    copying the index and claim sets of both. Over MAX_PAIRS or `max_bytes`, the
    question is refused (TooWide) before any pair is built.
    """
    empty: SideState = (frozenset(), frozenset())
    acc: dict[State, Cells] = {tuple(empty for _ in range(sides)): Cells(1, {}, tuple({} for _ in range(sides)), {}, 0)}
    acc_items = 0
    for table in tables:
        pairs = len(acc) * len(table)
        table_items = _items(table)
        items = len(table) * acc_items + len(acc) * table_items  # an upper bound: merged states share their sets
        if pairs > MAX_PAIRS or items * ITEM_BYTES > max_bytes:
            raise TooWide(f"{len(acc):,} x {len(table):,} combinations of claim values ({items:,} set entries)")
        if work is not None:  # each pair unions its states and copies its sets in Python
            work.take(
                (pairs * sides + items) * FOLD_UNITS,
                f"combining {len(acc):,} x {len(table):,} states of independent facts",
            )
        nxt: dict[State, Cells] = {}
        for s1, c1 in acc.items():
            for s2, c2 in table.items():
                state = tuple((a1 | a2, u1 | u2) for (a1, u1), (a2, u2) in zip(s1, s2))
                group = Cells(
                    count=c1.count * c2.count,
                    indices={
                        **{n: set(i) for n, i in c1.indices.items()},
                        **{n: set(i) for n, i in c2.indices.items()},
                    },
                    claims=tuple(_merged(x, y) for x, y in zip(c1.claims, c2.claims)),
                    witness={**c1.witness, **c2.witness},
                    cost=c1.cost + c2.cost,  # the components' facts are disjoint: costs add
                )
                if state in nxt:
                    nxt[state].absorb(group)
                else:
                    nxt[state] = group
        if len(nxt) > MAX_STATES:
            raise TooWide(f"{len(nxt):,} distinct combinations of claim values")
        acc = nxt
        acc_items = _items(acc)
    return acc


def _merged(x: dict[str, set[str]], y: dict[str, set[str]]) -> dict[str, set[str]]:
    out = {k: set(v) for k, v in x.items()}
    for k, v in y.items():
        out.setdefault(k, set()).update(v)
    return out


# ---------------------------------------------------------------- answers and regions


def _answer(source: str, question: str, claims: list[Claim], state: SideState) -> Answer:
    """The source's answer in a state: engine.evaluate.fold on one claim per value (only values matter)."""
    first: dict[str, Claim] = {}
    for claim in claims:
        first.setdefault(claim.value_key, claim)
    applied, unknown = state
    return fold(
        source,
        question,
        {k: [first[k]] for k in sorted(applied)},
        [ClaimOutcome(first[k], None, ()) for k in sorted(unknown)],
    )


def _region(parts: dict[str, Partition], facts: list[str], cells: Cells) -> RegionCells:
    used = {n: parts[n] for n in facts}
    indices = {n: sorted(cells.indices.get(n, ())) for n in sorted(facts)}
    witness = {n: parts[n].cells[cells.witness[n]].value for n in sorted(facts)}
    return RegionCells(used, indices, cells.count, is_box(used, indices, cells.count), witness)


def _source_facts(claims: list[Claim], factors: tuple[Factor, ...] = ()) -> list[str]:
    """The facts of a source's grid: those its claims read and those constraints couple to them."""
    return coupled_facts({n for c in claims for n in c.facts}, factors)


# ---------------------------------------------------------------- findings


def within_source(
    question: str,
    parts: dict[str, Partition],
    source: str,
    claims: list[Claim],
    max_cells: int,
    max_bytes: int = MAX_BYTES,
    work: Work | None = None,
    factors: tuple[Factor, ...] = (),
    evaluations: Evaluations | None = None,
) -> list[Finding]:
    tables = [
        component_table(question, parts, facts, sides, max_cells, max_bytes, work, factors, evaluations, (source,))
        for facts, sides in components([claims], _source_facts(claims, factors), factors)
    ]
    labelled: dict[tuple[str, ...], Cells] = {}
    for state, cells in combine(tables, 1, max_bytes, work).items():
        answer = _answer(source, question, claims, state[0])
        if answer.status != CONFLICTING:
            continue
        label = tuple(sorted(v.key for v in answer.values))
        named = ({k: cells.claims[0].get(k, set()) for k in label},)
        labelled.setdefault(label, Cells.none(1)).absorb(
            Cells(cells.count, cells.indices, named, cells.witness, cells.cost)
        )
    facts = _source_facts(claims, factors)
    return [
        Finding(
            WITHIN,
            question,
            (source,),
            tuple(sorted(c for ids in cells.claims[0].values() for c in ids)),
            _region(parts, facts, cells),
        )
        for label, cells in sorted(labelled.items())
    ]


def source_gaps(
    question: str,
    parts: dict[str, Partition],
    ruleset: Ruleset,
    claims: list[Claim],
    vocab: Any,
    max_cells: int,
    max_bytes: int = MAX_BYTES,
    work: Work | None = None,
    factors: tuple[Factor, ...] = (),
) -> list[Finding]:
    """engine.analysis.grid.gaps on each component alone: the other components are constant along any line
    (and a line through an infeasible cell of another component is infeasible all along, so holds no gap)."""
    facts = _source_facts(claims, factors)
    comps = components([claims], facts, factors)
    out: list[Finding] = []
    rest: dict[tuple[str, ...], _Feasible] = {}
    for names, (comp_claims,) in comps:
        if not any(parts[n].type == "number" and len(parts[n].cells) >= 3 for n in names):
            continue
        size = math.prod(len(parts[n].cells) for n in names)
        if size > max_cells or grid_bytes(size, len(comp_claims)) > max_bytes:
            raise TooWide(f"a component of {len(names)} linked facts is over the budget")
        sc, _ = source_cells(question, parts, ruleset, comp_claims, vocab, work=work, facts=names, factors=factors)
        others = [n for n in facts if n not in names]
        found = gaps(sc)
        if not found:
            continue
        for o, _ in comps:
            if o and o != names and tuple(o) not in rest:
                rest[tuple(o)] = _feasible(question, parts, o, factors, max_cells, max_bytes, work)
        feasible = [rest[tuple(o)] for o, _ in comps if o and o != names]
        scale = math.prod(f.count for f in feasible)
        if not scale:  # another group of facts holds no patient: nor does any line
            continue
        extra_indices = {n: idx for f in feasible for n, idx in f.indices.items()}
        extra_witness = {n: i for f in feasible for n, i in f.witness.items()}
        for finding in found:
            region = finding.region
            indices = {**region.indices, **{n: extra_indices[n] for n in others}}
            indices = {n: indices[n] for n in sorted(indices)}
            used = {n: parts[n] for n in facts}
            witness = {**region.witness, **{n: parts[n].cells[i].value for n, i in extra_witness.items()}}
            count = region.count * scale
            out.append(
                Finding(
                    finding.kind,
                    question,
                    finding.sources,
                    finding.claims,
                    RegionCells(
                        used, indices, count, is_box(used, indices, count), {n: witness[n] for n in sorted(witness)}
                    ),
                    finding.fact,
                    finding.threshold,
                    finding.ending,
                    finding.beginning,
                )
            )
    return out


def _cheapest(part: Partition) -> int:
    """The cell of least witness cost (nearest typical, then off every threshold point; first on ties)."""
    costs = cell_costs(part)
    return costs.index(min(costs)) if costs else 0


@dataclass
class _Feasible:
    """A group of facts' feasible cells: how many, each fact's indices among them, a witness cell."""

    count: int
    indices: dict[str, list[int]]
    witness: dict[str, int]


def _feasible(
    question: str,
    parts: dict[str, Partition],
    names: list[str],
    factors: tuple[Factor, ...],
    max_cells: int,
    max_bytes: int,
    work: Work | None,
) -> _Feasible:
    """The feasible cells of one component's grid (all of them when no constraint reads its facts)."""
    constrained = tuple(touching(factors, names))
    if not constrained:
        return _Feasible(
            math.prod(len(parts[n].cells) for n in names),
            {n: list(range(len(parts[n].cells))) for n in names},
            {n: _cheapest(parts[n]) for n in names},
        )
    grid = Grid(question, [parts[n] for n in names])
    if over_budget(grid.size, len(constrained), max_cells) or grid_bytes(grid.size, len(constrained)) > max_bytes:
        raise TooWide(f"a component of {len(names)} linked facts is over the budget")
    if work is not None:
        work.take(grid_work(grid.size, len(constrained), len(names)), f"the feasible cells of {grid.size:,}")
    ok = feasible_mask(names, grid.shape, constrained)
    assert ok is not None
    cells = np.flatnonzero(ok)
    if not len(cells):
        return _Feasible(0, {n: [] for n in names}, {})
    index = np.unravel_index(cells, grid.shape)
    best = int(cells[int(np.argmin(witness_cost(grid).ravel()[cells]))])
    return _Feasible(
        int(len(cells)),
        {n: np.unique(index[axis]).tolist() for axis, n in enumerate(names)},
        dict(zip(names, grid.cell_index(best))),
    )


def between_sources(
    question: str,
    parts: dict[str, Partition],
    a: tuple[str, list[Claim], Cuts],
    b: tuple[str, list[Claim], Cuts],
    max_cells: int,
    max_bytes: int = MAX_BYTES,
    work: Work | None = None,
    factors: tuple[Factor, ...] = (),
    judge: Judge | None = None,
    questions: tuple[str, str] | None = None,
    evaluations: Evaluations | None = None,
) -> list[Finding]:
    """Both sides' answers on the combined states of their components, judged by `judge` (default
    between_judge). `questions`: each side's question when they differ (a cross-question link).
    `evaluations`: each source's component evaluations kept across its pairs (one question's)."""
    (sa, ca, ta), (sb, cb, tb) = a, b
    qa, qb = questions or (question, question)
    judge = judge or between_judge(question)
    fa, fb = _source_facts(ca, factors), _source_facts(cb, factors)
    tables = [
        component_table(question, parts, facts, sides, max_cells, max_bytes, work, factors, evaluations, (sa, sb))
        for facts, sides in components([ca, cb], sorted(set(fa) | set(fb)), factors)
    ]
    labelled: dict[tuple[tuple[str, ...], tuple[str, ...]], Cells] = {}
    for state, cells in combine(tables, 2, max_bytes, work).items():
        x, y = _answer(sa, qa, ca, state[0]), _answer(sb, qb, cb, state[1])
        if x.status not in (ANSWERED, CONFLICTING) or y.status not in (ANSWERED, CONFLICTING):
            continue
        kx, ky = tuple(sorted(v.key for v in x.values)), tuple(sorted(v.key for v in y.values))
        if not judge.disagree(kx, ky):
            continue
        named = []
        for side, (mine, theirs, by_value) in enumerate(((kx, ky, cells.claims[0]), (ky, kx, cells.claims[1]))):
            named.append({k: set(by_value.get(k, set())) for k in judge.named(side, mine, theirs)})
        labelled.setdefault((kx, ky), Cells.none(2)).absorb(
            Cells(cells.count, cells.indices, tuple(named), cells.witness, cells.cost)
        )
    facts = sorted(set(fa) | set(fb))
    info_a, info_b = _SourceInfo(set(fa), ta), _SourceInfo(set(fb), tb)
    findings = []
    for _label, cells in sorted(labelled.items()):
        region = _region(parts, facts, cells)
        claims = tuple(sorted({c for side in cells.claims for ids in side.values() for c in ids}))
        kind, fact, threshold = BETWEEN, None, None
        shared_point = shared_threshold(region, info_a, info_b)  # type: ignore[arg-type]
        if shared_point is not None:
            kind, (fact, threshold) = BOUNDARY, shared_point
        findings.append(Finding(kind, question, (sa, sb), claims, region, fact, threshold))
    return findings


def pays_off(
    parts: dict[str, Partition],
    per_source: list[tuple[Ruleset, list[Claim]]],
    max_cells: int,
    max_bytes: int = MAX_BYTES,
    factors: tuple[Factor, ...] = (),
) -> bool:
    """Whether to analyse a question by components rather than on full grids (`factors`: its constraints).

    It must when a source's grid is over the budget. It pays when the facts
    fall apart into independent groups, so that the largest grid it builds
    (a component of one source or of a pair) is at most 1/16 of the largest
    full grid: 0.11 s instead of 0.58 s on the bundled corpus, whose
    initiation question reads 18 mostly independent facts. When every claim
    links the same facts (the synthetic corpus), each pair would re-evaluate
    both sources' claims on the same grid: there the full grids win (3 s
    against 36 s), since engine.analysis.grid evaluates each source once.
    """

    def size(names: Iterable[str]) -> int:
        return math.prod(len(parts[n].cells) for n in names)

    full = max((size(_source_facts(claims, factors)) for _, claims in per_source), default=1)
    if any(over_budget(size(_source_facts(claims, factors)), len(claims), max_cells) for _, claims in per_source):
        return True
    if sum(grid_bytes(size(_source_facts(claims, factors)), len(claims)) for _, claims in per_source) > max_bytes:
        return True
    if full <= SMALL_GRID:
        return False
    linked = [
        [names for names, _ in components([claims], _source_facts(claims, factors), factors)]
        for _, claims in per_source
    ]
    largest = max((size(names) for groups in linked for names in groups), default=1)
    for i, a in enumerate(linked):  # a pair's components join the two sources' own components
        for b in linked[i + 1 :]:
            largest = max(largest, max((size(names) for names in _joined(a + b)), default=1))
    return largest * 16 <= full


def _joined(groups: list[list[str]]) -> list[list[str]]:
    """Merge fact groups that share a fact (union-find over groups, not claims)."""
    merged: list[set[str]] = []
    for group in groups:
        current = set(group)
        keep = []
        for other in merged:
            if other & current:
                current |= other
            else:
                keep.append(other)
        merged = keep + [current]
    return [sorted(m) for m in merged]


@dataclass
class FactoredQuestion:
    """Findings of one question by components, and the cells each source's grid would have had."""

    findings: list[Finding] = field(default_factory=list)
    cells: dict[str, int] = field(default_factory=dict)


def analyse_factored(
    question: str,
    parts: dict[str, Partition],
    per_source: list[tuple[Ruleset, list[Claim]]],
    per_claim: dict[str, tuple[Cuts, list[str]]],
    vocab: Any,
    max_cells: int,
    max_bytes: int = MAX_BYTES,
    work: Work | None = None,
    factors: tuple[Factor, ...] = (),
) -> FactoredQuestion:
    """All findings of one question, source by source and pair by pair, in engine.analysis.grid' order.
    `factors`: the question's constraints (engine.analysis.feasible). Raises TooWide, or
    engine.analysis.model.OverWork when a step does not fit the work budget."""
    out = FactoredQuestion()
    info = {r.source_id: (r.source_id, claims, merged_thresholds(claims, per_claim)[0]) for r, claims in per_source}
    ids = sorted(info)
    by_id = {r.source_id: (r, claims) for r, claims in per_source}
    for source in ids:
        ruleset, claims = by_id[source]
        out.cells[source] = math.prod(len(parts[n].cells) for n in _source_facts(claims, factors))
    # Half the memory budget for evaluations kept across pairs: a pair's own tables still fit beside them.
    kept = Evaluations(max_bytes // 2) if SHARE_EVALUATIONS else None
    for i, source in enumerate(ids):
        ruleset, claims = by_id[source]
        out.findings.extend(within_source(question, parts, source, claims, max_cells, max_bytes, work, factors, kept))
        out.findings.extend(source_gaps(question, parts, ruleset, claims, vocab, max_cells, max_bytes, work, factors))
        for other in ids[i + 1 :]:
            out.findings.extend(
                between_sources(
                    question, parts, info[source], info[other], max_cells, max_bytes, work, factors, evaluations=kept
                )
            )
        if kept is not None:  # `source` meets no later source
            kept.drop(source)
    return out
