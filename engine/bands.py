"""Band charts: where on one numeric fact each source's claims on a question apply, and what they answer there.

A finding over a numeric fact (eGFR, CrCl, age, ANC...) reads best as a picture: one row per
source, the fact's axis, each claim's interval on that fact coloured by its answer, open and
closed ends visible, and the disagreeing region shaded over every row. This module builds the
model of that picture; engine.bandsvg draws it as SVG (report.md, report.html) and
tui.widgets.band_strip as text rows (the workbench's conflicts screen).

No rule is read here. The fact's axis is cut where region analysis cuts it
(engine.analysis.partition: the thresholds every claim of the chart's sources on the question
compares the fact with, plus the region's bounds), each claim is evaluated on those cells by the
batch evaluator (engine.jsonlogic.vectorised, on an engine.analysis.cells.Grid of the facts the
claim reads), and a cell belongs to the claim's interval when some patient in it, among the
values the context allows for the claim's other facts, makes the claim apply. So `egfr >= 30 and
egfr < 60`, `{"<=": [30, {"var": "egfr"}, 60]}`, `egfr < 30 or egfr > 90` and `crcl * 2 > 60`
all give the intervals the analysis sees. A claim that does not read the fact but applies
somewhere in the context spans the whole axis (`unbounded`); one that applies on a cell only for
some values of its other facts is `conditional` there. A claim that never applies in the context
is left out. (A source's claims whose comparisons are cut exactly are evaluated once, together, on
a grid cut at all their thresholds, engine.bandgrid: the same cells, one evaluation per claim per
report instead of per chart.) A row stacks at most MAX_LANES lanes; the claims past them are
summed up in one line. Derived facts are not followed (a claim on renal_function_category is unbounded on
egfr), and the vocabulary's constraints between facts are not applied: the chart shows where a
claim's own condition holds.

NumPy and the analysis modules are imported only when a chart is built.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.contract import Fact, Vocabulary, vocabulary
from engine.evaluate import value_text
from engine.model import Claim, Ruleset
from engine.words import fact_label, unit_label

if TYPE_CHECKING:
    from engine.analysis.partition import Partition
    from engine.bandgrid import Memo, SourceTable

# (low, low_inclusive, high, high_inclusive): a span of the fact, as report.json's numeric constraints give it.
Span = tuple[float, bool, float, bool]

# Lanes of one source's row: a row of thousands of overlapping claims (16 px a lane) is unreadable, so the
# claims that find no free lane within these are summed up in one line (Row.hidden) instead of drawn; the
# claims a finding names may take as many lanes again.
MAX_LANES = 40
MAX_TICKS = 50  # axis labels (and guides) of one chart: the thresholds are thinned past it

# Okabe-Ito (colour-blind safe), yellow left out (unreadable on white), a grey last.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#882255", "#666666")


@dataclass(frozen=True)
class Interval:
    """Where on the fact one claim applies (one of possibly several runs of cells), and its answer."""

    claim: str
    value: str  # the answer in words (engine.evaluate.value_text)
    key: str  # the answer's key (Claim.value_key): colours are assigned by it
    low: float
    low_inclusive: bool
    high: float
    high_inclusive: bool
    unbounded: bool = False  # the claim does not read the fact: it spans the whole axis
    conditional: bool = False  # here the claim applies only for some values of its other facts
    named: bool = False  # one of the claims the finding names (the disagreeing ones)
    lane: int = 0  # sub-row within the source's row: overlapping claims are stacked
    cells: tuple[int, int] = (0, 0)  # first and last cell of the fact's partition it covers

    def to_json(self) -> dict[str, Any]:
        return {
            "claim": self.claim,
            "value": self.value,
            "key": self.key,
            "low": self.low,
            "low_inclusive": self.low_inclusive,
            "high": self.high,
            "high_inclusive": self.high_inclusive,
            "unbounded": self.unbounded,
            "conditional": self.conditional,
            "named": self.named,
            "lane": self.lane,
        }


@dataclass(frozen=True)
class Row:
    """One source: its claims' intervals, stacked in `lanes` sub-rows."""

    source: str
    intervals: tuple[Interval, ...]
    lanes: int
    note: str = ""  # why the row is empty ('no claim on dose applies here', 'not loaded')
    hidden: int = 0  # claims not drawn: past MAX_LANES lanes (the finding's own: past twice that)

    @property
    def hidden_text(self) -> str:
        """What the SVG and the workbench's strip say below the lanes of a row with claims not drawn ('' if none)."""
        if not self.hidden:
            return ""
        return f"and {self.hidden:,} more claim{'s' if self.hidden != 1 else ''} (not drawn: over {MAX_LANES} lanes)"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "source": self.source,
            "lanes": self.lanes,
            "intervals": [i.to_json() for i in self.intervals],
        }
        if self.note:
            data["note"] = self.note
        if self.hidden:
            data["hidden"] = self.hidden
        return data


