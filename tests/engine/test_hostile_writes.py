"""Hostile writes: every string written reads back identical, bad reviews/reports are located errors, nothing half-written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import cli
from engine.claimedit import new_claim_snippet, set_scalar
from engine.exclusions import exclude
from engine.loader import load_file, load_text
from engine.model import Provenance
from engine.patientedit import write_facts
from engine.review import ReviewError, check_note, load_reviews, record_disposition, reviews_text
from engine.yamltext import UnwritableText, plain_or_quoted, quoted

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "hostile" / "writes"
TEXT = "Alpha says one thing. Beta says another."
# Any text but lone surrogates: C0/C1 controls, NEL, DEL, U+2028/2029, BOM, noncharacters, tabs, `: `, `#`, `- `...
ANY = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
TRICKY = st.sampled_from(
    [
        "\x85",
        "\x7f",
        "\u2028",
        "\u2029",
        "\ufeff",
        "\ufffe",
        "\t",
        "a ",
        " ",
        ": ",
        "#",
        "- a",
        "? a",
        "* a",
        "& a",
        "! a",
        "no",
        "yes",
        "null",
        "~",
        "1e5",
        "0x1f",
        "010",
        ".inf",
        "2026-01-01",
        "'",
        '"',
        "\\",
        "\x00",
    ]
)
STRINGS = st.one_of(ANY, TRICKY, st.lists(TRICKY, max_size=4).map("".join))


@settings(max_examples=300, deadline=None)
@given(STRINGS)
def test_every_string_reads_back_through_the_loader(s):
    assert load_text(f"k: {quoted(s)}\n").data == {"k": s}
    assert load_text(f"k: {plain_or_quoted(s)}\n").data == {"k": s}
    assert load_text(f'{{"k": {quoted(s)}}}', "x.json", as_json=True).data == {"k": s}


@pytest.mark.parametrize("bad", ["a\udcff", "\ud800", "x\udfffy"])
def test_lone_surrogates_refused_with_a_clear_error(bad):
    with pytest.raises(UnwritableText, match="not UTF-8"):
        quoted(bad)


@settings(max_examples=100, deadline=None)
@given(STRINGS)
def test_claim_snippet_quote_reads_back(s):
    prov = Provenance(exact=s or "x", prefix=s, suffix=s, start=0, end=1)
    data = load_text(new_claim_snippet("alpha/one", prov, "dose", s)).data
    assert (data["value"], data["provenance"]["exact"], data["provenance"]["prefix"]) == (s, s or "x", s)


@settings(max_examples=100, deadline=None)
@given(STRINGS)
def test_patient_fact_string_reads_back(s):
    for name, text in (("p.yaml", "facts:\n  age_years: 40\n"), ("p.json", '{"facts": {"age_years": 40}}\n')):
        doc = load_text(text, name, as_json=name.endswith(".json"))
        out = write_facts(doc, {"age_years": 40, "note": s})
        assert load_text(out, name, as_json=name.endswith(".json")).data["facts"]["note"] == s


@settings(max_examples=60, deadline=None)
@given(STRINGS)
def test_exclusion_note_and_exact_read_back(s):
    source = "Intro. " + (s.strip() or "x") + " Outro."
    doc = load_text("accord: 1\nclaims: []\n", "r.yaml")
    out = exclude(doc, source, 7, len(source) - 7, "disclaimer", s)
    item = load_text(out).data["excluded"][0]
    assert item["exact"] == source[item["start"] : item["end"]] and item.get("note", "") == s


@settings(max_examples=100, deadline=None)
@given(STRINGS)
def test_review_note_either_refused_or_reads_back(s):
    data = {"accord": 1, "conflicts": {}, "claims": {}}
    try:
        record_disposition(data, "C-0000000001", "needs_expert", "ana", s, date="2026-01-01")
    except ReviewError:
        with pytest.raises(ReviewError):
            check_note(s)
        return
    assert load_text(reviews_text(data)).data["conflicts"]["C-0000000001"].get("note", "") == s


@pytest.mark.parametrize(
    "name, line, col, pointer",
    [
        ("reviews_bad_key.yaml", 3, 3, "/conflicts"),
        ("reviews_reviewer_newline.yaml", 5, 15, "/conflicts/C-0000000001/reviewer"),
        ("reviews_reviewer_number.yaml", 5, 15, "/conflicts/C-0000000001/reviewer"),
        ("reviews_source_newline.yaml", 5, 23, "/conflicts/C-0000000001/disposition/source_correct"),
    ],
)
def test_hostile_reviews_file_is_a_located_error(name, line, col, pointer):
    _data, diags = load_reviews(HOSTILE / name)
    assert diags and {(d.code, d.line, d.col, d.pointer) for d in diags} == {("E100", line, col, pointer)}


def _project(tmp_path: Path, report: str | None) -> tuple[Path, bytes]:
    out = tmp_path / "conflicts"
    out.mkdir()
    if report:
        shutil.copy(HOSTILE / report, out / "report.json")
    reviews = out / "reviews.yaml"
    reviews.write_text("accord: 1\nclaims: {}\nconflicts: {}\n", encoding="utf-8")
    return out, reviews.read_bytes()


@pytest.mark.parametrize(
    "report, expect",
    [
        ("report_truncated.json", "report.json:2:1: error[E004]"),
        ("report_wrong_shape.json", "does not match schema/report.schema.json"),
    ],
)
def test_tampered_report_refused_before_anything_is_written(tmp_path, capsys, report, expect):
    out, before = _project(tmp_path, report)
    report_before = (out / "report.json").read_bytes()
    code = cli.main(
        ["review", "--out", str(out), "conflict", "C-0000000001", "--disposition", "all_wrong", "--reviewer", "ana"]
    )
    assert code == 1 and expect in capsys.readouterr().err
    assert (out / "reviews.yaml").read_bytes() == before and (out / "report.json").read_bytes() == report_before


@pytest.mark.parametrize(
    "args, expect",
    [
        (["--reviewer", "a\udcffb"], "not UTF-8"),  # a non-UTF-8 byte from argv (surrogateescape)
        (["--reviewer", "ana\n## injected"], "one line"),
        (["--reviewer", "<script>"], "must not contain"),
        (["--reviewer", "ana", "--note", "line\nbreak"], "one line"),
        (["--reviewer", "ana", "--date", "2024-02-30"], "not a calendar date"),
        (["--reviewer", "ana", "--date", "2024-1-3"], "YYYY-MM-DD"),
    ],
)
def test_bad_review_arguments_refused_nothing_written(tmp_path, capsys, args, expect):
    out, before = _project(tmp_path, None)
    code = cli.main(["review", "--out", str(out), "conflict", "C-0000000001", "--disposition", "all_wrong", *args])
    assert code == 1 and expect in capsys.readouterr().err
    assert (out / "reviews.yaml").read_bytes() == before


def test_plain_looking_reviewer_written_quoted_and_loadable(tmp_path, capsys):
    out, _ = _project(tmp_path, None)
    for who in ("1e5", "no", "null", "- ana"):
        assert (
            cli.main(
                [
                    "review",
                    "--out",
                    str(out),
                    "conflict",
                    "C-0000000001",
                    "--disposition",
                    "all_wrong",
                    "--reviewer",
                    who,
                ]
            )
            == 0
        )
        data, diags = load_reviews(out / "reviews.yaml")
        assert not diags and data["conflicts"]["C-0000000001"]["reviewer"] == who


def test_source_correct_must_name_a_source_of_the_conflict(tmp_path, capsys):
    data = {"accord": 1, "conflicts": {}, "claims": {}}
    with pytest.raises(ReviewError, match="not one of the conflict's sources"):
        record_disposition(
            data, "C-0000000001", "source_correct", "ana", source="no-such-source", conflict_sources=["alpha", "beta"]
        )
    with pytest.raises(ReviewError, match="not a source id"):
        record_disposition(data, "C-0000000001", "source_correct", "ana", source="Bad Source")
    assert data["conflicts"] == {}


def test_review_claim_on_a_json_ruleset_writes_json(tmp_path, ruleset_writer, capsys):
    path = ruleset_writer(
        "alpha", TEXT, [{"id": "alpha/one", "question": "initiation", "value": "recommended", "status": "draft"}]
    )
    data = load_file(path).data
    path.unlink()
    path = path.with_suffix(".json")
    original = json.dumps(data, indent=2) + "\n"
    path.write_text(original, encoding="utf-8")
    assert (
        cli.main(
            [
                "review",
                "--rulesets",
                str(tmp_path),
                "--out",
                str(tmp_path / "c"),
                "claim",
                "alpha/one",
                "--status",
                "submitted",
                "--reviewer",
                "ana",
                "--note",
                "ready",
            ]
        )
        == 0
    )
    edited = path.read_text(encoding="utf-8")
    assert json.loads(edited)["claims"][0]["status"] == "submitted"
    assert edited == original.replace('"status": "draft"', '"status": "submitted"')


def test_set_scalar_in_json_is_json_and_in_yaml_is_plain():
    ydoc = load_text("claims:\n- status: draft  # keep\n", "r.yaml")
    assert set_scalar(ydoc, ("claims", 0, "status"), "approved") == "claims:\n- status: approved  # keep\n"
    jdoc = load_text('{"claims": [{"status": "draft"}]}', "r.json", as_json=True)
    assert set_scalar(jdoc, ("claims", 0, "status"), "approved") == '{"claims": [{"status": "approved"}]}'
    assert set_scalar(ydoc, ("claims", 0, "status"), "no") == 'claims:\n- status: "no"  # keep\n'


def test_exclusion_in_a_json_ruleset_stays_json():
    doc = load_text('{\n  "accord": 1,\n  "claims": []\n}\n', "r.json", as_json=True)
    out = exclude(doc, "Intro. Skip me. Outro.", 7, 15, "disclaimer")
    assert json.loads(out)["excluded"] == [{"start": 7, "end": 15, "reason": "disclaimer", "exact": "Skip me."}]
    again = exclude(load_text(out, "r.json", as_json=True), "Intro. Skip me. Outro.", 0, 6, "disclaimer")
    assert [e["start"] for e in json.loads(again)["excluded"]] == [0, 7]
