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

from engine.analysis.partition import Cell, Partition, partition, thresholds
from engine.contract import Vocabulary
from engine.meaning.facts import check, constraints

# Hidden facts added at most, and check() calls spent, per witness (each a derive and the rules).
MAX_ADDED = 3
MAX_TRIALS = 4000

# A cell's witness cost (cell_costs): its distance from the fact's typical value (vocabulary.yaml) in
# units of 2**-30 of the fact's range (CATEGORY_DISTANCE for an enum or boolean off it), weighted past
# any count of threshold points (TIE), plus 1 on a threshold point. Costs
# add over facts (int64: 2**46 per fact at most), so the cheapest cell of a grid is the one nearest the
# typical patient, then with the fewest threshold points, then first in order.
DISTANCE_UNITS = 1 << 30
TIE = 1 << 16
# An enum or boolean off its typical value (child_pugh C, a strong OAT3 inhibitor) is as far from the
# typical patient as a number half its range away (eGFR 0 is 0.45 from 90 in 0..200).
CATEGORY_DISTANCE = 0.5


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
    """Values of a hidden fact worth trying: its cells by the constraints' thresholds, nearest typical first,
    then interiors (each at its value nearest typical)."""
    rules = [c.rule for c in constraints(vocab) if name in c.reads]
    found, _notes = thresholds(rules, vocab)
    part: Partition = partition(vocab.facts[name], found.get(name, ()))
    costs = cell_costs(part)
    order = sorted(range(len(part.cells)), key=lambda i: costs[i])  # stable: ties keep the partition's order
    typical = part.typical if part.type == "number" else None
    return [
        part.cells[i].value if typical is None else _nearest_in_cell(part.cells[i], part.cells[i].value, typical)
        for i in order
    ]


def _within(region: Any, witness: dict[str, Any], vocab: Vocabulary) -> dict[str, Any] | None:
    """Another cell of a box region (every combination of its facts' cells is in it, all in one state) at
    which the witness breaks no relation by itself: one fact changed, else two; interiors first."""
    if region is None or not region.box:
        return None
    options = {
        n: _by_cost(region.partitions[n], idx)
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


def _by_cost(part: Partition, indices: list[int]) -> list[Any]:
    """The values of `part`'s cells at `indices`, nearest typical first, then interiors (order kept on ties)."""
    costs = cell_costs(part)
    return [part.cells[i].value for i in sorted(indices, key=lambda i: costs[i])]


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
    return value if cell is None else _nearest_in_cell(cell, value, typical)


def _nearest_in_cell(cell: Cell, value: Any, typical: float) -> Any:
    if cell.low is None or cell.high is None:
        return value
    if cell.contains(typical):
        return typical
    end, closed, step = (cell.low, cell.low_closed, 1) if typical < cell.low else (cell.high, cell.high_closed, -1)
    candidate = end if closed else end + step
    return candidate if cell.contains(candidate) else value


def cell_costs(part: Partition) -> list[int]:
    """Per cell of `part`, its witness cost (DISTANCE_UNITS, TIE): for a number, how far the cell's value
    nearest the fact's typical value (nearest_typical) is from it, as a share of the fact's range; for an
    enum or a boolean, CATEGORY_DISTANCE off its typical value; then whether the cell is a threshold point.
    Without a typical value only the point counts, so interiors are preferred, then the partition's order."""
    typical = part.typical
    width = float(part.range[1]) - float(part.range[0]) if part.type == "number" and part.range else 0.0
    out = []
    for cell in part.cells:
        distance = 0.0
        if typical is None:
            pass
        elif part.type != "number":
            distance = 0.0 if cell.value == typical and type(cell.value) is type(typical) else CATEGORY_DISTANCE
        elif width > 0:
            value = _nearest_in_cell(cell, cell.value, float(typical))
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                distance = min(abs(float(value) - float(typical)) / width, 1.0)
        out.append(round(distance * DISTANCE_UNITS) * TIE + int(cell.point))
    return out
