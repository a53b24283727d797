"""engine.analysis.questionjobs: a drug's questions in worker processes give exactly the one-by-one analysis,
also when the shared work budget runs out part way (a question whose run the budget would have changed is
analysed again, here, with the budget it would have had)."""

from __future__ import annotations

import pytest

import engine.analysis.driver as driver
import engine.analysis.questionjobs as questionjobs
from engine.analysis.driver import analyse
from engine.conflicts import build_conflicts
from engine.validate import validate_paths
from tests.conftest import REPO

HERE: list[str] = []  # questions analysed by counted_unit in this process (a worker appends to its own copy)
REAL_UNIT = driver.question_unit


def counted_unit(question, *rest):
    """driver.question_unit, counted: module-level, so a task can name it and a worker import it."""
    HERE.append(question)
    return REAL_UNIT(question, *rest)


@pytest.fixture(scope="module")
def rulesets():
    return validate_paths([REPO / "tests" / "tui" / "fixtures" / "rulesets"], check_patients=False).rulesets


def seen(rulesets, analysis):
    """What a report says of an analysis: every conflict, every source left out, the work spent, the cells."""
    conflicts = [c.to_json() for c in build_conflicts(rulesets, analysis)]
    left_out = [(n.question, n.source, n.cells, n.reason) for n in analysis.not_analysed]
    return conflicts, left_out, analysis.work, analysis.cells


def test_two_jobs_give_the_one_job_analysis_and_the_budget_replays_in_question_order(rulesets, monkeypatch):
    monkeypatch.setattr(questionjobs, "MIN_CLAIMS", 0)  # the fixture is small: run the workers anyway
    whole, here = analyse(rulesets), HERE
    here.clear()
    monkeypatch.setattr(driver, "question_unit", counted_unit)
    assert questionjobs.pays(rulesets, sorted(whole.questions), 2)
    parallel = analyse(rulesets, jobs=2)
    assert here == [] and len(parallel.questions) > 1  # every question came from a worker
    assert seen(rulesets, parallel) == seen(rulesets, whole) and whole.work > 0
    # a budget that runs out part way: some questions keep their worker's result, the rest are analysed again
    tight = whole.work // 2
    one = analyse(rulesets, max_work=tight)
    assert one.not_analysed, "the budget must leave something out for this test to mean anything"
    here.clear()
    assert seen(rulesets, analyse(rulesets, max_work=tight, jobs=2)) == seen(rulesets, one)
    assert 0 < len(here) < len(one.questions)  # kept from workers up to where the budget ran out, then here


def test_a_small_project_or_one_job_stays_in_this_process(rulesets):
    questions = sorted({q for r in rulesets for q in r.questions})
    assert not questionjobs.pays(rulesets, questions, 1)
    assert not questionjobs.pays(rulesets, questions[:1], 4)
    assert not questionjobs.pays(rulesets, questions, 4)  # 40 claims: the workers' start would cost more


def test_without_workers_the_questions_run_here(rulesets, monkeypatch):
    from concurrent.futures.process import BrokenProcessPool

    def broken(*args, **kwargs):
        raise BrokenProcessPool("no workers")

    monkeypatch.setattr(questionjobs, "MIN_CLAIMS", 0)
    monkeypatch.setattr("concurrent.futures.ProcessPoolExecutor", broken)
    assert seen(rulesets, analyse(rulesets, jobs=2)) == seen(rulesets, analyse(rulesets))
