"""Patients screen: an edited fact is saved back to the patient file (atomic, nothing else touched, never over someone else's change)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from tests.tui.conftest import make_app, run_async, save_over_external_change, settle


def notifications(app) -> list[tuple[str, str]]:
    return [(n.severity, n.message) for n in app._notifications]


async def edit_age(pilot, value: str = "80"):
    """On the patients screen, set ra-adult's age_years (row 1) through the facts dialog."""
    await pilot.press("3")
    await settle(pilot)
    screen = pilot.app.screen
    screen.query_one("DataTable").move_cursor(row=1, column=2)  # ra-adult x dr-oracle
    await pilot.press("f")
    await pilot.pause()
    await pilot.press(*f"age_years = {value}", "enter", "escape")
    await pilot.pause()
    return screen


@run_async
async def test_edited_fact_is_saved_to_the_patient_file_and_nothing_else_changes(workdir: Path) -> None:
    path = workdir / "rulesets" / "patients" / "ra-adult.yaml"
    before = path.read_text(encoding="utf-8")
    app = make_app(workdir / "rulesets")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await edit_age(pilot)
        assert screen.dirty and screen.answers[("ra-adult", "dr-oracle")].status == "conflicting"
        assert "ctrl+s saves" in str(screen.query_one("#patients-summary").render())
        assert "unsaved: age_years: 45 → 80" in str(screen.query_one("#patients-detail").render())
        assert path.read_text(encoding="utf-8") == before  # a what-if until saved
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert path.read_text(encoding="utf-8") == before.replace("age_years: 45", "age_years: 80")
        assert not screen.dirty and not screen.overrides
        assert any("Saved ra-adult: age_years: 45 → 80" in msg for _s, msg in notifications(app))
        # the reloaded workspace reads the file: the answer stays the edited one, no longer marked edited
        assert next(p for p in app.workspace.patients if p.id == "ra-adult").facts["age_years"] == 80
        assert screen.answers[("ra-adult", "dr-oracle")].status == "conflicting"
        assert not [
            p for p in path.parent.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp")
        ]  # no temporary file left (a .lock may stay: engine.atomic locks)


@run_async
async def test_quitting_with_edited_facts_asks(workdir: Path) -> None:
    from tui.screens.dialogs import ConfirmDialog

    app = make_app(workdir / "rulesets")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await edit_age(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "ra-adult" in app.screen.message
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running and screen.dirty
        await pilot.press("x")  # reset: nothing unsaved any more, quit does not ask
        await pilot.pause()
        assert not screen.dirty
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


@run_async
async def test_a_patient_file_changed_on_disk_is_never_overwritten_silently(workdir: Path) -> None:
    path = workdir / "rulesets" / "patients" / "ra-adult.yaml"
    app = make_app(workdir / "rulesets")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await edit_age(pilot)
        external = (
            path.read_text(encoding="utf-8")
            .replace("RA, 45 years", "RA, 45 years (checked)")
            .replace("weight_kg: 70", "weight_kg: 72")
        )
        path.write_text(external, encoding="utf-8")
        os.utime(path, ns=(1, 1))
        screen.check_external_change()
        await pilot.pause()
        assert any(sev == "warning" and "changed on disk" in msg for sev, msg in notifications(app))
        await save_over_external_change(pilot, path, external, "cancel")
        assert path.read_text(encoding="utf-8") == external and screen.dirty
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.click("#choice-mine")
        await settle(pilot)
        saved = path.read_text(encoding="utf-8")
        # mine, merged: my change (age 80) onto the file as it is now; their weight 72 and their description stay
        assert saved == external.replace("age_years: 45", "age_years: 80")
        assert not screen.dirty


@run_async
async def test_a_failed_save_keeps_the_edited_facts(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = workdir / "rulesets" / "patients" / "ra-adult.yaml"
    before = path.read_text(encoding="utf-8")
    app = make_app(workdir / "rulesets")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await edit_age(pilot)

        def full(*_args: object) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(os, "replace", full)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert path.read_text(encoding="utf-8") == before
        assert screen.dirty and screen.overrides["ra-adult"]["age_years"] == 80
        assert any(sev == "error" and "No space left on device" in msg for sev, msg in notifications(app))
        assert not [p for p in path.parent.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp")]
        monkeypatch.undo()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "age_years: 80" in path.read_text(encoding="utf-8") and not screen.dirty
