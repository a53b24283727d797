"""SVG snapshots of every screen, on the fixed fixture folder (tests/tui/fixtures), 120×40.

Regenerate after an intended change: pytest tests/tui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

from pathlib import Path

from tests.tui.conftest import FIXTURES, make_app, settle

SIZE = (120, 40)


def app():
    return make_app(FIXTURES / "rulesets")


async def _ready(pilot) -> None:
    await settle(pilot)


def _sources_at(quote: str, source: str = "minimal-medicine"):
    async def run(pilot) -> None:
        from tui.widgets.source_view import SourceView

        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        screen = pilot.app.screen
        screen.show_source(source)
        view = screen.query_one(SourceView)
        view.set_cursor(screen.text.index(quote), center=True)
        await pilot.pause()

    return run


def test_rulesets_screen(snap_compare) -> None:
    assert snap_compare(app(), terminal_size=SIZE, run_before=_ready)


def test_sources_screen(snap_compare) -> None:
    assert snap_compare(app(), terminal_size=SIZE, run_before=_sources_at("The usual adult dose"))


def test_sources_screen_shows_brackets_verbatim(snap_compare) -> None:
    assert snap_compare(app(), terminal_size=SIZE, run_before=_sources_at("See the label [section 2.1]"))


def test_claim_editor_new_claim(snap_compare) -> None:
    async def run(pilot) -> None:
        await _sources_at("Baricitinib should not be used in combination")(pilot)
        await pilot.press("s", "n")
        await settle(pilot)

    assert snap_compare(app(), terminal_size=SIZE, run_before=run)


def test_vocabulary_picker(snap_compare) -> None:
    async def run(pilot) -> None:
        await _sources_at("Dosage adjustments are needed")(pilot)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("f2")
        await pilot.pause()
        await pilot.press(*"renal")
        await pilot.pause()

    assert snap_compare(app(), terminal_size=SIZE, run_before=run)


def test_patients_screen(snap_compare) -> None:
    async def run(pilot) -> None:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)

    assert snap_compare(app(), terminal_size=SIZE, run_before=run)


def test_explain_modal(snap_compare) -> None:
    async def run(pilot) -> None:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        pilot.app.screen.query_one("DataTable").move_cursor(row=2, column=2)
        await pilot.press("e")
        await pilot.pause()

    assert snap_compare(app(), terminal_size=SIZE, run_before=run)


def test_conflicts_screen(snap_compare) -> None:
    async def run(pilot) -> None:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)

    assert snap_compare(app(), terminal_size=SIZE, run_before=run)


def test_conflicts_band_strip(snap_compare) -> None:
    """The detail pane scrolled to the band strips of the first finding (age and CrCl)."""

    async def run(pilot) -> None:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        screen = pilot.app.screen
        screen.query_one("#conflicts-detail-scroll").scroll_to_widget(
            screen.query_one("#conflicts-bands"), animate=False, top=True
        )
        await pilot.pause()

    assert snap_compare(app(), terminal_size=(120, 50), run_before=run)


def test_disposition_dialog(snap_compare) -> None:
    async def run(pilot) -> None:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("d")
        await pilot.pause()

    assert snap_compare(app(), terminal_size=SIZE, run_before=run)


def test_file_editor(snap_compare) -> None:
    async def run(pilot) -> None:
        await settle(pilot)
        from tui.screens.file_editor import FileEditorScreen

        pilot.app.push_screen(FileEditorScreen(FIXTURES / "rulesets" / "dr-oracle.yaml", line=11))
        await settle(pilot)

    assert snap_compare(app(), terminal_size=SIZE, run_before=run)


__all__ = ["Path"]