@dataclass(frozen=True)
class Swatch:
    """One answer of the legend and its colour."""

    key: str
    text: str
    colour: str


@dataclass(frozen=True)
class BandChart:
    """The picture of one question's answers along one numeric fact, source by source."""

    question: str
    fact: str
    label: str  # the fact's name as people write it (engine.words.fact_label: eGFR)
    unit: str  # its unit as people write it (engine.words.unit_label: mL/min/1.73 m²), '' when it has none
    range: tuple[float, float]  # the vocabulary's range
    axis: tuple[float, float]  # the part of the range drawn (clipped to where the thresholds are)
    thresholds: tuple[float, ...]  # every cut of the fact (claims' thresholds and region bounds), ascending
    rows: tuple[Row, ...]
    regions: tuple[Span, ...]  # where the sources disagree (one finding may hold several)
    values: tuple[Swatch, ...]  # legend: every answer shown, in order of first appearance
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def title(self) -> str:
        unit = f" ({self.unit})" if self.unit else ""
        return f"{self.question} by {self.label}{unit}"

    def colour(self, key: str) -> str:
        for swatch in self.values:
            if swatch.key == key:
                return swatch.colour
        return PALETTE[-1]

    def ticks(self) -> tuple[float, ...]:
        """Where the axis is labelled: its ends and every threshold inside it; past MAX_TICKS, the ends,
        the regions' bounds and thresholds evenly spaced among the rest (3,000 labels are ink, not text)."""
        lo, hi = self.axis
        every = sorted({lo, hi, *(t for t in self.thresholds if lo <= t <= hi)})
        if len(every) <= MAX_TICKS:
            return tuple(every)
        keep = {lo, hi, *(b for r in self.regions for b in (r[0], r[2]) if lo <= b <= hi)}
        room = max(MAX_TICKS - len(keep), 2)
        keep.update(every[round(k * (len(every) - 1) / (room - 1))] for k in range(room))
        return tuple(sorted(keep))

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "fact": self.fact,
            "label": self.label,
            "unit": self.unit,
            "range": list(self.range),
            "axis": list(self.axis),
            "thresholds": list(self.thresholds),
            "regions": [list(r) for r in self.regions],
            "rows": [r.to_json() for r in self.rows],
            "values": [{"key": s.key, "text": s.text, "colour": s.colour} for s in self.values],
            "notes": list(self.notes),
        }


# ---------------------------------------------------------------- building


def palette(keys: Iterable[str], known: dict[str, str] | None = None) -> dict[str, str]:
    """A colour per value key, no two keys of one chart sharing one until there are more keys than colours.

    A key keeps the colour `known` gives it (earlier charts of the same report) unless another key
    of this chart already holds it; a new key takes the slot its SHA-256 names, or the next free
    one. Keys are placed in sorted order, so the result depends only on the keys and `known`."""
    known = known or {}
    out: dict[str, str] = {}
    taken: set[int] = set()
    ordered = sorted(set(keys))
    for key in sorted(ordered, key=lambda k: k not in known):  # the keys with a colour first
        slot = PALETTE.index(known[key]) if known.get(key) in PALETTE else _slot(key)
        if len(taken) < len(PALETTE):
            while slot in taken:
                slot = (slot + 1) % len(PALETTE)
        taken.add(slot)
        out[key] = PALETTE[slot]
    return {k: out[k] for k in ordered}


