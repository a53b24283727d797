"""engine.claimchecks decides a repeated condition once per process, and a ruleset's diagnostics stay its own."""

from __future__ import annotations

import engine.claimchecks as checks
from engine.analysis import satisfy
from engine.validate import validate_paths
from tests.conftest import write_ruleset

TEXT = "Use 2 mg once daily. Use 1 mg below 30."
TWO = {"mg": 2, "every_days": 1}


def _claims(source: str) -> list[dict]:
    bands = [{">=": [{"var": "egfr"}, t]} for t in (10, 20, 30)] + [{">": [{"var": "egfr"}, 250]}]  # last: impossible
    return [
        {"id": f"{source}/c{i}", "question": "dose", "value": TWO, "when": w, "quote": "Use 2 mg once daily"}
        for i, w in enumerate(bands)
    ]


def _codes(result, name: str) -> list[tuple[str, int, int]]:
    return sorted((d.code, d.line, d.col) for d in result.diagnostics if d.path.endswith(name))


def test_a_repeated_condition_is_decided_once_with_the_same_diagnostics(tmp_path, monkeypatch):
    alone, both = tmp_path / "alone", tmp_path / "both"
    write_ruleset(alone, "b", TEXT, _claims("b"))
    write_ruleset(both, "a", TEXT, _claims("a"))
    write_ruleset(both, "b", TEXT, _claims("b"))
    calls: list[object] = []
    real = satisfy.decide
    monkeypatch.setattr(checks, "decide", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    monkeypatch.setattr(checks, "_MEMO", checks._Memo())
    first = validate_paths([alone], check_patients=False)
    decided_alone = len(calls)
    monkeypatch.setattr(checks, "_MEMO", checks._Memo())
    calls.clear()
    second = validate_paths([both], check_patients=False)
    assert len(calls) == decided_alone  # b's conditions are a's: decided once for both files
    assert _codes(second, "b.yaml") == _codes(first, "b.yaml")
    assert {c for c, _, _ in _codes(first, "b.yaml")} >= {"E215", "W303"}  # egfr > 250; nested same-dose bands


def test_a_hit_is_charged_what_the_decision_cost(tmp_path, monkeypatch):
    """With a budget too small for all of a ruleset's decisions, a memo hit still spends it: the ruleset is
    checked exactly as far as it would be alone."""
    folder = tmp_path / "r"
    write_ruleset(folder, "a", TEXT, _claims("a"))
    write_ruleset(folder, "b", TEXT, _claims("b"))
    monkeypatch.setattr(checks, "_MEMO", checks._Memo())
    full = validate_paths([folder], check_patients=False)
    costs = [cost for _value, cost in checks._MEMO.entries.values()]
    assert costs and all(c > 0 for c in costs)
    small = sorted(costs)[len(costs) // 2] + 1  # enough for some decisions, not all
    monkeypatch.setattr(checks, "RULESET_UNITS", small)
    monkeypatch.setattr(checks, "_MEMO", checks._Memo())
    alone = validate_paths([folder / "b.yaml"], check_patients=False)
    monkeypatch.setattr(checks, "_MEMO", checks._Memo())
    after_a = validate_paths([folder], check_patients=False)
    assert _codes(after_a, "b.yaml") == _codes(alone, "b.yaml")
    assert len(_codes(alone, "b.yaml")) <= len(_codes(full, "b.yaml"))
