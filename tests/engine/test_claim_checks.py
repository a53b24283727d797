"""Impossible and always-true conditions (E215, W216) and redundant claims (W303), on synthetic rulesets.

The condition solver (engine.analysis.satisfy) is checked against brute force: random conditions
over numeric, enum and boolean facts (some tied by schema/relations.yaml), every one evaluated
with engine.evaluate on sampled patients that hit every cell, feasibility judged by
engine.meaning.facts.check (the relations `accord validate` warns about, W504).
"""

from __future__ import annotations

import itertools
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from engine.analysis import satisfy
from engine.claimedit import check_claim_snippet, read_document
from engine.contract import vocabulary
from engine.evaluate import evaluate_claim
from engine.meaning.facts import check
from engine.model import Claim, Provenance
from engine.validate import validate_paths
from tests.conftest import write_ruleset

TEXT = "Use 2 mg once daily. Avoid when eGFR is below 30. Reduce to 1 mg in the elderly. Give 4 mg otherwise."
DOSE2 = {"mg": 2, "every_days": 1}
DOSE1 = {"mg": 1, "every_days": 1}


def claim(when: Any, value: Any = DOSE2, quote: str = "Use 2 mg once daily", **extra: Any) -> dict[str, Any]:
    return {"question": "dose", "value": value, "when": when, "quote": quote, **extra}


def findings(tmp: Path, claims: list[dict[str, Any]], code: str | None = None) -> list[Any]:
    write_ruleset(tmp, "src", TEXT, claims)
    found = validate_paths([tmp]).diagnostics
    return [d for d in found if code is None or d.code == code]


V = vocabulary()


def var(name: str) -> dict[str, str]:
    return {"var": name}


# ---------------------------------------------------------------- known answers


@pytest.mark.parametrize(
    "when, why",
    [
        ({"and": [{">": [var("egfr"), 50]}, {"<": [var("egfr"), 30]}]}, "no value"),
        ({">": [var("age_years"), 150]}, "age_years 0 to 120"),
        ({"and": [{"==": [var("sex"), "male"]}, {"==": [var("sex"), "female"]}]}, "no value"),
        ({"<": [50, var("egfr"), 30]}, "no value"),
        ({"and": [{">=": [var("egfr"), 90]}, {"<": [var("crcl"), 30]}]}, "egfr-crcl-within-one-category"),
        ({"and": [var("pregnant"), {"==": [var("sex"), "male"]}]}, "not-pregnant-if-male"),
        ({"and": [var("history_vte"), {"!": var("vte_risk_factor")}]}, "history-vte-is-vte-risk-factor"),
        ({"==": [1, 2]}, "no value"),
    ],
)
def test_impossible_condition_is_an_error_at_the_when(tmp_path, when, why):
    found = findings(tmp_path, [claim(when)], "E215")
    assert len(found) == 1, [d.format() for d in validate_paths([tmp_path]).diagnostics]
    d = found[0]
    assert d.severity == "error" and d.pointer == "/claims/0/when"
    text = (tmp_path / "src.yaml").read_text().splitlines()
    assert text[d.line - 1][d.col - 1 :].startswith("when:") or "when" in text[d.line - 2]
    assert why in d.message and "src/c0" in d.message
    assert not validate_paths([tmp_path]).ok


@pytest.mark.parametrize(
    "when",
    [
        {">=": [var("egfr"), 0]},
        {"or": [var("pregnant"), {"!": var("pregnant")}]},
        {"<=": [0, var("age_years"), 120]},
        {"in": [var("sex"), ["female", "male"]]},
        {"or": [{"<": [var("egfr"), 30]}, {">=": [var("egfr"), 30]}]},
        {"or": [{"!": var("history_vte")}, var("vte_risk_factor")]},  # true for every patient the relations allow
    ],
)
def test_always_true_condition_is_a_warning(tmp_path, when):
    found = findings(tmp_path, [claim(when)])
    assert [d.code for d in found] == ["W216"], [d.format() for d in found]
    assert found[0].severity == "warning" and found[0].pointer == "/claims/0/when"
    assert validate_paths([tmp_path]).ok


