"""Register a new source, or replace a source's text, from the workbench: a shell over engine.sources.

Add: a small form (file, id, title, url, kind, retrieved); the engine copies the
file, writes the ruleset and validates it, and the new source opens on the
Sources screen once the folder is loaded again. Update: the new file's path, the
change report (engine.sources.plan_update, in a worker thread: the conflict
analysis may take a few seconds), then a question before anything is written.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static

from tui.guard import Guarded

KINDS = ("web_page", "label_summary", "blog", "qa_service", "guideline", "other")


class AddSourceDialog(Guarded, ModalScreen[dict[str, str] | None]):
    """The fields of `accord source add`; enter in any field registers, escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    FIELDS = (
        ("path", "File (text, Markdown or HTML)", "path/to/page.html"),
        ("source_id", "Source id", "lower-case letters, digits and -, e.g. nhs-baricitinib"),
        ("title", "Title", "default: the HTML <title>, else the first line"),
        ("url", "URL", "where it was published (optional)"),
        ("retrieved", "Retrieved", "YYYY-MM-DD (default: today)"),
    )

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="add-source"):
            yield Static(
                "Add a source: its text is copied into sources/<id>.txt", classes="dialog-message", markup=False
            )
            for name, label, placeholder in self.FIELDS:
                yield Static(label, classes="dialog-hint", markup=False)
                yield Input(placeholder=placeholder, id=f"add-source-{name.replace('_', '-')}")
            yield Static("Kind", classes="dialog-hint", markup=False)
            yield Select([(k, k) for k in KINDS], prompt="kind (optional)", id="add-source-kind", allow_blank=True)
            yield Static("enter registers · escape cancels", classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#add-source-path", Input).focus()

    def values(self) -> dict[str, str]:
        out = {
            name: self.query_one(f"#add-source-{name.replace('_', '-')}", Input).value.strip()
            for name, *_ in self.FIELDS
        }
        kind = self.query_one("#add-source-kind", Select).value
        out["kind"] = kind if isinstance(kind, str) else ""
        return out

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(self.values())

    def action_cancel(self) -> None:
        self.dismiss(None)


def add_source_from(screen: Any, values: dict[str, str] | None) -> str | None:
    """Register the source the dialog describes; its id when done (said), None when refused (said why)."""
    from engine.sources import SourceError, add_source

    if values is None:
        return None
    if not values.get("path") or not values.get("source_id"):
        screen.notify("Nothing added: a file and a source id are needed.", severity="warning")
        return None
    ws = screen.workbench.workspace
    folder = ws.folder if ws is not None else screen.workbench.folder
    try:
        added = add_source(
            folder,
            values["path"],
            values["source_id"],
            title=values.get("title") or None,
            url=values.get("url") or None,
            retrieved=values.get("retrieved") or None,
            kind=values.get("kind") or None,
        )
    except SourceError as exc:
        screen.notify(f"Nothing added: {exc}", severity="error", timeout=10)
        return None
    except OSError as exc:
        screen.notify(f"Nothing added: cannot write: {exc.strerror or exc}", severity="error", timeout=10)
        return None
    screen.notify(f"Added {values['source_id']}: {added.text_path.name}, {len(added.extracted.text):,} characters.")
    return values["source_id"]


class SourceUpdater:
    """Mixin for a screen: `u`-style update of the highlighted source (path, report, confirm, write)."""

    def start_update(self: Any, source_id: str) -> None:
        from tui.screens.dialogs import InputDialog

        def chosen(path: str | None) -> None:
            if path:
                self.notify(f"Re-anchoring {source_id}'s claims and analysing conflicts before and after…", timeout=4)
                self.plan_source_update(source_id, path)

        self.app.push_screen(
            InputDialog(
                f"Update {source_id}: the new text's file (text, Markdown or HTML). Nothing is written before you "
                "have seen what changes.",
                placeholder="path/to/new-page.html",
            ),
            chosen,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="source-update")
    def plan_source_update(self: Any, source_id: str, path: str) -> None:
        from engine.sources import SourceError, plan_update

        ws = self.workbench.workspace
        folder = ws.folder if ws is not None else self.workbench.folder
        try:
            plan = plan_update(folder, source_id, path)
        except (SourceError, OSError) as exc:
            self.app.call_from_thread(self.notify, f"Nothing updated: {exc}", severity="error", timeout=10)
            return
        self.app.call_from_thread(self.show_update_plan, plan)

    def show_update_plan(self: Any, plan: Any) -> None:
        from engine.sourcereport import report_lines
        from tui.screens.dialogs import ConfirmDialog

        lines = report_lines(plan)
        lost = len(plan.lost)
        question = (
            f"{lost} quote(s) are gone from the new text: write anyway? Those claims go back to submitted and "
            "accord validate reports them (E402) until they are re-quoted or removed."
            if lost
            else "Write the new text and the re-anchored claims?"
        )

        def decided(yes: bool | None) -> None:
            if not yes:
                self.notify("Nothing written.")
                return
            from engine.sources import SourceError, apply_update

            try:
                apply_update(plan, allow_lost=bool(lost))
            except (SourceError, OSError) as exc:
                self.notify(f"Nothing written: {exc}", severity="error", timeout=10)
                return
            self.notify(f"Updated {plan.source_id}; run accord conflicts (or g on Conflicts) to refresh the report.")
            self.workbench.reload_workspace()

        self.app.push_screen(ConfirmDialog("\n".join(lines[:60]), question, yes="Write", no="Cancel"), decided)
