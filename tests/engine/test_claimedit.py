"""engine.claimedit, engine.atomic, engine.describe: the pieces the TUI's editor stands on."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from engine.atomic import FileStamp, changed_since, write_atomic
from engine.claimedit import (
    check_claim_snippet,
    claim_snippet,
    new_claim_snippet,
    set_claim_status,
    slugify,
    splice_claim,
    unique_id,
)
from engine.describe import describe
from engine.loader import load_file, load_text
from engine.provenance import selector
from engine.validate import validate_paths

TEXT = "Take 2 mg once daily. Not for children [see label]. Stop if infection occurs.\n"


@pytest.fixture
def ruleset(ruleset_writer) -> Path:
    path = ruleset_writer(
        "src",
        TEXT,
        [
            {
                "id": "src/dose",
                "question": "dose",
                "value": {"mg": 2, "every_days": 1},
                "quote": "Take 2 mg once daily.",
            },
        ],
    )
    # a comment and an excluded list that must survive every edit
    text = path.read_text().replace("claims:\n", "# keep this comment\nclaims:\n") + "excluded: []\n"
    path.write_text(text)
    return path


def test_snippet_roundtrip_is_byte_exact(ruleset: Path) -> None:
    doc = load_file(ruleset)
    snippet = claim_snippet(doc, 0)
    assert snippet.startswith("id: src/dose\n")
    assert splice_claim(doc, snippet, 0) == doc.text


def test_new_claim_appends_and_validates(ruleset: Path) -> None:
    doc = load_file(ruleset)
    start = TEXT.index("Not for")
    prov = selector(TEXT, start, TEXT.index(".", start) + 1)
    claim_id = unique_id("src", slugify(prov.exact), {"src/dose"})
    assert claim_id == "src/not-for-children-see-label"
    snippet = new_claim_snippet(
        claim_id, prov, question="initiation", value="do_not_start", when={"<": [{"var": "age_years"}, 18]}
    )
    assert check_claim_snippet(snippet, doc, None).ok
    new_text = splice_claim(doc, snippet, None)
    assert new_text.startswith(doc.text[: doc.text.index("excluded")].rstrip("\n"))
    assert "# keep this comment" in new_text and new_text.endswith("excluded: []\n")
    ruleset.write_text(new_text)
    result = validate_paths([ruleset.parent])
    assert result.ok, [d.format() for d in result.diagnostics]
    assert [c.id for c in result.rulesets[0].claims] == ["src/dose", claim_id]


def test_snippet_errors_are_located_in_the_snippet(ruleset: Path) -> None:
    doc = load_file(ruleset)
    snippet = claim_snippet(doc, 0).replace("question: dose", "question: dos")
    check = check_claim_snippet(snippet, doc, 0)
    assert not check.ok
    (d,) = check.diagnostics
    assert (d.line, d.col, d.code) == (2, 11, "E210") and "did you mean 'dose'" in d.message


def test_duplicate_id_and_syntax_errors(ruleset: Path) -> None:
    doc = load_file(ruleset)
    prov = selector(TEXT, 0, 4)
    dup = check_claim_snippet(new_claim_snippet("src/dose", prov, "dose", "not_recommended"), doc, None)
    assert [d.code for d in dup.diagnostics] == ["E300"]
    broken = check_claim_snippet("id: [unclosed\n", doc, None)
    assert broken.diagnostics[0].code == "E004" and broken.diagnostics[0].line >= 1


def test_set_status_touches_one_scalar(ruleset: Path) -> None:
    doc = load_file(ruleset)
    new = set_claim_status(doc, "src/dose", "approved")
    assert new.replace("status: approved", "status: submitted") == doc.text
    with pytest.raises(ValueError):
        set_claim_status(doc, "src/dose", "done")


def test_splice_into_empty_claims() -> None:
    doc = load_text("accord: 1\nclaims: []\nexcluded: []\n")
    out = splice_claim(doc, "id: a/b\nstatus: draft\n", None)
    assert load_text(out).data["claims"] == [{"id": "a/b", "status": "draft"}]
    assert out.endswith("excluded: []\n")


def test_write_atomic_and_stamps(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    stamp = write_atomic(path, "a: 1\n")
    assert path.read_text() == "a: 1\n" and not changed_since(path, stamp)
    assert FileStamp.of(path) == stamp
    path.write_text("a: 2\n")
    assert changed_since(path, stamp)
    assert [p.name for p in tmp_path.iterdir()] == ["f.yaml"]


def test_write_atomic_failure_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("old\n")

    def full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OSError):
        write_atomic(path, "new\n")
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["f.yaml"]


def test_describe_reads_rules_aloud() -> None:
    rule = {"and": [{"==": [{"var": "indication"}, "rheumatoid_arthritis"]}, {">": [{"var": "age_years"}, 70]}]}
    assert describe(rule) == "indication is rheumatoid arthritis and age years is more than 70"
    assert describe(True) == "always (every patient)"
    assert describe({"<": [30, {"var": "crcl"}]}) == "crcl is more than 30"
    assert describe({"<=": [30, {"var": "crcl"}, 60]}) == "crcl is at least 30 and at most 60"
    assert describe({"!": {"var": "pregnant"}}) == "not pregnant"
    assert describe({"or": [{"var": "a"}, {"and": [{"var": "b"}, {"var": "c"}]}]}) == "a or (b and c)"


def test_the_live_check_says_w303_where_accord_validate_would(tmp_path: Path) -> None:
    """An edited claim covered by another of the same question and value gets W303 at its `when`, as the file's
    validation gives; one covering another too; another value, an impossible other, or a disjoint band: nothing."""
    from engine.claimedit import check_claim_snippet, claim_snippet, read_document
    from tests.conftest import write_ruleset

    two = {"mg": 2, "every_days": 1}
    band = {"and": [{">=": [{"var": "egfr"}, 30]}, {"<": [{"var": "egfr"}, 60]}]}
    inner = {"and": [{">=": [{"var": "egfr"}, 40]}, {"<": [{"var": "egfr"}, 50]}]}
    impossible = {"and": [{"<": [{"var": "egfr"}, 10]}, {">": [{"var": "egfr"}, 20]}]}
    write_ruleset(
        tmp_path,
        "s",
        "Take 2 mg. Take 4 mg.",
        [
            {"id": "s/wide", "question": "dose", "value": two, "when": band},
            {"id": "s/inner", "question": "dose", "value": two, "when": inner},
            {"id": "s/other-value", "question": "dose", "value": {"mg": 4, "every_days": 1}, "when": inner},
            {"id": "s/never", "question": "dose", "value": two, "when": impossible},
        ],
    )
    path = tmp_path / "s.yaml"
    doc = read_document(path)

    def w303(index: int, snippet: str | None = None) -> list[str]:
        found = check_claim_snippet(snippet or claim_snippet(doc, index), doc, index, str(path)).diagnostics
        return [d.message for d in found if d.code == "W303"]

    said = [d.message for d in validate_paths([tmp_path]).diagnostics if d.code == "W303"]
    assert w303(1) == said and len(said) == 1 and "'s/inner' applies to is covered by 's/wide'" in said[0]
    assert [m.split(":")[0] for m in w303(0)] == ["redundant claim"]  # the wide one covers inner
    assert w303(2) == []  # another value: no claim to compare with
    moved = check_claim_snippet(claim_snippet(doc, 1).replace("40", "70").replace("50", "80"), doc, 1, str(path))
    assert [d for d in moved.diagnostics if d.code == "W303"] == []
    located = [d for d in check_claim_snippet(claim_snippet(doc, 1), doc, 1, str(path)).diagnostics if d.code == "W303"]
    assert located[0].pointer == "/when" and located[0].severity == "warning"
    (whole,) = [d for d in validate_paths([tmp_path]).diagnostics if d.code == "W303"]
    file_line = path.read_text(encoding="utf-8").splitlines()[whole.line - 1]
    assert claim_snippet(doc, 1).splitlines()[located[0].line - 1].strip() == file_line.strip()  # the same place