def _slot(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:4], "big") % len(PALETTE)


def band_chart(
    rulesets: Sequence[Ruleset],
    question: str,
    fact: str,
    sources: Sequence[str],
    region: Span | None = None,
    vocab: Vocabulary | None = None,
    *,
    regions: Sequence[Span] = (),
    context: dict[str, dict[str, Any]] | None = None,
    named: Iterable[str] = (),
    cache: BandCache | None = None,
) -> BandChart | None:
    """The band chart of `question` along numeric `fact`, one row per source of `sources` (in that order).

    `region` and `regions` are the disagreeing spans to mark. `context` restricts the claims' other
    facts to a finding's other constraints (fact -> a report.json constraint: `values`, or
    `low`/`high` with `low_inclusive`/`high_inclusive`): a claim that cannot apply there is left out.
    `named` are the claim ids the finding names; `cache` shares claim evaluations between charts
    (BandCache: one per set of loaded rulesets). None when `fact` is not a numeric vocabulary fact."""
    from engine.analysis.partition import as_float, partition

    vocab = vocab or vocabulary()
    cache = cache if cache is not None else BandCache()
    spec = vocab.facts.get(fact)
    if spec is None or spec.type != "number":
        return None
    spans = tuple(dict.fromkeys(([region] if region is not None else []) + list(regions)))  # each span once
    context = {k: v for k, v in (context or {}).items() if k != fact}
    named_ids = set(named)
    by_source = {r.source_id: r for r in rulesets}
    claims_of = {s: by_source[s].claims_for(question) for s in sources if s in by_source}
    cuts: set[float] = {float(x) for s in spans for x in (s[0], s[2]) if as_float(x) is not None}
    notes: list[str] = []
    refused: set[str] = set()
    tables = {s: cache.table(by_source[s], question, cs, vocab) for s, cs in claims_of.items()}
    for source, claims in claims_of.items():
        cuts.update(float(t) for t in tables[source].cuts(fact))
        for claim in claims:
            if id(claim) in tables[source].placed:
                continue  # evaluated on the source's shared grid (engine.bandgrid)
            try:
                _mask, parts, claim_notes = cache.mask(claim, fact, vocab)
            except Exception as exc:  # noqa: BLE001 (a rule the batch evaluator refuses: say so, draw the rest)
                notes.append(f"{claim.id}: not charted ({type(exc).__name__})")
                refused.add(claim.id)
                continue
            notes.extend(claim_notes)
            if parts and parts[0].fact == fact:
                cuts.update(float(t) for t in parts[0].thresholds)
    lo, hi = _range(spec)
    main = partition(spec, cuts)
    bounds = {name: bound_key(bound) for name, bound in context.items()}
    rows: list[Row] = []
    for source in sources:
        if source not in claims_of:
            rows.append(Row(source, (), 0, "not loaded"))
            continue
        found: list[Interval] = []
        table = tables[source]
        shared = cache.shared_intervals(table, fact, main, context, vocab, named_ids)
        for claim in claims_of[source]:
            if shared is not None and id(claim) in table.placed:
                found.extend(shared.get(id(claim), ()))
            elif claim.id not in refused:
                try:
                    found.extend(cache.intervals(claim, fact, main, context, bounds, vocab, claim.id in named_ids))
                except Exception as exc:  # noqa: BLE001 (placed on the shared grid, refused on its own)
                    notes.append(f"{claim.id}: not charted ({type(exc).__name__})")
        laid, lanes, hidden = _lanes(found)
        rows.append(Row(source, laid, lanes, "" if laid else f"no claim on {question} applies here", hidden))
    thresholds = tuple(sorted({_f(c.low) for c in main.cells if c.point}))
    axis = _axis((lo, hi), thresholds)
    colours = palette((i.key for r in rows for i in r.intervals), cache.colours)
    cache.colours.update(colours)
    legend: dict[str, Swatch] = {}
    for r in rows:
        for i in sorted(r.intervals, key=lambda i: (i.low, i.lane)):
            legend.setdefault(i.key, Swatch(i.key, i.value, colours[i.key]))
    return BandChart(
        question,
        fact,
        fact_label(fact, vocab),
        unit_label(fact, vocab),
        (lo, hi),
        axis,
        thresholds,
        tuple(rows),
        tuple((_f(s[0]), bool(s[1]), _f(s[2]), bool(s[3])) for s in spans),
        tuple(legend.values()),
        tuple(sorted(set(notes))),
    )


