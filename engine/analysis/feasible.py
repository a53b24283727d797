"""Feasibility: which cells of a grid can hold a patient, by the vocabulary's constraints.

engine.meaning.facts.constraints gives rules every patient that can exist satisfies once all
its facts are known (derivations and implications read as constraints too). Region analysis
must never report a conflict, gap or witness in a cell no patient can occupy (eGFR 130 with
CrCl 15; CrCl 15 with renal_impairment false), so for one question, whose claims read the
facts of its *universe*:

* plan: the constraints connected to the universe (directly, or through facts no claim reads,
  such as renal_function_category between crcl and renal_impairment) and the thresholds they
  compare facts with, which cut the partitions as the claims' thresholds do;
* Plan.factors: each constraint evaluated on the cells of its own facts (a small array), then
  every fact outside the universe eliminated (a cell is feasible when *some* value of the hidden
  fact satisfies every constraint on it): factors over universe facts only, exact at the cells'
  representative points, the grids never growing by a fact no claim reads;
* coupled_facts: a source's grid takes every universe fact a factor couples to its own facts, so a
  join of two sources' grids never pairs cells that cannot coexist;
* feasible_mask: a cell is infeasible when a factor is false at it.

A constraint comparing several numeric facts through arithmetic is exact only where the cuts
separate it (the analysis notes say so, engine.analysis.partition.thresholds); an elimination
whose joint array would exceed MAX_FACTOR cells drops the constraints involved (sound: a cell is
never dropped for them, the notes name them).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.analysis.model import Cuts
from engine.analysis.partition import Partition, partition, thresholds
from engine.contract import Vocabulary
from engine.jsonlogic import CompileError
from engine.jsonlogic.vectorised import compile_mask
from engine.meaning.facts import Constraint

# Cells of the joint array of one elimination step (or of one constraint's own facts): past it the
# constraints involved are not applied, and the notes say so. The bundled vocabulary needs 810.
MAX_FACTOR = 1 << 20


@dataclass(frozen=True)
class Factor:
    """Which combinations of the cells of some universe facts a patient can take (the constraints on them).

    `ok` has one axis per fact of `facts` (sorted), indexed like the question's partitions."""

    facts: tuple[str, ...]
    ok: np.ndarray
    constraints: tuple[str, ...]  # ids of the constraints it was computed from


@dataclass
class Plan:
    """The constraints one question's analysis applies, before its partitions exist."""

    universe: frozenset[str]
    constraints: tuple[Constraint, ...]
    cuts: Cuts  # thresholds the constraints compare facts with (universe and hidden facts)
    notes: list[str] = field(default_factory=list)

    @property
    def universe_cuts(self) -> Cuts:
        return {n: v for n, v in self.cuts.items() if n in self.universe}

    def factors(self, parts: dict[str, Partition], vocab: Vocabulary) -> tuple[Factor, ...]:
        """The constraints as factors over universe facts (`parts`: their partitions), hidden facts eliminated."""
        hidden_parts = {
            n: partition(vocab.facts[n], self.cuts.get(n, ()))
            for c in self.constraints
            for n in sorted(c.reads)
            if n not in self.universe
        }
        every = {**hidden_parts, **{n: p for n, p in parts.items() if n in self.universe}}
        pool: list[Factor] = []
        for c in self.constraints:
            names = tuple(sorted(c.reads))
            size = math.prod(len(every[n].cells) for n in names)
            if size > MAX_FACTOR:
                self.notes.append(f"constraint {c.id} reads facts of {size:,} cells in all; not applied")
                continue
            columns, present = _mesh([every[n] for n in names])
            true_mask, unknown_mask = compile_mask(c.rule)(columns, present)
            ok = np.broadcast_to(true_mask | unknown_mask, tuple(len(every[n].cells) for n in names))
            pool.append(Factor(names, np.ascontiguousarray(ok), (c.id,)))
        pool = _eliminate(pool, sorted(hidden_parts), self.notes)
        return tuple(f for f in pool if not f.ok.all())


def prepare(
    constraints: Iterable[Constraint],
    universe: Iterable[str],
    vocab: Vocabulary,
    partitions: Callable[[Cuts], dict[str, Partition]],
) -> tuple[dict[str, Partition], tuple[Factor, ...], Plan]:
    """A question's partitions (`partitions(cuts)` cuts them), its factors and the plan they come from.

    The constraints that restrict nothing on the question's facts (their factors allow every cell,
    e.g. an implication into a fact no claim reads) are dropped, and the partitions cut again
    without their thresholds: a constraint never adds cells where it decides nothing."""
    first = plan(constraints, universe, vocab)
    parts = partitions(first.universe_cuts)
    factors = first.factors(parts, vocab)
    kept = set(constraint_ids(factors))
    if kept == {c.id for c in first.constraints}:
        return parts, factors, first
    narrow = plan([c for c in first.constraints if c.id in kept], universe, vocab)
    narrow.notes = sorted(set(first.notes) | set(narrow.notes))
    parts = partitions(narrow.universe_cuts)
    return parts, narrow.factors(parts, vocab), narrow


