"""Every binding of every screen, on the bundled fixture and on a folder of hostile files: the workbench never dies.

For each top-level screen, each key bound on it (its BINDINGS and the app's)
is pressed; whatever it opened (a dialog, an editor, a menu) gets the keys of
its own BINDINGS too, then escape closes it. After every key the app must be
running, with no exception and nothing caught by tui.guard (a caught
exception is a bug this test reports, not hides).
"""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from tests.tui.conftest import FIXTURES, run_async, settle, workbench

SCREENS = {"1": "tui.screens.rulesets:RulesetsScreen", "2": "tui.screens.sources:SourcesScreen",
           "3": "tui.screens.patients:PatientsScreen", "4": "tui.screens.conflicts:ConflictsScreen"}
SKIP = {"ctrl+q"}  # quitting is tested on its own (test_never_dies); here it would end the drive
TIMINGS: dict[str, float] = {}


def keys_of(cls) -> list[str]:
    from textual.binding import Binding

    out: list[str] = []
    for klass in reversed(cls.__mro__):
        for b in vars(klass).get("BINDINGS", []):
            b = b if isinstance(b, Binding) else Binding(*b)
            for key in b.key.split(","):
                key = key.strip()
                if key not in out and key not in SKIP:
                    out.append(key)
    return out


def hostile_folder(tmp_path: Path) -> Path:
    """tests/tui/fixtures/hostile copied, plus a source text that is a FIFO (made here: git cannot hold one)."""
    shutil.copytree(FIXTURES / "hostile", tmp_path, dirs_exist_ok=True)
    os.mkfifo(tmp_path / "rulesets" / "sources" / "fifo.txt")
    (tmp_path / "rulesets" / "fifo-source.yaml").write_text(
        "accord: 1\nsource: {id: fifo-source, title: A FIFO, kind: label, text: sources/fifo.txt}\nclaims: []\n", encoding="utf-8")
    return tmp_path


def assert_alive(app, where: str) -> None:
    assert app.is_running and app._exception is None, f"{where}: the app died ({app._exception!r})"
    assert not app.unexpected_errors, f"{where}: {app.unexpected_errors[0][0]}: {app.unexpected_errors[0][1]!r}"


async def back_to(pilot, screen, where: str) -> None:
    """Drive what a key opened (its own bindings), then escape until the mode's own screen is on top again."""
    app = pilot.app
    tried: set[int] = set()  # each opened screen's keys are tried once
    for _ in range(8):
        if len(app.screen_stack) == 1:
            break
        opened = app.screen
        for key in ([] if id(opened) in tried else keys_of(type(opened))):
            if key in ("escape", "enter", "y", "ctrl+s") or app.screen is not opened:
                continue  # closing or saving keys last: the point is to try the rest on the open thing
            await pilot.press(key)
            await pilot.pause()
            assert_alive(app, f"{where} then {key} on {type(opened).__name__}")
        tried.add(id(opened))
        if True:  # close the top screen, whatever the keys opened
            from tui.screens.dialogs import ChoiceDialog

            await pilot.press("escape")
            await settle(pilot, 1)
            if isinstance(app.screen, ChoiceDialog) and "discard" in app.screen.keys.values():  # unsaved changes: discard
                app.screen.dismiss("discard")
                await settle(pilot, 1)
        assert_alive(app, f"{where}, closing {type(opened).__name__}")
    assert len(app.screen_stack) == 1, f"{where}: could not get back from {app.screen!r}"
    if app.screen is not screen:  # the key switched mode (enter opens a source, o a quote): come back
        app.switch_mode(mode_of[id(screen)])
        await settle(pilot, 1)
    assert app.screen is screen, f"{where}: could not get back from {app.screen!r}"


mode_of: dict[int, str] = {}


async def drive(folder: Path, screen_key: str) -> None:
    import importlib

    from tui.app import AccordApp

    module, name = SCREENS[screen_key].split(":")
    cls = getattr(importlib.import_module(module), name)
    async with workbench(folder, screen_key) as (app, pilot):
        screen = app.screen
        assert isinstance(screen, cls)
        mode_of[id(screen)] = app.current_mode
        for key in keys_of(cls) + [k for k in keys_of(AccordApp) if k not in SCREENS]:
            await pilot.press(key)
            await settle(pilot, 1)
            assert_alive(app, f"{name}: {key}")
            await back_to(pilot, screen, f"{name}: {key}")
            if app.screen is not screen:
                break
        assert_alive(app, name)


@pytest.mark.parametrize("screen_key", sorted(SCREENS))
@pytest.mark.parametrize("corpus", ["bundled", "hostile"])
@run_async
async def test_every_binding_leaves_the_workbench_running(corpus: str, screen_key: str, workdir: Path, tmp_path: Path) -> None:
    folder = workdir / "rulesets" if corpus == "bundled" else hostile_folder(tmp_path / "hostile") / "rulesets"
    started = time.perf_counter()
    await drive(folder, screen_key)
    TIMINGS[f"{corpus}-{screen_key}"] = time.perf_counter() - started
