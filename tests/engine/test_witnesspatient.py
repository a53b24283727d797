"""A finding's witness saved as a test patient (engine/witnesspatient.py): accord test then guards the decision."""

from __future__ import annotations

import json

from engine import cli
from tests.conftest import write_ruleset
from tests.engine.test_findings import FOUR, ONE, TEXT, TWO, egfr


def project(rs, alpha_value=TWO):
    write_ruleset(rs, "alpha", TEXT, [{"question": "dose", "value": alpha_value, "when": egfr(">=", 30)}])
    write_ruleset(rs, "beta", TEXT, [{"question": "dose", "value": ONE, "when": egfr(">=", 0)}])


def test_the_saved_witness_passes_now_and_fails_when_a_source_changes_its_answer(tmp_path, capsys):
    rs, out = tmp_path / "rs", tmp_path / "conflicts"
    project(rs)
    assert cli.main(["conflicts", "--rulesets", str(rs), "--out", str(out), "-q"]) == 0
    (finding,) = json.loads((out / "report.json").read_text(encoding="utf-8"))["conflicts"]
    review = ["review", "--rulesets", str(rs), "--out", str(out), "witness", finding["id"]]
    capsys.readouterr()
    assert cli.main(review) == 0
    path = rs / "patients" / f"witness-{finding['id'].lower()}.yaml"
    assert str(path) in capsys.readouterr().out
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server") and "mg: 2" in text and "mg: 1" in text
    assert cli.main(["test", str(rs)]) == 0  # the sources still answer what was saved
    assert cli.main(["validate", str(rs)]) == 0
    assert cli.main(review) == 2  # never overwritten
    assert "exists" in capsys.readouterr().err
    project(rs, alpha_value=FOUR)  # alpha changes its dose: the guard trips
    capsys.readouterr()
    assert cli.main(["test", str(rs)]) == 1
    assert "alpha" in capsys.readouterr().out


def test_unknown_findings_regions_and_ids_are_refused(tmp_path, capsys):
    rs, out = tmp_path / "rs", tmp_path / "conflicts"
    project(rs)
    assert cli.main(["conflicts", "--rulesets", str(rs), "--out", str(out), "-q"]) == 0
    (finding,) = json.loads((out / "report.json").read_text(encoding="utf-8"))["conflicts"]
    base = ["review", "--rulesets", str(rs), "--out", str(out), "witness"]
    assert cli.main([*base, "C-0000000000"]) == 2
    assert cli.main([*base, finding["id"], "--region", "9"]) == 2
    assert cli.main([*base, finding["id"], "--patient-id", "../../etc/x"]) == 2
    err = capsys.readouterr().err
    assert "no finding C-0000000000" in err and "no region 9" in err and "not a patient id" in err
    assert not (rs / "patients").exists()
