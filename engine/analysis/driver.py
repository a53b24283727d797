"""The region analysis driver: per question, pick a strategy (components or full grids) inside the budgets.

engine.conflicts turns the findings into conflicts; `accord conflicts` and
the workbench call `analyse`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from engine.analysis import components, questionjobs
from engine.analysis.cells import claim_thresholds, question_partitions, source_cells
from engine.analysis.feasible import constraint_ids, coupled_facts, prepare
from engine.analysis.grid import PairSides, between_sources, gaps, within_source
from engine.analysis.linked import check_link
from engine.analysis.model import (
    MAX_BYTES,
    MAX_CELLS,
    MAX_WORK,
    Analysis,
    Cuts,
    Finding,
    NotAnalysed,
    OverWork,
    QuestionAnalysis,
    Work,
    grid_bytes,
    over_budget,
    retained_bytes,
)
from engine.analysis.partition import Partition
from engine.analysis.witness import complete_findings
from engine.contract import Vocabulary, vocabulary
from engine.gcpause import gc_paused
from engine.meaning.facts import Constraint, constraints
from engine.meaning.links import usable
from engine.model import Ruleset

# Keep each source's side of its pairs across them (engine.analysis.grid.PairSides); False computes it per
# pair as before (benchmarks/walls.py (h3) times both; the findings are the same).
SHARE_SIDES = True


@dataclass
class ConstrainedQuestion(QuestionAnalysis):
    """A question's analysis with what the vocabulary's meaning added to it (the report's analysis section).

    applied: the constraints (engine.meaning.facts) judged on its cells; links: the cross-question links checked
    from this question
    (engine.analysis.linked), whose findings are among `findings`; links_cut: claims of link findings
    not located (over max_findings), so their conflict ids stay known."""

    applied: list[Constraint] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    links_cut: list[tuple[str, ...]] = field(default_factory=list)


def analyse_question(
    question: str,
    rulesets: list[Ruleset],
    vocab: Vocabulary | None = None,
    max_cells: int = MAX_CELLS,
    method: str = "auto",
    max_bytes: int = MAX_BYTES,
    max_findings: int | None = None,
    work: Work | None = None,
) -> QuestionAnalysis:
    """Findings of one question. `method`: "auto" picks components when they pay off
    (engine.analysis.components.pays_off), "grid" forces full grids (the reference the tests compare with),
    "components" forces components (raising components.TooWide when they do not fit).
    `work`: the budget shared by the whole analysis; a source (or the question, by components)
    whose next step does not fit is named in not_analysed with the work it needed."""
    vocab = vocab or vocabulary()
    per_source = [(r, r.claims_for(question)) for r in sorted(rulesets, key=lambda r: r.source_id)]
    per_source = [(r, cs) for r, cs in per_source if cs]
    all_claims = [c for _, cs in per_source for c in cs]
    per_claim = claim_thresholds(all_claims, vocab)
    # The constraints on the question's facts cut its partitions and mark the cells no patient occupies.
    universe = {n for c in all_claims for n in c.facts if n in vocab.facts}
    notes: list[str] = []

    def cut(cuts: Cuts) -> dict[str, Partition]:
        parts, found = question_partitions(question, all_claims, vocab, per_claim, cuts)
        notes[:] = found
        return parts

    parts, factors, meaning = prepare(constraints(vocab), universe, vocab, cut)
    applied = constraint_ids(factors)
    result = ConstrainedQuestion(
        question,
        parts,
        {},
        notes=[f"{question}: {n}" for n in [*notes, *meaning.notes]],
        applied=[c for c in meaning.constraints if c.id in applied],
    )
    source_of = {c.id: r.source_id for r, cs in per_source for c in cs}
    for claim_id, (_, claim_notes) in per_claim.items():
        for n in claim_notes:
            result.note_sources.setdefault(f"{question}: {n}", source_of[claim_id])
    if method == "components" or (
        method == "auto" and components.pays_off(parts, per_source, max_cells, max_bytes, factors)
    ):
        try:
            by_components = components.analyse_factored(
                question, parts, per_source, per_claim, vocab, max_cells, max_bytes, work, factors
            )
        except components.TooWide:
            if method == "components":
                raise
            # too wide even by components: full grids, sources over the budget left out
        except OverWork as exc:  # the full grids would cost more still: every source of the question is left out
            for ruleset, claims in per_source:
                facts = tuple(coupled_facts({n for c in claims for n in c.facts}, factors))
                result.not_analysed.append(
                    NotAnalysed(
                        question,
                        ruleset.source_id,
                        math.prod(len(parts[n].cells) for n in facts),
                        facts,
                        len(claims),
                        f"the question's analysis by independent groups of facts stopped: {exc}",
                    )
                )
            return result
        else:
            result.findings, result.cells, result.method = by_components.findings, by_components.cells, "components"
            return result
    held = 0  # bytes the grids analysed so far keep until the pairs are compared
    for ruleset, claims in per_source:
        facts = tuple(coupled_facts({n for c in claims for n in c.facts}, factors))
        cells = math.prod(len(parts[n].cells) for n in facts)  # a Python int: no overflow before the check
        if over_budget(cells, len(claims), max_cells):
            result.not_analysed.append(NotAnalysed(question, ruleset.source_id, cells, facts, len(claims)))
            continue
        need = held + grid_bytes(cells, len(claims))
        if need > max_bytes:
            result.not_analysed.append(
                NotAnalysed(
                    question,
                    ruleset.source_id,
                    cells,
                    facts,
                    len(claims),
                    f"its grid of {cells:,} cells for {len(claims):,} claims needs about {need >> 20:,} MiB of arrays "
                    f"(with the question's other grids), over the {max_bytes >> 20:,} MiB budget; raise it with --max-memory",
                )
            )
            continue
        try:
            sc, evaluations = source_cells(
                question, parts, ruleset, claims, vocab, per_claim, work, list(facts), factors
            )
        except OverWork as exc:
            result.not_analysed.append(NotAnalysed(question, ruleset.source_id, cells, facts, len(claims), str(exc)))
            continue
        held += retained_bytes(cells)
        result.sources[ruleset.source_id] = sc
        result.cells[ruleset.source_id] = sc.grid.size
        result.evaluations += evaluations
    findings: list[Finding] = []
    ids = sorted(result.sources)
    # Half of what the grids leave of the memory budget, so a pair's own arrays still fit beside the sides kept.
    sides = PairSides(max(0, max_bytes - held) // 2) if SHARE_SIDES else None
    for i, a in enumerate(ids):
        sc = result.sources[a]
        findings.extend(within_source(sc))
        findings.extend(gaps(sc))
        for b in ids[i + 1 :]:
            other = result.sources[b]
            try:
                findings.extend(between_sources(sc, other, max_findings, result.findings_cut, work, sides=sides))
            except OverWork as exc:
                result.not_analysed.append(
                    NotAnalysed(question, b, other.grid.size, tuple(sorted(other.facts)), len(other.claims), str(exc))
                )
        if sides is not None:  # `a` meets no later source: only later ones' sides are needed again
            sides.drop(sc)
    result.findings = findings
    return result


def analyse(
    rulesets: list[Ruleset],
    vocab: Vocabulary | None = None,
    questions: Iterable[str] | None = None,
    on_question: Callable[[str, int], None] | None = None,
    max_cells: int = MAX_CELLS,
    max_bytes: int = MAX_BYTES,
    max_findings: int | None = None,
    max_work: int = MAX_WORK,
    jobs: int = 1,
) -> Analysis:
    """Region analysis of every question any ruleset answers (or of `questions`).

    `jobs` > 1: the questions side by side in worker processes when there is enough to share
    (engine.analysis.questionjobs), with the same results as one after another.

    `on_question(name, total)` is called before each question, so a caller can show progress.
    A source whose grid on a question exceeds `max_cells` cells or `max_bytes` bytes of arrays is
    left out of it (Analysis.not_analysed); so is a question whose rules cannot be computed on
    (a number beyond float range that validation let through): said, never a traceback. All
    questions share one budget of `max_work` units (see MAX_WORK), spent in question order.
    """
    vocab = vocab or vocabulary()
    work = Work(max_work)
    started = time.perf_counter()
    wanted = sorted(set(questions) if questions is not None else {q for r in rulesets for q in r.questions})
    out = {}
    with gc_paused():  # millions of short-lived, cycle-free answers: see engine.gcpause
        if questionjobs.pays(rulesets, wanted, jobs):
            out = questionjobs.analyse_in_parallel(
                wanted,
                rulesets,
                vocab,
                (max_cells, max_bytes, max_findings),
                work,
                jobs,
                question_unit,
                on_question,
            )
        else:
            for q in wanted:
                if on_question is not None:
                    on_question(q, len(wanted))
                out[q] = question_unit(q, rulesets, vocab, max_cells, max_bytes, max_findings, work)
        _check_links(out, rulesets, vocab, max_cells, max_bytes, max_findings, work)
        for qa in out.values():  # each witness with the hidden facts that make it a possible patient
            complete_findings(qa.findings, vocab)
    return Analysis(out, time.perf_counter() - started, max_cells, max_bytes, max_work=max_work, work=work.spent)


def question_unit(
    question: str,
    rulesets: list[Ruleset],
    vocab: Vocabulary,
    max_cells: int,
    max_bytes: int,
    max_findings: int | None,
    work: Work,
) -> QuestionAnalysis:
    """One question as analyse() runs it: whole, by slices when too large whole, refused when its rules
    cannot be computed on. A worker process runs the same (engine.analysis.questionjobs)."""
    try:
        qa = analyse_question(
            question, rulesets, vocab, max_cells, max_bytes=max_bytes, max_findings=max_findings, work=work
        )
        if qa.not_analysed:  # too large whole: once per value of the fact every scoped claim reads
            qa = _by_slices(qa, rulesets, vocab, max_cells, max_bytes, max_findings, work)
    except (ArithmeticError, RecursionError) as exc:
        qa = _refused(question, rulesets, vocab, exc)
    return qa


MAX_SLICE_DEPTH = 2  # facts sliced on, one inside the other: 7 indications x 4 Child-Pugh classes at most 28 analyses


def _by_slices(
    whole: QuestionAnalysis,
    rulesets: list[Ruleset],
    vocab: Vocabulary,
    max_cells: int,
    max_bytes: int,
    max_findings: int | None,
    work: Work,
    depth: int = 0,
) -> QuestionAnalysis:
    """The question by slices (engine.analysis.slicing) when that leaves fewer sources out; else as it was.

    A slice still too large is sliced again on the next fact (at most MAX_SLICE_DEPTH facts deep)."""
    from engine.analysis.slicing import analyse_by_slices, slicing_fact

    fact = slicing_fact(whole.question, rulesets, vocab)
    if fact is None:
        return whole

    def one(sliced: list[Ruleset]) -> QuestionAnalysis:
        part = analyse_question(
            whole.question, sliced, vocab, max_cells, max_bytes=max_bytes, max_findings=max_findings, work=work
        )
        if part.not_analysed and depth + 1 < MAX_SLICE_DEPTH:
            part = _by_slices(part, sliced, vocab, max_cells, max_bytes, max_findings, work, depth + 1)
        return part

    before = work.spent
    sliced = analyse_by_slices(whole.question, rulesets, vocab, fact, one)
    # Kept when it leaves fewer cells unanalysed: a source left out of two slices beats one left out of all.
    if sliced is None or sum(n.cells for n in sliced.not_analysed) >= sum(n.cells for n in whole.not_analysed):
        work.spent = before  # a trial that is not kept spends nothing of what later questions need
        return whole
    return sliced


def _check_links(
    out: dict[str, QuestionAnalysis],
    rulesets: list[Ruleset],
    vocab: Vocabulary,
    max_cells: int,
    max_bytes: int,
    max_findings: int | None,
    work: Work,
) -> None:
    """Every cross-question link whose two questions were analysed, on every source answering both (in order).

    Findings join the first question's analysis; a links file with a problem is said in every question's notes."""
    found, problems = usable(vocab)
    for qa in out.values():
        qa.notes.extend(problems)
    for link in found:
        home = out.get(link.question)
        if not isinstance(home, ConstrainedQuestion) or not isinstance(out.get(link.requires), ConstrainedQuestion):
            continue
        home.links.append(link.id)
        for ruleset in sorted(rulesets, key=lambda r: r.source_id):
            try:
                result = check_link(link, ruleset, vocab, max_cells, max_bytes, max_findings, work)
            except (ArithmeticError, RecursionError) as exc:
                why = f"link {link.id}: its claims could not be evaluated on cells ({type(exc).__name__})"
                home.not_analysed.append(NotAnalysed(link.question, ruleset.source_id, 0, (), 0, why))
                continue
            home.findings.extend(result.findings)
            home.not_analysed.extend(result.not_analysed)
            home.links_cut.extend(result.cut)
            home.notes.extend(
                f"{link.question}: {n}" for n in result.notes if f"{link.question}: {n}" not in home.notes
            )


def _refused(question: str, rulesets: list[Ruleset], vocab: Vocabulary, exc: BaseException) -> QuestionAnalysis:
    """A question whose claims could not be evaluated on cells: every source of it is named as not analysed."""
    result = QuestionAnalysis(question, {}, {})
    why = f"its claims could not be evaluated on cells ({type(exc).__name__}: {str(exc)[:120]})"
    for ruleset in sorted(rulesets, key=lambda r: r.source_id):
        claims = ruleset.claims_for(question)
        if claims:
            facts = tuple(sorted({n for c in claims for n in c.facts if n in vocab.facts}))
            result.not_analysed.append(NotAnalysed(question, ruleset.source_id, 0, facts, len(claims), why))
    return result
