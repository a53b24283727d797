"""Each source's side of its pairs is computed once per set of shared facts (engine.analysis.grid.PairSides),
and the findings are those of computing it for every pair (issue 19 item 6, the cost per pair of sources)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.analysis import driver, grid
from engine.analysis.driver import analyse, analyse_question
from engine.analysis.grid import PairSides, between_sources
from engine.validate import validate_paths
from tests.conftest import write_ruleset

SOURCES = 7


def _rulesets(tmp_path: Any) -> list[Any]:
    """Seven sources over eGFR with their own thresholds; the odd ones also read age, so pairs share
    either {egfr} or {age_years, egfr}; source 3 contradicts itself on a band."""
    for k in range(SOURCES):
        text = "One. Two. Three. Four."
        cut = 30 + 5 * k
        claims: list[dict[str, Any]] = [
            {"question": "dose", "value": {"mg": 2, "every_days": 1}, "when": {"<": [{"var": "egfr"}, cut]}},
            {"question": "dose", "value": {"mg": 4, "every_days": 1}, "when": {">=": [{"var": "egfr"}, cut]}},
        ]
        if k % 2:
            older = {"and": [{">=": [{"var": "age_years"}, 60 + k]}, {">=": [{"var": "egfr"}, cut + 10]}]}
            claims.append({"question": "dose", "value": {"mg": 2, "every_days": 1}, "when": older, "quote": "Two."})
        if k == 3:
            claims.append(
                {"question": "dose", "value": {"mg": 1, "every_days": 1}, "when": {"<": [{"var": "egfr"}, 20]}}
            )
        write_ruleset(tmp_path, f"src{k}", text, claims)
    result = validate_paths([tmp_path], check_patients=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    return result.rulesets


def _summary(qa: Any) -> Any:
    found = [
        (f.kind, f.sources, f.claims, f.region.indices, f.region.count, f.region.witness, f.fact, f.threshold)
        for f in qa.findings
    ]
    return found, qa.not_analysed, qa.findings_cut


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[str, ...]]]:
    calls: list[tuple[str, tuple[str, ...]]] = []
    real = grid._side

    def counted(sc: Any, shared: list[str], strides: dict[str, int]) -> Any:
        calls.append((sc.source, tuple(shared)))
        return real(sc, shared, strides)

    monkeypatch.setattr(grid, "_side", counted)
    return calls


@pytest.mark.parametrize("limit", [None, 1])
def test_shared_sides_give_the_findings_of_per_pair_sides(tmp_path, monkeypatch, limit):
    rulesets = _rulesets(tmp_path)
    calls = _counting(monkeypatch)
    kept = analyse_question("dose", rulesets, method="grid", max_findings=limit)
    once = list(calls)
    calls.clear()
    monkeypatch.setattr(driver, "SHARE_SIDES", False)
    per_pair = analyse_question("dose", rulesets, method="grid", max_findings=limit)
    assert _summary(kept) == _summary(per_pair)
    assert {f.kind for f in kept.findings} >= {"between_sources", "within_source"}
    pairs = SOURCES * (SOURCES - 1) // 2
    assert len(calls) == 2 * pairs  # without it: both sides of every pair
    assert len(once) == len(set(once)) < pairs  # with it: once per source and set of shared facts
    assert {shared for _, shared in once} == {("egfr",), ("age_years", "egfr")}


def test_the_work_budget_is_spent_alike(tmp_path, monkeypatch):
    """Sharing sides saves time, not work units: a budget cuts the analysis at the same place."""
    rulesets = _rulesets(tmp_path)
    full = analyse(rulesets, max_work=10**15)
    tight = max(1, full.work // 2)
    kept = analyse(rulesets, max_work=tight)
    monkeypatch.setattr(driver, "SHARE_SIDES", False)
    per_pair = analyse(rulesets, max_work=tight)
    assert kept.work == per_pair.work
    assert _summary(kept.questions["dose"]) == _summary(per_pair.questions["dose"])
    assert kept.questions["dose"].not_analysed  # the budget did cut it


def test_a_cache_over_its_budget_keeps_nothing_and_finds_the_same(tmp_path):
    rulesets = _rulesets(tmp_path)
    qa = analyse_question("dose", rulesets, method="grid")
    ids = sorted(qa.sources)
    empty = PairSides(0)
    roomy = PairSides(1 << 30)
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            sa, sb = qa.sources[a], qa.sources[b]
            alone = between_sources(sa, sb)
            assert between_sources(sa, sb, sides=empty) == alone
            assert between_sources(sa, sb, sides=roomy) == alone
    assert empty.held == 0 and roomy.held > 0
    for sc in qa.sources.values():
        roomy.drop(sc)
    assert roomy.held == 0
