"""Hostile corpus (operation budget): many rules, each under E208's limit, refused by their total (E209).

One rule is bounded by E208 (1,000 operations), but 355 such rules fit in the
5 MiB file limit and took 11 s in `accord conflicts` (arithmetic comparisons:
26 s). E209 bounds the total of one ruleset's rules. The cases are generated
(a ruleset over 40,000 operations is half a megabyte): each asserts its exact
located outcome in every command, and the work it saves is measured in CPU time.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from benchmarks.child import run_child
from engine import cli
from engine.analysis.partition import _comparison, thresholds
from engine.contract import vocabulary
from engine.rules import MAX_OPERATIONS, MAX_RULESET_OPERATIONS, total_problem
from engine.validate import validate_paths
from tests.conftest import ACCORD, REPO, write_ruleset

TEXT = "Wide rule. Second."
WIDE = (MAX_OPERATIONS - 1) // 2  # comparisons in an `or` of 999 operations, the most one rule may have


def wide(k: int) -> dict[str, Any]:
    """999 operations: an `or` alternating two facts, so no run of comparisons folds into one lookup."""
    return {
        "or": [
            {"==": [{"var": "age_years"}, (i * 7 + k) % 120]} if i % 2 else {"<": [{"var": "egfr"}, (i + k) % 200]}
            for i in range(WIDE)
        ]
    }


def arithmetic(k: int) -> dict[str, Any]:
    """1,000 operations of affine comparisons (`egfr + c < t`), the costliest shape per operation measured."""
    return {
        "or": [
            {"<": [{"+": [{"var": "egfr"}, (i + k) % 50]}, 100 + i]}
            if i % 2
            else {">": [{"*": [{"var": "age_years"}, 2]}, i + k]}
            for i in range(333)
        ]
    }


def ruleset(folder: Path, whens: list[Any]) -> Path:
    """A ruleset `w` whose claims have these rules, and one patient expecting an answer from it."""
    claims = [
        {"question": "dose", "value": {"mg": 1 + k % 2, "every_days": 1}, "quote": "Wide rule.", "when": when}
        for k, when in enumerate(whens)
    ]
    write_ruleset(folder, "w", TEXT, claims)
    (folder / "patients").mkdir(exist_ok=True)
    patient = {"id": "p", "facts": {"age_years": 5, "egfr": 40}, "expected": {"w": {"dose": "indeterminate"}}}
    (folder / "patients" / "p.yaml").write_text(json.dumps(patient), encoding="utf-8")
    return folder


def over_by_one(folder: Path) -> Path:
    """40 rules of 1,000 operations (the budget exactly), then one `{"var": "pregnant"}`: 40,001."""
    at_limit = [arithmetic(k) for k in range(MAX_RULESET_OPERATIONS // MAX_OPERATIONS)]
    return ruleset(folder, [*at_limit, {"var": "pregnant"}])


def errors(result: Any) -> list[tuple[str, str]]:
    return [(d.code, d.pointer) for d in result.diagnostics if d.severity == "error"]


def test_the_shapes_have_the_operations_they_claim():
    from engine.rules import operation_count

    assert operation_count(wide(0), 10**6) == 999 and operation_count(arithmetic(0), 10**6) == 1000


def test_at_the_budget_a_ruleset_is_valid(tmp_path):
    ruleset(tmp_path, [arithmetic(k) for k in range(MAX_RULESET_OPERATIONS // MAX_OPERATIONS)])
    result = validate_paths([tmp_path])
    assert errors(result) == [] and len(result.rulesets[0].claims) == 40


def test_one_operation_over_the_budget_is_refused_at_the_claim_that_crosses_it(tmp_path):
    over_by_one(tmp_path)
    result = validate_paths([tmp_path])
    assert errors(result) == [("E209", "/claims/40/when")]
    (diag,) = [d for d in result.diagnostics if d.code == "E209"]
    assert "40,001 operations in all, over the limit of 40,000" in diag.message
    assert result.rulesets == [] and "w" in result.broken
    assert [d.code for d in result.diagnostics if d.severity == "warning"] == ["W503"]  # the patient's expectation


def test_the_total_counts_every_claim_and_rules_after_the_crossing_are_not_checked(tmp_path):
    # an unknown fact before the crossing is reported; one after it is not walked (the total still counts it)
    whens = [{"<": [{"var": "egrf"}, 30]}] + [arithmetic(k) for k in range(40)] + [{"<": [{"var": "no_such"}, 1]}] * 3
    ruleset(tmp_path, whens)
    result = validate_paths([tmp_path])
    assert errors(result) == [("E201", "/claims/0/when/</0/var"), ("E209", "/claims/40/when")]
    (diag,) = [d for d in result.diagnostics if d.code == "E209"]
    assert "40,008 operations in all" in diag.message  # 2 + 40 x 1,000 crosses at claim 40; counted to the end


def test_a_rule_over_e208_counts_as_one_over_the_rule_limit(tmp_path):
    # a rule of 1,201 operations costs MAX_OPERATIONS + 1 toward the total: its count stops there
    huge = {"or": [{"==": [{"var": "age_years"}, i]} for i in range(600)]}
    ruleset(tmp_path, [huge] * 40)
    result = validate_paths([tmp_path])
    codes = errors(result)
    assert codes.count(("E208", "/claims/0/when")) == 1 and ("E209", "/claims/39/when") in codes
    (diag,) = [d for d in result.diagnostics if d.code == "E209"]
    assert f"{40 * (MAX_OPERATIONS + 1):,} operations in all" in diag.message


def test_the_message_says_at_least_when_checking_stopped_early():
    assert total_problem(MAX_RULESET_OPERATIONS) is None
    assert "at least 40,001 operations" in (total_problem(MAX_RULESET_OPERATIONS + 1, at_least=True) or "")


def run(capsys, *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv))
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.out + out.err


def test_every_command_refuses_the_ruleset_with_e209_alone(capsys, tmp_path):
    folder = over_by_one(tmp_path / "rulesets")
    patient = str(folder / "patients" / "p.yaml")
    for argv in (
        ["validate", str(folder)],
        ["test", str(folder)],
        ["eval", "--patient", patient, "--rulesets", str(folder)],
        ["explain", "--patient", patient, "--rulesets", str(folder), "--source", "w", "--question", "dose"],
        ["coverage", str(folder)],
        ["conflicts", "--rulesets", str(folder), "--out", str(tmp_path / "out")],
    ):
        status, out = run(capsys, *argv)
        found = [line for line in out.splitlines() if "error[" in line]
        assert status == 1 and len(found) == 1, (argv, out)
        assert "error[E209]" in found[0] and "(at /claims/40/when)" in found[0], (argv, out)
    assert not (tmp_path / "out" / "report.json").exists()


@pytest.mark.parametrize("command", ["eval", "conflicts"])
def test_the_refusal_costs_a_validation(tmp_path, command):
    """Refused, the 40,001 operations cost at most two validations of 40,000 (before E209, 100 such rules took 2-7 s).

    A ratio in one run, not a time. The refusal is a validation plus locating the claim that
    crosses the budget at the end of a 67,000-line file: a second reading of the parser's events
    (the loader passes over the rules before it by depth alone), measured at 1.6 validations.
    """
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    admitted = ruleset(
        tmp_path / "admitted" / "rulesets", [arithmetic(k) for k in range(MAX_RULESET_OPERATIONS // MAX_OPERATIONS)]
    )
    validating = run_child([*ACCORD, "validate", str(admitted)], cwd=tmp_path, timeout=60, env=env)
    assert validating.returncode == 0, validating.output
    folder = over_by_one(tmp_path / "rulesets")
    argv = {
        "eval": ["eval", "--patient", str(folder / "patients" / "p.yaml"), "--rulesets", str(folder)],
        "conflicts": ["conflicts", "--rulesets", str(folder), "--out", str(tmp_path / "out"), "-q"],
    }[command]
    proc = run_child([*ACCORD, *argv], cwd=tmp_path, timeout=60, env=env)
    assert proc.returncode == 1 and "error[E209]" in proc.output and "Traceback" not in proc.output
    assert proc.cpu < 2.0 * validating.cpu, (
        f"{command} took {proc.cpu:.2f} s of CPU to refuse, validating {validating.cpu:.2f} s"
    )


# ---------------------------------------------------------------- thresholds: the plain comparison's short cut


@pytest.mark.parametrize(
    "rule",
    [
        {"<": [{"var": "egfr"}, 30]},
        {">=": [45.5, {"var": "egfr"}]},
        {"==": [{"var": "age_years"}, 18]},
        {"!=": [{"var": "crcl"}, 0.1234567891234]},  # rounded to 9 places either way
        {"<": [{"var": "egfr"}, 10**400]},  # beyond float range: a note, not a cut
        {"<": [{"var": "egfr"}, True]},
        {"<": [{"var": "egfr"}, {"var": "crcl"}]},  # two facts: a note
        {"<": [{"var": ["egfr"]}, 30]},
        {"==": [{"var": "sex"}, "female"]},  # an enum fact: no cut
        {"==": ["female", {"var": "sex"}]},
        {"!=": [{"var": "pregnant"}, True]},  # a boolean fact
        {"==": [{"var": "sex"}, {"var": "egfr"}]},  # a fact on the other side: the general path
        {"<": [{"var": "sex"}, {"+": [{"var": "egfr"}, 1]}]},
        {"<": [1, {"var": "egfr"}, 3]},  # between
        {"<": [{"+": [{"var": "egfr"}, 5]}, 30]},  # affine: solved
    ],
)
def test_the_short_cut_gives_what_the_general_path_gives(rule):
    vocab = vocabulary()
    found: dict[str, set[float]] = {}
    notes: list[str] = []
    _comparison(rule, next(iter(rule.values())), vocab, found, notes)  # the general path alone
    assert thresholds([rule], vocab) == (found, sorted(set(notes)))
