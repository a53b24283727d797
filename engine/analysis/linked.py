"""Cross-question links in region analysis: one source's answers on two questions, on the same patients.

A link (schema/links.yaml, engine.meaning.links) says that where a source answers one question
with certain values and also answers another, the other's values must be among those it allows
(`dose: contraindicated` requires `initiation` in {do_not_start, contraindicated}). The source's
claims on both questions are cut on one set of partitions (their thresholds and the constraints'),
each question's answers are computed on its own grid (engine.analysis.cells, or by components
when that pays off), and the two are joined on the facts they share exactly as two sources are
(engine.analysis.grid.between_sources), judged by the link instead of by equality. Each
distinct pair of answers that breaks the link is one within-source finding naming both questions,
the claims that trigger the link and those it does not allow. Constraints apply as on any
question: a link is never reported on patients that cannot exist.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from engine.analysis import components
from engine.analysis.cells import Judge, claim_thresholds, question_partitions, source_cells
from engine.analysis.feasible import Factor, coupled_facts, prepare
from engine.analysis.grid import between_sources
from engine.analysis.model import WITHIN, Finding, NotAnalysed, OverWork, Work, grid_bytes, over_budget
from engine.contract import Vocabulary
from engine.meaning.facts import constraints
from engine.meaning.links import Link
from engine.model import Claim, Ruleset


@dataclass
class LinkFinding(Finding):
    """A within-source finding across two questions: where a source breaks a cross-question link.

    `question` is the link's first question (the one whose answer triggers it), so conflict ids
    (kind, question, claims) stay those of engine.analysis.model.conflict_id; `questions` names both."""

    questions: tuple[str, ...] = ()
    link: str = ""
    message: str = ""


@dataclass
class LinkResult:
    """What checking one link on one source found, or why it could not be checked."""

    findings: list[Finding] = field(default_factory=list)
    not_analysed: list[NotAnalysed] = field(default_factory=list)
    cut: list[tuple[str, ...]] = field(default_factory=list)  # claims of findings not located (over max_findings)
    cells: int = 0
    factors: tuple[Factor, ...] = ()
    notes: list[str] = field(default_factory=list)


def link_judge(link: Link) -> Judge:
    """Side 0 answers the link's question, side 1 the question it requires; name the triggering and the breaking values."""
    return Judge(
        lambda a, b: link.broken(a, b),
        lambda side, mine, _theirs: link.triggered(mine) if side == 0 else link.breaking(mine),
    )


def check_link(
    link: Link,
    ruleset: Ruleset,
    vocab: Vocabulary,
    max_cells: int,
    max_bytes: int,
    max_findings: int | None = None,
    work: Work | None = None,
) -> LinkResult:
    """Where `ruleset`'s source breaks `link` (empty when it does not answer both questions)."""
    out = LinkResult()
    first, second = ruleset.claims_for(link.question), ruleset.claims_for(link.requires)
    if not first or not second:
        return out
    claims = first + second
    per_claim = claim_thresholds(claims, vocab)
    universe = {n for c in claims for n in c.facts if n in vocab.facts}
    parts, factors, meaning = prepare(
        constraints(vocab),
        universe,
        vocab,
        lambda cuts: question_partitions(link.question, claims, vocab, per_claim, cuts)[0],
    )
    out.factors, out.notes = factors, meaning.notes
    sides = [(ruleset, first), (ruleset, second)]
    grids = [coupled_facts({n for c in cs for n in c.facts}, factors) for _, cs in sides]
    sizes = [math.prod(len(parts[n].cells) for n in facts) for facts in grids]
    out.cells = sum(sizes)
    why = f"checking link {link.id} (with {link.requires})"
    if components.pays_off(parts, sides, max_cells, max_bytes, factors):
        try:
            found = components.between_sources(
                link.question,
                parts,
                (ruleset.source_id, first, {}),
                (ruleset.source_id, second, {}),
                max_cells,
                max_bytes,
                work,
                factors,
                link_judge(link),
                (link.question, link.requires),
            )
        except components.TooWide:
            pass  # full grids, within the budgets
        except OverWork as exc:
            return _refused(out, link, ruleset, claims, grids, sizes, f"{why} stopped: {exc}")
        else:
            out.findings = [_as_link(f, link) for f in found]
            return out
    if any(over_budget(size, len(cs), max_cells) for size, (_, cs) in zip(sizes, sides)):
        return _refused(
            out, link, ruleset, claims, grids, sizes, f"{why} needs grids of {sizes} cells, over --max-cells"
        )
    need = sum(grid_bytes(size, len(cs)) for size, (_, cs) in zip(sizes, sides))
    if need > max_bytes:
        return _refused(
            out,
            link,
            ruleset,
            claims,
            grids,
            sizes,
            f"{why} needs about {need >> 20:,} MiB of arrays, over --max-memory",
        )
    try:
        a, _ = source_cells(link.question, parts, ruleset, first, vocab, per_claim, work, grids[0], factors)
        b, _ = source_cells(link.requires, parts, ruleset, second, vocab, per_claim, work, grids[1], factors)
        found = between_sources(a, b, max_findings, out.cut, work, link_judge(link))
    except OverWork as exc:
        return _refused(out, link, ruleset, claims, grids, sizes, f"{why} stopped: {exc}")
    out.findings = [_as_link(f, link) for f in found]
    return out


def _as_link(finding: Finding, link: Link) -> LinkFinding:
    """A pair finding of one source with itself, as the within-source finding of a broken link."""
    return LinkFinding(
        WITHIN,
        link.question,
        finding.sources[:1],
        finding.claims,
        finding.region,
        questions=(link.question, link.requires),
        link=link.id,
        message=link.message,
    )


def _refused(
    out: LinkResult,
    link: Link,
    ruleset: Ruleset,
    claims: list[Claim],
    grids: list[list[str]],
    sizes: list[int],
    reason: str,
) -> LinkResult:
    facts = tuple(sorted({n for g in grids for n in g}))
    out.findings = []
    out.not_analysed.append(NotAnalysed(link.question, ruleset.source_id, max(sizes), facts, len(claims), reason))
    return out
