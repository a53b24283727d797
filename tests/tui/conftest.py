"""TUI test helpers: a tmp copy of the fixed fixture folder, and waiting for workers."""

from __future__ import annotations

import asyncio
import functools
import shutil
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """tmp/rulesets + tmp/conflicts copied from tests/tui/fixtures (never the repo's live files)."""
    shutil.copytree(FIXTURES / "rulesets", tmp_path / "rulesets")
    shutil.copytree(FIXTURES / "conflicts", tmp_path / "conflicts")
    return tmp_path


def make_app(folder: Path):
    from tui.app import AccordApp

    return AccordApp(folder, reviewer="tester", poll_interval=None)


async def settle(pilot, rounds: int = 3) -> None:
    """Wait for every worker (validation, loading) and the messages they post."""
    from textual.worker import WorkerFailed

    for _ in range(rounds):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerFailed:
            pass  # tui.guard reported it (app.unexpected_errors); the tests that care assert on that
        await pilot.pause()


def run_async(test):
    """Run an async test with asyncio.run (no pytest async plugin needed); fixtures pass through."""

    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))

    return wrapper


async def open_source(pilot, source_id: str, offset: int):
    """The sources screen on `source_id`, its text focused with the cursor at `offset`."""
    from tui.widgets.source_view import SourceView

    await pilot.press("2")
    await settle(pilot)
    screen = pilot.app.screen
    screen.show_source(source_id)
    view = screen.query_one(SourceView)
    view.focus()
    view.set_cursor(offset)
    await pilot.pause()
    return screen, view


@asynccontextmanager
async def workbench(folder: Path, screen_key: str | None = None, size: tuple[int, int] = (120, 40)):
    """The workbench running headless on `folder`, settled, on screen `screen_key` (1-4) when given."""
    app = make_app(folder)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        if screen_key:
            await pilot.press(screen_key)
            await settle(pilot)
        yield app, pilot


async def save_over_external_change(pilot, path: Path, external: str, choice: str) -> None:
    """ctrl+s on an edit whose file changed on disk: the dialog asks first (nothing written yet),
    shows the difference and comes back, then `choice` (#choice-mine, -reload, -cancel) is clicked."""
    from tui.screens.dialogs import ChoiceDialog, TextDialog

    await pilot.press("ctrl+s")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ChoiceDialog)
    assert path.read_text(encoding="utf-8") == external  # nothing written yet
    await pilot.click("#choice-diff")
    await pilot.pause()
    assert isinstance(pilot.app.screen, TextDialog)
    await pilot.press("escape")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ChoiceDialog)
    await pilot.click(f"#choice-{choice}")
    await settle(pilot)
