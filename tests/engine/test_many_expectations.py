"""A patient expects a many-valued answer (cardinality many in schema/shapes.yaml) as a list of values:
exactly these, in any order; failures name the values missing and extra; a list on a question with one
answer is refused where it is written (E501)."""

from __future__ import annotations

from pathlib import Path

from engine import cli
from engine.testing import run_tests
from engine.validate import validate_paths
from tests.conftest import write_ruleset

TEXT = "Interrupt for herpes zoster. Consult a liver specialist when HBV DNA is detected. Use 2 mg once daily."
CLAIMS = [
    {
        "question": "treatment_interruption",
        "value": "interrupt",
        "when": {"var": "herpes_zoster"},
        "quote": "Interrupt for herpes zoster",
    },
    {
        "question": "treatment_interruption",
        "value": "consult_specialist",
        "when": {"var": "hepatitis_b_dna_detected"},
        "quote": "Consult a liver specialist when HBV DNA is detected",
    },
    {"question": "dose", "value": {"mg": 2, "every_days": 1}, "quote": "Use 2 mg once daily"},
]
FACTS = "{herpes_zoster: true, hepatitis_b_dna_detected: true, sex: female}"


def folder(tmp: Path, expected: str) -> Path:
    write_ruleset(tmp, "src", TEXT, CLAIMS)
    (tmp / "patients").mkdir()
    (tmp / "patients" / "p.yaml").write_text(f"id: p1\nfacts: {FACTS}\nexpected:\n  src:\n{expected}", encoding="utf-8")
    return tmp


def outcome(tmp: Path, expected: str):
    report = run_tests([folder(tmp, expected)])
    assert [d.format() for d in report.diagnostics if d.severity == "error"] == []
    (only,) = report.outcomes
    return only


def test_exactly_the_listed_values_in_any_order(tmp_path):
    got = outcome(tmp_path, "    treatment_interruption: [consult_specialist, interrupt]\n")
    assert got.passed, got.describe_actual()
    assert got.describe_expected() == "consult_specialist + interrupt"


def test_a_value_left_out_is_named_extra(tmp_path):
    got = outcome(tmp_path, "    treatment_interruption: [interrupt]\n")
    assert not got.passed
    assert got.message == "extra consult_specialist"


def test_missing_and_extra_values_are_named(tmp_path):
    got = outcome(tmp_path, "    treatment_interruption: [interrupt, discontinue]\n")
    assert not got.passed
    assert got.message == "missing discontinue; extra consult_specialist"


def test_a_list_on_an_unanswered_question_says_the_status(tmp_path):
    write_ruleset(tmp_path, "src", TEXT, CLAIMS)
    (tmp_path / "patients").mkdir()
    (tmp_path / "patients" / "p.yaml").write_text(
        "id: p1\nfacts: {sex: female}\nexpected:\n  src:\n    treatment_interruption: [interrupt]\n",
        encoding="utf-8",
    )
    (got,) = run_tests([tmp_path]).outcomes
    assert not got.passed and "the answer is" in got.message


def test_one_value_still_means_an_answer_of_that_one_value(tmp_path):
    got = outcome(tmp_path, "    treatment_interruption: interrupt\n")
    assert not got.passed  # the answer holds two values


def test_a_list_on_a_cardinality_one_question_is_refused_where_it_is(tmp_path):
    folder(tmp_path, "    dose: [{mg: 2, every_days: 1}]\n")
    result = validate_paths([tmp_path])
    (found,) = [d for d in result.diagnostics if d.code == "E501"]
    assert (found.line, found.pointer) == (5, "/expected/src/dose")
    assert "cardinality many" in found.message and "dose has one answer" in found.message


def test_list_items_are_checked_against_the_question(tmp_path):
    folder(tmp_path, "    treatment_interruption: [interrupt, pause, interrupt]\n")
    messages = {d.pointer: d.message for d in validate_paths([tmp_path]).diagnostics if d.code == "E501"}
    assert set(messages) == {"/expected/src/treatment_interruption/1", "/expected/src/treatment_interruption/2"}
    assert "listed twice" in messages["/expected/src/treatment_interruption/2"]


def test_an_empty_list_is_refused(tmp_path):
    folder(tmp_path, "    treatment_interruption: []\n")
    assert any("empty list" in d.message for d in validate_paths([tmp_path]).diagnostics if d.code == "E501")


def test_the_cli_prints_missing_and_extra(tmp_path, capsys):
    folder(tmp_path, "    treatment_interruption: [interrupt, discontinue]\n")
    assert cli.main(["test", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "expected interrupt + discontinue, got interrupt + consult_specialist" in out
    assert "(missing discontinue; extra consult_specialist)" in out