def chart_facts(finding: Mapping[str, Any], vocab: Vocabulary | None = None) -> list[str]:
    """The numeric facts a finding's region(s) bound, in order of first appearance: what chart_for_finding charts."""
    vocab = vocab or vocabulary()
    facts: list[str] = []
    for constraints in _regions_of(finding):
        for c in constraints:
            name = c.get("fact")
            spec = vocab.facts.get(name) if isinstance(name, str) else None
            if spec is not None and spec.type == "number" and "low" in c and "high" in c and spec.name not in facts:
                facts.append(spec.name)
    return facts


def chart_for_finding(
    finding: Mapping[str, Any],
    rulesets: Sequence[Ruleset],
    vocab: Vocabulary | None = None,
    cache: BandCache | None = None,
) -> list[BandChart]:
    """One chart per numeric fact a finding's region(s) constrain (report.json `conflicts` entry).

    Rows are the finding's `sources`; each region's bounds on the fact are marked (a region that
    leaves the fact free marks the whole range); the other facts are held to the regions' other
    constraints (their union over the regions). A finding may carry `regions`, a list of
    {region: {constraints: [...]}}, instead of one `region`."""
    vocab = vocab or vocabulary()
    cache = cache if cache is not None else BandCache()
    regions = _regions_of(finding)
    facts = chart_facts(finding, vocab)
    named = _named_claims(finding)
    charts = []
    for name in facts:
        lo, hi = _range(vocab.facts[name])
        spans = []
        for constraints in regions:
            mine = next((c for c in constraints if c.get("fact") == name and "low" in c and "high" in c), None)
            if mine is None:
                spans.append((lo, True, hi, True))
            else:
                spans.append(
                    (
                        mine["low"],
                        bool(mine.get("low_inclusive", True)),
                        mine["high"],
                        bool(mine.get("high_inclusive", True)),
                    )
                )
        chart = band_chart(
            rulesets,
            str(finding.get("question", "")),
            name,
            list(finding.get("sources", [])),
            None,
            vocab,
            regions=spans,
            context=_union_context(regions, name),
            named=named,
            cache=cache,
        )
        if chart is not None:
            charts.append(chart)
    return charts


def charts_for_findings(
    findings: Iterable[Mapping[str, Any]], rulesets: Sequence[Ruleset], vocab: Vocabulary | None = None
) -> dict[str, list[BandChart]]:
    """Every finding's charts (chart_for_finding), by finding id, sharing one BandCache: what a report draws."""
    vocab = vocab or vocabulary()
    cache = BandCache()
    return {str(f.get("id", "")): chart_for_finding(f, rulesets, vocab, cache) for f in findings}


def _regions_of(finding: Mapping[str, Any]) -> list[list[dict[str, Any]]]:
    """Each region's constraints: from `regions` ([{region: {...}}] or [{constraints: ...}]), else `region`."""
    raw = finding.get("regions")
    if isinstance(raw, list) and raw:
        items = [r.get("region", r) if isinstance(r, dict) else {} for r in raw]
    else:
        items = [finding.get("region") or {}]
    return [
        [c for c in (item.get("constraints") or []) if isinstance(c, dict)] for item in items if isinstance(item, dict)
    ]


