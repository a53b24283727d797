"""Can a condition hold, and does it always hold, for the patients the vocabulary allows?

`decide(rule, vocab)` answers for one rule (a claim's `when`, or two claims' regions combined),
on the cells region analysis uses: each fact the rule reads is cut at the rule's thresholds
(engine.analysis.partition), so the rule has one truth value per cell of the product of those
partitions, inside the vocabulary's ranges. The constraints of schema/relations.yaml connected
to those facts (directly, or through facts the rule does not read, as engine.analysis.feasible
plans them) cut the partitions too and remove the cells no patient can occupy: a cell is feasible
when some value of every hidden fact satisfies every constraint.

Two evaluators, one answer:

* bits (no NumPy, the common shapes): the grid's cells are the bits of one Python int. The rule
  is split at `and`, `or`, `!`, `!!` and `if` where it reads several facts; every part reading
  one fact (or none) is evaluated by the reference closure (engine.jsonlogic) on that fact's
  cells and spread over the grid, and the connectives are bitwise operations. Constraints are
  evaluated the same way on their own facts, the hidden ones projected out.
* grid (the rest, e.g. a comparison of two enum facts): engine.analysis.cells.Grid with the
  batch evaluator (engine.jsonlogic.vectorised) and engine.analysis.feasible's factors.

Both are exact at the cells' representative values, which decide whole cells only when every
comparison is cut exactly: a rule whose thresholds come with notes (several numeric facts in one
comparison, a non-affine expression) is not decided (None), and a constraint with notes is left
out (sound: fewer constraints only keep cells, so "no patient" and "every patient" stay true).
A rule over too many cells, or past its work budget, is not decided either: no verdict is ever
a guess. tests/engine/test_claim_checks.py compares both evaluators with brute-force evaluation
of sampled patients (engine.evaluate).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from engine.analysis.partition import Partition, partition, thresholds
from engine.contract import Vocabulary
from engine.jsonlogic import UNKNOWN, CompileError, RuleError, compiler, truthy
from engine.meaning.facts import Constraint, constraints
from engine.rules import facts_used, operation_count

MAX_BITS = 1 << 20  # cells of one bit space (a rule's own grid, or its constraints'): past it, the grid evaluator
MAX_GRID = 1 << 22  # cells of the grid evaluator: past it, not decided
# Work units (a closure operation evaluated on one cell, about 0.3 us; 4,096 cells of one bitwise operation) for one
# decision: a legal 999-operation rule over 2,000 cells would cost seconds, and validate runs this
# on every claim. The bundled claims need at most a few thousand.
MAX_UNITS = 200_000

SAMPLES = 8  # satisfying patients a verdict carries (callers refute containment with them before deciding it)


@dataclass(frozen=True)
class Verdict:
    """What `decide` found: whether some feasible patient satisfies the rule, whether every one does,
    a patient of each kind (a cell's representative values), and, when only the vocabulary's
    constraints leave no patient, the constraints that do."""

    satisfiable: bool
    always: bool
    witness: dict[str, Any] | None = None  # a patient satisfying the rule
    counterexample: dict[str, Any] | None = None  # a patient not satisfying it
    excluded_by: tuple[str, ...] = ()
    method: str = "bits"  # "bits" | "grid"
    samples: tuple[dict[str, Any], ...] = ()  # a few patients satisfying the rule, spread over its cells


class _Declined(Exception):
    """The bit evaluator does not take this shape (or size); the grid evaluator may."""


class _OverBudget(Exception):
    """The decision would cost more than its work budget: not decided."""


class Budget:
    """Work units left; shared by the decisions of one caller (one ruleset's checks)."""

    def __init__(self, units: int = MAX_UNITS) -> None:
        self.left = units

    def take(self, units: int) -> None:
        if units > self.left:
            self.left = 0
            raise _OverBudget
        self.left -= units


# ---------------------------------------------------------------- the bit space


class _Space:
    """The cells of a product of partitions as the bits of one int: the last axis varies fastest."""

    def __init__(self, parts: Sequence[Partition], budget: Budget) -> None:
        self.parts = list(parts)
        self.sizes = [len(p.cells) for p in self.parts]
        self.size = math.prod(self.sizes)
        if self.size > MAX_BITS:
            raise _Declined
        self.strides = [math.prod(self.sizes[i + 1 :]) for i in range(len(self.sizes))]
        self.full = (1 << self.size) - 1
        self.axis = {p.fact: i for i, p in enumerate(self.parts)}
        self.budget = budget
        self._combs: dict[int, int] = {}
        self._ones: dict[tuple[int, int], int] = {}

    def op(self) -> None:
        """Account for one bitwise operation over the space."""
        self.budget.take(1 + self.size // 4096)

    def spread(self, axis: int, truth: Sequence[bool]) -> int:
        """The cells whose `axis` cell is one where `truth` holds."""
        stride = self.strides[axis]
        block = (1 << stride) - 1
        pattern = 0
        for c, ok in enumerate(truth):
            if ok:
                pattern |= block << (c * stride)
        if axis not in self._combs:
            period = self.sizes[axis] * stride
            self._combs[axis] = _comb(period, self.size // period)
        self.op()
        return pattern * self._combs[axis]

    def one(self, axis: int, index: int) -> int:
        """The cells whose `axis` cell is `index` (kept: constraints ask for the same ones again)."""
        key = (axis, index)
        if key not in self._ones:
            self._ones[key] = self.spread(axis, [i == index for i in range(self.sizes[axis])])
        return self._ones[key]

    def facts(self, bit: int) -> dict[str, Any]:
        """The representative patient of cell `bit`."""
        return {p.fact: p.cells[(bit // s) % n].value for p, s, n in zip(self.parts, self.strides, self.sizes)}


def _comb(period: int, reps: int) -> int:
    """`reps` one-bits, `period` apart (built by doubling: a big-int division would be quadratic)."""
    comb, have = 1, 1
    while have < reps:
        take = min(have, reps - have)
        comb |= (comb & ((1 << (take * period)) - 1)) << (have * period)
        have += take
    return comb


def _lowest(mask: int) -> int:
    return (mask & -mask).bit_length() - 1


_NONE: frozenset[str] = frozenset()


def _reads_of(rule: Any) -> dict[int, frozenset[str]]:
    """Per object node of `rule` (by id), the facts it reads, in one walk (engine.rules.facts_used per
    node would walk each part once per level above it)."""
    out: dict[int, frozenset[str]] = {}
    stack: list[tuple[Any, bool]] = [(rule, False)]
    while stack:
        node, done = stack.pop()
        if isinstance(node, list):
            children = [c for c in node if isinstance(c, (dict, list))]  # a long literal `in` list: no walk
        elif isinstance(node, dict) and len(node) == 1:
            ((op, args),) = node.items()
            if op == "var":
                name = args[0] if isinstance(args, list) and args else args
                out[id(node)] = frozenset([name]) if isinstance(name, str) else _NONE
                continue
            children = [args] if isinstance(args, (dict, list)) else []
        else:
            continue
        if done:
            out[id(node)] = _NONE.union(*(out.get(id(c), _NONE) for c in children))
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in children)
    return out


def _mask(rule: Any, space: _Space, reads: dict[int, frozenset[str]] | None = None) -> int:
    """The cells of `space` where `rule` is truthy. Raises _Declined for a part reading several facts
    that is not a connective (the grid evaluator takes it)."""
    if reads is None:
        reads = _reads_of(rule)
    read = reads.get(id(rule), _NONE)
    if len(read) <= 1:
        return _leaf(rule, next(iter(read)) if read else None, space)
    if not isinstance(rule, dict) or len(rule) != 1:
        raise _Declined
    ((op, raw),) = rule.items()
    args = raw if isinstance(raw, list) else [raw]
    if op == "and" and args:
        out = space.full
        for a in args:
            out &= _mask(a, space, reads)
            space.op()
        return out
    if op == "or" and args:
        out = 0
        for a in args:
            out |= _mask(a, space, reads)
            space.op()
        return out
    if op in ("!", "!!") and args:
        inner = _mask(args[0], space, reads)
        space.op()
        return inner if op == "!!" else space.full & ~inner
    if op in ("if", "?:"):
        out, rest = 0, space.full  # rest: cells no earlier condition took
        i = 0
        while i < len(args) - 1:
            cond = _mask(args[i], space, reads)
            out |= rest & cond & _mask(args[i + 1], space, reads)
            rest &= ~cond
            space.op()
            i += 2
        if i == len(args) - 1:
            out |= rest & _mask(args[i], space, reads)
        return out
    raise _Declined


def _leaf(rule: Any, fact: str | None, space: _Space) -> int:
    """A part reading at most one fact, evaluated on each of that fact's cells (_leaf_truths)."""
    if fact is None:
        truths, _ops = _leaf_truths(rule, None, None)
        if truths is None:
            raise _Declined
        return space.full if truths[0] else 0
    axis = space.axis[fact]
    part = space.parts[axis]
    truths, ops = _leaf_truths(rule, fact, part)
    space.budget.take(len(part.cells) * max(1, ops))
    if truths is None:
        raise _Declined
    return space.spread(axis, truths)


# (the leaf's repr, its fact, its cells' values) -> (its truth per cell, None when a cell declines; its operations)
_LEAVES: dict[tuple[str, str | None, tuple[Any, ...] | None], tuple[tuple[bool, ...] | None, int]] = {}


def _leaf_truths(rule: Any, fact: str | None, part: Partition | None) -> tuple[tuple[bool, ...] | None, int]:
    """A leaf's truth on each cell of `part` (one value when it reads no fact) and its operation count,
    kept by the leaf's text and the cells' values: claims repeat their parts (`indication = ra`, the
    same eGFR band) on the same partitions. Raises _Declined when it does not compile; truths None
    when a cell's evaluation declines (the caller charges the work first, as evaluating it did)."""
    key = (repr(rule), fact, None if part is None else tuple(c.value for c in part.cells))
    hit = _LEAVES.get(key)
    if hit is None:
        try:
            closure = compiler("accord").reference(rule)
        except (CompileError, RecursionError):
            raise _Declined from None
        hit = _evaluate_leaf(closure, rule, fact, part)
        if len(_LEAVES) >= 65_536:
            _LEAVES.clear()
        _LEAVES[key] = hit
    return hit


def _evaluate_leaf(
    closure: Any, rule: Any, fact: str | None, part: Partition | None
) -> tuple[tuple[bool, ...] | None, int]:
    ops = 0 if part is None else operation_count(rule)
    try:
        if fact is None or part is None:
            return (_truth(closure, {}),), ops
        return tuple(_truth(closure, {fact: c.value}) for c in part.cells), ops
    except _Declined:
        return None, ops


def _truth(closure: Any, facts: dict[str, Any]) -> bool:
    try:
        value = closure(facts)
    except (RuleError, TypeError, ValueError, ArithmeticError, RecursionError):
        raise _Declined from None
    if value is UNKNOWN:  # every fact is known in a cell: a rule that is still unknown is not decided here
        raise _Declined
    return truthy(value)


# ---------------------------------------------------------------- constraints


def connected(found: Iterable[Constraint], names: Iterable[str], vocab: Vocabulary) -> list[Constraint]:
    """The constraints reaching `names` through the facts they read, transitively (as
    engine.analysis.feasible.plan picks them), without those reading facts the vocabulary lacks."""
    usable = [c for c in found if all(n in vocab.facts for n in c.reads)]
    reached = set(names)
    chosen: dict[str, Constraint] = {}
    changed = True
    while changed:
        changed = False
        for c in usable:
            if c.id not in chosen and c.reads & reached:
                chosen[c.id] = c
                reached |= c.reads
                changed = True
    return [c for c in usable if c.id in chosen]


_CUTS: dict[tuple[int, str], tuple[Vocabulary, Constraint, dict[str, set[float]] | None]] = {}


def _exact(found: Iterable[Constraint], vocab: Vocabulary) -> list[tuple[Constraint, dict[str, set[float]]]]:
    """The constraints whose every comparison cuts exactly, with their thresholds (kept per vocabulary)."""
    out = []
    for c in found:
        hit = _CUTS.get((id(vocab), c.id))
        if hit is None or hit[0] is not vocab or hit[1] is not c:
            cuts, notes = thresholds((c.rule,), vocab)
            if len(_CUTS) > 4096:
                _CUTS.clear()
            hit = _CUTS[(id(vocab), c.id)] = (vocab, c, None if notes else cuts)
        if hit[2] is not None:
            out.append((c, hit[2]))
    return out


def _feasible_outer(
    outer: Sequence[Partition], chosen: Sequence[Constraint], parts: dict[str, Partition], budget: Budget
) -> int:
    """Over the cells of the `outer` facts (a bit space of their own), those where some value of every
    other fact the constraints read satisfies all of them."""
    names = {p.fact for p in outer}
    hidden = sorted({n for c in chosen for n in c.reads} - names)
    space = _Space([*outer, *(parts[n] for n in hidden)], budget)
    ok = space.full
    for c in chosen:
        ok &= _mask(c.rule, space)
        space.op()
    inner = math.prod(len(parts[n].cells) for n in hidden)
    budget.take(1 + (space.size // inner) * (space.size // 4096))
    low = (1 << inner) - 1
    out = 0
    for t in range(space.size // inner):
        if (ok >> (t * inner)) & low:
            out |= 1 << t
    return out


_FEASIBLE: dict[tuple[Any, ...], tuple[Vocabulary, int]] = {}


def _feasible_cached(
    outer: Sequence[Partition],
    chosen: Sequence[Constraint],
    parts: dict[str, Partition],
    vocab: Vocabulary,
    budget: Budget,
) -> int:
    """_feasible_outer, kept per vocabulary, outer cuts and constraints: a ruleset's claims on one fact share it."""
    own = {p.fact for p in outer}
    key = (
        id(vocab),
        tuple((p.fact, p.thresholds) for p in outer),
        tuple(c.id for c in chosen),
        tuple((n, parts[n].thresholds) for c in chosen for n in sorted(c.reads) if n not in own),  # the hidden facts'
    )
    hit = _FEASIBLE.get(key)
    if hit is not None and hit[0] is vocab:
        return hit[1]
    found = _feasible_outer(outer, chosen, parts, budget)
    if len(_FEASIBLE) > 4096:
        _FEASIBLE.clear()
    _FEASIBLE[key] = (vocab, found)
    return found


def _feasible_coarse(
    outer: Sequence[Partition],
    chosen: Sequence[Constraint],
    parts: dict[str, Partition],
    vocab: Vocabulary,
    budget: Budget,
) -> int:
    """_feasible_cached over `outer`, decided on the outer facts cut at the constraints' own thresholds only.

    The constraints are cut exactly there (_exact), so their truth is one per coarse cell and a cell of
    `outer` (cut at a rule's thresholds too) is feasible as the coarse cell holding it is: claims that
    each cut eGFR at their own threshold then share one elimination instead of one each."""
    cuts: dict[str, set[float]] = {}
    for _c, found in _exact(chosen, vocab):
        for n, values in found.items():
            cuts.setdefault(n, set()).update(values)
    coarse = [_partition(vocab, p.fact, cuts.get(p.fact, set())) if p.type == "number" else p for p in outer]
    if all(c.cells == p.cells for c, p in zip(coarse, outer)):
        return _feasible_cached(outer, chosen, parts, vocab, budget)
    allowed = _feasible_cached(coarse, chosen, parts, vocab, budget)
    held = [[_holding(c, cell.value) for cell in p.cells] for c, p in zip(coarse, outer)]
    index = [[i for i in axis if i is not None] for axis in held]
    if any(len(a) != len(b) for a, b in zip(index, held)):
        return _feasible_cached(outer, chosen, parts, vocab, budget)  # a cell no coarse cell holds: as it is
    sizes = [len(c.cells) for c in coarse]
    strides = [math.prod(sizes[k + 1 :]) for k in range(len(sizes))]
    out, t = 0, 0
    for combo in itertools.product(*index):  # the outer cells in order, the last axis fastest
        if allowed >> sum(i * s for i, s in zip(combo, strides)) & 1:
            out |= 1 << t
        t += 1
    return out


def _holding(part: Partition, value: Any) -> int | None:
    """The index of the cell of `part` holding `value` (a finer partition's representative)."""
    return next((k for k, c in enumerate(part.cells) if c.contains(value)), None)


def _groups(chosen: Sequence[Constraint], own: set[str]) -> list[list[Constraint]]:
    """The constraints in groups that share no fact outside `own`: the existence of the hidden facts'
    values distributes over them, so each group is eliminated on its own (small) space."""
    groups: list[tuple[set[str], list[Constraint]]] = []
    for c in chosen:
        hidden = set(c.reads) - own
        merged = [g for g in groups if g[0] & hidden]
        for g in merged:
            groups.remove(g)
        facts = hidden.union(*(g[0] for g in merged))
        groups.append((facts, [x for g in merged for x in g[1]] + [c]))
    return [sorted(g[1], key=lambda c: c.id) for g in groups]


def _feasible_in(
    space: _Space, chosen: Sequence[Constraint], parts: dict[str, Partition], vocab: Vocabulary, budget: Budget
) -> int:
    """The cells of `space` some patient can occupy by the constraints `chosen` (hidden facts eliminated)."""
    own = set(space.axis)
    ok = space.full
    for group in _groups(chosen, own):
        touched = sorted({n for c in group for n in c.reads} & own, key=lambda n: space.axis[n])
        outer = [parts[n] for n in touched]
        allowed = _feasible_coarse(outer, group, parts, vocab, budget)
        sizes = [len(p.cells) for p in outer]
        count = math.prod(sizes)
        if allowed == (1 << count) - 1:
            continue
        if not allowed:
            return 0
        for t in range(count):  # remove each combination of the touched facts' cells no patient takes
            if allowed >> t & 1:
                continue
            cell = space.full
            for n, i in zip(touched, _digits(t, sizes)):
                cell &= space.one(space.axis[n], i)
            ok &= ~cell
            space.op()
    return ok


def _digits(t: int, sizes: Sequence[int]) -> list[int]:
    """The cell index on each axis of cell `t` of a space of `sizes` (the last axis fastest)."""
    out = []
    for n in reversed(sizes):
        t, i = divmod(t, n)
        out.append(i)
    return out[::-1]


# ---------------------------------------------------------------- deciding


def _prepare(
    rules: Sequence[Any], vocab: Vocabulary, relations: bool
) -> tuple[list[str], dict[str, Partition], list[Constraint]] | None:
    """The facts `rules` read, their partitions (cut at the rules' and the constraints' thresholds, and
    those of the hidden facts the constraints read), and the constraints connected to them; None when a
    fact is unknown or a threshold cannot be cut exactly."""
    names = sorted({n for rule in rules for n in facts_used(rule)})
    if any(n not in vocab.facts for n in names):
        return None
    every: dict[str, set[float]] = {}
    for rule in rules:
        try:
            cuts, notes = thresholds((rule,), vocab)
        except RecursionError:
            return None
        if notes:
            return None
        for n, values in cuts.items():
            every.setdefault(n, set()).update(values)
    chosen = _exact(connected(constraints(vocab), names, vocab), vocab) if relations and names else []
    for _, found in chosen:
        for n, values in found.items():
            every.setdefault(n, set()).update(values)
    read = {n for c, _ in chosen for n in c.reads}
    parts = {n: _partition(vocab, n, every.get(n, set())) for n in sorted(set(names) | read)}
    return names, parts, [c for c, _ in chosen]


_PARTITIONS: dict[tuple[int, str, frozenset[float]], tuple[Vocabulary, Partition]] = {}


def _partition(vocab: Vocabulary, name: str, cuts: set[float]) -> Partition:
    """partition(), kept per vocabulary, fact and cuts: a ruleset's claims cut the same facts the same way."""
    key = (id(vocab), name, frozenset(cuts))
    hit = _PARTITIONS.get(key)
    if hit is not None and hit[0] is vocab:
        return hit[1]
    made = partition(vocab.facts[name], cuts)
    if len(_PARTITIONS) > 4096:
        _PARTITIONS.clear()
    _PARTITIONS[key] = (vocab, made)
    return made


def decide(rule: Any, vocab: Vocabulary, budget: Budget | None = None, *, relations: bool = True) -> Verdict | None:
    """Whether some patient the vocabulary allows satisfies `rule` (a rule engine.rules.check_rule accepts),
    and whether every one does; None when that cannot be decided exactly or cheaply (see the module
    docstring). With `relations` false, only the vocabulary's ranges bound the patients."""
    budget = budget or Budget()
    prepared = _prepare([rule], vocab, relations)
    if prepared is None:
        return None
    names, parts, chosen = prepared
    try:
        return _decide_bits(rule, names, parts, chosen, vocab, budget)
    except _OverBudget:
        return None
    except _Declined:
        pass
    try:
        return _decide_grid(rule, names, parts, chosen, vocab, budget)
    except _OverBudget:
        return None


@dataclass(frozen=True)
class Regions:
    """Several rules' cells as bits of one space over all the facts they read (cut at all their
    thresholds), and the cells a patient can occupy: comparing two rules is then one bitwise operation."""

    masks: tuple[int, ...]
    feasible: int

    def empty(self, i: int) -> bool:
        """No patient satisfies rule i."""
        return not self.masks[i] & self.feasible

    def inside(self, i: int, j: int) -> bool:
        """Every patient satisfying rule i satisfies rule j."""
        return not self.masks[i] & ~self.masks[j] & self.feasible


def regions(rules: Sequence[Any], vocab: Vocabulary, budget: Budget | None = None) -> Regions | None:
    """The rules' Regions; None when one of them cannot be decided exactly, or the space is over MAX_BITS
    or the budget, or a part needs the grid evaluator (then compare pairs with decide)."""
    budget = budget or Budget()
    prepared = _prepare(rules, vocab, True)
    if prepared is None:
        return None
    names, parts, chosen = prepared
    try:
        space = _Space([parts[n] for n in names], budget)
        masks = tuple(_mask(rule, space) for rule in rules)
        ok = _feasible_in(space, chosen, parts, vocab, budget) if chosen else space.full
    except (_Declined, _OverBudget):
        return None
    return Regions(masks, ok)


def _decide_bits(
    rule: Any,
    names: list[str],
    parts: dict[str, Partition],
    chosen: list[Constraint],
    vocab: Vocabulary,
    budget: Budget,
) -> Verdict | None:
    space = _Space([parts[n] for n in names], budget)
    holds = _mask(rule, space)

    def feasible(among: list[Constraint]) -> int:
        return _feasible_in(space, among, parts, vocab, budget) if among else space.full

    ok = feasible(chosen)
    if not ok:
        return None  # the constraints leave no patient at all: nothing to say about this rule
    yes, no = holds & ok, ok & ~holds
    excluded: tuple[str, ...] = ()
    if not yes and holds:
        excluded = tuple(c.id for c in chosen if not holds & feasible([c])) or tuple(c.id for c in chosen)
    samples = []
    for k in range(SAMPLES):  # the first satisfying cell at or after each of SAMPLES evenly spaced cells
        start = space.size * k // SAMPLES
        above = yes >> start
        if above:
            samples.append(space.facts(start + _lowest(above)))
    if samples:
        space.op()
    return Verdict(
        bool(yes),
        not no,
        space.facts(_lowest(yes)) if yes else None,
        space.facts(_lowest(no)) if no else None,
        excluded,
        "bits",
        tuple(samples),
    )


def _decide_grid(
    rule: Any,
    names: list[str],
    parts: dict[str, Partition],
    chosen: list[Constraint],
    vocab: Vocabulary,
    budget: Budget,
) -> Verdict | None:
    """The same decision on engine.analysis.cells' grid with the batch evaluator (NumPy)."""
    import numpy as np

    from engine.analysis.cells import Grid
    from engine.analysis.feasible import Plan, feasible_mask
    from engine.jsonlogic.vectorised import compile_mask

    grid = Grid("", [parts[n] for n in names])
    if grid.size > MAX_GRID:
        return None
    budget.take(grid.size * max(1, operation_count(rule)) // 64 + 1)
    try:
        columns, present = grid.mesh(names)
        true_mask, unknown_mask = compile_mask(rule)(columns, present)
    except (CompileError, RuleError, RecursionError, TypeError, ValueError, ArithmeticError):
        return None
    holds = np.broadcast_to(np.asarray(true_mask, dtype=bool), grid.shape)
    if np.broadcast_to(np.asarray(unknown_mask, dtype=bool), grid.shape).any():
        return None

    def feasible(among: list[Constraint]) -> Any:
        if not among:
            return np.ones(grid.shape, dtype=bool)
        cuts: dict[str, set[float]] = {}
        for c in among:
            for n, values in thresholds((c.rule,), vocab)[0].items():
                cuts.setdefault(n, set()).update(values)
        plan = Plan(frozenset(names), tuple(among), cuts)
        try:
            factors = plan.factors({n: parts[n] for n in names}, vocab)
        except (CompileError, RecursionError):
            return np.ones(grid.shape, dtype=bool)
        ok = feasible_mask(names, grid.shape, factors)
        return np.ones(grid.shape, dtype=bool) if ok is None else ok

    ok = feasible(chosen)
    if not ok.any():
        return None
    yes, no = holds & ok, ok & ~holds
    excluded: tuple[str, ...] = ()
    if not yes.any() and holds.any():
        excluded = tuple(c.id for c in chosen if not (holds & feasible([c])).any()) or tuple(c.id for c in chosen)
    first_yes = np.flatnonzero(yes.ravel())
    first_no = np.flatnonzero(no.ravel())
    picks = (
        first_yes[np.linspace(0, first_yes.size - 1, min(SAMPLES, first_yes.size)).astype(int)]
        if first_yes.size
        else []
    )
    return Verdict(
        bool(first_yes.size),
        not first_no.size,
        grid.cell_facts(int(first_yes[0])) if first_yes.size else None,
        grid.cell_facts(int(first_no[0])) if first_no.size else None,
        excluded,
        "grid",
        tuple(grid.cell_facts(int(i)) for i in picks),
    )
