"""Claim editor that helps write rules (issue 17 item 5): value forms, completion, condition builder, save guard."""

from __future__ import annotations

from pathlib import Path

from tests.tui.conftest import run_async, settle, workbench

CLAIM = "dr-oracle/crcl-low"


async def _open_claim(app, pilot, folder: Path, claim_id: str = CLAIM):
    from tui.screens.claim_editor import ClaimEditorScreen

    app.push_screen(ClaimEditorScreen(folder / "dr-oracle.yaml", None, None, claim_id))
    await settle(pilot)
    return app.screen


def _words(screen) -> str:
    from textual.widgets import Static

    return str(screen.query_one("#claim-words", Static).render())


async def _set_text(pilot, screen, text: str, cursor: tuple[int, int] | None = None):
    from textual.widgets import TextArea

    area = screen.query_one(TextArea)
    area.load_text(text)
    area.focus()
    if cursor is not None:
        area.move_cursor(cursor)
    await settle(pilot)
    return area


@run_async
async def test_help_shows_the_regimen_form_first_for_dose(workdir: Path) -> None:
    async with workbench(workdir / "rulesets") as (app, pilot):
        screen = await _open_claim(app, pilot, workdir / "rulesets")
        shown = _words(screen)
        assert "Value forms" in shown, shown
        forms = shown[shown.index("Value forms") :]
        assert forms.index("Regimen") < forms.index("Alternatives") < forms.index("not_recommended")
        assert "value: {mg: 1, every_days: 1}" in shown and "mg (required, number > 0)" in shown


@run_async
async def test_f2_completion_replaces_the_partial_word(workdir: Path) -> None:
    async with workbench(workdir / "rulesets") as (app, pilot):
        screen = await _open_claim(app, pilot, workdir / "rulesets")
        area = screen.query_one("#claim-text")
        lines = area.text.split("\n")
        row = next(i for i, line in enumerate(lines) if line.startswith("when:"))
        lines[row] = 'when: {"var": "preg'
        area = await _set_text(pilot, screen, "\n".join(lines), (row, len(lines[row])))
        await pilot.press("f2")
        await settle(pilot)
        picker = app.screen
        assert picker.title_text.startswith("Complete a fact") and picker.shown[0][1] == "pregnant"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert area.document.get_line(row) == 'when: {"var": "pregnant"'
        assert "preg{" not in area.text


@run_async
async def test_builder_inserts_a_band(workdir: Path) -> None:
    from textual.widgets import Checkbox, Input, Select

    from engine.loader import load_text

    async with workbench(workdir / "rulesets") as (app, pilot):
        screen = await _open_claim(app, pilot, workdir / "rulesets")
        await pilot.press("f9")
        await settle(pilot)
        dialog = app.screen
        dialog.query_one("#cb-fact", Select).value = "egfr"
        await pilot.pause()
        dialog.query_one("#cb-low", Input).value = "30"
        dialog.query_one("#cb-high", Input).value = "49"
        dialog.query_one("#cb-high-closed", Checkbox).value = True
        await pilot.pause()
        await pilot.click("#cb-insert")
        await settle(pilot)
        assert app.screen is screen
        data = load_text(screen.query_one("#claim-text").text, "c.yaml").data
        assert data["when"] == {"<=": [30, {"var": "egfr"}, 49]}
        assert data["id"] == CLAIM and "provenance" in data  # the rest of the claim is kept


@run_async
async def test_saving_a_schema_breaking_claim_asks_and_keep_editing_writes_nothing(workdir: Path) -> None:
    from tui.screens.dialogs import ChoiceDialog

    path = workdir / "rulesets" / "dr-oracle.yaml"
    before = path.read_bytes()
    async with workbench(workdir / "rulesets") as (app, pilot):
        screen = await _open_claim(app, pilot, workdir / "rulesets")
        area = screen.query_one("#claim-text")
        lines = area.text.split("\n")
        row = next(i for i, line in enumerate(lines) if line.startswith("value:"))
        lines[row] = "value: {mg: -2, every_days: 1}"  # the dose schema wants mg > 0
        await _set_text(pilot, screen, "\n".join(lines))
        await pilot.press("ctrl+s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ChoiceDialog) and "breaks the schema" in dialog.message
        assert [label for _, label in dialog.choices] == ["Keep editing", "Save anyway"]
        await pilot.press("enter")  # the first button, focused: Keep editing
        await settle(pilot)
        assert app.screen is screen and screen.dirty
        assert path.read_bytes() == before
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.click("#" + next(k for k, v in app.screen.keys.items() if v == "save"))
        await settle(pilot)
        assert "mg: -2" in path.read_text(encoding="utf-8") and not screen.dirty


@run_async
async def test_saving_a_valid_claim_does_not_ask(workdir: Path) -> None:
    path = workdir / "rulesets" / "dr-oracle.yaml"
    async with workbench(workdir / "rulesets") as (app, pilot):
        screen = await _open_claim(app, pilot, workdir / "rulesets")
        area = screen.query_one("#claim-text")
        await _set_text(pilot, screen, area.text.replace("status: ", "note: edited\nstatus: ", 1))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen and not screen.confirm_asked and not screen.dirty
        assert "note: edited" in path.read_text(encoding="utf-8")


@run_async
async def test_file_editor_opens_at_an_error_without_scrolling_sideways(workdir: Path) -> None:
    from tui.screens.file_editor import FileEditorScreen

    path = workdir / "rulesets" / "dr-oracle.yaml"
    async with workbench(workdir / "rulesets", size=(120, 30)) as (app, pilot):
        text = path.read_text(encoding="utf-8")
        path.write_text(text + "\n" * 60 + "# " + "x" * 80 + "\n", encoding="utf-8")  # an error far down
        row = len(text.split("\n")) + 59
        app.push_screen(FileEditorScreen(path, row + 1, 50))
        await settle(pilot)
        area = app.screen.query_one("#file-text")
        assert area.cursor_location == (row, 50 - 1)
        assert area.scroll_offset.x == 0, "every line's start scrolled out of view"
        assert area.scroll_offset.y > 0  # the line is brought into view