@pytest.mark.parametrize(
    "when",
    [
        True,
        {"<": [var("egfr"), 30]},
        {"and": [{">=": [var("egfr"), 30]}, {"<": [var("egfr"), 30.5]}]},
        {"==": [var("egfr"), 200]},  # the range's last point
        {"and": [{">=": [var("egfr"), 90]}, {"<": [var("crcl"), 90]}, {">=": [var("crcl"), 60]}]},
        {"and": [var("pregnant"), {"==": [var("sex"), "female"]}]},
        {">": [var("egfr"), var("crcl")]},  # several numeric facts in one comparison: not checked
    ],
)
def test_satisfiable_conditions_are_quiet(tmp_path, when):
    assert findings(tmp_path, [claim(when)]) == []


def test_editor_shows_the_impossible_condition_on_its_line(tmp_path):
    path = write_ruleset(tmp_path, "src", TEXT, [claim({"<": [var("egfr"), 30]})])
    doc = read_document(path)
    snippet = (
        "id: src/c0\nquestion: dose\nvalue: {mg: 2, every_days: 1}\n"
        "when: {and: [{'>': [{var: egfr}, 50]}, {'<': [{var: egfr}, 30]}]}\n"
        "provenance: {exact: Use 2 mg once daily, start: 0, end: 19}\nstatus: submitted\n"
    )
    result = check_claim_snippet(snippet, doc, 0, str(path))
    found = [d for d in result.diagnostics if d.code == "E215"]
    assert len(found) == 1 and found[0].line == 4, [d.format() for d in result.diagnostics]


def test_sarif_carries_the_new_rules(tmp_path, capsys):
    from engine.cli import main

    findings(tmp_path, [claim({">": [var("age_years"), 150]}), claim({">=": [var("egfr"), 0]}, value=DOSE1)])
    main(["validate", "--format", "sarif", str(tmp_path)])
    log = json.loads(capsys.readouterr().out)
    run = log["runs"][0]
    assert {r["ruleId"] for r in run["results"]} >= {"E215", "W216"}
    assert {"E215", "W216", "W303"} <= {r["id"] for r in run["tool"]["driver"]["rules"]}
    located = next(r for r in run["results"] if r["ruleId"] == "E215")["locations"][0]["physicalLocation"]
    assert located["region"]["startLine"] > 1


# ---------------------------------------------------------------- redundant and duplicate claims


def test_claim_inside_another_with_the_same_value_is_redundant(tmp_path):
    found = findings(
        tmp_path,
        [
            claim({"<": [var("egfr"), 60]}, quote="Use 2 mg once daily"),
            claim({"<": [var("egfr"), 30]}, quote="Avoid when eGFR is below 30"),
            claim({">=": [var("egfr"), 60]}, value=DOSE1, quote="Reduce to 1 mg in the elderly"),
        ],
        "W303",
    )
    assert len(found) == 1
    d = found[0]
    assert d.pointer == "/claims/1/when" and "redundant" in d.message
    assert "'src/c1'" in d.message and "'src/c0'" in d.message
    assert "Avoid when eGFR is below 30" in d.message and "Use 2 mg once daily" in d.message


def test_same_region_same_value_is_a_duplicate_reported_once(tmp_path):
    when = {"and": [{">=": [var("egfr"), 30]}, {"!": var("pregnant")}]}
    same = {"and": [{"!": var("pregnant")}, {"!": {"<": [var("egfr"), 30]}}]}  # written differently
    found = findings(tmp_path, [claim(when), claim(same, quote="Give 4 mg otherwise")], "W303")
    assert len(found) == 1 and "duplicate" in found[0].message and found[0].pointer == "/claims/1/when"


def test_containment_by_the_relations_counts(tmp_path):
    # every patient with a history of VTE has a VTE risk factor (schema/relations.yaml)
    found = findings(
        tmp_path, [claim(var("vte_risk_factor")), claim(var("history_vte"), quote="Give 4 mg otherwise")], "W303"
    )
    assert len(found) == 1 and found[0].pointer == "/claims/1/when"


