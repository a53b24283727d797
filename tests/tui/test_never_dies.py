"""tui.guard: an unexpected exception is a notification (the app keeps running), ctrl+q quits past a stuck worker."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from tests.tui.conftest import run_async, settle, workbench


def errors_shown(app) -> list[str]:
    return [n.message for n in app._notifications if n.severity == "error"]


@run_async
async def test_an_action_that_raises_is_reported_and_the_app_keeps_running(workdir: Path) -> None:
    from textual.binding import Binding
    from textual.screen import Screen
    from textual.widgets import Static

    from tui.guard import Guarded

    class Boom(Guarded, Screen[None]):
        BINDINGS = [Binding("b", "boom", "Boom"), Binding("escape", "app.pop_screen", "Close")]

        def compose(self):
            yield Static("boom")

        def action_boom(self) -> None:
            raise RuntimeError("boom in an action")

        def on_static_clicked(self, _event) -> None:  # never posted: only there to be wrapped too
            raise AssertionError

    assert getattr(Boom.action_boom, "__accord_guarded__", False) and getattr(
        Boom.on_static_clicked, "__accord_guarded__", False
    )
    async with workbench(workdir / "rulesets") as (app, pilot):
        app.push_screen(Boom())
        await pilot.pause()
        await pilot.press("b")
        await settle(pilot)
        assert app.is_running and app._exception is None
        assert [w for w, _e in app.unexpected_errors] == ["Boom.action_boom"]
        assert any("boom in an action" in m for m in errors_shown(app))
        await pilot.press("escape", "2")  # still responds to keys
        await settle(pilot)
        assert app.current_mode == "sources"


@run_async
async def test_a_key_whose_handler_raises_outside_our_wrappers_is_still_caught_by_run_action(
    workdir: Path, monkeypatch
) -> None:
    from tui.screens.rulesets import RulesetsScreen

    def broken(self) -> None:
        raise KeyError("not guarded by the class")

    async with workbench(workdir / "rulesets") as (app, pilot):
        monkeypatch.setattr(
            RulesetsScreen, "action_edit_first_error", broken
        )  # bypasses Guarded: run_action catches it
        await pilot.press("e")
        await settle(pilot)
        assert app.is_running and app._exception is None
        assert app.unexpected_errors and app.unexpected_errors[0][0].startswith("action ")


@run_async
async def test_a_failing_worker_and_a_failing_dialog_callback_are_notifications(workdir: Path) -> None:
    from tui.screens.dialogs import ConfirmDialog

    async with workbench(workdir / "rulesets") as (app, pilot):
        screen = app.screen

        def work() -> None:
            raise ValueError("worker failed")

        screen.run_worker(work, thread=True, exit_on_error=False, name="hostile")
        await settle(pilot)

        def after(_answer: bool | None) -> None:
            raise ZeroDivisionError("callback failed")

        app.push_screen(ConfirmDialog("m", "q"), after)
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert app.is_running and app._exception is None
        shown = " ".join(errors_shown(app))
        assert "worker failed" in shown and "callback failed" in shown
        assert len(app.unexpected_errors) == 2


@run_async
async def test_ctrl_q_quits_while_a_worker_is_blocked_reading_a_fifo(tmp_path: Path, workdir: Path) -> None:
    import threading

    fifo = tmp_path / "blocked.txt"
    os.mkfifo(fifo)

    def release() -> None:  # a writer lets the blocked reader finish (a regression then fails on time, never hangs)
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)

    watchdog = threading.Timer(4.0, release)
    watchdog.start()
    started = time.perf_counter()
    async with workbench(workdir / "rulesets") as (app, pilot):
        app.run_worker(lambda: fifo.read_text(), thread=True, exit_on_error=False, name="stuck")  # blocks in open()
        await pilot.pause(0.1)
        await pilot.press("ctrl+q")
    assert app.return_code == 0
    # What `accord tui` does next (asyncio.run's end) waited for the blocked thread with asyncio's own executor.
    await asyncio.get_running_loop().shutdown_default_executor()
    elapsed = time.perf_counter() - started
    if watchdog.is_alive():
        watchdog.cancel()
        release()
    assert elapsed < 3.5, f"quitting waited {elapsed:.1f}s for a blocked worker"


def test_printable_keeps_offsets_and_the_filter_keeps_widths() -> None:
    from rich.cells import cell_len
    from rich.segment import Segment
    from textual.color import Color

    from tui.guard import ControlFilter, printable

    hostile = "a\x1b]0;pwned\x07b\x9b31mc\u202ed\x7fe\tf"
    shown = printable(hostile)
    assert len(shown) == len(hostile) and not any(ch in shown for ch in "\x1b\x07\x9b\u202e\x7f\t")
    assert shown.startswith("a\u241b]0;pwned\u2407b")
    assert printable("line one\nline two") == "line one\nline two"
    assert printable("x\ny", keep_newlines=False) == "x\u240ay"
    segments = [Segment("ok "), Segment(hostile), Segment("\x1b[2J", None, [])]
    out = ControlFilter().apply(segments, Color(0, 0, 0))
    assert out[0] is segments[0] and out[2].text == "[2J"  # clean text passes as it is; no segment keeps an ESC
    assert out[1].text == "a]0;pwnedb31mcdef" and cell_len(out[1].text) == cell_len(hostile)
