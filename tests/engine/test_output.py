"""Output formats: text (colour rules), SARIF 2.1.0 against the official schema, GitHub annotations, JUnit XML."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from jsonschema import Draft4Validator

from engine.cli import main
from engine.commands._progress import Progress
from engine.diagnostics import CODES, Diagnostic
from engine.output import (
    Rule,
    TestCase,
    TestSuite,
    artifact_uri,
    escape_data,
    escape_property,
    format_text,
    github_annotation,
    junit_xml,
    sarif_log,
    use_color,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ruleset_writer) -> Path:
    """A folder `bad/` of rulesets with several located problems; cwd is its parent."""
    folder = tmp_path / "bad"
    folder.mkdir()
    from tests.conftest import write_ruleset

    write_ruleset(
        folder,
        "src-a",
        "Avoid if eGFR below 30. Take 2 mg daily.",
        [
            {
                "question": "dose",
                "value": "not_recommended",
                "when": {"<": [{"var": "egf"}, 30]},
                "quote": "Avoid if eGFR below 30",
            },
            {"question": "dose", "value": {"mg": 2, "every_days": 1}, "quote": "Take 2 mg daily"},
            {"question": "no_such_question", "value": 1, "quote": "Take 2 mg daily"},
        ],
    )
    (folder / "dup.yaml").write_text("accord: 1\naccord: 1\n", encoding="utf-8")
    (folder / "syntax.yaml").write_text("claims: [\n", encoding="utf-8")
    (folder / "alias.yaml").write_text("a: &x 1\nb: *x\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return folder


@pytest.fixture(scope="module")
def sarif_validator() -> Draft4Validator:
    schema = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _diag(**kw) -> Diagnostic:
    base = dict(
        path="rulesets/x.yaml",
        line=3,
        col=5,
        code="E201",
        message="unknown fact 'egf'",
        severity="error",
        pointer="/claims/0/when",
    )
    base.update(kw)
    return Diagnostic(**base)


# ---------------------------------------------------------------- text and colour


def test_text_is_unchanged_without_colour() -> None:
    d = _diag()
    assert format_text(d, color=False) == d.format()


def test_colour_only_on_a_tty_and_never_with_no_color() -> None:
    assert use_color(_Tty(), environ={}) is True
    assert use_color(io.StringIO(), environ={}) is False
    assert use_color(_Tty(), environ={"NO_COLOR": "1"}) is False
    # no-color.org: an empty NO_COLOR does not disable colour
    assert use_color(_Tty(), environ={"NO_COLOR": ""}) is True


def test_error_is_red_and_text_survives_colouring() -> None:
    coloured = format_text(_diag(), color=True)
    assert "\x1b[31merror[E201]\x1b[0m" in coloured
    import re

    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == _diag().format()
    assert "\x1b[33mwarning[W405]" in format_text(_diag(code="W405", severity="warning"), color=True)


def test_validate_text_output_matches_diagnostic_format(capsys: pytest.CaptureFixture[str], broken: Path) -> None:
    from engine.validate import validate_paths

    expected = [d.format() for d in validate_paths(["bad"]).diagnostics]
    assert len(expected) >= 4
    assert main(["validate", "bad"]) == 1
    out = capsys.readouterr()
    assert out.out.splitlines() == expected
    assert "\x1b[" not in out.out  # captured stdout is not a terminal
    assert "errors" in out.err


def test_validate_json_payload_shape(capsys: pytest.CaptureFixture[str], broken: Path) -> None:
    assert main(["validate", "bad", "--format", "json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert set(payload) == {"ok", "files", "errors", "warnings", "diagnostics"}
    assert payload["ok"] is False and payload["errors"] == len(payload["diagnostics"]) - payload["warnings"]


# ---------------------------------------------------------------- SARIF


def test_sarif_of_broken_files_is_valid_against_the_official_schema(capsys, broken: Path, sarif_validator) -> None:
    assert main(["validate", "bad", "--format", "sarif"]) == 1
    log = json.loads(capsys.readouterr().out)
    errors = sorted(sarif_validator.iter_errors(log), key=str)
    assert not errors, errors[0].message
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "accord" and driver["version"] and driver["informationUri"].startswith("https://")
    rule_ids = [r["id"] for r in driver["rules"]]
    assert rule_ids == list(CODES)
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] == CODES[rule["id"]][1]
        assert rule["defaultConfiguration"]["level"] == ("warning" if rule["id"].startswith("W") else "error")
    results = run["results"]
    assert len(results) >= 4
    assert {"E004", "E005", "E006", "E201", "E210"} <= {r["ruleId"] for r in results}
    for result in results:
        assert result["ruleId"] in rule_ids and rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning")
        location = result["locations"][0]["physicalLocation"]
        uri = location["artifactLocation"]["uri"]
        assert uri.startswith("bad/") and ":" not in uri
        assert location["artifactLocation"]["uriBaseId"] in run["originalUriBaseIds"]
        assert location["region"]["startLine"] >= 1 and location["region"]["startColumn"] >= 1
        assert (broken.parent / uri).is_file()


def test_sarif_with_no_findings_is_valid(sarif_validator) -> None:
    log = sarif_log([])
    assert not list(sarif_validator.iter_errors(log))
    assert log["runs"][0]["results"] == []


def test_sarif_extra_rules_and_properties(sarif_validator, tmp_path: Path) -> None:
    d = Diagnostic(str(tmp_path / "a b" / "r,1.yaml"), 7, 2, "between_sources", "sources disagree", "warning")
    log = sarif_log(
        [d],
        base=tmp_path,
        rules=[Rule("between_sources", "between-sources", "Two sources disagree.", "warning")],
        properties=[{"conflict": "c1"}],
    )
    assert not list(sarif_validator.iter_errors(log))
    result = log["runs"][0]["results"][0]
    assert result["properties"] == {"conflict": "c1"}
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "a%20b/r%2C1.yaml"
    assert log["runs"][0]["tool"]["driver"]["rules"][0]["name"] == "BetweenSources"


def test_artifact_uri_is_relative(tmp_path: Path) -> None:
    assert artifact_uri(str(tmp_path / "rulesets" / "x.yaml"), tmp_path) == "rulesets/x.yaml"
    assert artifact_uri(str(tmp_path / "x.yaml"), tmp_path / "sub") == "../x.yaml"


# ---------------------------------------------------------------- GitHub workflow commands


def test_github_escaping_rules() -> None:
    assert escape_data("100% a\r\nb") == "100%25 a%0D%0Ab"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_github_annotation_line() -> None:
    d = _diag(path="rules,a:b.yaml", message="50% bad\nsecond line", pointer="")
    assert github_annotation(d) == "::error file=rules%2Ca%3Ab.yaml,line=3,col=5,title=E201::50%25 bad%0Asecond line"
    w = _diag(code="W405", severity="warning", pointer="/x")
    assert github_annotation(w).startswith("::warning file=rulesets/x.yaml,line=3,col=5,title=W405::")
    assert github_annotation(w).endswith("(at /x)")


def test_validate_github_format(capsys, broken: Path) -> None:
    assert main(["validate", "bad", "--format", "github"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) >= 4 and all(line.startswith(("::error file=bad/", "::warning file=bad/")) for line in lines)
    assert all("\n" not in line and ",line=" in line and ",col=" in line and ",title=" in line for line in lines)


def test_validate_clean_rulesets_sarif_is_valid(capsys, monkeypatch, sarif_validator, ruleset_writer, tmp_path) -> None:
    ruleset_writer("src-a", "Take 2 mg daily.", [{"question": "dose", "value": {"mg": 2, "every_days": 1}}])
    monkeypatch.chdir(tmp_path)
    assert main(["validate", ".", "--format", "sarif"]) == 0
    log = json.loads(capsys.readouterr().out)
    assert not list(sarif_validator.iter_errors(log))
    assert log["runs"][0]["results"] == []


# ---------------------------------------------------------------- JUnit


def test_junit_xml_is_well_formed_and_counts() -> None:
    suites = [
        TestSuite(
            "p1",
            [
                TestCase("p1", "src-a/dose", file="rulesets/patients/p1.yaml", line=4),
                TestCase(
                    "p1",
                    "src-a/initiation",
                    failure="expected recommended, got <do_not_start> & \x00silent",
                    details="a\nb",
                ),
            ],
        ),
        TestSuite('p2 "quoted"', [TestCase("p2", "src-b/dose", skipped="no ruleset")]),
    ]
    text = junit_xml(suites)
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("3", "1", "1")
    cases = root.findall("testsuite/testcase")
    assert [c.get("name") for c in cases] == ["src-a/dose", "src-a/initiation", "src-b/dose"]
    failure = cases[1].find("failure")
    assert failure is not None and "<do_not_start> &" in failure.get("message") and "\x00" not in failure.get("message")
    assert cases[0].get("file") == "rulesets/patients/p1.yaml" and cases[0].get("line") == "4"
    assert root.findall("testsuite")[1].get("name") == 'p2 "quoted"'


# ---------------------------------------------------------------- progress


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_hidden_off_a_terminal() -> None:
    clock = _Clock()
    with Progress(10, "x", stream=io.StringIO(), clock=clock) as bar:
        clock.now = 5
        bar.advance()
        assert not bar.shown and bar.completed == 1


def test_progress_only_after_a_second_on_a_terminal() -> None:
    clock, stream = _Clock(), _Tty()
    with Progress(10, "Analysing", stream=stream, clock=clock) as bar:
        clock.now = 0.5
        bar.advance()
        assert not bar.shown
        clock.now = 1.5
        bar.advance()
        assert bar.shown
    assert not bar.shown


def test_progress_quiet_never_shows() -> None:
    clock = _Clock()
    with Progress(10, "x", stream=_Tty(), clock=clock, quiet=True) as bar:
        clock.now = 9
        bar.advance()
        assert not bar.shown