def _named_claims(finding: Mapping[str, Any]) -> set[str]:
    ids = {c["id"] for c in finding.get("claims", []) if isinstance(c, dict) and isinstance(c.get("id"), str)}
    for answer in finding.get("answers", []):
        for item in answer.get("values", []) if isinstance(answer, dict) else []:
            ids.update(x for x in item.get("claims", []) if isinstance(x, str))
    return ids


def _union_context(regions: list[list[dict[str, Any]]], fact: str) -> dict[str, dict[str, Any]]:
    """The other facts' constraints that hold in every region: enum values united, numeric bounds hulled."""
    per_region = [{c["fact"]: c for c in constraints if c.get("fact") != fact} for constraints in regions]
    if not per_region:
        return {}
    shared = set(per_region[0]).intersection(*per_region[1:])
    out: dict[str, dict[str, Any]] = {}
    for name in sorted(shared):
        items = [r[name] for r in per_region]
        if all("values" in c for c in items):
            values: list[Any] = []
            for c in items:
                values.extend(v for v in c["values"] if v not in values)
            out[name] = {"fact": name, "values": values}
        elif all("low" in c and "high" in c for c in items):
            low = min(items, key=lambda c: (c["low"], not c.get("low_inclusive", True)))
            high = max(items, key=lambda c: (c["high"], c.get("high_inclusive", True)))
            out[name] = {
                "fact": name,
                "low": low["low"],
                "low_inclusive": low.get("low_inclusive", True),
                "high": high["high"],
                "high_inclusive": high.get("high_inclusive", True),
            }
    return out


