"""Conflict ids, the report (deterministic, schema-valid), the CI gate, and the bundled report's witnesses."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator

from engine import cli
from engine.conflicts import find_conflicts
from engine.evaluate import evaluate_patient
from engine.report import build_report, render_json, write_report
from engine.validate import load_patient, validate_paths
from tests.conftest import REPO, dump_yaml

TEXT = "Alpha says one thing. Beta says another. Gamma says a third. Delta adds a fourth."
TWO = {"mg": 2, "every_days": 1}
ONE = {"mg": 1, "every_days": 1}
SCHEMA = json.loads((REPO / "schema" / "report.schema.json").read_text(encoding="utf-8"))


def egfr(op, x):
    return {op: [{"var": "egfr"}, x]}


def base(writer, extra_alpha=()):
    writer(
        "alpha",
        TEXT,
        [
            {"id": "alpha/high", "question": "dose", "value": TWO, "when": egfr(">=", 30)},
            {"id": "alpha/low", "question": "dose", "value": ONE, "when": egfr("<=", 50)},
            *extra_alpha,
        ],
    )
    writer(
        "beta",
        TEXT,
        [
            {"id": "beta/all", "question": "initiation", "value": "recommended", "when": {"!": {"var": "pregnant"}}},
            {"id": "beta/dose", "question": "dose", "value": ONE, "when": egfr(">", 60)},
        ],
    )
    writer("gamma", TEXT, [{"id": "gamma/all", "question": "initiation", "value": "do_not_start", "when": True}])


def report_for(folder: Path, reviews=None):
    rulesets = validate_paths([folder], check_patients=False).rulesets
    conflicts, analysis = find_conflicts(rulesets)
    return conflicts, build_report(rulesets, conflicts, analysis, reviews or {})


def test_ids_stable_when_unrelated_claim_added(tmp_path, ruleset_writer):
    base(ruleset_writer)
    before, _ = report_for(tmp_path)
    base(
        ruleset_writer,
        extra_alpha=[
            {
                "id": "alpha/unrelated",
                "question": "dose",
                "value": ONE,
                "when": {"and": [egfr("<", 10), {"var": "pregnant"}]},
            },
            {"id": "alpha/status", "question": "indication_status", "value": "approved", "when": True},
        ],
    )
    after, _ = report_for(tmp_path)
    assert before and {c.id for c in before} <= {c.id for c in after}
    assert len({c.id for c in before}) == len(before)
    # the new claim cut egfr at 10, so cells changed; the ids did not
    assert {c.id: c.region["text"] for c in before} == {
        c.id: c.region["text"] for c in after if c.id in {b.id for b in before}
    }


def test_report_is_schema_valid_and_deterministic(tmp_path, ruleset_writer):
    base(ruleset_writer)
    _, report = report_for(tmp_path)
    assert not list(Draft202012Validator(SCHEMA).iter_errors(report))
    out = tmp_path / "conflicts"
    assert sorted(write_report(out, report)) == ["report.html", "report.json", "report.md"]
    stamp = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    _, again = report_for(tmp_path)
    assert render_json(again) == render_json(report)
    assert write_report(out, again) == []
    assert stamp == {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "Alpha says one thing" in md and "witness patient" in md and "| severity | question |" in md


def test_check_gate(tmp_path, ruleset_writer, capsys):
    base(ruleset_writer)
    out = tmp_path / "conflicts"
    args = ["conflicts", "--rulesets", str(tmp_path), "--out", str(out)]
    assert cli.main(args + ["--check"]) == 1
    assert "stale" in capsys.readouterr().err
    assert cli.main(args) == 0
    assert cli.main(args + ["--check"]) == 1  # fresh, but high-severity conflicts lack dispositions
    err = capsys.readouterr().err
    assert "has no disposition" in err and "stale" not in err
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    for item in report["conflicts"]:
        if item["severity"] == "high":
            assert (
                cli.main(
                    [
                        "review",
                        "conflict",
                        item["id"],
                        "--disposition",
                        "needs_expert",
                        "--reviewer",
                        "t",
                        "--out",
                        str(out),
                        "--date",
                        "2026-01-01",
                    ]
                )
                == 0
            )
    assert cli.main(args + ["--check"]) == 0
    # an edited report is stale again
    (out / "report.md").write_text("edited\n", encoding="utf-8")
    assert cli.main(args + ["--check"]) == 1
    assert "report.md: stale" in capsys.readouterr().err


def test_conflicts_as_github_annotations_and_sarif(tmp_path, ruleset_writer, capsys):
    base(ruleset_writer)
    args = ["conflicts", "--rulesets", str(tmp_path), "--out", str(tmp_path / "conflicts")]
    assert cli.main(args + ["--format", "github"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(
        line.startswith("::") and "file=" in line and "line=" in line and " C-" in line for line in lines
    )
    assert cli.main(args + ["--format", "sarif"]) == 0
    log = json.loads(capsys.readouterr().out)
    results = log["runs"][0]["results"]
    assert len(results) == len(lines)
    assert all(
        " C-" in r["message"]["text"] and r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
        for r in results
    )


def test_bad_rulesets_folder_is_a_message_not_a_traceback(tmp_path, capsys):
    assert cli.main(["conflicts", "--rulesets", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 1
    assert "no such rulesets folder" in capsys.readouterr().err


BUNDLED = REPO / "conflicts" / "report.json"


def test_every_bundled_witness_reproduces_through_eval(tmp_path):
    report = json.loads(BUNDLED.read_text(encoding="utf-8"))
    assert not list(Draft202012Validator(SCHEMA).iter_errors(report))
    rulesets = validate_paths([REPO / "rulesets"], check_patients=False).rulesets
    assert report["conflicts"]
    for i, item in enumerate(report["conflicts"]):
        path = tmp_path / f"w{i}.yaml"
        path.write_text(dump_yaml({"id": f"witness-{i}", "facts": item["witness"]["facts"]}), encoding="utf-8")
        patient, diags = load_patient(path)
        assert patient is not None, diags
        evaluation = evaluate_patient(rulesets, patient.facts, patient.id, questions=[item["question"]])
        for expected in item["answers"]:
            got = evaluation.get(expected["source"], item["question"])
            assert got is not None and got.to_json() == expected, (item["id"], expected["source"])


def test_conflicts_and_review_find_the_same_folder_without_out(tmp_path, capsys):
    """No --out: both commands use conflicts/ beside the rulesets folder (engine.folders), wherever the shell is."""
    from tests.conftest import write_ruleset

    rulesets = tmp_path / "project" / "rulesets"
    rulesets.mkdir(parents=True)
    base(lambda source, text, claims: write_ruleset(rulesets, source, text, claims))
    assert cli.main(["conflicts", "--rulesets", str(rulesets)]) == 0
    out = tmp_path / "project" / "conflicts"
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert f"{out / 'report.md'}" in capsys.readouterr().err
    cid = report["conflicts"][0]["id"]
    assert (
        cli.main(
            [
                "review",
                "conflict",
                cid,
                "--disposition",
                "needs_expert",
                "--reviewer",
                "t",
                "--rulesets",
                str(rulesets),
                "--date",
                "2026-01-01",
            ]
        )
        == 0
    )
    assert cid in (out / "reviews.yaml").read_text(encoding="utf-8")
    assert cli.main(["conflicts", "--rulesets", str(rulesets)]) == 0
    written = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert next(c for c in written["conflicts"] if c["id"] == cid)["disposition"]["disposition"] == "needs_expert"
    assert not (rulesets / "conflicts").exists()
