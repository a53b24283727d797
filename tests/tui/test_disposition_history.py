"""Conflicts screen: a disposition's history (issue 16 item 9) shows in the detail pane and the disposition dialog."""

from __future__ import annotations

import json
from pathlib import Path

from tests.tui.conftest import run_async, settle, workbench


def _history_reviews(workdir: Path) -> str:
    """reviews.yaml giving the first conflict of the fixture report a disposition that replaced two earlier ones."""
    from engine.review import load_reviews, save_reviews

    report = json.loads((workdir / "conflicts" / "report.json").read_text(encoding="utf-8"))
    first = report["conflicts"][0]["id"]
    path = workdir / "conflicts" / "reviews.yaml"
    reviews, problems = load_reviews(path)
    assert not problems
    reviews["conflicts"][first] = {
        "disposition": "needs_expert",
        "reviewer": "cy",
        "date": "2025-03-01",
        "note": "ask a pharmacist",
        "history": [
            {
                "disposition": "all_wrong",
                "reviewer": "ana",
                "date": "2025-01-01",
                "note": "first look",
                "replaced_by": "bo",
            },
            {"disposition": "not_a_conflict", "reviewer": "bo", "date": "2025-02-01", "replaced_by": "cy"},
        ],
    }
    save_reviews(path, reviews)
    return first


def _lines(widget) -> list[str]:
    return [" ".join(line.split()) for line in str(widget.render()).splitlines()]


@run_async
async def test_the_detail_pane_and_the_dialog_show_the_history_latest_first(workdir: Path) -> None:
    from textual.widgets import Input, Static

    from engine.review import load_reviews
    from tui.screens.disposition import DispositionScreen

    first = _history_reviews(workdir)
    async with workbench(workdir / "rulesets", "4") as (app, pilot):
        screen = app.screen
        assert screen.current()["id"] == first
        lines = _lines(screen.query_one("#conflicts-detail", Static))
        review = [i for i, line in enumerate(lines) if line.startswith("review needs_expert by cy on 2025-03-01")]
        assert review, lines
        at = review[0]
        assert lines[at + 1 : at + 3] == [
            "earlier 2025-02-01 bo not_a_conflict",
            "earlier 2025-01-01 ana all_wrong — first look",
        ]

        await pilot.press("d")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, DispositionScreen)
        assert _lines(dialog.query_one("#disposition-history", Static)) == [
            "now 2025-03-01 cy needs_expert — ask a pharmacist",
            "earlier 2025-02-01 bo not_a_conflict",
            "earlier 2025-01-01 ana all_wrong — first look",
        ]
        await pilot.press("down", "enter")  # source_correct of the second source
        dialog.query_one(Input).value = "label says so"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert app._exception is None

        reviews, problems = load_reviews(workdir / "conflicts" / "reviews.yaml")
        assert not problems
        entry = reviews["conflicts"][first]
        assert entry["reviewer"] == "tester" and entry["note"] == "label says so"
        assert [h["reviewer"] for h in entry["history"]] == ["ana", "bo", "cy"]
        assert entry["history"][-1]["replaced_by"] == "tester"
        lines = _lines(screen.query_one("#conflicts-detail", Static))
        assert any(line.startswith("earlier 2025-03-01 cy needs_expert — ask a pharmacist") for line in lines), lines


@run_async
async def test_a_conflict_without_history_shows_no_history_lines(workdir: Path) -> None:
    from textual.widgets import Static

    from tui.screens.disposition import DispositionScreen

    async with workbench(workdir / "rulesets", "4") as (app, pilot):
        screen = app.screen
        assert not any(line.startswith("earlier") for line in _lines(screen.query_one("#conflicts-detail", Static)))
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DispositionScreen)
        assert not app.screen.query("#disposition-history")  # the snapshot's dialog stays as it was
