"""Home screen: every ruleset in the folder with its validation state."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, Static

from tui.base import WorkbenchScreen
from tui.screens.source_actions import SourceUpdater
from tui.workspace import RulesetEntry, Workspace


class RulesetsScreen(SourceUpdater, WorkbenchScreen):
    """The rulesets of the folder: claims, errors, warnings, coverage."""

    _ready = False  # set on mount: the widgets a workspace fills exist

    TITLE = "Rulesets"
    BINDINGS = [
        Binding("enter", "open_source", "Open source", id="rulesets-open"),
        Binding("e", "edit_first_error", "Go to first error", id="rulesets-first-error"),
        Binding("a", "add_source", "Add source", id="rulesets-add-source"),
        Binding("u", "update_source", "Update source", id="rulesets-update-source"),
    ]
    _open_when_loaded: str | None = None  # a source just added: shown on Sources once the folder is loaded again

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="rulesets-body"):
            yield Static("Validating…", id="rulesets-summary", markup=False)
            yield DataTable(id="rulesets-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="rulesets-diagnostics", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self._ready = True
        table = self.query_one(DataTable)
        table.add_column("Source", key="source")
        table.add_column("Title", key="title")
        table.add_column("Role", key="role")
        table.add_column("Claims", key="claims")
        table.add_column("Errors", key="errors")
        table.add_column("Warnings", key="warnings")
        table.add_column("Coverage", key="coverage")
        table.add_column("State", key="state")
        table.focus()
        if self.workbench.workspace is not None:
            self.workspace_changed(self.workbench.workspace)

    def workspace_changed(self, ws: Workspace | None) -> None:
        if ws is None or not self._ready:
            return
        added = self._open_when_loaded
        if added is not None and ws.entry(added) is not None:
            self._open_when_loaded = None
            self.call_after_refresh(self.workbench.open_source, added)
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        several = len({e.drug for e in ws.entries if e.drug}) > 1  # one drug: a column saying it again is noise
        if several and "drug" not in table.columns:
            table.add_column("Drug", key="drug")
        elif not several and "drug" in table.columns:
            table.remove_column("drug")
        for entry in ws.entries:
            cells = self._cells(entry) + ([Text(entry.drug or "—")] if several else [])
            table.add_row(*cells, key=str(entry.path))
        if ws.entries:
            table.move_cursor(row=min(keep, len(ws.entries) - 1))
        claims, errors, warnings = ws.totals
        files = len(ws.entries)
        summary = f"{ws.folder.resolve().name}/: {files} ruleset{'s' if files != 1 else ''}, {claims} claims, {len(ws.patients)} patients — {errors} errors, {warnings} warnings"
        if not ws.entries:
            summary += "  (no ruleset files here yet: *.yaml beside a sources/ folder)"
        self.query_one("#rulesets-summary", Static).update(summary)
        self._show_diagnostics()

    @staticmethod
    def _cells(entry: RulesetEntry) -> list[Any]:
        style = {"invalid": "bold red", "warnings": "yellow", "valid": "green"}[entry.state]
        cov = "cites the label" if entry.role == "reference" and entry.coverage is None else "—"
        if entry.coverage:
            c = entry.coverage
            pct = 100 * (c["claimed"] + c["excluded"]) // max(1, c["sentences"])
            cov = f"{pct}% ({c['unreviewed']} unreviewed)"
        return [
            Text(entry.source_id, style="bold"),
            Text(entry.title if len(entry.title) <= 44 else entry.title[:43] + "…"),
            Text(entry.role_text, style="bold cyan"),
            Text(str(entry.claims), justify="right"),
            Text(str(entry.errors), style="bold red" if entry.errors else "dim", justify="right"),
            Text(str(entry.warnings), style="yellow" if entry.warnings else "dim", justify="right"),
            Text(cov),
            Text(entry.state, style=style),
        ]

    def _current(self) -> RulesetEntry | None:
        ws = self.workbench.workspace
        table = self.query_one(DataTable)
        if ws is None or not ws.entries or table.cursor_row < 0:
            return None
        return ws.entries[min(table.cursor_row, len(ws.entries) - 1)]

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_diagnostics()

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open_source()

    def _show_diagnostics(self) -> None:
        entry = self._current()
        panel = self.query_one("#rulesets-diagnostics", Static)
        if entry is None:
            panel.update("")
            return
        if not entry.diagnostics:
            panel.update(Text(f"{entry.path.name}: no problems. Enter opens its source.", style="green"))
            return
        text = Text()
        for d in entry.diagnostics[:12]:
            text.append(f"{d.line}:{d.col} ", style="dim")
            text.append(f"{d.severity}[{d.code}] ", style="bold red" if d.severity == "error" else "yellow")
            text.append(d.message + "\n")
        if len(entry.diagnostics) > 12:
            text.append(f"… and {len(entry.diagnostics) - 12} more (accord validate {entry.path.name})", style="dim")
        panel.update(text)

    def action_open_source(self) -> None:
        entry = self._current()
        if entry is not None:
            self.workbench.open_source(entry.source_id)

    def action_edit_first_error(self) -> None:
        entry = self._current()
        if entry is None:
            return
        if not entry.diagnostics:
            self.notify(f"{entry.source_id} has no problems.")
            return
        from tui.screens.file_editor import FileEditorScreen

        d = entry.diagnostics[0]
        self.app.push_screen(FileEditorScreen(entry.path, line=d.line, col=d.col))

    def action_add_source(self) -> None:
        from tui.screens.source_actions import AddSourceDialog, add_source_from

        def done(values: dict[str, str] | None) -> None:
            added = add_source_from(self, values)
            if added is not None:
                self._open_when_loaded = added
                self.workbench.reload_workspace()

        self.app.push_screen(AddSourceDialog(), done)

    def action_update_source(self) -> None:
        entry = self._current()
        if entry is None:
            self.notify("No ruleset highlighted.", severity="warning")
            return
        self.start_update(entry.source_id)

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand(
            "Add a source from a file",
            "Copy a text, Markdown or HTML file into sources/ and write its ruleset (a)",
            self.action_add_source,
        )
        yield SystemCommand(
            "Update the highlighted source's text",
            "Replace it from a file: see which claims and conflicts change before writing (u)",
            self.action_update_source,
        )
        yield SystemCommand(
            "Open the highlighted ruleset's source",
            "Show its text with claim highlights (enter)",
            self.action_open_source,
        )
        yield SystemCommand(
            "Fix the first problem of the highlighted ruleset",
            "Open the file at its first error (e)",
            self.action_edit_first_error,
        )
