"""Whole-file editor for a ruleset with errors: validation as you type, jump to each problem."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from tui.screens.editor_base import EditorScreen, read_project_text
from tui.widgets.yaml_editor import MarkedTextArea, markers_for, yaml_editor


class FileEditorScreen(EditorScreen):
    """Edit a ruleset file as text; the engine validates the whole buffer in a worker."""

    TITLE = "File editor"
    BINDINGS = [
        Binding("f8", "next_error", "Next error", id="file-next-error"),
        Binding("f4", "diff", "Diff vs disk", id="file-diff"),
    ]

    def __init__(self, path: str | Path, line: int = 1, col: int = 1) -> None:
        super().__init__(path)
        self.start_at = (line, col)
        self.diagnostics: list[Any] = []
        self._saved_text = ""
        self.last_validation_ms: float | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="file-title", markup=False)
        with Horizontal(id="file-body"):
            yield yaml_editor("file-text", soft_wrap=False, blink=not self.app.is_headless)
            with Vertical(id="file-side"):
                yield Static("", id="file-state", markup=False)
                yield OptionList(id="file-problems")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.reload_from_disk()
        line, col = self.start_at
        area = self.query_one(MarkedTextArea)
        area.move_cursor((line - 1, col - 1))
        # After the first layout: the view's size decides whether the column needs a sideways scroll.
        self.call_after_refresh(area.jump_to, line - 1, col - 1)
        area.focus()

    def reload_from_disk(self) -> None:
        from engine.atomic import FileStamp

        try:
            read = read_project_text(self.path, self.project_folder)
        except (
            ValueError
        ) as exc:  # refused (not a regular file, outside the folder): never stamped, so never overwritten unasked
            self.notify(f"Cannot read {exc}", severity="error")
            read = None
        text = read or ""
        self.stamp = FileStamp.of(self.path) if read is not None else None
        self._saved_text = text
        self.query_one(TextArea).load_text(text)
        self.dirty = False
        self._title()

    def _title(self) -> None:
        # Folder and name, not the absolute path: readable, and the same on every machine.
        t = Text(f"{self.path.parent.name}/{self.path.name}", style="bold")
        if self.dirty:
            t.append("  ● unsaved", style="yellow")
        self.query_one("#file-title", Static).update(t)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.dirty = event.text_area.text != self._saved_text
        self._title()
        self.validate_buffer(event.text_area.text)

    @work(exclusive=True, thread=True, exit_on_error=False, group="file-validate")
    def validate_buffer(self, text: str) -> None:
        from engine.loader import LoadError, load_text
        from engine.validate import validate_ruleset_document

        started = time.perf_counter()
        try:
            doc = load_text(text, str(self.path))
            _, found = validate_ruleset_document(doc)
        except LoadError as exc:
            found = [exc.diagnostic]
        elapsed = (time.perf_counter() - started) * 1000
        self.app.call_from_thread(self._show, text, found, elapsed)

    def _show(self, text: str, found: list[Any], elapsed: float) -> None:
        if not self.is_mounted or text != self.query_one(TextArea).text:
            return
        self.diagnostics = found
        self.last_validation_ms = elapsed
        errors = sum(d.severity == "error" for d in found)
        state = Text(
            f"✗ {errors} errors, {len(found) - errors} warnings" if found else "✓ valid ruleset",
            style="bold red" if errors else "bold green",
        )
        self.query_one("#file-state", Static).update(state)
        self.query_one(MarkedTextArea).set_markers(markers_for(found))
        problems = self.query_one(OptionList)
        problems.clear_options()
        for d in found:
            label = Text()
            label.append(f"{d.line}:{d.col} ", style="bold")
            label.append(f"{d.code} ", style="red" if d.severity == "error" else "yellow")
            label.append(d.message)
            problems.add_option(Option(label))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        d = self.diagnostics[event.option_index]
        area = self.query_one(MarkedTextArea)
        area.jump_to(d.line - 1, d.col - 1)
        area.focus()

    def action_next_error(self) -> None:
        if not self.diagnostics:
            self.notify("No problems.")
            return
        area = self.query_one(TextArea)
        row = area.cursor_location[0] + 1
        after = [d for d in self.diagnostics if d.line > row] or self.diagnostics
        self.query_one(MarkedTextArea).jump_to(after[0].line - 1, after[0].col - 1)
        area.focus()

    def action_diff(self) -> None:
        self.show_difference()

    def file_text_to_write(self, on_disk: str | None = None) -> str:
        return self.query_one(TextArea).text

    def base_text(self) -> str | None:
        return self._saved_text if self.stamp is not None else None

    def after_save(self, text: str) -> None:
        area = self.query_one(TextArea)
        if area.text != text:  # a merged save: the buffer takes the change on disk too
            cursor = area.cursor_location
            area.load_text(text)
            area.move_cursor(cursor)
        self._saved_text = text
        self.dirty = False
        self._title()

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Save file", "Write the file atomically (ctrl+s)", self.action_save)
        yield SystemCommand("Next validation problem", "Jump to the next located error (F8)", self.action_next_error)
        yield SystemCommand("Show difference with the file on disk", "Unified diff (F4)", self.action_diff)
