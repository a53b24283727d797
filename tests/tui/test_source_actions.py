"""Rulesets screen: `a` registers a new source from a file and opens it on Sources; `u` updates a source's text."""

from __future__ import annotations

from pathlib import Path

from engine.validate import validate_paths
from tests.tui.conftest import run_async, settle, workbench

PAGE = "<html><head><title>NHS baricitinib</title></head><body><p>Take 2 mg once daily.</p><p>Avoid in pregnancy.</p></body></html>"


async def type_into(pilot, text: str) -> None:
    for ch in text:
        await pilot.press(
            ch
            if ch not in " /.-_"
            else {" ": "space", "/": "slash", ".": "full_stop", "-": "minus", "_": "underscore"}[ch]
        )


@run_async
async def test_add_a_source_with_the_key_and_it_opens_on_sources(workdir: Path) -> None:
    from textual.widgets import Input

    from tui.screens.source_actions import AddSourceDialog
    from tui.screens.sources import SourcesScreen

    folder = workdir / "rulesets"
    page = workdir / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    async with workbench(folder) as (app, pilot):
        await pilot.press("a")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AddSourceDialog)
        dialog.query_one("#add-source-path", Input).value = str(page)
        dialog.query_one("#add-source-source-id", Input).focus()
        await pilot.pause()
        await type_into(pilot, "nhs-bari")
        await pilot.press("enter")
        await settle(pilot, rounds=5)
        assert (folder / "nhs-bari.yaml").is_file()
        assert (folder / "sources" / "nhs-bari.txt").read_text() == "Take 2 mg once daily.\n\nAvoid in pregnancy.\n"
        assert validate_paths([folder]).ruleset("nhs-bari") is not None
        screen = app.screen
        assert isinstance(screen, SourcesScreen) and screen.source_id == "nhs-bari"
        assert screen.text.startswith("Take 2 mg once daily.")
        header = str(screen.query_one("#sources-coverage").render())
        assert "0 claims" in header and "retrieved" in header and "today" in header
        assert app.workspace.entry("nhs-bari").title == "NHS baricitinib"
        assert not app.unexpected_errors


@run_async
async def test_add_refused_says_why_and_writes_nothing(workdir: Path) -> None:
    from textual.widgets import Input

    folder = workdir / "rulesets"
    before = sorted(p.name for p in folder.rglob("*"))
    binary = workdir / "blob.txt"
    binary.write_bytes(b"\x00\x01\x02binary")
    async with workbench(folder) as (app, pilot):
        await pilot.press("a")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#add-source-path", Input).value = str(binary)
        dialog.query_one("#add-source-source-id", Input).value = "blob"
        dialog.query_one("#add-source-source-id", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        notes = [n.message for n in app._notifications]
        assert any("Nothing added" in m and "binary" in m for m in notes), notes
        assert sorted(p.name for p in folder.rglob("*") if not p.name.endswith(".lock")) == [
            n for n in before if not n.endswith(".lock")
        ]
        assert not app.unexpected_errors


@run_async
async def test_update_a_source_shows_the_report_then_writes(workdir: Path) -> None:
    from textual.widgets import Input

    from tui.screens.dialogs import ConfirmDialog, InputDialog

    folder = workdir / "rulesets"
    text_path = folder / "sources" / "dr-oracle.txt"
    new = workdir / "new.txt"
    new.write_text("A new first line.\n" + text_path.read_text(encoding="utf-8"), encoding="utf-8")
    async with workbench(folder) as (app, pilot):
        entries = [e.source_id for e in app.workspace.entries]
        screen = app.screen
        table = screen.query_one("DataTable")
        table.move_cursor(row=entries.index("dr-oracle"))
        await pilot.pause()
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, InputDialog)
        app.screen.query_one(Input).value = str(new)
        await pilot.press("enter")
        await settle(pilot, rounds=5)
        confirm = app.screen
        assert isinstance(confirm, ConfirmDialog)
        assert "claims:" in confirm.message and "moved" in confirm.message
        assert "new sentences neither claimed nor excluded: 1" in confirm.message
        await pilot.press("y")
        await settle(pilot, rounds=5)
        assert text_path.read_text(encoding="utf-8") == new.read_text(encoding="utf-8")
        result = validate_paths([folder])
        assert result.ok, [d.format() for d in result.diagnostics if d.severity == "error"]
        assert not app.unexpected_errors
