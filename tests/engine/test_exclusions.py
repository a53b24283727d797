"""engine.exclusions: a span recorded as excluded from coverage, by a targeted insertion into the ruleset file."""

from __future__ import annotations

import pytest

from engine.coverage import coverage_of_text
from engine.exclusions import (
    ChangedOnDisk,
    ExclusionError,
    Span,
    add_exclusion,
    exclude,
    reasons,
    save_exclusion,
    trim_span,
)
from engine.loader import load_file, load_text

SOURCE = "Heading\n\nThe dose is 2 mg. Buy now!\nAsk your doctor.\n"

HEAD = """\
accord: 1
source:
  id: s
claims: []
"""

BLOCK = (
    HEAD
    + """\
excluded:
  - start: 0
    end: 7
    reason: navigation
    note: "Heading."
  # reader comments below
  - start: 37
    end: 53
    reason: no_checkable_content
"""
)


def test_reasons_come_from_the_contract() -> None:
    assert "navigation" in reasons() and "marketing" in reasons()


def test_trim_span() -> None:
    assert trim_span(SOURCE, 26, 36) == Span(27, 35, "Buy now!")
    assert trim_span(SOURCE, 40, 30) == Span(31, 39, SOURCE[31:39])
    with pytest.raises(ExclusionError):
        trim_span(SOURCE, 7, 9)


def test_inserted_in_start_order_in_the_block_style_of_the_list() -> None:
    start = SOURCE.index("Buy now!")
    out = exclude(load_text(BLOCK), SOURCE, start, start + len("Buy now!"), "marketing", "An advert.")
    new_item = f'  - start: {start}\n    end: {start + 8}\n    reason: marketing\n    exact: "Buy now!"\n    note: "An advert."\n'
    assert out == BLOCK.replace("  # reader comments below\n", new_item + "  # reader comments below\n")
    excluded = load_text(out).data["excluded"]
    assert [e["start"] for e in excluded] == [0, start, 37]


def test_appended_after_the_last_item_and_flow_style_kept() -> None:
    text = HEAD + "excluded:\n  - {start: 0, end: 7, reason: navigation}\n# end\n"
    start = SOURCE.index("Ask")
    out = exclude(load_text(text), SOURCE, start, start + 16, "no_checkable_content")
    assert out == text.replace(
        "# end\n",
        f'  - {{start: {start}, end: {start + 16}, reason: no_checkable_content, exact: "Ask your doctor."}}\n# end\n',
    )


def test_a_ruleset_without_excluded_gets_the_key() -> None:
    out = exclude(load_text(HEAD), SOURCE, 0, 7, "navigation")
    assert out == HEAD + 'excluded:\n  - start: 0\n    end: 7\n    reason: navigation\n    exact: "Heading"\n'
    no_newline = HEAD.rstrip("\n")
    assert load_text(exclude(load_text(no_newline), SOURCE, 0, 7, "navigation")).data["excluded"][0]["end"] == 7
    empty = HEAD + "excluded: []\n"
    assert (
        exclude(load_text(empty), SOURCE, 0, 7, "navigation")
        == HEAD + 'excluded:\n  - start: 0\n    end: 7\n    reason: navigation\n    exact: "Heading"\n'
    )


def test_refusals() -> None:
    with pytest.raises(ExclusionError):
        exclude(load_text(BLOCK), SOURCE, 0, 7, "boring")
    with pytest.raises(ExclusionError):
        exclude(load_text(HEAD + "excluded: [{start: 0, end: 1, reason: navigation}]\n"), SOURCE, 9, 12, "navigation")
    with pytest.raises(ExclusionError):
        add_exclusion(load_text("- a\n"), Span(0, 1, "H"), "navigation")


def test_coverage_counts_the_new_exclusion() -> None:
    start = SOURCE.index("Buy now!")
    before = coverage_of_text(SOURCE, [], [(0, 7)])
    out = exclude(load_text(HEAD), SOURCE, start, start + 8, "marketing")
    spans = [(e["start"], e["end"]) for e in load_text(out).data["excluded"]]
    after = coverage_of_text(SOURCE, [], [(0, 7)] + spans)
    assert after.counts()["excluded"] == before.counts()["excluded"] + 1


def test_save_exclusion_refuses_a_file_changed_on_disk(tmp_path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(HEAD, encoding="utf-8")
    loaded = load_file(path)
    text, _stamp = save_exclusion(path, loaded, SOURCE, 0, 7, "navigation")
    assert path.read_text(encoding="utf-8") == text and 'exact: "Heading"' in text
    with pytest.raises(ChangedOnDisk):  # `loaded` is no longer what the file holds
        save_exclusion(path, loaded, SOURCE, 27, 35, "marketing")
    save_exclusion(path, load_file(path), SOURCE, 27, 35, "marketing")
    assert [e["reason"] for e in load_file(path).data["excluded"]] == ["navigation", "marketing"]
    assert not list(tmp_path.glob(".*.tmp"))
