"""Every binding of every screen, on the bundled fixture and on a folder of hostile files: the workbench never dies.

One app per corpus visits each top-level screen; each key bound on it (its
BINDINGS and the app's) is pressed; whatever it opened (a dialog, an editor, a
menu) gets the keys of its own BINDINGS too (once per kind of screen), then
escape closes it. After every key the app must be
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

SCREENS = {
    "1": "tui.screens.rulesets:RulesetsScreen",
    "2": "tui.screens.sources:SourcesScreen",
    "3": "tui.screens.patients:PatientsScreen",
    "4": "tui.screens.conflicts:ConflictsScreen",
}
SKIP = {"ctrl+q"}  # quitting is tested on its own (test_never_dies); here it would end the drive
TIMINGS: dict[str, float] = {}
SIZE = (80, 24)  # small: rendering is most of the cost, and the keys do not depend on the layout


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
        "accord: 1\nsource: {id: fifo-source, title: A FIFO, kind: label, text: sources/fifo.txt}\nclaims: []\n",
        encoding="utf-8",
    )
    return tmp_path


def assert_alive(app, where: str) -> None:
    assert app.is_running and app._exception is None, f"{where}: the app died ({app._exception!r})"
    assert not app.unexpected_errors, f"{where}: {app.unexpected_errors[0][0]}: {app.unexpected_errors[0][1]!r}"


def busy(app) -> bool:
    """A worker is pending or running (validation, loading, analysis): only then is waiting for it worth a render."""
    from textual.worker import WorkerState

    return any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers)


async def after_key(pilot) -> None:
    """pilot.press already waited for the screen's messages; settle (one more render) only when a worker was started."""
    if busy(pilot.app):
        await settle(pilot, 1)


async def back_to(pilot, screen, where: str, tried: set[type]) -> None:
    """Drive what a key opened (its own bindings), then escape until the mode's own screen is on top again.

    Each kind of opened screen (a dialog, an editor) gets its keys once per drive: the claim editor
    opened by n, e and enter is the same bindings three times.
    """
    app = pilot.app
    for _ in range(8):
        if len(app.screen_stack) == 1:
            break
        opened = app.screen
        for key in [] if type(opened) in tried else keys_of(type(opened)):
            if key in ("escape", "enter", "y", "ctrl+s") or app.screen is not opened:
                continue  # closing or saving keys last: the point is to try the rest on the open thing
            await pilot.press(key)
            await after_key(pilot)
            assert_alive(app, f"{where} then {key} on {type(opened).__name__}")
        tried.add(type(opened))
        # close the top screen, whatever the keys opened
        from tui.screens.dialogs import ChoiceDialog

        await pilot.press("escape")
        await after_key(pilot)
        if isinstance(app.screen, ChoiceDialog) and "discard" in app.screen.keys.values():  # unsaved changes: discard
            app.screen.dismiss("discard")
            await pilot.pause()
        assert_alive(app, f"{where}, closing {type(opened).__name__}")
    assert len(app.screen_stack) == 1, f"{where}: could not get back from {app.screen!r}"
    if app.screen is not screen:  # the key switched mode (enter opens a source, o a quote): come back
        app.switch_mode(mode_of[id(screen)])
        await settle(pilot, 1)
    assert app.screen is screen, f"{where}: could not get back from {app.screen!r}"


mode_of: dict[int, str] = {}


async def drive(folder: Path) -> None:
    """One workbench on `folder`: each screen in turn (1-4), each of its keys and the app's, then what they opened.

    One app for the four screens: starting the app and building its screens was most of the cost of
    a drive per screen, and each kind of opened screen only needs its keys tried once.
    """
    import importlib

    from tui.app import AccordApp

    app_keys = [k for k in keys_of(AccordApp) if k not in SCREENS and k != "ctrl+r"]  # ctrl+r: once, at the end
    tried: set[type] = set()
    async with workbench(folder, size=SIZE) as (app, pilot):
        for screen_key in sorted(SCREENS):
            module, name = SCREENS[screen_key].split(":")
            cls = getattr(importlib.import_module(module), name)
            await pilot.press(screen_key)
            await settle(pilot, 1)
            screen = app.screen
            assert isinstance(screen, cls), f"{screen_key} opened {screen!r}"
            mode_of[id(screen)] = app.current_mode
            tried.add(cls)
            for key in keys_of(cls) + app_keys:
                await pilot.press(key)
                await after_key(pilot)
                assert_alive(app, f"{name}: {key}")
                await back_to(pilot, screen, f"{name}: {key}", tried)
                assert app.screen is screen, f"{name}: {key} left {app.screen!r} on top"
            await settle(pilot, 1)  # whatever the last keys started has finished, and failed loudly if it failed
            assert_alive(app, name)
        # Reload on a folder that really changed (an equal workspace is no change): all four screens rebuild.
        ruleset = sorted(folder.glob("*.yaml"))[0]
        ruleset.write_bytes(ruleset.read_bytes() + b"\n# touched\n")
        await pilot.press("ctrl+r")
        await settle(pilot, 2)
        assert_alive(app, "ctrl+r after every screen")
        for stack in app._screen_stacks.values():
            assert len(stack) == 1, f"ctrl+r left {stack[-1]!r} open"


@pytest.mark.parametrize("corpus", ["bundled", "hostile"])
@run_async
async def test_every_binding_leaves_the_workbench_running(corpus: str, workdir: Path, tmp_path: Path) -> None:
    folder = workdir / "rulesets" if corpus == "bundled" else hostile_folder(tmp_path / "hostile") / "rulesets"
    started = time.perf_counter()
    await drive(folder)
    TIMINGS[corpus] = time.perf_counter() - started
