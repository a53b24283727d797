"""The screens' typed view of the workbench: one accessor for the app, one Message for a new workspace.

Screens used to probe the app (`hasattr(screen, "workspace_changed")`,
`self.app.workspace  # type: ignore`): a renamed method or attribute then
failed silently at run time. As in Posting and Harlequin, the app is reached
through a typed accessor (`WorkbenchScreen.workbench`, `workbench_app(node)`)
and a freshly loaded workspace arrives as a Textual Message, handled by
`on_workspace_changed` like any other event.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from textual.app import SystemCommand
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import Screen

from tui.guard import Guarded

if TYPE_CHECKING:
    from tui.app import AccordApp
    from tui.workspace import Workspace


def workbench_app(node: DOMNode) -> AccordApp:
    """The running AccordApp, typed: the workbench's screens and dialogs only ever run inside it."""
    return cast("AccordApp", node.app)


class WorkspaceChanged(Message, bubble=False):
    """The app loaded (or reloaded) the folder: every screen gets the new snapshot (None: nothing loaded)."""

    def __init__(self, workspace: Workspace | None) -> None:
        super().__init__()
        self.workspace = workspace


class WorkbenchScreen(Guarded, Screen[None]):
    """A top-level screen or editor of the workbench: the app typed, workspace changes as a Message."""

    # Read-only here, so a screen may answer from its own state (the patients screen: its edited facts);
    # an editor that sets the flag declares it a plain attribute (EditorScreen.dirty).
    @property
    def dirty(self) -> bool:
        """Unsaved edits on this screen: quitting asks first."""
        return False

    @property
    def title_for_quit(self) -> str:
        """What the quit question names as unsaved."""
        return "an edit"

    @property
    def workbench(self) -> AccordApp:
        return workbench_app(self)

    def on_workspace_changed(self, message: WorkspaceChanged) -> None:
        self.workspace_changed(message.workspace)

    def workspace_changed(self, ws: Workspace | None) -> None:
        """Show `ws` (screens override; the default shows nothing of it)."""

    def palette_commands(self) -> Iterable[SystemCommand]:
        """The screen's own commands for the palette (screens override)."""
        return ()
