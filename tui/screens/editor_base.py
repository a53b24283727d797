"""Shared save logic of the editors: atomic writes, stale-file checks, external-change polling.

Nothing is lost: a failed save keeps the buffer and says why; a file changed
on disk since it was loaded is never overwritten without asking (reload,
keep mine, or show the difference); quitting with unsaved edits asks.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from rich.syntax import Syntax
from rich.text import Text
from textual.binding import Binding

from engine.atomic import ChangedOnDisk, FileStamp, changed_since, write_if_unchanged
from tui.base import WorkbenchScreen


class EditorScreen(WorkbenchScreen):
    """Base for screens that edit one file through a text buffer."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="editor-save", priority=True),
        # priority: the code-editor TextArea otherwise takes escape (it moves focus on, tab_behavior="indent").
        Binding("escape", "close", "Close", id="editor-close", priority=True),
    ]

    POLL_SECONDS = 1.0

    # A writable attribute over WorkbenchScreen's read-only property: the class attribute shadows the
    # property, so `self.dirty = ...` sets the instance's own flag.
    dirty: bool = False

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)
        self.stamp: FileStamp | None = None
        self.dirty = False
        self._external_warned = False

    @property
    def project_folder(self) -> Path:
        """The folder the workbench was opened on: the editor reads nothing outside it."""
        return self.workbench.folder

    @property
    def title_for_quit(self) -> str:
        return self.path.name

    def on_mount(self) -> None:
        interval = self.workbench.poll_interval
        if interval:
            self.set_interval(min(interval, self.POLL_SECONDS), self.check_external_change)

    # ---------------------------------------------------- hooks for subclasses

    def file_text_to_write(self, on_disk: str | None = None) -> str:
        """The full file text to save (subclasses splice their buffer into it)."""
        raise NotImplementedError

    def after_save(self, text: str) -> None:
        """Called with the saved text."""

    def reload_from_disk(self) -> None:
        """Discard the buffer and load the file again."""

    def base_text(self) -> str | None:
        """The file text the buffer was loaded from (the common ancestor of a merge), None when unknown."""
        return None

    # ---------------------------------------------------- saving

    def save_then(self, done: Any) -> None:
        """Save, then call `done` when the file was written (a subclass may ask first, and call it later)."""
        self.action_save()
        if not self.dirty:
            done()

    def action_save(self) -> None:
        if changed_since(self.path, self.stamp):
            self._ask_changed_on_disk()
            return
        self._write(self.file_text_to_write())

    def _write(self, text: str, expected: FileStamp | None = None, *, force: bool = False) -> bool:
        """Write `text` under the file's lock if the file is still as `expected` (default: as loaded).

        engine.atomic.write_if_unchanged checks and writes while holding the
        lock `accord review claim` and the other writers take, so a change that
        lands between our check and our write is seen (asked about), not lost.
        """
        try:
            self.stamp = write_if_unchanged(self.path, text, self.stamp if expected is None else expected, force=force)
        except ChangedOnDisk:
            self._ask_changed_on_disk()
            return False
        except OSError as exc:
            reason = exc.strerror or str(exc)
            self.notify(
                f"Could not save {self.path.name}: {reason}. Your edit is still here; fix the problem and press ctrl+s again.",
                title="Save failed",
                severity="error",
                timeout=10,
            )
            return False
        self.dirty = False
        self._external_warned = False
        self.after_save(text)
        self.notify(f"Saved {self.path.name}.", timeout=3)
        self.workbench.reload_workspace()
        return True

    def _ask_changed_on_disk(self) -> None:
        from tui.screens.dialogs import ChoiceDialog

        def chosen(choice: str | None) -> None:
            if choice == "reload":
                self.reload_from_disk()
                self.notify(f"Reloaded {self.path.name} from disk; your edit was discarded.", severity="warning")
            elif choice == "mine":
                self.keep_mine()
            elif choice == "diff":
                self.show_difference(then_ask=True)

        self.app.push_screen(
            ChoiceDialog(
                f"{self.path.name} was changed on disk after you opened it. Saving now would overwrite that change.",
                [
                    ("diff", "Show difference"),
                    ("reload", "Reload (discard mine)"),
                    ("mine", "Keep mine (merge)"),
                    ("cancel", "Cancel"),
                ],
            ),
            chosen,
        )

    def keep_mine(self) -> None:
        """Save only what this editor changed onto the file as it is on disk now (engine.merge, claim by claim).

        A claim (or the text outside the claims) changed both here and on disk
        is shown, and nothing is written: the buffer stays as it is.
        """
        from engine.merge import merge_ruleset
        from tui.screens.dialogs import TextDialog

        base = self.base_text()
        try:
            mine = self.file_text_to_write()
            theirs = read_project_text(self.path, self.project_folder)
        except (OSError, ValueError) as exc:
            self.notify(
                f"Not saved: {getattr(exc, 'strerror', None) or exc}. Your edit is still here.",
                title="Save failed",
                severity="error",
                timeout=10,
            )
            return
        if base is None or theirs is None:
            self.notify(
                f"Not saved: {self.path.name} cannot be merged (it was not readable when opened, or is gone now). Your edit is still here.",
                title="Save failed",
                severity="error",
                timeout=10,
            )
            return
        merged = merge_ruleset(base, mine, theirs, str(self.path))
        if merged.clean and merged.text is not None:
            # Written only if the file is still the one just merged with (compared by content).
            if self._write(merged.text, FileStamp.of_content(theirs)) and merged.taken_from_disk:
                self.notify(f"Merged: kept the change on disk to {', '.join(merged.taken_from_disk)}.", timeout=6)
            return
        if merged.clashes:
            body = Text(f"Changed both here and on disk since you opened {self.path.name}:\n\n", style="bold")
            for cid in merged.clashes:
                body.append(f"  {cid}\n", style="bold yellow")
            body.append(
                "\nNothing was written; your edit is still here. Reload to take the file as it is on disk, "
                "or copy your version of these claims and edit them again after reloading."
            )
        else:
            body = Text(f"{merged.problem}.\n\nNothing was written; your edit is still here.")
        self.app.push_screen(TextDialog(f"Not saved: {self.path.name} changed on disk", body))

    def show_difference(self, then_ask: bool = False) -> None:
        from tui.screens.dialogs import TextDialog

        try:
            disk = read_project_text(self.path, self.project_folder) or "(the file is gone)\n"
        except (OSError, ValueError) as exc:
            disk = f"(cannot read: {getattr(exc, 'strerror', None) or exc})\n"
        mine = self.file_text_to_write()
        diff = "".join(
            difflib.unified_diff(
                disk.splitlines(True), mine.splitlines(True), f"{self.path.name} (on disk)", f"{self.path.name} (yours)"
            )
        )
        body: Any = Syntax(diff or "No difference.\n", "diff", theme="ansi_dark", word_wrap=True)

        def closed(_: Any) -> None:
            if then_ask:
                self._ask_changed_on_disk()

        self.app.push_screen(TextDialog(f"Difference: on disk → yours ({self.path})", body), closed)

    # ---------------------------------------------------- external changes

    def check_external_change(self) -> None:
        if self.stamp is None or not changed_since(self.path, self.stamp):
            return
        if not self.dirty:
            self.reload_from_disk()
            self.notify(
                f"{self.path.name} changed on disk; reloaded (you had no unsaved edits).",
                severity="information",
                timeout=4,
            )
            return
        if not self._external_warned:
            self._external_warned = True
            self.notify(
                f"{self.path.name} changed on disk while you were editing. Saving will ask what to do.",
                title="Changed on disk",
                severity="warning",
                timeout=8,
            )

    # ---------------------------------------------------- closing

    def action_close(self) -> None:
        if not self.dirty:
            self.dismiss(None)
            return
        from tui.screens.dialogs import ChoiceDialog

        def chosen(choice: str | None) -> None:
            if choice == "save":
                self.save_then(lambda: self.dismiss(None))
            elif choice == "discard":
                self.dirty = False
                self.dismiss(None)

        self.app.push_screen(
            ChoiceDialog(
                f"{self.path.name} has unsaved changes.",
                [("save", "Save"), ("discard", "Discard"), ("cancel", "Keep editing")],
            ),
            chosen,
        )


def read_project_text(path: Path, root: Path | None) -> str | None:
    """The file's text through engine.loader (engine.safefile), None when it is gone.

    Only a regular file inside the project folder `root` is read (a FIFO or
    device is refused without blocking; a link out of the folder is refused
    and nothing of its target is shown): ValueError with the located message.
    """
    import os

    from engine.loader import LoadError, read_text

    if not os.path.lexists(path):
        return None
    try:
        return read_text(path, root=root)
    except LoadError as exc:
        raise ValueError(exc.diagnostic.format()) from None
