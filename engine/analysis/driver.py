"""The region analysis driver: per question, pick a strategy (components or full grids) inside the budgets.

engine.conflicts turns the findings into conflicts; `accord conflicts` and
the workbench call `analyse`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable

from engine.analysis import components
from engine.analysis.cells import claim_thresholds, question_partitions, source_cells
from engine.analysis.grid import between_sources, gaps, within_source
from engine.analysis.model import (
    MAX_BYTES,
    MAX_CELLS,
    MAX_WORK,
    Analysis,
    Finding,
    NotAnalysed,
    OverWork,
    QuestionAnalysis,
    Work,
    grid_bytes,
    over_budget,
    retained_bytes,
)
from engine.contract import Vocabulary, vocabulary
from engine.gcpause import gc_paused
from engine.model import Ruleset


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
    (engine.analysis.components.pays_off), "grid" forces full grids (the reference the tests compare with).
    `work`: the budget shared by the whole analysis; a source (or the question, by components)
    whose next step does not fit is named in not_analysed with the work it needed."""
    vocab = vocab or vocabulary()
    per_source = [(r, r.claims_for(question)) for r in sorted(rulesets, key=lambda r: r.source_id)]
    per_source = [(r, cs) for r, cs in per_source if cs]
    all_claims = [c for _, cs in per_source for c in cs]
    per_claim = claim_thresholds(all_claims, vocab)
    parts, notes = question_partitions(question, all_claims, vocab, per_claim)
    result = QuestionAnalysis(question, parts, {}, notes=[f"{question}: {n}" for n in notes])
    source_of = {c.id: r.source_id for r, cs in per_source for c in cs}
    for claim_id, (_, claim_notes) in per_claim.items():
        for n in claim_notes:
            result.note_sources.setdefault(f"{question}: {n}", source_of[claim_id])
    if method == "auto" and components.pays_off(parts, per_source, max_cells, max_bytes):
        try:
            by_components = components.analyse_factored(
                question, parts, per_source, per_claim, vocab, max_cells, max_bytes, work
            )
        except components.TooWide:
            pass  # too wide even by components: full grids, sources over the budget left out
        except OverWork as exc:  # the full grids would cost more still: every source of the question is left out
            for ruleset, claims in per_source:
                facts = tuple(sorted({n for c in claims for n in c.facts}))
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
        facts = tuple(sorted({n for c in claims for n in c.facts}))
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
            sc, evaluations = source_cells(question, parts, ruleset, claims, vocab, per_claim, work)
        except OverWork as exc:
            result.not_analysed.append(NotAnalysed(question, ruleset.source_id, cells, facts, len(claims), str(exc)))
            continue
        held += retained_bytes(cells)
        result.sources[ruleset.source_id] = sc
        result.cells[ruleset.source_id] = sc.grid.size
        result.evaluations += evaluations
    findings: list[Finding] = []
    ids = sorted(result.sources)
    for i, a in enumerate(ids):
        sc = result.sources[a]
        findings.extend(within_source(sc))
        findings.extend(gaps(sc))
        for b in ids[i + 1 :]:
            other = result.sources[b]
            try:
                findings.extend(between_sources(sc, other, max_findings, result.findings_cut, work))
            except OverWork as exc:
                result.not_analysed.append(
                    NotAnalysed(question, b, other.grid.size, tuple(sorted(other.facts)), len(other.claims), str(exc))
                )
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
) -> Analysis:
    """Region analysis of every question any ruleset answers (or of `questions`).

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
        for q in wanted:
            if on_question is not None:
                on_question(q, len(wanted))
            try:
                out[q] = analyse_question(
                    q, rulesets, vocab, max_cells, max_bytes=max_bytes, max_findings=max_findings, work=work
                )
            except (ArithmeticError, RecursionError) as exc:
                out[q] = _refused(q, rulesets, vocab, exc)
    return Analysis(out, time.perf_counter() - started, max_cells, max_bytes, max_work=max_work, work=work.spent)


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
