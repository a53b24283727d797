"""accord source add / update: registering a source from a file, and a text change that says what it touches."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
import yaml

from engine.cli import main
from engine.extract import html_text
from engine.sources import SourceError, add_source, apply_update, plan_update
from engine.validate import validate_paths
from tests.conftest import dump_yaml, write_ruleset

TODAY = dt.date.today().isoformat()


def rulesets(tmp_path: Path) -> Path:
    folder = tmp_path / "rulesets"
    folder.mkdir(exist_ok=True)
    return folder


def files(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` but the lock sidecars (.<name>.lock, kept by design: engine.filelock)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(".lock")
    }


# ---------------------------------------------------------------- add


def test_add_plain_text_is_byte_exact(tmp_path):
    folder = rulesets(tmp_path)
    page = tmp_path / "page.txt"
    page.write_bytes(b"Baricitinib leaflet\n\nTake 2 mg once daily.\n")
    added = add_source(folder, page, "leaflet", url="https://example.org/x", kind="web_page")
    assert (folder / "sources" / "leaflet.txt").read_bytes() == page.read_bytes()
    data = yaml.safe_load((folder / "leaflet.yaml").read_text())
    source = data["source"]
    assert source["sha256"] == hashlib.sha256(page.read_bytes()).hexdigest()
    assert source["retrieved"] == TODAY and source["title"] == "Baricitinib leaflet"
    assert source["kind"] == "web_page" and "extracted_from" not in source
    assert data["claims"] == []
    assert added.diagnostics == []
    result = validate_paths([folder])
    assert result.ok and [r.source_id for r in result.rulesets] == ["leaflet"]


def test_add_normalises_crlf_and_bom_and_records_it(tmp_path):
    folder = rulesets(tmp_path)
    page = tmp_path / "notes.md"
    raw = b"\xef\xbb\xbf# Notes\r\n\r\nUse 2 mg.\r\n"
    page.write_bytes(raw)
    add_source(folder, page, "notes", title="Notes", retrieved="2025-01-02")
    assert (folder / "sources" / "notes.txt").read_bytes() == b"# Notes\n\nUse 2 mg.\n"
    source = yaml.safe_load((folder / "notes.yaml").read_text())["source"]
    assert source["extracted_from"] == {"format": "markdown", "sha256": hashlib.sha256(raw).hexdigest()}
    assert source["retrieved"] == "2025-01-02"


def test_add_html_extracts_visible_text(tmp_path):
    folder = rulesets(tmp_path)
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Dose &amp; you</title><style>p {color: red}</style></head><body>"
        "<script>var secret = 1;</script><h1>Baricitinib</h1><p>Take 2 mg\n   once daily.</p>"
        "<ul><li>eGFR 30-60: 2 mg</li><li>eGFR &lt;30: avoid</li></ul><p>a<br>b</p></body></html>",
        encoding="utf-8",
    )
    add_source(folder, page, "page")
    text = (folder / "sources" / "page.txt").read_text()
    assert text == "Baricitinib\n\nTake 2 mg once daily.\n\neGFR 30-60: 2 mg\neGFR <30: avoid\n\na\nb\n"
    source = yaml.safe_load((folder / "page.yaml").read_text())["source"]
    assert source["title"] == "Dose & you"
    assert source["extracted_from"]["format"] == "html"
    assert validate_paths([folder]).ok


def test_html_extraction_survives_broken_markup():
    text, title = html_text("<p>one<div><b>two</p></i><script>x<p>three")
    assert "one" in text and "two" in text and "three" not in text and title == ""


@pytest.mark.parametrize(
    ("source_id", "why"),
    [
        ("../escape", "is not a source id"),
        ("sources/x", "is not a source id"),
        ("Upper", "is not a source id"),
        ("-lead", "is not a source id"),
        ("a" * 101, "at most 100"),
        ("", "required"),
        ("ok\n", "is not a source id"),
    ],
)
def test_add_refuses_bad_ids(tmp_path, source_id, why):
    folder = rulesets(tmp_path)
    page = tmp_path / "p.txt"
    page.write_text("Some text.\n")
    with pytest.raises(SourceError, match=why):
        add_source(folder, page, source_id)
    assert files(folder) == {}


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary"),
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"caf\xe9 au lait\n", "not UTF-8"),
        (bytes(range(1, 32)) * 40, "binary"),
        (b"<html><script>only()</script></html>", "no text left"),
    ],
)
def test_add_refuses_what_is_not_text(tmp_path, content, why):
    folder = rulesets(tmp_path)
    page = tmp_path / ("p.html" if b"<html>" in content else "p.txt")
    page.write_bytes(content)
    with pytest.raises(SourceError, match=why):
        add_source(folder, page, "p")
    assert files(folder) == {}


def test_add_with_an_encoding(tmp_path):
    folder = rulesets(tmp_path)
    page = tmp_path / "p.txt"
    page.write_bytes(b"caf\xe9 au lait\n")
    add_source(folder, page, "p", encoding="cp1252")
    assert (folder / "sources" / "p.txt").read_text(encoding="utf-8") == "café au lait\n"
    assert yaml.safe_load((folder / "p.yaml").read_text())["source"]["extracted_from"]["encoding"] == "cp1252"


def test_add_refuses_huge_files_and_fifos(tmp_path):
    import os

    folder = rulesets(tmp_path)
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * (1_200_000))
    with pytest.raises(SourceError, match="limit"):
        add_source(folder, big, "big")
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(SourceError, match="not a regular file"):
        add_source(folder, fifo, "pipe")
    with pytest.raises(SourceError, match="directory"):
        add_source(folder, tmp_path, "dir")
    assert files(folder) == {}


def test_add_refuses_an_existing_source(tmp_path):
    folder = rulesets(tmp_path)
    write_ruleset(folder, "src", "Use 2 mg once daily.", [{"question": "dose", "value": {"mg": 2, "every_days": 1}}])
    before = files(folder)
    page = tmp_path / "p.txt"
    page.write_text("Other.\n")
    with pytest.raises(SourceError, match="exists already"):
        add_source(folder, page, "src")
    (folder / "sources" / "orphan.txt").write_text("left here\n")
    with pytest.raises(SourceError, match="exists already"):
        add_source(folder, page, "orphan")
    assert files(folder) == {**before, "sources/orphan.txt": b"left here\n"}


def test_add_refuses_a_bad_date_and_kind(tmp_path):
    folder = rulesets(tmp_path)
    page = tmp_path / "p.txt"
    page.write_text("Text.\n")
    with pytest.raises(SourceError, match="calendar date"):
        add_source(folder, page, "p", retrieved="2025-02-30")
    with pytest.raises(SourceError, match="YYYY-MM-DD"):
        add_source(folder, page, "p", retrieved="yesterday")
    with pytest.raises(SourceError, match="kind must be one of"):
        add_source(folder, page, "p", kind="tweet")
    assert files(folder) == {}


def test_add_cli_exit_codes(tmp_path, capsys):
    folder = rulesets(tmp_path)
    page = tmp_path / "p.txt"
    page.write_text("Take 2 mg.\n")
    assert main(["source", "add", str(page), "--id", "p", "--rulesets", str(folder)]) == 0
    assert main(["source", "add", str(page), "--id", "p", "--rulesets", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "exists already" in err and "Traceback" not in err
    assert main(["source", "add", str(page), "--id", "Bad/Id", "--rulesets", str(folder)]) == 1
    assert main(["source", "add", str(tmp_path / "missing.txt"), "--id", "m", "--rulesets", str(folder)]) == 1
    assert "cannot read" in capsys.readouterr().err


# ---------------------------------------------------------------- update

TEXT = (
    "Baricitinib dosing.\n"
    "The usual dose is 2 mg once daily.\n"
    "For eGFR 30 to 60 give 2 mg once daily.\n"
    "Below eGFR 30 the drug is not recommended.\n"
    "Take the tablet with water in the morning.\n"
)
DOSE = {"mg": 2, "every_days": 1}
CLAIMS = [
    {"id": "src/usual", "question": "dose", "value": DOSE, "quote": "The usual dose is 2 mg once daily."},
    {
        "id": "src/band",
        "question": "dose",
        "value": DOSE,
        "quote": "For eGFR 30 to 60 give 2 mg once daily.",
        "when": {"and": [{">=": [{"var": "egfr"}, 30]}, {"<=": [{"var": "egfr"}, 60]}]},
    },
    {
        "id": "src/low",
        "question": "dose",
        "value": "not_recommended",
        "quote": "Below eGFR 30 the drug is not recommended.",
        "when": {"<": [{"var": "egfr"}, 30]},
        "status": "approved",
    },
    {
        "id": "src/water",
        "question": "dose",
        "value": DOSE,
        "quote": "Take the tablet with water in the morning.",
        "status": "approved",
    },
]


def project(tmp_path: Path) -> Path:
    folder = rulesets(tmp_path)
    path = write_ruleset(folder, "src", TEXT, CLAIMS)
    data = yaml.safe_load(path.read_text())
    data["excluded"] = [{"start": 0, "end": 19, "reason": "navigation", "exact": "Baricitinib dosing."}]
    path.write_text("# a comment kept by the update\n" + dump_yaml(data), encoding="utf-8")
    assert validate_paths([folder]).ok
    return folder


def new_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "new.txt"
    path.write_text(text, encoding="utf-8")
    return path


def by_id(plan):
    return {c.id: c for c in plan.changes}


def test_update_classifies_every_quote(tmp_path):
    folder = project(tmp_path)
    new = (
        "Baricitinib dosing.\n"
        "New: check lipids at 12 weeks.\n"  # inserted: everything after moves
        "The usual dose is 2 mg once daily.\n"
        "For eGFR 30 to 60 give 1 mg once daily.\n"  # the words changed
        "Take the tablet with a glass of water in the morning.\n"  # changed
    )  # the eGFR < 30 sentence vanished
    plan = plan_update(folder, "src", new_file(tmp_path, new), analyse_conflicts=False)
    states = {cid: c.state for cid, c in by_id(plan).items()}
    assert states == {
        "src/usual": "moved",
        "src/band": "fuzzy",
        "src/low": "lost",
        "src/water": "fuzzy",
        "excluded[0]": "exact",
    }
    band = by_id(plan)["src/band"]
    assert band.new_exact == "For eGFR 30 to 60 give 1 mg once daily."
    assert new[band.anchoring.start : band.anchoring.end] == band.new_exact
    assert [s.text for s in plan.new_sentences] == ["New: check lipids at 12 weeks."]


def test_dry_run_writes_nothing(tmp_path, capsys):
    folder = project(tmp_path)
    before = files(tmp_path)
    new = new_file(tmp_path, TEXT.replace("2 mg once daily.\nFor", "2 mg once daily, with food.\nFor"))
    before = files(tmp_path)
    code = main(["source", "update", "src", str(new), "--rulesets", str(folder), "--dry-run", "--no-conflicts"])
    assert code == 0
    assert files(tmp_path) == before
    out = capsys.readouterr().out
    assert "changed         src/usual" in out and "dry run: nothing written" in out


def test_lost_quote_refuses_unless_allowed(tmp_path):
    folder = project(tmp_path)
    new = new_file(tmp_path, TEXT.replace("Below eGFR 30 the drug is not recommended.\n", ""))
    before = files(tmp_path)
    plan = plan_update(folder, "src", new, analyse_conflicts=False)
    with pytest.raises(SourceError, match="src/low"):
        apply_update(plan)
    assert files(tmp_path) == before
    assert main(["source", "update", "src", str(new), "--rulesets", str(folder), "--no-conflicts"]) == 1
    assert files(tmp_path) == before
    apply_update(plan, allow_lost=True)
    claim = yaml.safe_load((folder / "src.yaml").read_text())["claims"][2]
    assert claim["status"] == "submitted" and "no longer in the source text" in claim["note"]
    codes = {d.code for d in validate_paths([folder]).diagnostics}
    assert "E402" in codes  # said, never silent


def test_update_writes_in_place(tmp_path):
    folder = project(tmp_path)
    new = "Intro line.\n" + TEXT.replace("with water", "with plenty of water")
    plan = plan_update(folder, "src", new_file(tmp_path, new), analyse_conflicts=False, retrieved="2026-01-05")
    apply_update(plan)
    text = (folder / "src.yaml").read_text()
    assert text.startswith("# a comment kept by the update\n")
    data = yaml.safe_load(text)
    assert (folder / "sources" / "src.txt").read_text() == new
    assert data["source"]["sha256"] == hashlib.sha256(new.encode()).hexdigest()
    assert data["source"]["retrieved"] == "2026-01-05"
    claims = {c["id"]: c for c in data["claims"]}
    # moved with the same words and context: verified today
    assert claims["src/usual"]["verified"] == TODAY and claims["src/band"]["verified"] == TODAY
    # same words, but the sentence after it (its suffix) changed: moved, not marked verified
    assert "verified" not in claims["src/low"]
    assert claims["src/water"]["status"] == "submitted"
    assert "with plenty of water" in claims["src/water"]["provenance"]["exact"]
    assert "quote changed from" in claims["src/water"]["note"]
    assert claims["src/low"]["status"] == "approved"  # its words are the same: still approved
    assert data["excluded"][0]["start"] == len("Intro line.\n")
    result = validate_paths([folder])
    assert result.ok, [d.format() for d in result.diagnostics]
    assert not [d for d in result.diagnostics if d.code in ("W403", "W405")]


def test_same_text_marks_everything_verified(tmp_path):
    folder = project(tmp_path)
    plan = plan_update(folder, "src", new_file(tmp_path, TEXT), analyse_conflicts=False)
    assert plan.same_text and {c.state for c in plan.changes} == {"exact"}
    apply_update(plan)
    claims = yaml.safe_load((folder / "src.yaml").read_text())["claims"]
    assert [c.get("verified") for c in claims] == [TODAY] * 4


def test_update_refuses_a_file_changed_since_planned(tmp_path):
    folder = project(tmp_path)
    plan = plan_update(folder, "src", new_file(tmp_path, "Intro.\n" + TEXT), analyse_conflicts=False)
    path = folder / "src.yaml"
    path.write_text(path.read_text() + "# edited meanwhile\n")
    before = files(tmp_path)
    with pytest.raises(SourceError, match="changed since"):
        apply_update(plan)
    assert files(tmp_path) == before


def test_update_refuses_unknown_and_broken_sources(tmp_path):
    folder = project(tmp_path)
    new = new_file(tmp_path, TEXT)
    with pytest.raises(SourceError, match="no source other"):
        plan_update(folder, "other", new)
    (folder / "sources" / "src.txt").write_text("tampered\n")
    with pytest.raises(SourceError, match="has errors"):
        plan_update(folder, "src", new)


def _two_sources(tmp_path: Path) -> Path:
    folder = project(tmp_path)
    other = "For eGFR 30 to 60 give 4 mg once daily.\n"
    write_ruleset(
        folder,
        "other",
        other,
        [
            {
                "question": "dose",
                "value": {"mg": 4, "every_days": 1},
                "quote": other.strip(),
                "when": {"and": [{">=": [{"var": "egfr"}, 30]}, {"<=": [{"var": "egfr"}, 60]}]},
            }
        ],
    )
    return folder


def test_conflicts_before_and_after_and_dispositions_to_review_again(tmp_path):
    from engine.contract import vocabulary
    from engine.fingerprint import judged_of
    from engine.report import fresh_report

    folder = _two_sources(tmp_path)
    report, _ = fresh_report(
        validate_paths([folder]).rulesets, {"accord": 1, "conflicts": {}, "claims": {}}, vocab=vocabulary()
    )
    findings = [c for c in report["conflicts"] if "src/band" in {x["id"] for x in c.get("claims", [])}]
    assert findings, "the two sources disagree on eGFR 30-60"
    finding = findings[0]
    reviews = {
        "accord": 1,
        "conflicts": {
            finding["id"]: {
                "disposition": "not_a_conflict",
                "reviewer": "ana",
                "date": "2026-01-01",
                "judged": judged_of(finding),
            }
        },
        "claims": {},
    }
    (tmp_path / "conflicts").mkdir()
    (tmp_path / "conflicts" / "reviews.yaml").write_text(dump_yaml(reviews), encoding="utf-8")
    # the band sentence's words change (its value stays as authored): the disposition judged other words
    changed = TEXT.replace("give 2 mg once daily", "give 2 mg once a day")
    plan = plan_update(folder, "src", new_file(tmp_path, changed))
    assert [f["id"] for f in plan.conflicts.review_again] == [finding["id"]]
    assert "src/band" in plan.conflicts.review_again[0]["reason"]
    assert plan.conflicts.appeared == [] and plan.conflicts.disappeared == []
    # a moved quote keeps its words: the disposition stands
    plan = plan_update(folder, "src", new_file(tmp_path, "Intro.\n" + TEXT))
    assert plan.conflicts.review_again == []


def test_conflicts_that_disappear(tmp_path):
    folder = _two_sources(tmp_path)
    other_new = tmp_path / "other-new.txt"
    other_new.write_text("Nothing about doses any more.\n", encoding="utf-8")
    plan = plan_update(folder, "other", other_new)
    assert [c.state for c in plan.changes] == ["lost"]
    # the lost claim stays in the ruleset (said, to be removed by a person), so its conflict stays too
    assert plan.conflicts.disappeared == []
    assert plan.count("lost") == 1


def test_update_json_output(tmp_path, capsys):
    import json

    folder = project(tmp_path)
    new = new_file(tmp_path, TEXT.replace("with water", "with juice"))
    assert main(["source", "update", "src", str(new), "--rulesets", str(folder), "--format", "json", "--dry-run"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["written"] is False
    assert payload["counts"]["fuzzy"]["claims"] == 1
    # the changed sentence, and the one before it, whose suffix (its context) was that sentence
    assert [(q["id"], q["state"]) for q in payload["quotes"]] == [("src/low", "exact"), ("src/water", "fuzzy")]
    assert payload["quotes"][0]["context_same"] is False
    assert set(payload["conflicts"]) >= {"appeared", "disappeared", "review_again"}
