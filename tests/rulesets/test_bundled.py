"""The bundled rulesets and test patients: valid, fully reviewed, anchored, and passing."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from engine.coverage import coverage
from engine.testing import run_tests
from engine.validate import validate_paths
from tests.conftest import ACCORD, REPO

RULESETS = REPO / "rulesets"
SOURCES = ["minimal-medicine", "dr-oracle", "jak-blog", "lucius-label"]  # the four seed documents
REFERENCES = {"olumiant-us-pi": "US", "olumiant-eu-smpc": "EU", "xeljanz-us-pi": "US"}  # official labels
DRUGS = {"olumiant-us-pi": "baricitinib", "olumiant-eu-smpc": "baricitinib", "xeljanz-us-pi": "tofacitinib"}


@pytest.fixture(scope="module")
def validated():
    return validate_paths([RULESETS])


def test_the_four_sources_and_the_labels_are_bundled(validated):
    """The four seed documents about baricitinib, baricitinib's two labels they are judged against, and
    tofacitinib's US label, which their comparisons with tofacitinib are checked against (engine.crossdrug)."""
    from engine.drugs import drug_of

    assert sorted(r.source_id for r in validated.rulesets) == sorted([*SOURCES, *REFERENCES])
    drugs = {r.source_id: drug_of(r) for r in validated.rulesets}
    assert drugs == {**{s: "baricitinib" for s in SOURCES}, **DRUGS}
    roles = {r.source_id: (r.role, r.jurisdiction) for r in validated.rulesets}
    assert {s: roles[s] for s in REFERENCES} == {s: ("reference", j) for s, j in REFERENCES.items()}
    assert all(roles[s][0] == "ordinary" for s in SOURCES)


def test_every_reference_claim_cites_a_section(validated):
    for source in REFERENCES:
        ruleset = validated.ruleset(source)
        assert ruleset.claims and all(
            c.provenance.citation is not None and c.provenance.citation.section for c in ruleset.claims
        ), source


def test_bundled_rulesets_and_patients_validate_without_errors(validated):
    errors = [d.format() for d in validated.diagnostics if d.severity == "error"]
    assert errors == []
    assert len(validated.patients) >= 40


@pytest.mark.parametrize("source", SOURCES)
def test_every_sentence_is_claimed_or_excluded(validated, source):
    ruleset = validated.ruleset(source)
    cov = coverage(ruleset)
    assert [f"{s.line}:{s.col} {s.text}" for s in cov.unreviewed] == []
    assert cov.count("claimed") > 0


@pytest.mark.parametrize("source", SOURCES)
def test_every_quote_is_verbatim_at_its_offsets(source):
    data = yaml.safe_load((RULESETS / f"{source}.yaml").read_text(encoding="utf-8"))
    with open(RULESETS / data["source"]["text"], encoding="utf-8", newline="") as handle:
        text = handle.read()
    assert data["claims"]
    for claim in data["claims"]:
        p = claim["provenance"]
        assert text[p["start"] : p["end"]] == p["exact"], claim["id"]
        assert text[max(0, p["start"] - len(p["prefix"])) : p["start"]] == p["prefix"], claim["id"]
        assert text[p["end"] : p["end"] + len(p["suffix"])] == p["suffix"], claim["id"]
        assert claim["status"] == "submitted"
    for span in data.get("excluded", []):
        if "exact" in span:
            assert text[span["start"] : span["end"]] == span["exact"]


@pytest.mark.parametrize("source", SOURCES)
def test_first_line_points_editors_at_the_schema(source):
    first = (RULESETS / f"{source}.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schema/ruleset.schema.json"


def test_all_patient_expectations_pass():
    report = run_tests([RULESETS])
    assert report.diagnostics == []
    failures = [
        f"{o.path}: {o.source} {o.question}: expected {o.describe_expected()}, got {o.describe_actual()}"
        for o in report.failed
    ]
    assert failures == []
    assert len(report.outcomes) >= 200


def test_jak_blog_contradiction_is_visible_at_the_calculator_boundaries():
    """eGFR 49 sits in the calculator's 1 mg band and the prose's 2 mg band; 49.5 is in the calculator's gap."""
    report = run_tests([RULESETS])
    by_patient = {(o.patient, o.source, o.question): o for o in report.outcomes}
    assert by_patient[("egfr-49", "jak-blog", "dose")].actual.status == "conflicting"
    assert by_patient[("egfr-49_5", "jak-blog", "dose")].actual.status == "answered"


def test_cli_coverage_and_test_succeed_on_bundled_rulesets():
    cov = subprocess.run(ACCORD + ["coverage", "rulesets"], cwd=REPO, capture_output=True, text=True)
    assert cov.returncode == 0, cov.stdout + cov.stderr
    assert "unreviewed:" not in cov.stdout
    test = subprocess.run(ACCORD + ["test", "rulesets"], cwd=REPO, capture_output=True, text=True)
    assert test.returncode == 0, test.stdout + test.stderr
    assert " 0 failed" in test.stdout
