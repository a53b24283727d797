"""Live cues for the claim editor: the overlaps and gaps one edited claim makes in its own source.

`cues(ruleset, question, edited_claim, vocab)` puts the edited claim in place of its
saved version (by id, or `replaces`), runs the region analysis of that one question for
that one source with the pieces engine.analysis.driver.analyse_question uses (the same
partitions and constraints, engine.analysis.cells.source_cells, engine.analysis.grid's
within_source and gaps: no second analyser), and keeps the findings the edited claim
takes part in:

* overlap: a within-source finding where the edited claim and claims giving another value
  both apply ("this band now overlaps jak-blog/calc-egfr-30-49 on 30 <= egfr <= 49");
* gap: a hole along a numeric fact that the edited claim ends just below or begins just
  above ("leaves a hole at 49 < egfr < 50").

Only those are wanted, so the grid is first narrowed to where they can be: each enum or
boolean fact the edited claim reads keeps the values at which the claim can apply (an
overlap needs the claim to apply; a gap's line, along a number, holds cells where it
applies). Numeric facts keep every cell, so every line a gap runs along is whole, and the
regions are described on the full partitions. The gaps are those of the whole grid; an
overlap is the whole grid's narrowed to where the edited claim applies (a whole-grid
within-source finding groups cells by the values given, so it can reach cells where the
edited claim does not apply, and name claims that never meet it): tests/engine/test_cues.py
compares both on the bundled corpus. A narrowed grid still
over the cell budget falls back to analyse_question itself (components, or not analysed).
One source and one question: milliseconds on the bundled corpus (benchmarks/cues_bench.py).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from engine.analysis.model import GAP, WITHIN, Finding, RegionCells
from engine.analysis.partition import Partition
from engine.contract import Vocabulary, vocabulary
from engine.model import Claim, Provenance, Ruleset

OVERLAP = "overlap"


@dataclass(frozen=True)
class Cue:
    """One overlap or gap the edited claim takes part in, within its own source and question.

    other_claims: the source's other claims involved (overlap: those giving another value
    where both apply; gap: those on the other side of the hole); region_text: where, as the
    report writes regions (engine.conflicts.describe_region); fact: a gap's axis;
    side: for a gap, "below" when the edited claim ends just below the hole, "above" when it
    begins just above it."""

    kind: str  # "overlap" | "gap"
    other_claims: tuple[str, ...]
    region_text: str
    fact: str | None = None
    side: str = ""

    def text(self) -> str:
        others = ", ".join(self.other_claims) or "no other claim"
        if self.kind == OVERLAP:
            return f"this band now overlaps {others} on {self.region_text}"
        where = "ends just below" if self.side == "below" else "begins just above"
        return f"leaves a hole at {self.region_text} (this claim {where} it; across it: {others})"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "other_claims": list(self.other_claims), "region": self.region_text}
        if self.fact is not None:
            out["fact"] = self.fact
            out["side"] = self.side
        return out


def claim_from_data(data: dict[str, Any], source_id: str, index: int = 0) -> Claim | None:
    """A Claim from a claim's YAML data (the editor's buffer), or None when it lacks what analysis reads.

    Only id, question, value and when matter here; provenance may be incomplete (a draft)."""
    if not isinstance(data, dict):
        return None
    cid, question = data.get("id"), data.get("question")
    if not isinstance(cid, str) or not isinstance(question, str) or "when" not in data:
        return None
    if "value" not in data or data.get("value") is None:
        return None
    found = data.get("provenance")
    prov: dict[str, Any] = found if isinstance(found, dict) else {}
    exact = prov["exact"] if isinstance(prov.get("exact"), str) else ""
    qualifiers = data.get("qualifiers")
    return Claim(
        id=cid,
        source=source_id,
        question=question,
        value=data["value"],
        when=data["when"],
        provenance=Provenance(exact, 0, 0),
        status=str(data.get("status", "draft")),
        index=index,
        qualifiers=dict(qualifiers) if isinstance(qualifiers, dict) else {},
    )


def edited_ruleset(ruleset: Ruleset, edited_claim: Claim, replaces: str | None = None) -> Ruleset:
    """The ruleset with `edited_claim` in place of claim `replaces` (default: its own id), or added."""
    old = replaces or edited_claim.id
    claims = list(ruleset.claims)
    at = next((i for i, c in enumerate(claims) if c.id == old), None)
    if at is None:
        claims.append(dataclasses.replace(edited_claim, source=ruleset.source_id, index=len(claims)))
    else:
        claims[at] = dataclasses.replace(edited_claim, source=ruleset.source_id, index=claims[at].index)
    # Another saved claim with the edited id (a rename onto an existing id) stays: validation says so.
    return dataclasses.replace(ruleset, claims=claims)


def cues(
    ruleset: Ruleset,
    question: str,
    edited_claim: Claim,
    vocab: Vocabulary | None = None,
    *,
    replaces: str | None = None,
) -> list[Cue]:
    """The overlaps and gaps `edited_claim` takes part in, in `ruleset` on `question`, with it in place of
    its saved version. Empty when the claim is about another question or the source is not analysed
    there (over the analysis budget). May raise what analysing an unusual rule raises (ArithmeticError,
    RecursionError): the editor catches it."""
    from engine.conflicts import describe_region

    vocab = vocab or vocabulary()
    if edited_claim.question != question:
        return []
    changed = edited_ruleset(ruleset, edited_claim, replaces)
    by_id = {c.id: c for c in changed.claims_for(question)}
    mine = edited_claim.id
    out: list[Cue] = []
    seen: set[tuple[Any, ...]] = set()
    for finding in findings_of(changed, question, by_id[mine], vocab):
        if mine not in finding.claims:
            continue
        cue = _cue(finding, mine, by_id, describe_region(finding.region))
        if cue is None:
            continue
        key = (cue.kind, cue.other_claims, cue.region_text, cue.side)
        if key not in seen:
            seen.add(key)
            out.append(cue)
    return out


def findings_of(
    ruleset: Ruleset, question: str, edited: Claim, vocab: Vocabulary, narrow: bool = True
) -> list[Finding]:
    """The within-source and gap findings of `ruleset` on `question` (those involving `edited` exactly; with
    `narrow`, only on the part of the grid where `edited` can take part, see the module docstring)."""
    from engine.analysis.cells import claim_thresholds, question_partitions, source_cells
    from engine.analysis.driver import analyse_question
    from engine.analysis.feasible import coupled_facts, prepare
    from engine.analysis.grid import gaps, within_source
    from engine.analysis.model import MAX_CELLS, over_budget
    from engine.meaning.facts import constraints

    claims = ruleset.claims_for(question)
    per_claim = claim_thresholds(claims, vocab)
    universe = {n for c in claims for n in c.facts if n in vocab.facts}
    if any(n not in vocab.facts for c in claims for n in c.facts):
        return analyse_question(question, [ruleset], vocab).findings  # as the report treats an unknown fact

    def cut(cuts: dict[str, set[float]]) -> dict[str, Partition]:
        return question_partitions(question, claims, vocab, per_claim, cuts)[0]

    parts, factors, _ = prepare(constraints(vocab), universe, vocab, cut)
    keep = _where_it_applies(edited, parts) if narrow else {}
    if keep is None:
        return []  # the edited claim applies to no patient: it overlaps nothing and borders no hole
    small = {n: _kept(p, keep[n]) if n in keep else p for n, p in parts.items()}
    small_factors = tuple(_kept_factor(f, keep) for f in factors)
    facts = coupled_facts({n for c in claims for n in c.facts}, small_factors)
    size = math.prod(len(small[n].cells) for n in facts)
    if over_budget(size, len(claims), MAX_CELLS):
        return analyse_question(question, [ruleset], vocab).findings
    sc, _ = source_cells(question, small, ruleset, claims, vocab, per_claim, None, list(facts), small_factors)
    found = [*within_source(sc), *gaps(sc)]
    if keep:
        for f in found:
            f.region = _on_full(f.region, parts, keep)
    return found


def _where_it_applies(claim: Claim, parts: dict[str, Partition]) -> dict[str, list[int]] | None:
    """Per enum or boolean fact `claim` reads, the cells of its partition where the claim can apply (only
    facts where that leaves some out); None when it applies nowhere."""
    import numpy as np

    from engine.analysis.cells import Grid
    from engine.jsonlogic.vectorised import compile_mask

    names = sorted({n for n in claim.facts if n in parts})
    grid = Grid(claim.question, [parts[n] for n in names])
    columns, present = grid.mesh(names)
    applies, _ = compile_mask(claim.when)(columns, present)
    mask = np.broadcast_to(np.asarray(applies, dtype=bool), grid.shape)
    if not mask.any():
        return None
    out: dict[str, list[int]] = {}
    for axis, name in enumerate(names):
        if parts[name].type == "number":
            continue
        others = tuple(i for i in range(len(names)) if i != axis)
        seen = mask.any(axis=others) if others else mask
        kept = np.flatnonzero(seen).tolist()
        if len(kept) < len(parts[name].cells):
            out[name] = kept
    return out


def _kept(part: Partition, kept: list[int]) -> Partition:
    return dataclasses.replace(part, cells=tuple(part.cells[i] for i in kept))


def _kept_factor(factor: Any, keep: dict[str, list[int]]) -> Any:
    import numpy as np

    ok = factor.ok
    for axis, name in enumerate(factor.facts):
        if name in keep:
            ok = np.take(ok, keep[name], axis=axis)
    return dataclasses.replace(factor, ok=ok)


def _on_full(region: RegionCells, parts: dict[str, Partition], keep: dict[str, list[int]]) -> RegionCells:
    """A region found on the narrowed grid, with its cell indices on the full partitions (so described right)."""
    indices = {n: [keep[n][i] for i in idx] if n in keep else list(idx) for n, idx in region.indices.items()}
    full = {n: parts[n] for n in region.partitions}
    return RegionCells(full, indices, region.count, region.box, region.witness)


def _cue(finding: Finding, mine: str, by_id: dict[str, Claim], region: dict[str, Any]) -> Cue | None:
    if finding.kind == WITHIN:
        key = by_id[mine].value_key
        others = tuple(sorted(c for c in finding.claims if c != mine and by_id[c].value_key != key))
        return Cue(OVERLAP, others, region["text"]) if others else None
    if finding.kind == GAP:
        side = "below" if mine in finding.ending else "above"
        across = finding.beginning if side == "below" else finding.ending
        # The hole's own bounds first (on its axis), then where else it holds.
        on_axis = [c["text"] for c in region["constraints"] if c["fact"] == finding.fact]
        rest = [c["text"] for c in region["constraints"] if c["fact"] != finding.fact]
        text = " and ".join(on_axis + rest) or region["text"]
        return Cue(GAP, tuple(sorted(c for c in across if c != mine)), text, finding.fact, side)
    return None
