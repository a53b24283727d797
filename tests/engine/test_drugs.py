"""Several drugs in one project: each ruleset's drug, sources compared only within a drug, the report says whose."""

from __future__ import annotations

from pathlib import Path

from engine.contract import vocabulary
from engine.drugs import by_drug, drug_of, for_drug
from engine.report import fresh_report
from engine.validate import validate_paths

TEXT = "Alpha says one thing. Beta says another."
TWO = {"mg": 2, "every_days": 1}
ONE = {"mg": 1, "every_days": 1}
FIVE = {"mg": 5, "every_days": 1}


def _project(writer) -> None:
    writer("alpha", TEXT, [{"id": "alpha/dose", "question": "dose", "value": TWO, "when": True}])
    writer("beta", TEXT, [{"id": "beta/dose", "question": "dose", "value": ONE, "when": True}])
    # tofacitinib's sources disagree with every baricitinib source, and with each other
    writer("tofa-a", TEXT, [{"id": "tofa-a/dose", "question": "dose", "value": FIVE, "when": True}], drug="tofacitinib")
    writer("tofa-b", TEXT, [{"id": "tofa-b/dose", "question": "dose", "value": TWO, "when": True}], drug="tofacitinib")


def _rulesets(folder: Path):
    result = validate_paths([folder], check_patients=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    return result.rulesets


def test_a_ruleset_without_drug_is_about_the_vocabularys(tmp_path, ruleset_writer):
    _project(ruleset_writer)
    rulesets = _rulesets(tmp_path)
    assert vocabulary().drug == "baricitinib"
    assert {r.source_id: drug_of(r) for r in rulesets} == {
        "alpha": "baricitinib",
        "beta": "baricitinib",
        "tofa-a": "tofacitinib",
        "tofa-b": "tofacitinib",
    }
    assert list(by_drug(rulesets)) == ["baricitinib", "tofacitinib"]
    assert [r.source_id for r in for_drug(rulesets, "tofacitinib")] == ["tofa-a", "tofa-b"]
    assert for_drug(rulesets, "nothing") == [] and len(for_drug(rulesets, None)) == 4


def test_sources_are_compared_only_within_their_drug(tmp_path, ruleset_writer):
    _project(ruleset_writer)
    report, _ = fresh_report(_rulesets(tmp_path), {})
    pairs = {tuple(c["sources"]) for c in report["conflicts"]}
    assert pairs == {("alpha", "beta"), ("tofa-a", "tofa-b")}  # never alpha with tofa-b, though both say 2 mg
    assert {s["id"]: s["drug"] for s in report["sources"]}["tofa-a"] == "tofacitinib"
    analysed = {(q["drug"], q["question"]): q["sources"] for q in report["analysis"]["questions"]}
    assert analysed == {("baricitinib", "dose"): ["alpha", "beta"], ("tofacitinib", "dose"): ["tofa-a", "tofa-b"]}


def test_one_drug_reports_as_before(tmp_path, ruleset_writer):
    ruleset_writer("alpha", TEXT, [{"id": "alpha/dose", "question": "dose", "value": TWO, "when": True}])
    ruleset_writer(
        "beta", TEXT, [{"id": "beta/dose", "question": "dose", "value": ONE, "when": True}], drug="baricitinib"
    )
    report, _ = fresh_report(_rulesets(tmp_path), {})
    assert [c["sources"] for c in report["conflicts"]] == [["alpha", "beta"]]
    assert all("drug" not in q for q in report["analysis"]["questions"])  # one drug: questions need not say


def test_a_drug_name_outside_the_contract_is_located(tmp_path, ruleset_writer):
    ruleset_writer(
        "alpha", TEXT, [{"id": "alpha/dose", "question": "dose", "value": TWO, "when": True}], drug="Tofa citinib"
    )
    result = validate_paths([tmp_path], check_patients=False)
    errors = [d for d in result.diagnostics if d.severity == "error"]
    assert errors and "drug" in errors[0].format() and "alpha.yaml" in errors[0].format()


def test_the_commands_narrow_to_one_drug(tmp_path, ruleset_writer, capsys):
    import json

    from engine import cli

    _project(ruleset_writer)
    (tmp_path / "patients").mkdir()
    (tmp_path / "patients" / "p.yaml").write_text(
        "id: p\nfacts: {egfr: 80}\nexpected:\n  alpha: {dose: {mg: 2, every_days: 1}}\n"
        "  tofa-a: {dose: {mg: 1, every_days: 1}}\n",  # tofa-a's expectation is wrong on purpose
        encoding="utf-8",
    )
    assert cli.main(["validate", str(tmp_path), "--drug", "tofacitinib", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    assert cli.main(["validate", str(tmp_path), "--drug", "aspirin"]) == 2
    assert "no ruleset is about drug 'aspirin' (drugs here: baricitinib, tofacitinib)" in capsys.readouterr().err
    assert cli.main(["test", str(tmp_path), "--drug", "baricitinib", "-q"]) == 0  # tofa-a's expectation left out
    assert cli.main(["test", str(tmp_path), "--drug", "tofacitinib", "-q"]) == 1
    assert cli.main(["test", str(tmp_path), "-q"]) == 1
    capsys.readouterr()
    patient = str(tmp_path / "patients" / "p.yaml")
    assert (
        cli.main(
            ["eval", "--patient", patient, "--rulesets", str(tmp_path), "--drug", "tofacitinib", "--format", "json"]
        )
        == 0
    )
    answered = {a["source"] for a in json.loads(capsys.readouterr().out)["answers"]}
    assert answered == {"tofa-a", "tofa-b"}
    assert cli.main(["conflicts", "--rulesets", str(tmp_path), "--drug", "tofacitinib", "-q"]) == 2
    assert "--out" in capsys.readouterr().err
    out = tmp_path.with_name(tmp_path.name + "-tofa")
    assert cli.main(["conflicts", "--rulesets", str(tmp_path), "--drug", "tofacitinib", "--out", str(out), "-q"]) == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [c["sources"] for c in report["conflicts"]] == [["tofa-a", "tofa-b"]]
    assert {s["id"] for s in report["sources"]} == {"tofa-a", "tofa-b"}
