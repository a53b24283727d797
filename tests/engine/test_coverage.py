"""The sentence splitter, coverage counting and `accord coverage` / `accord test` on small fixtures."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.coverage import coverage, coverage_of_text, split_sentences
from engine.validate import validate_paths
from tests.conftest import ACCORD, REPO, dump_yaml


def texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


def test_splits_on_sentence_end_followed_by_whitespace():
    assert texts("One. Two! Three? Four") == ["One.", "Two!", "Three?", "Four"]


def test_no_split_without_whitespace_after_the_period():
    assert texts("Use 1.5 mg (e.g., daily) at Dr.Oracle. Next") == ["Use 1.5 mg (e.g., daily) at Dr.Oracle.", "Next"]


def test_line_breaks_end_sentences_and_blank_lines_are_skipped():
    assert texts("---\nlayout: x\n---\n\n  \n  • bullet one\n* bullet two") == [
        "---",
        "layout: x",
        "---",
        "• bullet one",
        "* bullet two",
    ]


def test_offsets_lines_and_columns_point_into_the_text():
    text = "Title\n\n  • A first. And second.\n"
    sentences = split_sentences(text)
    assert [(s.line, s.col) for s in sentences] == [(1, 1), (3, 3), (3, 14)]
    for s in sentences:
        assert text[s.start : s.end] == s.text


def test_offsets_are_code_points_with_non_ascii_text():
    text = "eGFR 30‑60 ≈ ok. Next ²."
    sentences = split_sentences(text)
    assert [text[s.start : s.end] for s in sentences] == ["eGFR 30‑60 ≈ ok.", "Next ²."]


def test_runs_of_punctuation_stay_with_the_sentence():
    assert texts("Really?! Yes... no") == ["Really?!", "Yes...", "no"]


def test_classification_claimed_beats_excluded_and_the_rest_is_unreviewed():
    text = "Alpha one. Beta two. Gamma three."
    cov = coverage_of_text(text, claim_spans=[(0, 5)], excluded_spans=[(0, 10), (11, 15)])
    assert cov.status == ["claimed", "excluded", "unreviewed"]
    assert cov.counts() == {"sentences": 3, "claimed": 1, "excluded": 1, "unreviewed": 1}
    assert [s.text for s in cov.unreviewed] == ["Gamma three."]
    assert not cov.complete


def test_touching_span_does_not_overlap():
    cov = coverage_of_text("Ab. Cd.", claim_spans=[(0, 3)], excluded_spans=[])
    assert cov.status == ["claimed", "unreviewed"]


def _fixture(tmp_path: Path, ruleset_writer, excluded: bool) -> Path:
    text = "Take 2 mg daily. Ignore this sentence.\n"
    extra = {"excluded": [{"start": 17, "end": 38, "reason": "no_checkable_content"}]} if excluded else {}
    ruleset_writer(
        "src", text, [{"question": "dose", "value": {"mg": 2, "every_days": 1}, "quote": "Take 2 mg daily."}], **extra
    )
    return tmp_path


def test_coverage_of_a_loaded_ruleset(tmp_path, ruleset_writer):
    folder = _fixture(tmp_path, ruleset_writer, excluded=False)
    result = validate_paths([folder], check_patients=False)
    assert result.ok, result.diagnostics
    cov = coverage(result.rulesets[0])
    assert cov.counts() == {"sentences": 2, "claimed": 1, "excluded": 0, "unreviewed": 1}
    assert (cov.unreviewed[0].line, cov.unreviewed[0].col) == (1, 18)


def test_cli_lists_unreviewed_sentences_and_exits_1(tmp_path, ruleset_writer):
    folder = _fixture(tmp_path, ruleset_writer, excluded=False)
    proc = subprocess.run(ACCORD + ["coverage", str(folder)], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    assert "src.txt:1:18: unreviewed: Ignore this sentence." in proc.stdout
    assert proc.stdout.splitlines()[0].split() == ["SOURCE", "SENTENCES", "CLAIMED", "EXCLUDED", "UNREVIEWED"]


def test_cli_exits_0_when_complete_and_json_counts(tmp_path, ruleset_writer):
    folder = _fixture(tmp_path, ruleset_writer, excluded=True)
    proc = subprocess.run(
        ACCORD + ["coverage", "--format", "json", str(folder)], cwd=REPO, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    assert data["ok"] is True
    assert (
        data["sources"][0]["sentences"] == 2
        and data["sources"][0]["excluded"] == 1
        and data["sources"][0]["unreviewed"] == 0
    )


def test_cli_usage_error_exits_2(tmp_path):
    proc = subprocess.run(ACCORD + ["coverage", str(tmp_path / "missing")], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 2


def _patient(folder: Path, expected: dict) -> None:
    (folder / "patients").mkdir(exist_ok=True)
    (folder / "patients" / "p.yaml").write_text(
        dump_yaml({"id": "p", "facts": {"egfr": 40}, "expected": {"src": expected}}), encoding="utf-8"
    )


def test_accord_test_passes_and_fails(tmp_path, ruleset_writer):
    text = "Give 2 mg for eGFR 30-60. Give 1 mg for eGFR 30-49.\n"
    ruleset_writer(
        "src",
        text,
        [
            {
                "id": "src/a",
                "question": "dose",
                "value": {"mg": 2, "every_days": 1},
                "quote": "Give 2 mg for eGFR 30-60.",
                "when": {"and": [{">=": [{"var": "egfr"}, 30]}, {"<=": [{"var": "egfr"}, 60]}]},
            },
            {
                "id": "src/b",
                "question": "dose",
                "value": {"mg": 1, "every_days": 1},
                "quote": "Give 1 mg for eGFR 30-49.",
                "when": {"and": [{">=": [{"var": "egfr"}, 30]}, {"<=": [{"var": "egfr"}, 49]}]},
            },
        ],
    )
    _patient(
        tmp_path,
        {"dose": {"conflicting": [{"mg": 1, "every_days": 1}, {"mg": 2, "every_days": 1}]}, "initiation": "silent"},
    )
    ok = subprocess.run(ACCORD + ["test", str(tmp_path)], cwd=REPO, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "2 expectations, 2 passed, 0 failed" in ok.stdout

    _patient(tmp_path, {"dose": {"mg": 2, "every_days": 1}})
    bad = subprocess.run(ACCORD + ["test", str(tmp_path)], cwd=REPO, capture_output=True, text=True)
    assert bad.returncode == 1
    assert "patients/p.yaml: src dose: expected 2 mg once daily, got conflicting:" in bad.stdout
    assert "src/a" in bad.stdout and "src/b" in bad.stdout
    assert "1 expectations, 0 passed, 1 failed" in bad.stdout


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(1, 20)), max_size=12), st.integers(0, 70), st.integers(1, 15))
def test_span_index_answers_like_a_scan(spans, start, length):
    from engine.coverage import _Spans

    pairs = [(a, a + n) for a, n in spans]
    end = start + length
    assert _Spans(pairs).overlaps(start, end) == any(a < end and start < b for a, b in pairs)
