"""Keep mine after an external change: only the editor's claim is written onto the file as it is now; a clash is shown."""

from __future__ import annotations

import os
from pathlib import Path

from tests.tui.conftest import run_async, save_over_external_change, settle, workbench
from tests.tui.test_flows import open_usual_dose_claim


def change_status(text: str, claim_id: str, status: str) -> str:
    at = text.index(f"id: {claim_id}\n")
    line = text.index("    status: ", at)
    return text[:line] + f"    status: {status}" + text[text.index("\n", line) :]


async def edit_and_change_on_disk(pilot, folder: Path, path: Path, claim_id: str):
    editor, area = await open_usual_dose_claim(pilot, folder)
    area.move_cursor((area.document.line_count - 1, 0))
    area.insert("note: mine\n")
    await settle(pilot)
    external = change_status(path.read_text(encoding="utf-8"), claim_id, "rejected")
    path.write_text(external, encoding="utf-8")
    os.utime(path, ns=(1, 1))
    return editor, external


@run_async
async def test_keep_mine_keeps_the_external_change_to_another_claim(workdir: Path) -> None:
    from engine.loader import load_file

    folder = workdir / "rulesets"
    path = folder / "minimal-medicine.yaml"
    async with workbench(folder) as (app, pilot):
        editor, external = await edit_and_change_on_disk(pilot, folder, path, "minimal-medicine/covid-dose")
        await save_over_external_change(pilot, path, external, "mine")
        claims = {c["id"]: c for c in load_file(path).data["claims"]}
        assert claims["minimal-medicine/covid-dose"]["status"] == "rejected"  # theirs, kept
        assert claims["minimal-medicine/ra-dose"]["note"] == "mine"  # mine, written
        assert not editor.dirty and app._exception is None


@run_async
async def test_keep_mine_on_a_claim_changed_on_both_sides_shows_the_clash_and_writes_nothing(workdir: Path) -> None:
    from textual.widgets import TextArea

    from tui.screens.dialogs import TextDialog

    folder = workdir / "rulesets"
    path = folder / "minimal-medicine.yaml"
    async with workbench(folder) as (app, pilot):
        editor, external = await edit_and_change_on_disk(pilot, folder, path, "minimal-medicine/ra-dose")
        await save_over_external_change(pilot, path, external, "mine")
        assert isinstance(app.screen, TextDialog) and "minimal-medicine/ra-dose" in str(app.screen.body)
        assert path.read_text(encoding="utf-8") == external  # nothing written
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is editor and editor.dirty and "note: mine" in editor.query_one(TextArea).text
