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


def _factored_rulesets(tmp_path: Any) -> list[Any]:
    """Five sources over eGFR and three booleans each (independent groups of facts), some overlapping."""
    flags = ["pregnant", "breastfeeding", "diabetes", "on_dialysis", "history_vte"]
    for k in range(5):
        cut = 30 + 5 * k
        claims: list[dict[str, Any]] = [
            {"question": "dose", "value": {"mg": 2, "every_days": 1}, "when": {"<": [{"var": "egfr"}, cut]}},
            {"question": "dose", "value": {"mg": 4, "every_days": 1}, "when": {">=": [{"var": "egfr"}, cut]}},
        ]
        for j in range(3):
            mg = 1 if (j + k) % 3 == 0 else 4
            flag = {"==": [{"var": flags[(k + j) % len(flags)]}, True]}
            claims.append({"question": "dose", "value": {"mg": mg, "every_days": 1}, "when": flag})
        write_ruleset(tmp_path / "factored", f"fac{k}", "One. Two.", claims)
    result = validate_paths([tmp_path / "factored"], check_patients=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    return result.rulesets


def test_components_evaluate_each_source_once_per_component(tmp_path, monkeypatch):
    from engine.analysis import components

    rulesets = _factored_rulesets(tmp_path)
    calls: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    real = components._evaluate

    def counted(g: Any, claims: list[Any]) -> Any:
        calls.append((tuple(g.facts), tuple(c.id for c in claims)))
        return real(g, claims)

    monkeypatch.setattr(components, "_evaluate", counted)
    kept = analyse_question("dose", rulesets, method="components")
    once = list(calls)
    calls.clear()
    monkeypatch.setattr(components, "SHARE_EVALUATIONS", False)
    per_pair = analyse_question("dose", rulesets, method="components")
    assert kept.method == per_pair.method == "components"
    assert _summary(kept) == _summary(per_pair)
    assert {f.kind for f in kept.findings} >= {"between_sources", "within_source"}
    assert len(once) == len(set(once)) < len(calls)  # kept: each side of a component evaluated once
    # and the full grids find the same (tests/engine/test_factored.py compares them on generated rulesets)
    grid_kinds = sorted((f.kind, f.claims) for f in analyse_question("dose", rulesets, method="grid").findings)
    assert sorted((f.kind, f.claims) for f in kept.findings) == grid_kinds


def _reference_table(question: str, parts: dict[str, Any], facts: list[str], sides: list[list[Any]]) -> Any:
    """A component's table by evaluating all sides' claims together on its grid (no constraints): the oracle
    for joining each side's own evaluation."""
    import numpy as np

    from engine.analysis.cells import Grid, claim_words, row_claims, row_classes, witness_cost
    from engine.analysis.components import Cells

    g = Grid(question, [parts[n] for n in facts])
    claims = [c for side in sides for c in side]
    side_of = [s for s, side in enumerate(sides) for _ in side]
    inverse, reps = row_classes(claim_words(g, claims)[0])
    flat = inverse.ravel()
    costs = witness_cost(g).ravel()
    order = np.argsort(flat, kind="stable")
    bounds = np.searchsorted(flat[order], np.arange(len(reps) + 1))
    table: dict[Any, Any] = {}
    for k, row in enumerate(reps):
        applying: list[set[str]] = [set() for _ in sides]
        unknown: list[set[str]] = [set() for _ in sides]
        by_value: tuple[dict[str, set[str]], ...] = tuple({} for _ in sides)
        applies_at, unknown_at = row_claims(row)
        for i in applies_at:
            applying[side_of[i]].add(claims[i].value_key)
            by_value[side_of[i]].setdefault(claims[i].value_key, set()).add(claims[i].id)
        for i in unknown_at:
            unknown[side_of[i]].add(claims[i].value_key)
        state = tuple((frozenset(a), frozenset(u)) for a, u in zip(applying, unknown))
        cells = order[bounds[k] : bounds[k + 1]]
        index = np.unravel_index(cells, g.shape)
        best = int(cells[int(np.argmin(costs[cells]))])
        group = Cells(
            int(len(cells)),
            {name: set(np.unique(index[axis]).tolist()) for axis, name in enumerate(facts)},
            by_value,
            dict(zip(facts, g.cell_index(best))),
            int(costs[best]),
        )
        if state in table:
            table[state].absorb(group)
        else:
            table[state] = group
    return table


def test_joined_sides_make_the_table_of_all_claims_together(tmp_path):
    """Same states in the same order (which picks a witness between equally cheap cells), same cells."""
    from engine.analysis.components import Evaluations, component_table, components

    for k in range(4):
        when_age = {">=": [{"var": "age_years"}, 50 + 5 * k]}
        claims: list[dict[str, Any]] = [
            {"question": "dose", "value": {"mg": 4, "every_days": 1}, "when": {">=": [{"var": "egfr"}, 30 + 10 * k]}},
            {"question": "dose", "value": {"mg": 4, "every_days": 1}, "when": when_age},
            {"question": "dose", "value": {"mg": 2, "every_days": 1}, "when": {"<": [{"var": "egfr"}, 45 - 5 * k]}},
            {
                "question": "dose",
                "value": {"mg": 1 + k % 2, "every_days": 1},
                "when": {"and": [{"<": [{"var": "age_years"}, 70 - k]}, {">=": [{"var": "egfr"}, 60]}]},
            },
        ]
        write_ruleset(tmp_path / "joined", f"j{k}", "One. Two.", claims)
    rulesets = validate_paths([tmp_path / "joined"], check_patients=False).rulesets
    qa = analyse_question("dose", rulesets, method="grid")
    per_source = {r.source_id: r.claims_for("dose") for r in rulesets}
    ids = sorted(per_source)
    kept = Evaluations(1 << 30)
    compared = 0
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            for facts, sides in components([per_source[a], per_source[b]], ()):
                want = _reference_table("dose", qa.partitions, facts, sides)
                for evaluations in (None, kept):
                    got = component_table("dose", qa.partitions, facts, sides, 10**7, evaluations=evaluations)
                    assert list(got.items()) == list(want.items())
                    compared += 1
    assert compared == 12 and kept.held > 0
