"""Hostile corpus of the workbench (issue 12, wave 2): reads through the engine, locked saves, visible controls, typed messages.

Each case asserts its exact outcome: the located refusal shown (and nothing
of a file outside the folder), the update kept, the control character drawn
as a picture. Files: tests/tui/fixtures/hostile (the folder the every-binding
drive uses too) and tests/data/hostile/workbench.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from pathlib import Path

from tests.tui.conftest import FIXTURES, open_source, run_async, settle, workbench

HOSTILE = Path(__file__).parents[1] / "data" / "hostile" / "workbench"
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # \t \n may be the SVG's own
SECRET = "TOP-SECRET-4711"


def hostile_copy(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "hostile", tmp_path, dirs_exist_ok=True)
    return tmp_path / "rulesets"


def outside_secret(tmp_path: Path) -> Path:
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(f"{SECRET}\n", encoding="utf-8")
    return secret


def screen_text(app) -> str:
    from textual.widgets import Static

    from tui.widgets.source_view import SourceView

    view = app.screen.query_one(SourceView)
    lines = [view.render_line(y).text for y in range(view.size.height)]
    return "\n".join(lines + [str(s.render()) for s in app.screen.query(Static)])


@run_async
async def test_control_characters_in_a_source_are_drawn_as_pictures_at_their_offsets(tmp_path: Path) -> None:
    folder = hostile_copy(tmp_path)
    text = (folder / "sources" / "dr-oracle.txt").read_text(encoding="utf-8")
    esc = text.index("\x1b]0;pwned\x07")
    async with workbench(folder) as (app, pilot):
        _screen, view = await open_source(pilot, "dr-oracle", esc)
        await pilot.pause()
        view.scroll_to_cursor(center=True)  # the first scroll can precede the layout of the new text
        await pilot.pause()
        y = view.row_of(esc) - view.scroll_offset.y
        assert 0 <= y < view.size.height
        row = view.render_line(y).text
        assert "␛]0;pwned␇ Title set." in row
        assert "\ufffd31m C1 CSI." in row  # U+009B, a one-byte CSI
        assert view.cursor == esc and view.text[esc] == "\x1b"  # offsets are the verbatim text's
        svg = app.export_screenshot()
    assert not RAW_CONTROL.search(svg), repr(RAW_CONTROL.search(svg))
    assert ">␛</text>" in svg and "]0;pwned␇" in svg


@run_async
async def test_a_source_text_validation_did_not_read_is_read_in_a_worker(workdir: Path) -> None:
    async with workbench(workdir / "rulesets", "2") as (app, pilot):
        entry = app.workspace.entry("minimal-medicine")
        entry.ruleset.source_text = None
        app.screen.show_source("minimal-medicine")
        assert "Reading sources/minimal-medicine.txt" in screen_text(app)  # the UI thread did not read it
        await settle(pilot)
        expected = (workdir / "rulesets" / "sources" / "minimal-medicine.txt").read_text(encoding="utf-8")
        assert app.screen.text == expected
        assert not app.unexpected_errors


@run_async
async def test_a_source_text_that_became_a_link_out_of_the_folder_is_refused_located_and_not_shown(
    workdir: Path, tmp_path: Path
) -> None:
    secret = outside_secret(tmp_path)
    text_path = workdir / "rulesets" / "sources" / "minimal-medicine.txt"
    async with workbench(workdir / "rulesets", "2") as (app, pilot):
        app.workspace.entry("minimal-medicine").ruleset.source_text = None
        text_path.unlink()
        text_path.symlink_to(secret)
        app.screen.show_source("minimal-medicine")
        await settle(pilot)
        from tui.widgets.source_view import SourceView

        message = app.screen.query_one(SourceView).text
        assert message.startswith("The source text cannot be shown") and f"{text_path}:1:1: error[E010]" in message
        assert SECRET not in message and SECRET not in screen_text(app) and app.screen.text == ""
        assert not app.unexpected_errors


@run_async
async def test_the_file_editor_refuses_a_ruleset_linked_out_of_the_folder(workdir: Path, tmp_path: Path) -> None:
    from textual.widgets import TextArea

    from tui.screens.file_editor import FileEditorScreen

    secret = outside_secret(tmp_path)
    link = workdir / "rulesets" / "linked.yaml"
    async with workbench(workdir / "rulesets") as (app, pilot):
        link.symlink_to(secret)
        editor = FileEditorScreen(link)
        app.push_screen(editor)
        await settle(pilot)
        assert editor.query_one(TextArea).text == "" and editor.stamp is None
        notes = [n.message for n in app._notifications]
        assert any("E010" in n and "linked.yaml" in n for n in notes), notes
        assert not any(SECRET in n for n in notes)


@run_async
async def test_a_tampered_report_is_refused_by_the_engine_with_its_location(workdir: Path) -> None:
    shutil.copy(HOSTILE / "report-bad-severity.json", workdir / "conflicts" / "report.json")
    async with workbench(workdir / "rulesets", "4") as (app, pilot):
        problem = app.workspace.conflicts_problem
        assert problem is not None and "report.json" in problem and "schema/report.schema.json" in problem
        text = (workdir / "conflicts" / "report.json").read_text(encoding="utf-8")
        at = text.index('"catastrophic"')
        line, col = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
        assert f"report.json:{line}:{col}: error[E100]" in problem and "(at /conflicts/0/severity)" in problem, problem
        assert app.workspace.conflicts == [] and not app.unexpected_errors


@run_async
async def test_a_save_racing_a_locked_writer_asks_instead_of_overwriting(workdir: Path) -> None:
    """A writer (accord review claim) holds the lock when ctrl+s is pressed and changes the file:
    the check made before our lock passed, but the write under the lock sees the change."""
    from textual.widgets import TextArea

    from engine.filelock import locked
    from tui.screens.dialogs import ChoiceDialog
    from tui.screens.file_editor import FileEditorScreen

    path = workdir / "rulesets" / "minimal-medicine.yaml"
    original = path.read_text(encoding="utf-8")
    theirs = original.replace("accord: 1", "accord: 1  # changed by a concurrent writer", 1)
    assert theirs != original
    async with workbench(workdir / "rulesets") as (app, pilot):
        editor = FileEditorScreen(path)
        app.push_screen(editor)
        await settle(pilot)
        area = editor.query_one(TextArea)
        area.move_cursor((0, 0))
        area.insert("# mine\n")
        await settle(pilot)
        held, release = threading.Event(), threading.Event()

        def writer() -> None:
            with locked(path):
                held.set()
                release.wait(5)
                path.write_text(theirs, encoding="utf-8")

        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        assert held.wait(5)
        threading.Timer(0.3, release.set).start()  # while our save waits for the lock
        started = time.monotonic()
        await pilot.press("ctrl+s")
        await settle(pilot)
        thread.join(5)
        assert time.monotonic() - started < 5
        assert path.read_text(encoding="utf-8") == theirs  # their update kept
        assert isinstance(app.screen, ChoiceDialog)  # and ours is asked about, still in the buffer
        assert area.text.startswith("# mine\n") and editor.dirty


@run_async
async def test_every_screen_hears_of_a_new_workspace_as_a_message(workdir: Path, monkeypatch) -> None:
    from tui.base import WorkbenchScreen, WorkspaceChanged

    heard: list[tuple[type, object]] = []
    handler = WorkbenchScreen.on_workspace_changed

    def spy(self, message: WorkspaceChanged) -> None:
        heard.append((type(self), message.workspace))
        handler(self, message)

    monkeypatch.setattr(WorkbenchScreen, "on_workspace_changed", spy)
    from tests.tui.conftest import make_app

    app = make_app(workdir / "rulesets")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for key in "234":
            await pilot.press(key)
            await settle(pilot)
        heard.clear()
        ruleset = workdir / "rulesets" / "minimal-medicine.yaml"
        ruleset.write_text(
            ruleset.read_text(encoding="utf-8") + "# touched\n", encoding="utf-8"
        )  # an equal workspace is no change
        await pilot.press("ctrl+r")
        await settle(pilot)
        screens = [s for s in app._all_screens() if isinstance(s, WorkbenchScreen)]
        assert len(screens) == 4
        assert sorted(t.__name__ for t, _ in heard) == [
            "ConflictsScreen",
            "PatientsScreen",
            "RulesetsScreen",
            "SourcesScreen",
        ]
        assert all(ws is app.workspace for _, ws in heard)
        assert not app.unexpected_errors
