"""Hostile corpus for the one-workflow room: the CLI and the workbench go through the same functions, so they agree.

- a disposition recorded by `accord review conflict` and by engine.review.save_disposition (what the conflicts
  screen calls) gives the same outcome, message and bytes on disk, for good and hostile input alike;
- the conflicts/ folder is found by one rule (engine.folders), and the workbench's answer is the engine's;
- an answer is rendered in words by one function (engine.evaluate.answer_text), whatever form it comes in;
- rulesets with errors are refused in one place, and the folder name is escaped there.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from engine import cli
from engine.evaluate import answer_data_text
from engine.folders import conflicts_folder
from engine.review import ReviewError, ReviewsUnusable, save_disposition

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "hostile" / "workflow"
ROOT = Path(__file__).resolve().parents[2]
CONFLICT = "C-0063cdd406"  # report_one_conflict.json: dr-oracle vs jak-blog
EMPTY_REVIEWS = "accord: 1\nclaims: {}\nconflicts: {}\n"


def _project(where: Path, reviews: str | None = None, report: str | None = "report_one_conflict.json") -> Path:
    out = where / "conflicts"
    out.mkdir(parents=True)
    if report:
        shutil.copy(HOSTILE / report, out / "report.json")
    if reviews:
        shutil.copy(HOSTILE / reviews, out / "reviews.yaml")
    else:
        (out / "reviews.yaml").write_text(EMPTY_REVIEWS, encoding="utf-8")
    return out


def _files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if not p.name.startswith(".")}


# (kind, source, reviewer, note, conflict, reviews file, report file, expected: None = recorded, else a message part)
CASES = [
    ("source_correct", "jak-blog", "ana", "label wins", CONFLICT, None, "report_one_conflict.json", None),
    ("all_wrong", None, "ana", "", CONFLICT, None, "report_one_conflict.json", None),
    ("all_wrong", None, "ana", "", "C-0000000001", None, None, None),  # no report yet: recorded, nothing refreshed
    ("all_wrong", None, "ana", "", "C-0000000001", None, "report_one_conflict.json", "no conflict C-0000000001 in"),
    (
        "source_correct",
        "lucius-label",
        "ana",
        "",
        CONFLICT,
        None,
        "report_one_conflict.json",
        "not one of the conflict's sources",
    ),
    (
        "source_correct",
        "jak\x1b]0;pwned\x07",
        "ana",
        "",
        CONFLICT,
        None,
        "report_one_conflict.json",
        "is not a source id",
    ),
    ("source_correct", None, "ana", "", CONFLICT, None, "report_one_conflict.json", "needs --source"),
    ("all_wrong", "jak-blog", "ana", "", CONFLICT, None, "report_one_conflict.json", "only for source_correct"),
    ("all_wrong", None, "ana\u2028# injected", "", CONFLICT, None, "report_one_conflict.json", "one line"),
    ("all_wrong", None, "<b>ana</b>", "", CONFLICT, None, "report_one_conflict.json", "must not contain"),
    ("all_wrong", None, " ana", "", CONFLICT, None, "report_one_conflict.json", "start or end with spaces"),
    ("all_wrong", None, "ana", "tab\there", CONFLICT, None, "report_one_conflict.json", "one line"),
    ("all_wrong", None, "ana", "x" * 2001, CONFLICT, None, "report_one_conflict.json", "longer than 2000"),
    (
        "all_wrong",
        None,
        "ana",
        "",
        CONFLICT,
        "reviews_unknown_disposition.yaml",
        "report_one_conflict.json",
        "error[E100]",
    ),
]


@pytest.mark.parametrize("kind, source, reviewer, note, conflict, reviews, report, expected", CASES)
def test_cli_and_workbench_record_a_disposition_the_same_way(
    tmp_path, capsys, kind, source, reviewer, note, conflict, reviews, report, expected
):
    by_cli, by_screen = _project(tmp_path / "cli", reviews, report), _project(tmp_path / "screen", reviews, report)
    before = _files(by_cli)
    args = [
        "review",
        "--out",
        str(by_cli),
        "conflict",
        conflict,
        "--disposition",
        kind,
        "--reviewer",
        reviewer,
        "--note",
        note,
        "--date",
        "2026-01-02",
    ] + (["--source", source] if source is not None else [])
    code = cli.main(args)
    err = capsys.readouterr().err
    raised: ReviewError | None = None
    try:  # as tui/screens/conflicts.py calls it
        save_disposition(
            by_screen / "reviews.yaml",
            conflict,
            kind,
            reviewer,
            note,
            source=source,
            date="2026-01-02",
            conflict_sources=["dr-oracle", "jak-blog"] if report else None,
        )
    except ReviewError as exc:
        raised = exc
    assert _files(by_cli) == _files(by_screen)
    if expected is None:
        assert code == 0 and raised is None and _files(by_cli) != before
        if report:  # the report took the disposition, in both files
            assert b"2026-01-02" in _files(by_cli)["report.json"] and b"ana" in _files(by_cli)["report.md"]
        return
    assert code == 1 and raised is not None and _files(by_cli) == before
    assert expected in err and expected in str(raised)
    if isinstance(raised, ReviewsUnusable):  # located diagnostics, one a line, as accord validate prints them
        assert err == "".join(d.format() + "\n" for d in raised.diagnostics).replace(str(by_screen), str(by_cli))
        assert [(d.line, d.col, d.pointer) for d in raised.diagnostics] == [
            (4, 18, "/conflicts/C-0000000001/disposition")
        ]
    else:
        assert err.startswith("accord review: ") and "\x1b" not in err and "\u2028" not in err


def test_a_bad_conflict_id_is_a_usage_error_before_any_file_is_read(tmp_path, capsys):
    out = _project(tmp_path, report="report_one_conflict.json")
    (out / "report.json").write_text("{ not json", encoding="utf-8")
    before = _files(out)
    assert (
        cli.main(
            ["review", "--out", str(out), "conflict", "C-12\x1b[2J", "--disposition", "all_wrong", "--reviewer", "ana"]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "is not a conflict id" in err and "\x1b" not in err and _files(out) == before


# ---------------------------------------------------------------- one conflicts/ folder

LAYOUTS = {  # folders to make under the project, the rulesets folder, the conflicts folder both must find
    "beside": (["rulesets", "conflicts"], "rulesets", "conflicts"),
    "inside": (["rulesets/conflicts"], "rulesets", "rulesets/conflicts"),
    "both": (["rulesets/conflicts", "conflicts"], "rulesets", "conflicts"),
    "neither": (["rulesets"], "rulesets", "conflicts"),
    "nested": (["a/b/rules", "a/b/conflicts", "conflicts"], "a/b/rules", "a/b/conflicts"),
    "dot": ([".", "conflicts"], ".", "conflicts"),
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_one_rule_finds_conflicts_and_the_workbench_uses_it(tmp_path, layout):
    from tui.workspace import conflicts_folder as workbench_folder

    made, rulesets, expected = LAYOUTS[layout]
    for folder in made:
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
    found = conflicts_folder(tmp_path / rulesets)
    assert found.resolve() == (tmp_path / expected).resolve()
    assert workbench_folder(tmp_path / rulesets).resolve() == found.resolve()
    assert conflicts_folder(tmp_path / rulesets, out=tmp_path / "elsewhere") == tmp_path / "elsewhere"


def test_relative_default_is_the_conflicts_folder_the_cli_always_printed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rulesets").mkdir()
    assert str(conflicts_folder("rulesets")) == "conflicts"  # printed in messages as before
    (tmp_path / "rulesets" / "conflicts").mkdir()
    assert str(conflicts_folder("rulesets")) == "rulesets/conflicts"


# ---------------------------------------------------------------- one answer renderer


def _bundled_answers() -> list[Any]:
    from engine.derive import derive_facts
    from engine.evaluate import evaluate_patient
    from engine.validate import validate_paths

    result = validate_paths([ROOT / "rulesets"])
    out = []
    for patient in result.patients[:12]:
        facts, _ = derive_facts(dict(patient.facts))
        out.extend(evaluate_patient(result.rulesets, facts, patient.id).answers)
    return out


def test_every_answer_form_renders_through_one_function():
    import json

    from engine import report as report_module
    from engine.evaluate import Answer, ValueGroup, answer_text
    from engine.testing import Outcome

    answers = _bundled_answers()
    hostile = [
        Answer(
            "s",
            "q",
            "conflicting",
            (ValueGroup("a\x1b[31m", ("s/a",), "a"), ValueGroup({"mg": 5, "every_days": 2}, ("s/b",), "b")),
        ),
        Answer("s", "q", "indeterminate", missing=("egfr", "age_years")),
        Answer("s", "q", "silent"),
    ]
    assert {a.status for a in answers} >= {"answered", "silent"}
    for a in answers + hostile:
        words = a.summary()
        assert words == answer_data_text(json.loads(json.dumps(a.to_json())))
        assert words == answer_text(a.status, [v.value for v in a.values], a.missing, [v.qualifiers for v in a.values])
        assert Outcome("p", "p.yaml", a.source, a.question, "silent", a, False).describe_actual().startswith(words)
    report = json.loads((ROOT / "conflicts" / "report.json").read_text(encoding="utf-8"))
    from engine.mdescape import md_cell

    markdown = report_module.render_markdown(report)
    for conflict in report["conflicts"]:
        for a in conflict["answers"]:  # report.md says each answer in the same words
            assert f"- {md_cell(a['source'])}: {md_cell(answer_data_text(a))}" in markdown
    assert hostile[0].summary() == "conflicting: a\x1b[31m | 5 mg every 2 days"
    assert hostile[1].summary() == "indeterminate (missing egfr, age_years)"


# ---------------------------------------------------------------- rulesets with errors: one refusal


def test_broken_rulesets_refused_once_with_the_folder_escaped(tmp_path, capsys):
    rulesets = tmp_path / "r\x1b]0;pwned\x07"
    rulesets.mkdir()
    (rulesets / "alpha.yaml").write_text("source: {id: alpha\n", encoding="utf-8")
    patient = tmp_path / "p.yaml"
    patient.write_text("facts: {age_years: 40}\n", encoding="utf-8")
    assert cli.main(["eval", "--patient", str(patient), "--rulesets", str(rulesets)]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err
    lines = err.splitlines()
    assert "error[E004]" in lines[0] and lines[-1].startswith("accord: the rulesets in ") and lines[-1].endswith("`")
    assert sum("have errors" in line for line in lines) == 1


# ---------------------------------------------------------------- the report written after an analysis


def test_report_written_after_analysis_keeps_a_disposition_recorded_meanwhile(tmp_path):
    import json

    from engine.review import load_report, write_report_with_reviews

    out = _project(tmp_path)
    analysed = json.loads(
        (HOSTILE / "report_one_conflict.json").read_text(encoding="utf-8")
    )  # the analysis's copy: no disposition
    analysed["conflicts"][0]["description"] += " (analysed again)"
    save_disposition(out / "reviews.yaml", CONFLICT, "not_a_conflict", "bo", date="2026-01-03")  # recorded while it ran
    changed, written = write_report_with_reviews(out, analysed)
    assert sorted(changed) == ["report.html", "report.json", "report.md"]
    on_disk = load_report(out)
    assert on_disk is not None and on_disk == written
    assert on_disk["conflicts"][0]["description"].endswith(" (analysed again)")
    assert on_disk["conflicts"][0]["disposition"] == {
        "disposition": "not_a_conflict",
        "reviewer": "bo",
        "date": "2026-01-03",
    }
    assert on_disk["summary"]["high_without_disposition"] == []
    assert write_report_with_reviews(out, analysed)[0] == []  # same bytes: nothing rewritten


def test_report_not_written_over_unusable_reviews(tmp_path):
    from engine.review import write_report_with_reviews

    out = _project(tmp_path, reviews="reviews_unknown_disposition.yaml")
    before = _files(out)
    with pytest.raises(ReviewsUnusable) as caught:
        write_report_with_reviews(out, {"accord": 1})  # type: ignore[typeddict-item]
    assert [(d.code, d.line, d.col) for d in caught.value.diagnostics] == [("E100", 4, 18)]
    assert _files(out) == before


@pytest.mark.parametrize(
    "text, problem",
    [
        (None, None),
        ("{ not json", "report.json:1:3: error[E004]: invalid JSON: Expecting property name"),
        ('{"accord": 1, "conflicts": "x"}', "does not match schema/report.schema.json"),
        ("[]", "is not of type 'object'"),
    ],
)
def test_the_workbench_reads_the_report_through_the_engine(tmp_path, text, problem):
    from engine.review import report_or_problem

    out = _project(tmp_path, report=None)
    if text is not None:
        (out / "report.json").write_text(text, encoding="utf-8")
    report, why = report_or_problem(out)
    assert report is None
    assert (why is None) if problem is None else (why is not None and problem in why and str(out) in why)
    shutil.copy(HOSTILE / "report_one_conflict.json", out / "report.json")
    report, why = report_or_problem(out)
    assert why is None and report is not None and report["conflicts"][0]["id"] == CONFLICT
