"""Project settings (engine/project.py, accord.yaml): severity per question, said in the report, checked like any input."""

from __future__ import annotations

import json

from engine import cli
from engine.reportcache import base_key
from tests.engine.test_reportcache import LIMITS, corpus


def test_a_severity_override_changes_the_findings_and_the_report_says_which_settings(tmp_path, capsys):
    rs, out = tmp_path / "rs", tmp_path / "conflicts"
    corpus(rs)
    assert cli.main(["conflicts", "--rulesets", str(rs), "--out", str(out), "-q"]) == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["conflicts"][0]["severity"] == "high"
    assert report["configuration"] == {"severity": "vocabulary defaults (no accord.yaml)"}
    assert cli.main(["conflicts", "--rulesets", str(rs), "--out", str(out), "--check", "-q"]) == 1  # undecided high
    before = base_key(rs, LIMITS)
    (tmp_path / "accord.yaml").write_text("accord: 1\nseverity:\n  dose: medium\n", encoding="utf-8")
    assert base_key(rs, LIMITS) != before  # the settings are an input
    assert cli.main(["conflicts", "--rulesets", str(rs), "--out", str(out), "-q"]) == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["conflicts"][0]["severity"] == "medium"
    assert report["configuration"]["file"] == "accord.yaml" and report["configuration"]["severity"] == {
        "dose": "medium"
    }
    assert cli.main(["conflicts", "--rulesets", str(rs), "--out", str(out), "--check", "-q"]) == 0  # nothing high left


def test_a_broken_settings_file_is_located_and_stops_the_commands(tmp_path, capsys):
    rs, out = tmp_path / "rs", tmp_path / "conflicts"
    corpus(rs)
    (tmp_path / "accord.yaml").write_text("accord: 1\nseverity:\n  dose: urgent\n  doze: high\n", encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["conflicts", "--rulesets", str(rs), "--out", str(out), "-q"]) == 1
    err = capsys.readouterr().err
    assert "accord.yaml:3:" in err and "E610" in err and "urgent" in err and "Traceback" not in err
    assert cli.main(["validate", str(rs)]) == 1
    assert "E610" in capsys.readouterr().out + capsys.readouterr().err
    (tmp_path / "accord.yaml").write_text("accord: 1\nseverity:\n  doze: high\n", encoding="utf-8")
    assert cli.main(["conflicts", "--rulesets", str(rs), "--out", str(out), "-q"]) == 1
    assert "did you mean 'dose'" in capsys.readouterr().err
