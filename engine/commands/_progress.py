"""A progress bar for analyses that take a while, and nothing for those that don't.

    from engine.commands._progress import progress
    with progress(len(items), "Analysing regions", quiet=args.quiet) as bar:
        for item in items:
            ...
            bar.advance()

The bar is drawn on stderr only when stderr is a terminal, only when the work
has already taken longer than `delay` seconds (1 s), and never with --quiet.
rich is imported lazily, the first time a bar is actually drawn, so fast
commands and pipes never pay for it. NO_COLOR is honoured by rich itself.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

DELAY = 1.0


class Progress:
    """Counts work; draws a rich bar once `delay` seconds have passed on a terminal."""

    def __init__(
        self,
        total: int | None,
        description: str = "Working",
        *,
        quiet: bool = False,
        delay: float = DELAY,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.description = description
        self.completed = 0
        self.delay = delay
        self._clock = clock
        self._start = clock()
        self._stream = sys.stderr if stream is None else stream
        self.enabled = not quiet and _isatty(self._stream)
        self._bar: Any = None
        self._task: Any = None

    @property
    def shown(self) -> bool:
        return self._bar is not None

    def advance(self, amount: int = 1, description: str | None = None) -> None:
        self.completed += amount
        if description is not None:
            self.description = description
        if not self.enabled:
            return
        if self._bar is None and self._clock() - self._start >= self.delay:
            self._open()
        if self._bar is not None:
            self._bar.update(self._task, completed=self.completed, description=self.description)

    def update(self, completed: int | None = None, total: int | None = None, description: str | None = None) -> None:
        """Set absolute numbers (for work whose total is learned on the way)."""
        if total is not None:
            self.total = total
            if self._bar is not None:
                self._bar.update(self._task, total=total)
        if completed is not None:
            self.advance(completed - self.completed, description)
        elif description is not None:
            self.advance(0, description)

    def _open(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichProgress

        console = Console(file=self._stream, stderr=self._stream is sys.stderr)
        self._bar = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task(self.description, total=self.total, completed=self.completed)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def progress(
    total: int | None,
    description: str = "Working",
    *,
    quiet: bool = False,
    delay: float = DELAY,
    stream: TextIO | None = None,
) -> Progress:
    """A context manager counting `total` steps; see the module docstring."""
    return Progress(total, description, quiet=quiet, delay=delay, stream=stream)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
