"""Witnesses that carry the facts that make them possible patients.

Region analysis decides a cell is feasible when *some* value of each fact no claim reads (a hidden
fact, engine.analysis.feasible) satisfies the vocabulary's constraints with it; the witness cell
names only the facts the claims read. Read as a patient, such a witness can break a relation:
CrCl 75 with renal_impairment false is a possible patient only with an eGFR of 90 or more (the
FDA category is derived from eGFR first, else CrCl), and without that eGFR `accord validate`
warns W504 on it. `complete` moves such a witness to another cell of its (box) region where it is
consistent as it stands (CrCl 90 or more), else adds the values of hidden facts that make it
consistent (engine.meaning.facts.check finds nothing), chosen among the cells the constraints cut,
as few facts as possible. No code here names a fact: the candidates are read from the constraints.
"""

from __future__ import annotations

import itertools
from typing import Any

from engine.analysis.partition import Partition, partition, thresholds
from engine.contract import Vocabulary
from engine.meaning.facts import check, constraints

# Hidden facts added at most, and check() calls spent, per witness (each a derive and the rules).
MAX_ADDED = 3
MAX_TRIALS = 4000


def _connected(start: set[str], vocab: Vocabulary) -> list[tuple[str, ...]]:
    """The facts each constraint reads, for the constraints reachable from `start` through shared facts."""
    rules = [tuple(sorted(n for n in c.reads if n in vocab.facts)) for c in constraints(vocab)]
    reached, picked, changed = set(start), [False] * len(rules), True
    while changed:
        changed = False
        for i, read in enumerate(rules):
            if not picked[i] and reached.intersection(read):
                picked[i], changed = True, True
                reached.update(read)
    return [r for r, p in zip(rules, picked, strict=True) if p]


def _candidates(name: str, vocab: Vocabulary) -> list[Any]:
    """Values of a hidden fact worth trying: its cells by the constraints' thresholds, interiors first."""
    rules = [c.rule for c in constraints(vocab) if name in c.reads]
    found, _notes = thresholds(rules, vocab)
    part: Partition = partition(vocab.facts[name], found.get(name, ()))
    cells = sorted(part.cells, key=lambda c: c.point)  # interiors before threshold points, order kept
    return [c.value for c in cells]


def _within(region: Any, witness: dict[str, Any], vocab: Vocabulary) -> dict[str, Any] | None:
    """Another cell of a box region (every combination of its facts' cells is in it, all in one state) at
    which the witness breaks no relation by itself: one fact changed, else two; interiors first."""
    if region is None or not region.box:
        return None
    options = {
        n: [c.value for c in sorted((region.partitions[n].cells[i] for i in idx), key=lambda c: c.point)]
        for n, idx in region.indices.items()
        if n in witness and n in region.partitions
    }
    names = sorted(n for n, vs in options.items() if len(vs) > 1)
    trials = 0
    for size in (1, 2):
        for chosen_names in itertools.combinations(names, size):
            for chosen in itertools.product(*(options[n] for n in chosen_names)):
                trials += 1
                if trials > MAX_TRIALS:
                    return None
                trial = {**witness, **dict(zip(chosen_names, chosen, strict=True))}
                if trial != witness and not check(trial, vocab):
                    return trial
    return None


def complete(witness: dict[str, Any], vocab: Vocabulary, region: Any = None) -> dict[str, Any]:
    """`witness`, or one that breaks no relation (itself when it breaks none).

    First another cell of the finding's `region` (a box) where the witness is consistent as it is; else the
    values of hidden facts that make it consistent; when neither is found within MAX_ADDED facts and
    MAX_TRIALS checks, the witness is left as it is."""
    if not check(witness, vocab):
        return witness
    moved = _within(region, witness, vocab)
    if moved is not None:
        return dict(sorted(moved.items()))
    hidden = sorted({n for read in _connected(set(witness), vocab) for n in read} - set(witness))
    values = {n: _candidates(n, vocab) for n in hidden}
    trials = 0
    for size in range(1, min(MAX_ADDED, len(hidden)) + 1):
        for names in itertools.combinations(hidden, size):
            for chosen in itertools.product(*(values[n] for n in names)):
                trials += 1
                if trials > MAX_TRIALS:
                    return witness
                trial = {**witness, **dict(zip(names, chosen, strict=True))}
                if not check(trial, vocab):
                    return dict(sorted(trial.items()))
    return witness


def complete_findings(findings: list[Any], vocab: Vocabulary) -> None:
    """Complete every finding's witness in place (engine.analysis.driver calls it once per analysis)."""
    for finding in findings:
        region = finding.region
        region.witness = complete(region.witness, vocab, region)


def nearest_typical(part: Partition, value: Any, typical: float | None) -> Any:
    """The value of `value`'s cell nearest to the fact's typical value (the claims cannot tell them apart).

    Inside the cell: the typical value itself when the cell holds it, else the nearer end (one unit
    inside an open end, or the cell's own value when the cell is narrower than that). A witness of
    '70 < age_years' becomes 71, not 95; one of '30 <= crcl <= 60' keeps its value when typical is 100
    and the cell is that band: 60.
    """
    if typical is None or part.type != "number" or not isinstance(value, (int, float)) or isinstance(value, bool):
        return value
    cell = next((c for c in part.cells if c.contains(value)), None)
    if cell is None or cell.low is None or cell.high is None:
        return value
    if cell.contains(typical):
        return typical
    end, closed, step = (cell.low, cell.low_closed, 1) if typical < cell.low else (cell.high, cell.high_closed, -1)
    candidate = end if closed else end + step
    return candidate if cell.contains(candidate) else value