class BandCache:
    """Each claim evaluated once on the cells of the facts it reads, for every chart that shows it.

    A report draws hundreds of charts over the same claims; only the context (which cells of the
    other facts count) differs between them. Holds the claims it evaluated (so an id is never
    reused while cached); a new cache after the rulesets change."""

    def __init__(self) -> None:
        self.colours: dict[str, str] = {}  # value key -> colour, as the charts drawn so far gave it
        self._masks: dict[tuple[int, str], tuple[Claim, Any, list[Partition], list[str]]] = {}
        self._kept: dict[tuple[int, str], Any] = {}  # (a cached partition, a bound) -> the cells meeting it
        self._where: dict[tuple[int, tuple[float, ...]], list[int]] = {}  # (a claim's partition, chart cuts) -> cells
        self._intervals: dict[tuple[Any, ...], list[Interval]] = {}  # a claim's intervals on one chart's cells
        self._tables: dict[tuple[int, str], tuple[Ruleset, SourceTable]] = {}  # (a ruleset, question) -> its table
        self._memo: Memo | None = None  # conditions' thresholds and truths, shared by the tables (engine.bandgrid)

    def table(self, ruleset: Ruleset, question: str, claims: Sequence[Claim], vocab: Vocabulary) -> SourceTable:
        """The source's claims on `question` on one shared grid (engine.bandgrid), built once per cache."""
        from engine.bandgrid import Memo, source_table

        if self._memo is None:
            self._memo = Memo()

        key = (id(ruleset), question)
        found = self._tables.get(key)
        if found is None or found[0] is not ruleset:
            found = self._tables[key] = (ruleset, source_table(question, claims, vocab, self._memo))
        return found[1]

    def shared_intervals(
        self,
        table: SourceTable,
        fact: str,
        main: Partition,
        context: dict[str, dict[str, Any]],
        vocab: Vocabulary,
        named: set[str],
    ) -> dict[int, list[Interval]] | None:
        """The intervals of every claim the table placed, by id(claim), as _claim_intervals gives them one by
        one; None when the context is one the shared grid cannot answer for (the claim-by-claim path does)."""
        import numpy as np

        from engine.bandgrid import held, runs

        keeps: dict[int, Any] = {}
        for axis, part in enumerate(table.parts):
            bound = context.get(part.fact)
            if part.fact == fact or bound is None:
                continue
            if "values" in bound and part.type == "number":
                return None  # held to representatives: a finer grid's differ
            keeps[axis] = self.kept(part, bound)
        if not table.claims:
            return {}
        got = held(table, fact, keeps)
        if got is None:
            return None
        some, every = got
        applying = np.flatnonzero(some.any(axis=0)).tolist()
        at = table.axis(fact)
        lo, hi = _range(vocab.facts[fact])
        out: dict[int, list[Interval]] = {}
        bounded = []
        for i in applying:
            claim = table.claims[i]
            if at is not None and fact in claim.facts:
                bounded.append(i)
                continue
            out[id(claim)] = [
                Interval(
                    claim.id, value_text(claim.value, claim.qualifiers), claim.value_key, lo, True, hi, True,
                    unbounded=True, conditional=not bool(every[:, i].all()), named=claim.id in named,
                    cells=(0, len(main.cells) - 1),
                )
            ]  # fmt: skip
        if bounded and at is not None:
            where = self.where(table.parts[at], main)
            for i, found in zip(bounded, runs(some[where][:, bounded], every[where][:, bounded])):
                claim = table.claims[i]
                text, key = value_text(claim.value, claim.qualifiers), claim.value_key
                out[id(claim)] = [
                    Interval(
                        claim.id, text, key, _f(main.cells[a].low), main.cells[a].low_closed,
                        _f(main.cells[b].high), main.cells[b].high_closed,
                        conditional=not conditional_free, named=claim.id in named, cells=(a, b),
                    )
                    for a, b, conditional_free in found
                ]  # fmt: skip
        return out

    def intervals(
        self,
        claim: Claim,
        fact: str,
        main: Partition,
        context: dict[str, dict[str, Any]],
        bounds: dict[str, str],
        vocab: Vocabulary,
        named: bool,
    ) -> list[Interval]:
        """_claim_intervals, once per claim, chart cuts, context on the claim's facts and naming."""
        self.mask(claim, fact, vocab)  # holds the claim: its id stays its own while cached
        key = (id(claim), fact, main.thresholds, tuple(bounds.get(n, "") for n in claim.facts), named)
        found = self._intervals.get(key)
        if found is None:
            found = self._intervals[key] = _claim_intervals(claim, fact, main, context, vocab, named, self)
        return found

    def kept(self, part: Partition, bound: dict[str, Any]) -> Any:
        """The cells of `part` (one the cache holds) that meet a context's bound, as a bool array."""
        import numpy as np

        key = (id(part), bound_key(bound))
        found = self._kept.get(key)
        if found is None:
            found = self._kept[key] = np.array([_meets(c, bound, part.type) for c in part.cells], dtype=bool)
        return found

    def where(self, part: Partition, main: Partition) -> list[int]:
        """For each cell of the chart's partition `main`, the cell of the claim's own `part` holding it
        (`main` is cut at every threshold of the claim, and more)."""
        key = (id(part), main.thresholds)
        found = self._where.get(key)
        if found is None:
            found = self._where[key] = _containing(part, main)
        return found

    def mask(self, claim: Claim, fact: str, vocab: Vocabulary) -> tuple[Any, list[Partition], list[str]]:
        """`claim` on its own grid: the truth per cell (the fact's axis first when it reads it), the
        grid's partitions, and the notes on comparisons the cuts cannot separate."""
        key = (id(claim), fact)
        found = self._masks.get(key)
        if found is not None and found[0] is claim:
            return found[1], found[2], found[3]
        import numpy as np

        from engine.analysis.cells import Grid
        from engine.analysis.partition import partition, thresholds
        from engine.jsonlogic.vectorised import compile_mask

        cuts, notes = thresholds((claim.when,), vocab)
        names = [n for n in dict.fromkeys(claim.facts) if n in vocab.facts]
        names.sort(key=lambda n: n != fact)  # the charted fact's axis first
        parts = [partition(vocab.facts[n], cuts.get(n, ())) for n in names]
        grid = Grid(claim.question, parts)
        columns, present = grid.mesh(grid.facts)
        true_mask, _unknown = compile_mask(claim.when)(columns, present)
        mask = np.broadcast_to(np.asarray(true_mask, dtype=bool), grid.shape)
        self._masks[key] = (claim, mask, parts, [f"{claim.id}: {n}" for n in notes])
        return mask, parts, self._masks[key][3]


