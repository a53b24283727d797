"""The workbench never dies: an unexpected exception becomes a notification, control bytes never reach the terminal.

Textual closes the whole app on any exception that reaches it (an action, a
message handler, a dialog's callback, a worker with exit_on_error). The
workbench holds unsaved edits, so instead every entry point of our code runs
under `guarded`: the exception is logged with its traceback (Textual's log,
and `app.unexpected_errors` for the tests, so real bugs stay visible) and
shown as an error notification; the screen keeps working.

`Guarded` applies `guarded` to the `action_*` and `on_*` methods a screen or
widget class defines; `DaemonExecutor` runs thread workers on daemon threads
so a worker stuck in a read (a FIFO) never keeps ctrl+q from quitting;
`ControlFilter` strips, as the very last step before the terminal, any C0/C1
control or bidi override that a widget would otherwise write raw.
"""

from __future__ import annotations

import functools
import inspect
import re
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar, cast

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

F = TypeVar("F", bound=Callable[..., Any])

# C0 controls (tab and newline included: inside a rendered line they only move the terminal's cursor), DEL,
# C1 controls (U+009B is a one-byte CSI), bidi embeddings/overrides/isolates, line and paragraph separators.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _picture(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # ␛ for ESC, ␇ for BEL, ...
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"


def printable(text: str, *, keep_newlines: bool = True) -> str:
    """`text` with every control character replaced by one visible character (offsets stay the same)."""
    if not CONTROL.search(text):
        return text
    if keep_newlines:
        return "\n".join(CONTROL.sub(_picture, part) for part in text.split("\n"))
    return CONTROL.sub(_picture, text)


class ControlFilter(LineFilter):
    """Removes control characters from rendered segments (they have no width, so the layout is unchanged)."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if not any(CONTROL.search(s.text) for s in segments):
            return segments
        return [s if not CONTROL.search(s.text) else Segment(CONTROL.sub("", s.text), s.style) for s in segments]


def report_exception(app: Any, error: BaseException, where: str) -> None:
    """Log `error` with its traceback and tell the user, without closing the app."""
    detail = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    errors = getattr(app, "unexpected_errors", None)
    if isinstance(errors, list):
        errors.append((where, error))
    try:
        app.log.error(f"unexpected error in {where}:\n{detail}")
        message = printable(f"{where}: {type(error).__name__}: {error}", keep_newlines=False)
        if len(message) > 300:
            message = message[:299] + "…"
        app.notify(
            f"{message}. Nothing was saved by this step; your edits are kept. Details are in the Textual log.",
            title="Unexpected error",
            severity="error",
            timeout=12,
            markup=False,
        )
    except Exception:  # the app is shutting down: the log entry above is all we can do
        pass


def _app_of(owner: Any) -> Any:
    from textual.app import App

    if isinstance(owner, App):
        return owner
    try:
        return owner.app
    except Exception:
        from textual._context import active_app

        return active_app.get(None)


def guarded(fn: F, where: str | None = None, owner: Any = None) -> F:
    """`fn` that reports any Exception (never SkipAction or cancellation) instead of raising it."""
    from textual.actions import SkipAction

    label = where or str(getattr(fn, "__qualname__", repr(fn)))

    def handle(args: tuple[Any, ...], error: Exception) -> None:
        target = owner if owner is not None else (args[0] if args else None)
        app = _app_of(target)
        if app is None:
            raise error
        report_exception(app, error, label)

    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return await fn(*args, **kwargs)
            except SkipAction:
                raise
            except Exception as error:
                handle(args, error)
                return None

        async_wrapper.__accord_guarded__ = True  # type: ignore[attr-defined]  # a marker on a function object
        return cast(F, async_wrapper)  # functools.wraps: the same callable, taking fn's arguments

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SkipAction:
            raise
        except Exception as error:
            handle(args, error)
            return None

    wrapper.__accord_guarded__ = True  # type: ignore[attr-defined]  # a marker on a function object
    return cast(F, wrapper)  # functools.wraps: the same callable, taking fn's arguments


GUARDED_PREFIXES = ("action_", "on_", "_on_")
GUARDED_NAMES = ("workspace_changed", "check_external_change", "poll_folder")


class Guarded:
    """Mixin: every `action_*`, `on_*` method (and the timer/reload hooks) the class defines is `guarded`.

    A worker the class starts that fails (exit_on_error=False) is reported too.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if not callable(value) or isinstance(value, type) or getattr(value, "__accord_guarded__", False):
                continue
            if name.startswith(GUARDED_PREFIXES) or name in GUARDED_NAMES:
                setattr(cls, name, guarded(value, f"{cls.__name__}.{name}"))

    def on_worker_state_changed(self, event: Any) -> None:
        from textual.worker import WorkerState

        if event.state == WorkerState.ERROR and event.worker.error is not None:
            report_exception(
                _app_of(self), event.worker.error, f"background task {event.worker.name or event.worker.group}"
            )


class DaemonExecutor(ThreadPoolExecutor):
    """Thread workers on daemon threads, and a shutdown that never waits for them.

    asyncio's default executor is joined when the event loop closes, so one
    worker blocked in a read kept the workbench from ever exiting; a daemon
    thread ends with the process. (A ThreadPoolExecutor subclass because
    asyncio accepts nothing else as the default executor.)
    """

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                result = fn(*args, **kwargs)
            except BaseException as error:  # handed to the awaiting worker, which reports it
                future.set_exception(error)
            else:
                future.set_result(result)

        threading.Thread(target=run, name="accord-worker", daemon=True).start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        return None
