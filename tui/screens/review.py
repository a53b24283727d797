"""Claim review steps (draft → submitted → under_review → approved/rejected) from any screen.

The workbench does not implement the workflow: engine.review decides which
moves are allowed (TRANSITIONS), edits the claim's `status:` in place in its
ruleset file and appends the step to conflicts/reviews.yaml
(engine.review.change_claim_status), exactly as `accord review` does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from engine.review import TRANSITIONS, ReviewError, change_claim_status, find_claim
from tui.guard import Guarded

if TYPE_CHECKING:
    from tui.app import AccordApp

LABELS = {
    "submitted": "Submit for review",
    "under_review": "Start review",
    "approved": "Approve",
    "rejected": "Reject",
    "draft": "Back to draft",
}


class NoteDialog(Guarded, ModalScreen[str | None]):
    """Ask for the note every review step needs; enter saves, escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.message, style="bold"), classes="dialog-message")
            yield Input(placeholder="note: why (required); enter saves", id="review-note")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        note = event.value.strip()
        if not note:
            self.notify("A note is required at every review step.", severity="warning")
            return
        self.dismiss(note)

    def action_cancel(self) -> None:
        self.dismiss(None)


def review_claim(app: AccordApp, claim_id: str, after: Callable[[], None] | None = None) -> None:
    """Ask for the next status of a claim and a note, then let engine.review record it."""
    from tui.screens.dialogs import ChoiceDialog

    ws = app.workspace
    if ws is None:
        app.notify("No rulesets folder is open.", severity="error")
        return
    try:
        _path, doc, index = find_claim(ws.folder, claim_id)
    except ReviewError as exc:
        app.notify(f"{exc} (save it first).", severity="warning")
        return
    current = str(doc.data["claims"][index].get("status", "draft"))
    choices = [(s, LABELS.get(s, s)) for s in TRANSITIONS.get(current, ())] + [("cancel", "Cancel")]

    def noted(status: str, note: str | None) -> None:
        if note is None:
            return
        if set_status(app, claim_id, current, status, note) and after is not None:
            after()

    def chosen(status: str | None) -> None:
        if not status or status == "cancel":
            return
        app.push_screen(NoteDialog(f"{claim_id}: {current} → {status}. Note:"), lambda note: noted(status, note))

    app.push_screen(ChoiceDialog(f"{claim_id} is {current}. Move it to:", choices), chosen)


def set_status(app: AccordApp, claim_id: str, current: str, status: str, note: str) -> bool:
    """engine.review.change_claim_status: checks the move, edits the ruleset in place, appends the step."""
    from tui.workspace import conflicts_folder

    ws = app.workspace
    folder = Path(ws.folder) if ws is not None else Path("rulesets")
    reviews = conflicts_folder(folder) / "reviews.yaml"
    if not app.reviewer:
        app.with_reviewer(lambda _name: None)  # asks; the step is taken again once a name is set
        app.notify("Status not changed: no reviewer is set yet; give your name, then try again.", severity="warning")
        return False
    try:
        change_claim_status(folder, reviews, claim_id, status, reviewer=app.reviewer, note=note)
    except ReviewError as exc:
        app.notify(f"Status not changed: {exc}", severity="error")
        return False
    except OSError as exc:
        app.notify(
            f"Could not save: {exc.strerror or exc}. Nothing was changed.",
            title="Save failed",
            severity="error",
            timeout=10,
        )
        return False
    app.notify(f"{claim_id}: {current} → {status}.", timeout=3)
    app.reload_workspace()
    return True
