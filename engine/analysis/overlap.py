"""Whether a claim's patients meet a reference's: the cells where both apply, inside the vocabulary's constraints.

A reference covers a claim when some patient the claim is about is also one the reference
answers the same question for. Region analysis finds where answers differ; this finds
where they could be compared at all, so a source's claims can be counted as agreeing
with, deviating from, or not covered by a reference (engine.reference). The grid is the
one region analysis would build for the claim and the reference's claims together,
cut at every threshold they use, with the constraints' infeasible cells removed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from engine.analysis.cells import Grid, claim_thresholds, question_partitions
from engine.analysis.feasible import coupled_facts, feasible_mask, prepare, touching
from engine.analysis.model import MAX_CELLS, Cuts
from engine.analysis.partition import Partition
from engine.contract import Vocabulary
from engine.jsonlogic.vectorised import compile_mask
from engine.meaning.facts import constraints
from engine.model import Claim


def overlaps(claim: Claim, others: Sequence[Claim], vocab: Vocabulary, max_cells: int = MAX_CELLS) -> bool | None:
    """Whether some feasible patient satisfies `claim.when` and the `when` of one of `others`.

    Each of `others` is tried on its own grid with the claim (a patient in the union is in one of
    them), so the grids stay as small as two claims' facts: the first overlap answers. None when
    no overlap was found and some grid would exceed `max_cells` (the caller says "not
    determined"); False when `others` is empty.
    """
    undetermined = False
    for other in others:
        found = _pair_overlaps(claim, other, vocab, max_cells)
        if found:
            return True
        undetermined |= found is None
    return None if undetermined else False


def _pair_overlaps(claim: Claim, other: Claim, vocab: Vocabulary, max_cells: int) -> bool | None:
    claims = [claim, other]
    per_claim = claim_thresholds(claims, vocab)
    universe = {n for c in claims for n in c.facts if n in vocab.facts}

    def cut(cuts: Cuts) -> dict[str, Partition]:
        return question_partitions(claim.question, claims, vocab, per_claim, cuts)[0]

    parts, factors, _ = prepare(constraints(vocab), universe, vocab, cut)
    facts = sorted(coupled_facts(universe, factors))
    if math.prod(len(parts[n].cells) for n in facts) > max_cells:
        return None
    grid = Grid(claim.question, [parts[n] for n in facts])
    both = _applies(grid, claim) & _applies(grid, other)
    ok = feasible_mask(facts, grid.shape, touching(factors, facts))
    if ok is not None:
        both = both & ok
    return bool(both.any())


def _applies(grid: Grid, claim: Claim) -> np.ndarray:
    """Per cell of `grid`, whether the claim applies (true, not unknown), broadcast to the grid's shape."""
    columns, present = grid.mesh(claim.facts)
    true_mask, _unknown = compile_mask(claim.when)(columns, present)
    return np.broadcast_to(np.asarray(true_mask, dtype=bool), grid.shape)