def plan(constraints: Iterable[Constraint], universe: Iterable[str], vocab: Vocabulary) -> Plan:
    """The constraints connected to `universe` through the facts they read, their cuts, and notes on the others."""
    names = frozenset(universe)
    usable: list[tuple[Constraint, frozenset[str]]] = []
    notes: list[str] = []
    for c in constraints:
        read = c.reads
        unknown = sorted(n for n in read if n not in vocab.facts)
        try:
            compile_mask(c.rule)
        except (CompileError, RecursionError) as exc:
            notes.append(f"constraint {c.id} could not be evaluated on cells and is not applied: {str(exc)[:120]}")
            continue
        if unknown:
            notes.append(f"constraint {c.id} reads facts the vocabulary lacks ({', '.join(unknown)}); not applied")
            continue
        usable.append((c, read))
    reached = set(names)
    chosen: dict[str, Constraint] = {}
    changed = True
    while changed:  # constraints reach other constraints through the hidden facts they share
        changed = False
        for c, read in usable:
            if c.id not in chosen and read & reached:
                chosen[c.id] = c
                reached |= read
                changed = True
    picked = tuple(c for c, _ in usable if c.id in chosen)
    cuts: Cuts = {}
    for c in picked:
        found, found_notes = thresholds((c.rule,), vocab)
        for name, values in found.items():
            cuts.setdefault(name, set()).update(values)
        notes.extend(f"constraint {c.id}: {n}" for n in found_notes)
    return Plan(names, picked, cuts, sorted(set(notes)))


def axis_column(part: Partition, axis: int, axes: int) -> tuple[np.ndarray, np.ndarray]:
    """One axis of an open mesh of `axes` axes: `part`'s representative values, typed for the batch
    evaluator, and their presence (every cell value is known). Grids and constraint factors share it."""
    shape = [1] * axes
    shape[axis] = len(part.cells)
    if part.type == "number":
        column = np.array([float(v) for v in part.values], dtype=float)
    elif part.type == "boolean":
        column = np.array(part.values, dtype=bool)
    else:
        column = np.array(part.values, dtype=object)
    return column.reshape(shape), np.ones(shape, dtype=bool)


def _mesh(parts: Sequence[Partition]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Open-mesh columns (representative values) and presence of `parts`, one axis each."""
    columns: dict[str, np.ndarray] = {}
    present: dict[str, np.ndarray] = {}
    for axis, part in enumerate(parts):
        columns[part.fact], present[part.fact] = axis_column(part, axis, len(parts))
    return columns, present


def _expand(factor: Factor, names: tuple[str, ...], sizes: dict[str, int]) -> np.ndarray:
    """`factor.ok` broadcast onto the axes `names` (a sorted superset of its facts)."""
    shape = [sizes[n] if n in factor.facts else 1 for n in names]
    return factor.ok.reshape(shape)


def _eliminate(pool: list[Factor], hidden: list[str], notes: list[str]) -> list[Factor]:
    """Remove each hidden fact: AND the factors reading it, then keep the cells some value of it allows."""
    sizes = {n: s for f in pool for n, s in zip(f.facts, f.ok.shape)}
    left = list(hidden)
    while left:
        name = min(left, key=lambda n: (_joint_size(pool, n, sizes), n))
        left.remove(name)
        touching = [f for f in pool if name in f.facts]
        if not touching:
            continue
        pool = [f for f in pool if name not in f.facts]
        names = tuple(sorted({n for f in touching for n in f.facts}))
        ids = tuple(sorted({i for f in touching for i in f.constraints}))
        if math.prod(sizes[n] for n in names) > MAX_FACTOR:
            notes.append(f"constraints {', '.join(ids)} meet on facts of too many cells to combine; not applied")
            continue
        joint = np.ones([sizes[n] for n in names], dtype=bool)
        for f in touching:
            joint &= _expand(f, names, sizes)
        reduced = np.asarray(joint.any(axis=names.index(name)))
        kept = tuple(n for n in names if n != name)
        pool.append(Factor(kept, reduced, ids))
    return pool


def _joint_size(pool: list[Factor], name: str, sizes: dict[str, int]) -> int:
    """Cells of the joint array of the factors reading `name` (the cost of eliminating it next)."""
    return math.prod(sizes[n] for n in sorted({n for f in pool if name in f.facts for n in f.facts}))


def coupled_facts(own: Iterable[str], factors: Sequence[Factor]) -> list[str]:
    """`own` with every fact a factor reads together with one of them, transitively."""
    closure = set(own)
    changed = True
    while changed:
        changed = False
        for f in factors:
            if closure.intersection(f.facts) and not closure.issuperset(f.facts):
                closure.update(f.facts)
                changed = True
    return sorted(closure)


def touching(factors: Sequence[Factor], facts: Iterable[str]) -> list[Factor]:
    """The factors reading a fact of `facts`, and those reading none at all (a contradiction holds everywhere)."""
    names = set(facts)
    return [f for f in factors if not f.facts or names.intersection(f.facts)]


def feasible_mask(facts: Sequence[str], shape: tuple[int, ...], factors: Sequence[Factor]) -> np.ndarray | None:
    """Per cell of a grid over `facts` (sorted, each axis a question partition), whether every factor allows it.

    A factor reading a fact the grid lacks allows a cell when some value of that fact does
    (callers give whole factors: coupled_facts). None when no factor touches the grid."""
    applied = touching(factors, facts)
    if not applied:
        return None
    ok = np.ones(shape, dtype=bool)
    names = list(facts)
    for f in applied:
        arr = f.ok
        outside = tuple(i for i, n in enumerate(f.facts) if n not in names)
        if outside:
            arr = np.asarray(arr.any(axis=outside))
        inside = [n for n in f.facts if n in names]
        order = sorted(range(len(inside)), key=lambda i: names.index(inside[i]))
        arr = arr.transpose(order)
        ok &= arr.reshape([shape[i] if n in inside else 1 for i, n in enumerate(names)]) if names else arr
    return ok


def constraint_ids(factors: Sequence[Factor]) -> list[str]:
    """The constraints with a share in some factor, sorted."""
    return sorted({i for f in factors for i in f.constraints})