def _containing(part: Partition, main: Partition) -> list[int]:
    """For each cell of `main`, the index of the cell of `part` holding its value: by bisection on the cells'
    lower ends (ascending), checked by Cell.contains, with the scan from the first cell when that misses."""
    from bisect import bisect_right

    lows = [float(c.low) for c in part.cells if c.low is not None]
    ordered = len(lows) == len(part.cells) and all(a <= b for a, b in zip(lows, lows[1:]))
    out = []
    for cell in main.cells:
        found = None
        if ordered and isinstance(cell.value, (int, float)):
            k = bisect_right(lows, cell.value) - 1
            found = next(
                (j for j in (k, k - 1, k + 1) if 0 <= j < len(lows) and part.cells[j].contains(cell.value)), None
            )
        if found is None:
            found = next(k for k, c in enumerate(part.cells) if c.contains(cell.value))
        out.append(found)
    return out


def bound_key(bound: dict[str, Any]) -> str:
    """A context constraint as a key (its text left out)."""
    return repr(sorted((k, v) for k, v in bound.items() if k != "text"))


def _claim_intervals(
    claim: Claim,
    fact: str,
    main: Partition,
    context: dict[str, dict[str, Any]],
    vocab: Vocabulary,
    is_named: bool,
    cache: BandCache,
) -> list[Interval]:
    """The runs of `main`'s cells where `claim` applies for some patient the context allows.

    A cell of the claim's own partition counts when it meets the context's bound on its fact (the
    claim's truth is the same all over it, so meeting the bound anywhere is enough)."""
    import numpy as np

    mask, parts, _notes = cache.mask(claim, fact, vocab)
    reads = bool(parts) and parts[0].fact == fact
    for axis, part in enumerate(parts):
        if reads and axis == 0:
            continue
        bound = context.get(part.fact)
        if bound is None:
            continue
        keep = cache.kept(part, bound)
        if not keep.any():
            return []  # the context rules out every value of this fact: the claim cannot apply
        mask = np.compress(keep, mask, axis=axis)
    text, key = value_text(claim.value, claim.qualifiers), claim.value_key
    lo, hi = _range(vocab.facts[fact])
    if not reads:
        if not mask.any():
            return []
        return [
            Interval(
                claim.id, text, key, lo, True, hi, True, unbounded=True,
                conditional=not bool(mask.all()), named=is_named, cells=(0, len(main.cells) - 1),
            )
        ]  # fmt: skip
    flat = mask.reshape(len(parts[0].cells), -1)
    own_some, own_every = flat.any(axis=1), flat.all(axis=1)
    where = cache.where(parts[0], main)
    some, every = own_some[where], own_every[where]
    out = []
    i = 0
    while i < len(main.cells):
        if not some[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(main.cells) and some[j + 1] and every[j + 1] == every[i]:
            j += 1
        first, last = main.cells[i], main.cells[j]
        out.append(
            Interval(
                claim.id, text, key, _f(first.low), first.low_closed, _f(last.high), last.high_closed,
                conditional=not bool(every[i]), named=is_named, cells=(i, j),
            )
        )  # fmt: skip
        i = j + 1
    return out


def _meets(cell: Any, bound: dict[str, Any], kind: str) -> bool:
    """Whether a partition cell holds a value a report.json constraint allows."""
    if "values" in bound:
        return any(cell.value == v and isinstance(cell.value, bool) == isinstance(v, bool) for v in bound["values"])
    if kind != "number" or cell.low is None or cell.high is None:
        return True
    low, high = bound.get("low"), bound.get("high")
    low_in, high_in = bool(bound.get("low_inclusive", True)), bool(bound.get("high_inclusive", True))
    if _finite(low) and (cell.high < low or (cell.high == low and not (cell.high_closed and low_in))):
        return False
    if _finite(high) and (cell.low > high or (cell.low == high and not (cell.low_closed and high_in))):
        return False
    return True


def _lanes(intervals: list[Interval], limit: int | None = None) -> tuple[tuple[Interval, ...], int, int]:
    """Stack a source's intervals: each claim in the first lane where none of its cells is taken.

    Bounded claims first, by their first cell, then the unbounded ones (they take a lane of their own).
    At most `limit` lanes (MAX_LANES): a claim that finds none free there is not drawn, unless the
    finding names it (it takes the first free lane past the limit, up to twice the limit); returns the
    intervals laid, the lanes used and how many claims were left out. Each lane keeps its runs sorted (they never
    overlap), so whether a run fits is a bisection, not a scan of the lane."""
    from bisect import bisect_right, insort

    limit = MAX_LANES if limit is None else limit
    by_claim: dict[str, list[Interval]] = {}
    for i in intervals:
        by_claim.setdefault(i.claim, []).append(i)
    order = sorted(by_claim.values(), key=lambda runs: (runs[0].unbounded, runs[0].cells[0], runs[0].claim))
    taken: list[list[tuple[int, int]]] = []  # per lane, its runs' cells (first, last), sorted and disjoint

    def free(lane: list[tuple[int, int]], runs: list[Interval]) -> bool:
        for c, d in (r.cells for r in runs):
            k = bisect_right(lane, (d, math.inf)) - 1  # the last run starting at or before d
            if k >= 0 and lane[k][1] >= c:
                return False
        return True

    out: list[Interval] = []
    hidden = 0
    for runs in order:
        lane = next((k for k in range(min(len(taken), limit)) if free(taken[k], runs)), None)
        if lane is None and len(taken) < limit:
            lane = len(taken)
        if lane is None and any(r.named for r in runs):
            lane = next((k for k in range(limit, len(taken)) if free(taken[k], runs)), None)
            if lane is None and len(taken) < 2 * limit:
                lane = len(taken)
        if lane is None:
            hidden += 1
            continue
        if lane == len(taken):
            taken.append([])
        for r in runs:
            insort(taken[lane], r.cells)
        out.extend(_with_lane(r, lane) for r in runs)
    return tuple(out), len(taken), hidden


def _with_lane(interval: Interval, lane: int) -> Interval:
    from dataclasses import replace

    return replace(interval, lane=lane)


def _axis(rng: tuple[float, float], thresholds: Sequence[float]) -> tuple[float, float]:
    """The part of the range worth drawing: the thresholds with a margin, widened to the range's end when near.

    eGFR (0..200) cut at 30 and 60 draws 0..75 rather than squeezing the bands into a third of the width."""
    lo, hi = rng
    inside = [t for t in thresholds if lo < t < hi]  # a bound at the range's end says nothing of where to look
    if not inside:
        return lo, hi
    a, b = min(inside), max(inside)
    pad = max((b - a) * 0.25, abs(b) * (0.5 if a == b else 0.15), (hi - lo) * 0.02)
    low, high = a - pad, b + pad
    if low - lo <= pad or low < lo:
        low = lo
    if hi - high <= pad or high > hi:
        high = hi
    step = _nice_step((high - low) / 10)
    low = max(lo, math.floor(low / step) * step)
    high = min(hi, math.ceil(high / step) * step)
    return _f(low), _f(high)


def _nice_step(x: float) -> float:
    if x <= 0 or not math.isfinite(x):
        return 1.0
    exp = math.floor(math.log10(x))
    for m in (1, 2, 5, 10):
        if m * 10**exp >= x:
            return float(m * 10**exp)
    return float(10 ** (exp + 1))


def _range(spec: Fact) -> tuple[float, float]:
    lo, hi = spec.range if spec.range else (-1e9, 1e9)
    return _f(lo), _f(hi)


def _finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(float(x))


def _f(x: Any) -> float:
    """A bound as a float, rounded as partitions round thresholds (9 places)."""
    return round(float(x), 9)


def number_text(x: float) -> str:
    """'30', '0.5', '1.25': integral numbers without a decimal point; at most 4 significant decimals otherwise."""
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    text = f"{x:.4f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"
