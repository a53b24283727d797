"""A drug's questions analysed side by side on every core, with exactly the results of one after another.

Issue 19 item 3: analysis is independent per (drug, question). engine.drugreports runs drugs in
parallel; a project of one drug (the bundled corpus) still analysed its questions one by one on one
core. Here each question's analysis (analyse_question, then by slices when too large whole: the unit
engine.analysis.driver.analyse runs per question) goes to a spawned worker process.

The one thing questions share is the work budget (--max-work), spent in question order. Each worker
runs its question with the whole budget and says the most it had spent at any moment and whether any
step was refused. Then, in question order, a result is kept when the budget the question would have
had (what the questions before it left) covers that peak and nothing was refused: every step's check
would have passed alike, so the result is the one-by-one result. Otherwise the question runs again
here with the budget it would have had. So the report is the same for any number of jobs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from engine.analysis.model import OverWork, Work

if TYPE_CHECKING:
    from engine.analysis.model import QuestionAnalysis
    from engine.contract import Vocabulary
    from engine.model import Ruleset

MIN_CLAIMS = 300  # fewer claims in all: the workers' start (about half a second each) costs more than it saves


@dataclass
class TrackedWork(Work):
    """A Work budget that remembers its highest spending and whether a step was refused."""

    peak: int = 0
    refused: bool = False

    def take(self, units: int, what: str) -> None:
        try:
            super().take(units, what)
        except OverWork:
            self.refused = True
            raise
        self.peak = max(self.peak, self.spent)


# engine.analysis.driver.question_unit(question, rulesets, vocab, max_cells, max_bytes, max_findings, work):
# a module-level function, so a task names it and a worker imports it (no import of the driver here)
Unit = Callable[[str, list["Ruleset"], "Vocabulary", int, int, "int | None", Work], "QuestionAnalysis"]
Task = tuple[Unit, str, list["Ruleset"], "Vocabulary", int, int, "int | None", int]


def pays(rulesets: Sequence[Ruleset], questions: Sequence[str], jobs: int) -> bool:
    """Whether to analyse these questions in worker processes."""
    if jobs <= 1 or len(questions) < 2:
        return False
    return sum(len(r.claims_for(q)) for r in rulesets for q in questions) >= MIN_CLAIMS


def _in_worker(task: Task) -> tuple[str, QuestionAnalysis, int, int, bool]:
    """One question in a worker: (question, its analysis, work spent, peak work, whether a step was refused)."""
    from engine.meaning.questions import using

    unit, question, rulesets, vocab, max_cells, max_bytes, max_findings, max_work = task
    work = TrackedWork(max_work)
    with using(vocab):  # the shapes every fold and comparison reads, as in the parent
        qa = unit(question, rulesets, vocab, max_cells, max_bytes, max_findings, work)
    return question, qa, work.spent, work.peak, work.refused


def analyse_in_parallel(
    questions: Sequence[str],
    rulesets: list[Ruleset],
    vocab: Vocabulary,
    limits: tuple[int, int, int | None],
    work: Work,
    jobs: int,
    unit: Unit,
    on_question: Callable[[str, int], None] | None = None,
) -> dict[str, QuestionAnalysis]:
    """Each question's analysis, as one question after another in `questions` order would give it.

    `limits` = (max_cells, max_bytes, max_findings); `work` is the shared budget, spent here in question
    order; `unit` analyses one question (in a worker with the whole budget; here with `work`, for a result
    the budget would have changed)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    max_cells, max_bytes, max_findings = limits
    shipped = [replace(r, document=None) for r in rulesets]  # positions are for diagnostics only
    order = sorted(questions, key=lambda q: -sum(len(r.claims_for(q)) for r in rulesets))  # largest first
    tasks: list[Task] = [(unit, q, shipped, vocab, max_cells, max_bytes, max_findings, work.limit) for q in order]
    context = multiprocessing.get_context("spawn")  # never fork: the workbench calls this from a thread
    try:
        with ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=context) as pool:
            done = {result[0]: result for result in pool.map(_in_worker, tasks)}  # (question, qa, spent, ...)
    except (BrokenProcessPool, OSError):  # no workers to be had (a sandbox, out of memory): one after another
        done = {}
    out: dict[str, QuestionAnalysis] = {}
    for q in questions:
        if on_question is not None:
            on_question(q, len(questions))
        found = done.get(q)
        if found is not None:
            _, qa, spent, peak, refused = found
            if not refused and work.spent + peak <= work.limit:  # every step fitted the budget it would have had
                out[q] = qa
                work.spent += spent
                continue
        out[q] = unit(q, rulesets, vocab, max_cells, max_bytes, max_findings, work)
    return out
