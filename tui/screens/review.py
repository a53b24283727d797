"""Claim review steps (draft → submitted → under_review → approved/rejected) from any screen.

The status is changed in the ruleset file by a one-scalar edit
(engine.claimedit.set_claim_status), written atomically; when the engine's
review module is present the step is also recorded in conflicts/reviews.yaml.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from textual.app import App

from engine.atomic import write_atomic
from engine.claimedit import NEXT_STATUS, set_claim_status
from engine.loader import LoadError, load_file

LABELS = {
    "submitted": "Submit for review",
    "under_review": "Start review",
    "approved": "Approve",
    "rejected": "Reject",
    "draft": "Back to draft",
}


def review_claim(app: App[Any], claim_id: str, after: Callable[[], None] | None = None) -> None:
    """Ask for the next status of a claim, then write it."""
    from tui.screens.dialogs import ChoiceDialog

    ws = getattr(app, "workspace", None)
    entry = ws.entry_for_claim(claim_id) if ws is not None else None
    if entry is None:
        app.notify(f"No ruleset holds {claim_id}.", severity="error")
        return
    path = entry.path
    try:
        doc = load_file(path)
    except LoadError as exc:
        app.notify(f"{path.name}: {exc.diagnostic.message}", severity="error")
        return
    claim = next((c for c in doc.data.get("claims", []) if isinstance(c, dict) and c.get("id") == claim_id), None)
    if claim is None:
        app.notify(f"{claim_id} is not in {path.name} (save it first).", severity="warning")
        return
    current = str(claim.get("status", "draft"))
    choices = [(s, LABELS.get(s, s)) for s in NEXT_STATUS.get(current, ())] + [("cancel", "Cancel")]

    def chosen(status: str | None) -> None:
        if not status or status == "cancel":
            return
        if set_status(app, path, claim_id, current, status) and after is not None:
            after()

    app.push_screen(ChoiceDialog(f"{claim_id} is {current}. Move it to:", choices), chosen)


def set_status(app: App[Any], path: Path, claim_id: str, current: str, status: str, note: str = "") -> bool:
    try:
        doc = load_file(path)
        text = set_claim_status(doc, claim_id, status)
        write_atomic(path, text)
    except (LoadError, KeyError, ValueError) as exc:
        app.notify(f"Status not changed: {exc}", severity="error")
        return False
    except OSError as exc:
        app.notify(f"Could not save {path.name}: {exc.strerror or exc}. Nothing was changed.", title="Save failed", severity="error", timeout=10)
        return False
    _record_step(app, claim_id, current, status, note)
    app.notify(f"{claim_id}: {current} → {status}.", timeout=3)
    reload = getattr(app, "reload_workspace", None)
    if reload is not None:
        reload()
    return True


def _record_step(app: App[Any], claim_id: str, current: str, status: str, note: str) -> None:
    """Append the step to the claim's history in conflicts/reviews.yaml."""
    from engine.reviewlog import add_claim_step
    from tui.workspace import conflicts_folder

    ws = getattr(app, "workspace", None)
    folder = conflicts_folder(ws.folder) if ws is not None else Path("conflicts")
    try:
        add_claim_step(folder / "reviews.yaml", claim_id, status, reviewer=getattr(app, "reviewer", "editor"), from_status=current, note=note)
    except (OSError, ValueError, LoadError) as exc:
        app.notify(f"Status changed, but the review history was not recorded: {exc}", severity="warning")
