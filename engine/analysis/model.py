"""Region analysis's data: kinds, budgets (cells, bytes, work), findings, regions and what was not analysed.

Everything else in engine.analysis builds on these; this module imports no
other part of it (the grids it names are only types).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.analysis.partition import Partition

if TYPE_CHECKING:
    from engine.analysis.cells import SourceCells


def conflict_id(kind: str, question: str, claims: list[str] | tuple[str, ...]) -> str:
    """Stable id from the kind, the question and the sorted claim ids."""
    text = "\n".join([kind, question, *sorted(claims)])
    return "C-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


BETWEEN, WITHIN, GAP, BOUNDARY = "between_sources", "within_source", "gap", "boundary"
# What engine.reference makes of a between-sources finding when a reference (an official label) is in it.
DEVIATES, LABEL_DIFFERENCE = "deviates_from_reference", "label_difference"
# Report order of kinds after severity (engine.conflicts.Conflict.sort_key, engine.drugreports.item_order):
# here, where reading it imports nothing heavy. omission and precision are engine.findings' and engine.conflicts'.
KIND_RANK = {
    DEVIATES: 0,
    BETWEEN: 1,
    BOUNDARY: 2,
    WITHIN: 3,
    GAP: 4,
    "omission": 5,
    "precision": 6,
    LABEL_DIFFERENCE: 7,
}


def finding_order(
    severity: str, kind: str, regions: list[Any], question: str, sources: Any, finding_id: str
) -> tuple[Any, ...]:
    """A finding's place in the report: severity, kind, then the most patient space (regions, cells) first.

    `regions` are its region entries ({id, region}), the first being the one it was ranked by before
    grouping; engine.conflicts.Conflict.sort_key and engine.drugreports.item_order (report.json) both ask."""
    from engine.reportdata import SEVERITY_RANK

    cells = sum(int(r["region"].get("cells", 0)) for r in regions)
    return (
        SEVERITY_RANK.get(severity, 9),
        KIND_RANK.get(kind, 9),
        -len(regions),
        -cells,
        question,
        sources,
        regions[0]["id"],
        finding_id,
    )


# Conflicts built per analysis: 600 claims gave 90,000 (a 237 MB report, hours of witnesses).
# The first MAX_FINDINGS in report order are built; the rest are counted and named as cut.
MAX_FINDINGS = 2000


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
# is about 6 s of analysis on 2 idle cores, leaving room for witnesses and the report; the bundled
# corpus with its two label references needs 2.5 G (dose and initiation by slices of indication,
# engine.analysis.slicing, after the whole attempt), without them 88 M; the synthetic corpus
# (20 x 1,000 claims) 82 M.
MAX_WORK = 4_000_000_000


LABEL_UNITS = 5000  # one distinct disagreement of a pair named, ranked and counted


FOLD_UNITS = 1000  # one claim visited by the Python fold (and the labelling after it) costs about as much as 1,000 array element operations


KINDS = (BETWEEN, WITHIN, BOUNDARY, GAP)


class OverWork(Exception):
    """A step's estimated work exceeds what is left of the analysis's work budget."""

    def __init__(self, what: str, units: int, left: int, limit: int) -> None:
        super().__init__(
            f"{what} needs about {units:,} units of work, over the {max(left, 0):,} left of the work budget "
            f"({limit:,}); raise it with --max-work"
        )
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
    return cells * (max(claims, 1) + 16 * word_count(claims) + 4 * max(axes, 1))


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
        data: dict[str, Any] = {
            "question": self.question,
            "source": self.source,
            "cells": self.cells,
            "facts": list(self.facts),
            "claims": self.claims,
        }
        if self.reason:
            data["reason"] = self.reason
        return data

    def message(self, limit: int) -> str:
        if self.reason:
            return (
                f"{self.question}: {self.source} was not analysed: {self.reason}; conflicts involving it on this question "
                f"are not reported"
            )
        size = f"its {self.claims:,} claims read {len(self.facts)} facts, a grid of {self.cells:,} cells"
        if self.cells <= limit:
            size += f" holding {word_count(self.claims)} words of claim bits each ({self.cells * word_count(self.claims):,} in all, limit {WORDS_PER_CELL * limit:,})"
        else:
            size += f" (limit {limit:,})"
        return (
            f"{self.question}: {self.source} was not analysed: {size}; conflicts involving it on this question are not "
            f"reported. Raise the limit with --max-cells, or split the question's claims"
        )


def word_count(claims: int) -> int:
    """64-bit words per cell for two bits (applies, unknown) per claim."""
    return max(1, (2 * claims + 63) // 64)


def over_budget(cells: int, claims: int, max_cells: int) -> bool:
    """Whether a grid of `cells` cells for `claims` claims exceeds the analysis budget."""
    return cells > max_cells or cells * word_count(claims) > WORDS_PER_CELL * max_cells


def grid_bytes(cells: int, claims: int) -> int:
    """Peak bytes of arrays while one source's grid is built and compared, estimated before any exists.

    Per cell: the claim words, their stacked copy and np.unique's sorted copy
    (3 x 8 bytes a word), and about twelve int64 side arrays (the two masks
    of a claim as uint64, unique's permutation and inverse, the classes, the
    points, a pair's join keys and inverse, a gap's moved lines and groups).
    """
    return cells * 8 * (3 * word_count(claims) + 12)


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
    findings_cut: list[tuple[str, ...]] = field(
        default_factory=list
    )  # claims of between-source findings not located (over max_findings for one pair)
    cells: dict[str, int] = field(default_factory=dict)  # per source analysed: the cells of its full grid
    method: str = "grid"  # grid: full grids (engine.analysis.grid); components: engine.analysis.components
    drug: str = ""  # set when a project of several drugs is analysed drug by drug (engine.drugs.merge_analyses)


@dataclass
class Analysis:
    questions: dict[str, QuestionAnalysis]
    seconds: float = 0.0
    max_cells: int = MAX_CELLS
    max_bytes: int = MAX_BYTES
    # Set by engine.conflicts.build_conflicts when more conflicts were found than it may build.
    truncated: dict[str, Any] | None = None
    conflict_ids: frozenset[str] = (
        frozenset()
    )  # every conflict found, built or not (no disposition of a cut one is orphaned)
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


Cuts = dict[str, set[float]]
