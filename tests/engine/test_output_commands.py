"""--format on `accord test` (sarif, github, junit) over a small ruleset with one failing expectation."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft4Validator

from engine.cli import main
from tests.conftest import write_ruleset

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def suite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "rs"
    write_ruleset(
        folder,
        "src-a",
        "Take 2 mg daily. Avoid if eGFR below 30.",
        [
            {
                "question": "dose",
                "value": {"mg": 2, "every_days": 1},
                "when": {">=": [{"var": "egfr"}, 30]},
                "quote": "Take 2 mg daily",
            },
            {
                "question": "dose",
                "value": "not_recommended",
                "when": {"<": [{"var": "egfr"}, 30]},
                "quote": "Avoid if eGFR below 30",
            },
        ],
    )
    (folder / "patients").mkdir()
    (folder / "patients" / "p1.yaml").write_text(
        yaml.safe_dump(
            {
                "id": "p1",
                "facts": {"egfr": 20},
                "expected": {"src-a": {"dose": {"mg": 2, "every_days": 1}}},
            },
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    (folder / "patients" / "p2.yaml").write_text(
        yaml.safe_dump(
            {
                "id": "p2",
                "facts": {"egfr": 80},
                "expected": {"src-a": {"dose": {"mg": 2, "every_days": 1}}},
            },
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    return folder


def test_junit(suite: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", "rs", "--format", "junit"]) == 1
    root = ET.fromstring(capsys.readouterr().out.encode("utf-8"))
    assert (root.get("tests"), root.get("failures")) == ("2", "1")
    cases = {c.get("classname"): c for c in root.iter("testcase")}
    assert set(cases) == {"patients.p1", "patients.p2"}
    failure = cases["patients.p1"].find("failure")
    assert failure is not None and "expected 2 mg once daily, got not_recommended" in failure.get("message")
    assert cases["patients.p2"].find("failure") is None
    assert cases["patients.p1"].get("file") == "rs/patients/p1.yaml" and int(cases["patients.p1"].get("line")) >= 3


def test_sarif_and_github(suite: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    assert main(["test", "rs", "--format", "sarif"]) == 1
    log = json.loads(capsys.readouterr().out)
    assert not list(Draft4Validator(schema).iter_errors(log))
    [result] = log["runs"][0]["results"]
    assert result["ruleId"] == "expectation-failed"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "rs/patients/p1.yaml"
    assert main(["test", "rs", "--format", "github"]) == 1
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith("::error file=rs/patients/p1.yaml,line=") and ",title=expectation-failed::p1%3A" not in line
    assert "::p1: src-a dose: expected 2 mg once daily, got not_recommended" in line


def test_text_unchanged(suite: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", "rs"]) == 1
    out = capsys.readouterr().out
    assert "expected 2 mg once daily, got not_recommended" in out and "2 expectations, 1 passed, 1 failed" in out


def test_conflicts_as_sarif_and_github(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each conflict is a SARIF result at its first involved claim's file and line (report records as dicts)."""
    import io

    from engine.output import emit_conflicts
    from engine.validate import validate_paths

    folder = tmp_path / "rs"
    write_ruleset(
        folder,
        "src-a",
        "Take 2 mg daily.",
        [{"question": "dose", "value": {"mg": 2, "every_days": 1}, "quote": "Take 2 mg daily"}],
    )
    write_ruleset(
        folder,
        "src-b",
        "Use 4 mg, daily.",
        [{"question": "dose", "value": {"mg": 4, "every_days": 1}, "quote": "Use 4 mg, daily"}],
    )
    monkeypatch.chdir(tmp_path)
    result = validate_paths(["rs"])
    assert result.ok
    claim = {
        "source": "src-b",
        "value": {"mg": 4, "every_days": 1},
        "status": "draft",
        "quote": "Use 4 mg, daily",
        "start": 0,
        "end": 15,
    }
    conflicts = [
        {
            "id": "C-0123456789",
            "kind": "between_sources",
            "question": "dose",
            "severity": "high",
            "sources": ["src-a", "src-b"],
            "description": "src-a says 2 mg once daily but src-b says 4 mg once daily where always",
            "claims": [{**claim, "id": "src-b/c0"}, {**claim, "id": "src-a/c0", "source": "src-a"}],
            "region": {"text": "always", "box": True, "cells": 1, "constraints": []},
            "witness": {"facts": {}},
            "answers": [],
            "notes": [],
        }
    ]
    out = io.StringIO()
    emit_conflicts(conflicts, result.rulesets, "sarif", out)
    log = json.loads(out.getvalue())
    schema = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    assert not list(Draft4Validator(schema).iter_errors(log))
    [res] = log["runs"][0]["results"]
    assert res["ruleId"] == "between_sources" and res["level"] == "error"
    loc = res["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "rs/src-b.yaml"
    line = next(i for i, text in enumerate((folder / "src-b.yaml").read_text().splitlines(), 1) if "src-b/c0" in text)
    assert loc["region"]["startLine"] == line
    assert res["properties"]["conflictId"] == "C-0123456789" and res["properties"]["claims"] == ["src-b/c0", "src-a/c0"]
    assert "disposition" not in res["properties"]
    assert res["message"]["text"].startswith("between sources conflict C-0123456789 on dose: src-a says 2 mg")
    out = io.StringIO()
    emit_conflicts(conflicts, result.rulesets, "github", out)
    assert out.getvalue().startswith(f"::error file=rs/src-b.yaml,line={line},")
    assert "title=between_sources C-0123456789::" in out.getvalue()


def test_decided_conflicts_are_notes_in_sarif_and_absent_from_github(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only conflicts needing action are errors or warnings; a disposition makes a suppressed note."""
    import io

    from engine.output import emit_conflicts
    from engine.validate import validate_paths

    folder = tmp_path / "rs"
    write_ruleset(
        folder,
        "src-a",
        "Take 2 mg daily.",
        [{"question": "dose", "value": {"mg": 2, "every_days": 1}, "quote": "Take 2 mg daily"}],
    )
    monkeypatch.chdir(tmp_path)
    result = validate_paths(["rs"])
    claim = {
        "id": "src-a/c0",
        "source": "src-a",
        "value": {"mg": 2, "every_days": 1},
        "status": "draft",
        "quote": "Take 2 mg daily",
        "start": 0,
        "end": 15,
    }
    base = {
        "kind": "deviates_from_reference",
        "question": "dose",
        "severity": "high",
        "sources": ["src-a", "label"],
        "description": "d",
        "claims": [claim],
        "region": {"text": "always", "box": True, "cells": 1, "constraints": []},
        "witness": {"facts": {}},
        "answers": [],
        "notes": [],
        "reference": "label",
    }
    decided = {
        **base,
        "id": "C-1111111111",
        "disposition": {"disposition": "needs_expert", "reviewer": "ana", "date": "2026-12-01", "note": "ask pharmacy"},
    }
    accepted = {
        **base,
        "id": "C-2222222222",
        "disposition": {"disposition": "not_a_conflict", "reviewer": "bo", "date": "2026-12-01"},
    }
    open_one = {**base, "id": "C-3333333333"}
    out = io.StringIO()
    emit_conflicts([decided, accepted, open_one], result.rulesets, "sarif", out)
    log = json.loads(out.getvalue())
    schema = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    assert not list(Draft4Validator(schema).iter_errors(log))
    assert "deviates_from_reference" in {r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]}
    levels = {r["properties"]["conflictId"]: (r["level"], r.get("suppressions")) for r in log["runs"][0]["results"]}
    assert levels["C-3333333333"] == ("error", None)
    assert levels["C-1111111111"][0] == "note" and levels["C-1111111111"][1][0]["status"] == "underReview"
    assert "ask pharmacy" in levels["C-1111111111"][1][0]["justification"]
    assert levels["C-2222222222"][1][0]["status"] == "accepted"
    out = io.StringIO()
    emit_conflicts([decided, accepted, open_one], result.rulesets, "github", out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and "C-3333333333" in lines[0] and lines[0].startswith("::error")