@pytest.mark.parametrize(
    "other",
    [
        claim({"<": [var("egfr"), 30]}, value=DOSE1),  # another value: a within-source conflict, not W303
        claim({"<": [var("egfr"), 30]}, question="initiation", value="do_not_start"),  # another question
        claim({">": [var("egfr"), 50]}),  # overlapping, neither inside the other
    ],
)
def test_no_redundancy_across_values_questions_or_mere_overlap(tmp_path, other):
    found = findings(tmp_path, [claim({"<": [20, var("egfr"), 60]}), other], "W303")
    assert found == []


def test_validate_stays_without_numpy(tmp_path):
    findings(
        tmp_path, [claim({"and": [{">": [var("egfr"), 50]}, {"<": [var("egfr"), 30]}]}), claim(var("history_vte"))]
    )
    code = (
        "import sys\nfrom engine.validate import validate_paths\n"
        f"r = validate_paths([{str(tmp_path)!r}])\nassert any(d.code == 'E215' for d in r.diagnostics)\n"
        "print('numpy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_over_the_budget_is_not_checked(tmp_path):
    wide = {"or": [{"==": [var("egfr"), i + 0.5]} for i in range(150)]}  # 301 cells x 150 comparisons
    impossible = {"and": [wide, {">": [var("egfr"), 500]}]}
    assert satisfy.decide(impossible, V) is not None  # within the default budget: decided
    assert satisfy.decide(impossible, V, satisfy.Budget(1_000)) is None  # over it: silently not checked


# ---------------------------------------------------------------- the solver against brute force

NUMBERS = {
    "age_years": [0, 18, 65, 70, 120, 150, -5],
    "anc": [0, 0.5, 1, 50, 60],
    "egfr": [0, 15, 30, 45, 60, 90, 200],
    "crcl": [0, 15, 30, 60, 90, 250],
}
ENUMS = {"indication": list(V.facts["indication"].values), "sex": ["female", "male"]}
BOOLS = ["strong_oat3_inhibitor", "cv_risk_factor", "pregnant", "history_vte", "vte_risk_factor"]
CONSTRAINT_CUTS = {"egfr": [15, 30, 60, 90], "crcl": [15, 30, 60, 90]}


def random_atom(rng: random.Random, facts: list[str]) -> Any:
    name = rng.choice(facts)
    if name in NUMBERS:
        t = rng.choice(NUMBERS[name])
        shape = rng.randrange(4)
        if shape == 0:
            return {rng.choice(["<", "<=", ">", ">=", "==", "!="]): [var(name), t]}
        if shape == 1:
            return {rng.choice(["<", "<=", ">", ">="]): [t, var(name)]}
        if shape == 2:
            lo, hi = sorted(rng.sample(NUMBERS[name], 2))
            return {rng.choice(["<", "<="]): [lo, var(name), hi]}
        return {"in": [var(name), rng.sample(NUMBERS[name], 2)]}
    if name in ENUMS:
        values = ENUMS[name]
        if rng.random() < 0.5:
            return {rng.choice(["==", "!="]): [var(name), rng.choice(values)]}
        return {"in": [var(name), rng.sample(values, rng.randint(1, len(values)))]}
    if rng.random() < 0.15:  # two facts in one comparison: the grid evaluator's shape
        other = rng.choice(BOOLS)
        return {rng.choice(["==", "!="]): [var(name), var(other)]}
    return var(name)


def random_rule(rng: random.Random, facts: list[str], depth: int = 0) -> Any:
    if depth >= 3 or rng.random() < 0.3:
        return random_atom(rng, facts)
    op = rng.choice(["and", "or", "!", "if"])
    if op == "!":
        return {"!": random_rule(rng, facts, depth + 1)}
    if op == "if":
        return {"if": [random_rule(rng, facts, depth + 1) for _ in range(rng.choice([3, 5]))]}
    return {op: [random_rule(rng, facts, depth + 1) for _ in range(rng.randint(2, 3))]}


def samples(name: str) -> list[Any]:
    """Values of one fact hitting every cell any generated rule (or relation) can cut."""
    if name in ENUMS:
        return ENUMS[name]
    if name not in NUMBERS:
        return [False, True]
    lo, hi = V.facts[name].range or (0, 0)
    points = {lo, hi}
    for t in NUMBERS[name] + CONSTRAINT_CUTS.get(name, []):
        points.update({t, t - 0.25, t + 0.25})
    return sorted(p for p in points if lo <= p <= hi)


_FEASIBLE: dict[str, bool] = {}


def feasible(patient: dict[str, Any]) -> bool:
    key = json.dumps(patient, sort_keys=True)
    if key not in _FEASIBLE:
        _FEASIBLE[key] = not check(patient, V)
    return _FEASIBLE[key]


def brute_force(rule: Any) -> tuple[bool, bool]:
    """(satisfiable, always) over every sampled feasible patient, by engine.evaluate."""
    c = Claim("t/x", "t", "dose", DOSE2, rule, Provenance("", 0, 0), "draft")
    names = sorted(set(c.facts))
    some, every = False, True
    for values in itertools.product(*(samples(n) for n in names)):
        patient = dict(zip(names, values))
        if not feasible(patient):
            continue
        applies = evaluate_claim(c, patient).applies
        assert applies is not None, (rule, patient)
        some |= applies
        every &= applies
    return some, every


def grid_verdict(rule: Any) -> satisfy.Verdict | None:
    prepared = satisfy._prepare([rule], V, True)
    assert prepared is not None
    names, parts, chosen = prepared
    return satisfy._decide_grid(rule, names, parts, chosen, V, satisfy.Budget(10**12))


def test_solver_agrees_with_brute_force_on_random_conditions():
    rng = random.Random(18)
    pool = list(NUMBERS) + list(ENUMS) + BOOLS
    methods: set[str] = set()
    outcomes: set[tuple[bool, bool]] = set()
    for _ in range(250):
        facts = rng.sample(pool, rng.randint(1, 3))
        rule = random_rule(rng, facts)
        verdict = satisfy.decide(rule, V, satisfy.Budget(10**9))
        assert verdict is not None, rule
        expected = brute_force(rule)
        assert (verdict.satisfiable, verdict.always) == expected, rule
        grid = grid_verdict(rule)
        assert grid is not None and (grid.satisfiable, grid.always) == expected, rule
        c = Claim("t/x", "t", "dose", DOSE2, rule, Provenance("", 0, 0), "draft")
        for patient, holds in ((verdict.witness, True), (verdict.counterexample, False)):
            if patient is not None:  # each example patient is real: it exists, and the rule holds (or not) for it
                assert evaluate_claim(c, patient).applies is holds and feasible(patient), (rule, patient)
        methods.add(verdict.method)
        outcomes.add(expected)
    assert methods == {"bits", "grid"}
    assert outcomes == {(True, False), (True, True), (False, False)}  # every kind of answer was tested


def test_connected_constraints_match_the_analysis_plan():
    from engine.analysis.feasible import plan
    from engine.meaning.facts import constraints

    for names in (["egfr"], ["renal_impairment"], ["pregnant"], ["history_vte", "age_years"], ["age_years"]):
        expected = [c.id for c in plan(constraints(V), names, V).constraints]
        assert [c.id for c in satisfy.connected(constraints(V), names, V)] == expected


def test_kept_leaves_give_the_same_verdict_and_cost_as_evaluating_them():
    """satisfy keeps each leaf's truths per cell (claims repeat `indication = ra` and their bands); a
    decision from kept leaves must charge the budget what evaluating them costs, or a ruleset's checks
    past the budget would depend on what was decided before."""
    rng = random.Random(7)
    pool = list(NUMBERS) + list(ENUMS) + BOOLS
    rules = [random_rule(rng, rng.sample(pool, rng.randint(1, 3))) for _ in range(60)]

    def run() -> list[tuple[Any, int]]:
        out = []
        for rule in rules:
            budget = satisfy.Budget(10**9)
            verdict = satisfy.decide(rule, V, budget)
            out.append((verdict, budget.left))
        return out

    run()  # the other caches (constraints' cells: their cost is charged once per process) warm
    satisfy._LEAVES.clear()
    cold = run()
    assert satisfy._LEAVES  # leaves were kept
    warm = run()
    assert warm == cold
    assert len({left for _, left in cold}) > 1  # the costs differ between rules: the comparison can fail
