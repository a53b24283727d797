"""engine.exclusions: the optional note of an exclusion (written only when given, read back verbatim)."""

from __future__ import annotations

import pytest

from engine.exclusions import exclude
from engine.loader import load_text
from engine.validate import validate_paths

SOURCE = "Heading\n\nThe dose is 2 mg. Buy now!\nAsk your doctor.\n"
HEAD = "accord: 1\nsource:\n  id: s\nclaims: []\n"


def test_an_empty_note_writes_no_note_key() -> None:
    out = exclude(load_text(HEAD), SOURCE, 0, 7, "navigation", "")
    assert "note" not in out
    assert load_text(out).data["excluded"] == [{"start": 0, "end": 7, "reason": "navigation", "exact": "Heading"}]


@pytest.mark.parametrize(
    "note",
    [
        'Says "buy": an advert, see #12 [marketing] — ok',
        "back\\slash: {not: a map}, - not a list, 'single'",
        "C1 \x85 NEL, \u2028 LS, \u2029 PS, \x7f DEL, \x9b CSI, \ufeff BOM",
        "emoji 💊 and tab\there",
    ],
)
def test_a_note_reads_back_verbatim(note: str) -> None:
    out = exclude(load_text(HEAD), SOURCE, 0, 7, "navigation", note)  # exclude() itself checks the read-back
    assert load_text(out).data["excluded"][0]["note"] == note
    assert out.count("\n") == HEAD.count("\n") + 6  # the note stays on its own line


def test_a_note_in_a_ruleset_file_validates(tmp_path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(exclude(load_text(HEAD), SOURCE, 0, 7, "navigation", "Page heading \x85 odd"), encoding="utf-8")
    errors = [d for d in validate_paths([path]).diagnostics if d.severity == "error" and d.code.startswith("schema")]
    assert not errors
