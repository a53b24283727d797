"""Sources screen: after the reason, `x` asks for an optional note; escape there cancels the whole exclusion."""

from __future__ import annotations

from pathlib import Path

from engine.loader import load_file
from engine.validate import validate_paths
from tests.tui.conftest import open_source, run_async, settle, workbench
from tests.tui.test_sources_exclude import unclaimed_sentence


@run_async
async def test_the_note_is_written_after_the_reason_and_escape_at_the_note_writes_nothing(workdir: Path) -> None:
    from textual.widgets import Input

    from tui.screens.dialogs import InputDialog
    from tui.widgets.filter_button import FilterMenu

    folder, path, before, start, sentence = unclaimed_sentence(workdir)
    async with workbench(folder) as (app, pilot):
        screen, view = await open_source(pilot, "dr-oracle", start + 3)
        # escape at the note step: nothing written, back on the sources screen, selection kept
        await pilot.press("s", "x")
        await pilot.pause()
        assert isinstance(app.screen, FilterMenu)
        await pilot.press(*"furn", "enter")  # typing narrows the reasons too: "page furniture" is navigation's help
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, InputDialog) and "(navigation)" in dialog.message
        assert dialog.query_one(Input).has_focus
        await pilot.press(*"some note", "escape")
        await settle(pilot)
        assert app.screen is screen
        assert path.read_text(encoding="utf-8") == before
        assert screen.coverage.counts()["excluded"] == 0
        assert view.selection == (start, start + len(sentence))
        # a note typed at the note step is written, quoted, after `exact`
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, InputDialog)
        await pilot.press(*'  Site menu: "Review" [header]  ', "enter")
        await settle(pilot)
        assert app.screen is screen
        saved = path.read_text(encoding="utf-8")
        assert saved == before + (
            f"excluded:\n  - start: {start}\n    end: {start + len(sentence)}\n"
            f'    reason: navigation\n    exact: "{sentence}"\n'
            '    note: "Site menu: \\"Review\\" [header]"\n'
        )
        assert load_file(path).data["excluded"][0]["note"] == 'Site menu: "Review" [header]'
        assert not [d for d in validate_paths([folder]).diagnostics if d.severity == "error"]
        assert screen.coverage.counts()["excluded"] == 1
        assert any("with a note" in n.message for n in app._notifications)
