"""The Accord workbench: one App, a mode per top-level screen, every action in the palette.

Modes (like Posting's and Harlequin's layouts): rulesets (home), sources,
patients, conflicts. The claim editor and dialogs are pushed on top. Heavy
work (validation, evaluation, analysis) runs in worker threads through the
engine so the first paint is immediate.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import var
from textual.screen import Screen

from tui.base import WorkbenchScreen, WorkspaceChanged
from tui.guard import ControlFilter, DaemonExecutor, Guarded, guarded, printable, report_exception
from tui.workspace import Workspace

STYLES = Path(__file__).parent / "styles"


def folder_stamp(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """(name, mtime, size) of every data file the workbench shows: cheap change detection."""
    from tui.workspace import conflicts_folder

    out = []
    for where in (folder, folder / "patients", folder / "sources", conflicts_folder(folder)):
        try:
            entries = list(os.scandir(where))
        except OSError:
            continue
        for e in entries:
            if e.is_file() and not e.name.startswith("."):
                st = e.stat()
                out.append((e.path, st.st_mtime_ns, st.st_size))
    return tuple(sorted(out))


def settle_heap() -> None:
    """Move what is alive now (the workspace just loaded: reports, rulesets) out of the collector's way.

    A big workspace (a 1,000-conflict report is ~100k objects) made every full
    garbage collection walk it again while a screen was being built: 50-70 ms
    pauses in the middle of opening the conflicts screen. Collect once here,
    off the paint path, then freeze the survivors (gc.freeze); the previous
    workspace is unfrozen first so that it can still be freed.
    """
    import gc

    gc.unfreeze()
    gc.collect()
    gc.freeze()


class AccordApp(Guarded, App[int]):
    """Rules-as-data workbench.

    Never dies on bad data (tui.guard): actions, handlers, dialog callbacks,
    palette commands and workers report unexpected exceptions as
    notifications; control characters are stripped before the terminal.
    """

    TITLE = "Accord"
    CSS_PATH = [STYLES / "app.tcss"]
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("1", "goto('rulesets')", "Rulesets", id="goto-rulesets"),
        Binding("2", "goto('sources')", "Sources", id="goto-sources"),
        Binding("3", "goto('patients')", "Patients", id="goto-patients"),
        Binding("4", "goto('conflicts')", "Conflicts", id="goto-conflicts"),
        Binding("ctrl+r", "reload", "Reload", id="reload", show=False),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
    ]

    workspace: var[Workspace | None] = var(None, init=False)

    def __init__(
        self,
        folder: str | os.PathLike[str] = "rulesets",
        *,
        reviewer: str | None = None,
        poll_interval: float | None = 2.0,
    ) -> None:
        super().__init__()
        self.folder = Path(folder)
        from engine.identity import reviewer_identity

        who = reviewer_identity(reviewer, cwd=str(self.folder) if self.folder.is_dir() else None)
        self.reviewer = who.name if who is not None else ""  # never a silent default: asked before a review
        self.reviewer_origin = who.origin if who is not None else ""
        self.poll_interval = poll_interval
        self.loading_workspace = False
        self._folder_stamp: tuple[tuple[str, int, int], ...] | None = None
        self.sub_title = self._sub_title()
        self.unexpected_errors: list[
            tuple[str, BaseException]
        ] = []  # what tui.guard caught (the tests assert it stays empty)
        self._control_filter = ControlFilter()

    # ------------------------------------------------------------ never dies

    def _sub_title(self) -> str:
        """The folder, and who records reviews (or that nobody is set yet)."""
        folder = printable(self.folder.resolve().name, keep_newlines=False)
        who = f"reviewer: {printable(self.reviewer, keep_newlines=False)}" if self.reviewer else "no reviewer set"
        return f"{folder} · {who}"

    def with_reviewer(self, then: Callable[[str], None]) -> None:
        """Run `then(name)` with the reviewer's name, asking for it first when none is configured."""
        if self.reviewer:
            then(self.reviewer)
            return
        from tui.screens.dialogs import InputDialog

        def answered(name: str | None) -> None:
            if not name:
                self.notify("Nothing recorded: a review needs a reviewer's name.", severity="warning")
                return
            from engine.review import ReviewError, check_reviewer

            try:
                check_reviewer(name)
            except ReviewError as exc:
                self.notify(f"Nothing recorded: {exc}", severity="error")
                return
            self.reviewer, self.reviewer_origin = name, "asked"
            self.sub_title = self._sub_title()
            then(name)

        self.push_screen(
            InputDialog(
                "Who is reviewing? The name is recorded on every review step and disposition "
                "(set ACCORD_REVIEWER or git config user.name, or start with --reviewer, to skip this).",
                placeholder="your name",
            ),
            answered,
        )

    def get_line_filters(self) -> list[Any]:
        """Textual's filters, then ours: no control character of any content reaches the terminal raw."""
        return [*super().get_line_filters(), self._control_filter]

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: Any = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Notifications carry file names, ids and exception texts: never markup, never a control character."""
        super().notify(
            printable(str(message)),
            title=printable(str(title), keep_newlines=False),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    async def run_action(self, action: Any, default_namespace: Any = None, namespaces: Any = None) -> bool:
        """Every key binding and action runs here: an exception becomes a notification, not an exit."""
        try:
            return await super().run_action(action, default_namespace, namespaces)
        except Exception as error:
            report_exception(self, error, f"action {action if isinstance(action, str) else action[1]}")
            return True

    def push_screen(
        self, screen: Any, callback: Any = None, wait_for_dismiss: bool = False, *, mode: str | None = None
    ) -> Any:
        """Dialog results are handled by our callbacks: guarded like actions."""
        if callback is not None and not getattr(callback, "__accord_guarded__", False):
            callback = guarded(callback, f"after {type(screen).__name__}", owner=self)
        # Textual's overloads split on wait_for_dismiss as Literal[True] / Literal[False]; this forwards either.
        return super().push_screen(screen, callback, wait_for_dismiss, mode=mode)  # type: ignore[call-overload]

    # ------------------------------------------------------------ modes

    def _make_modes(self) -> None:
        from tui.screens.conflicts import ConflictsScreen
        from tui.screens.patients import PatientsScreen
        from tui.screens.rulesets import RulesetsScreen
        from tui.screens.sources import SourcesScreen

        self.add_mode("rulesets", RulesetsScreen)
        self.add_mode("sources", SourcesScreen)
        self.add_mode("patients", PatientsScreen)
        self.add_mode("conflicts", ConflictsScreen)

    def on_mount(self) -> None:
        import asyncio

        # Thread workers on daemon threads: one stuck in a read never keeps ctrl+q from quitting.
        asyncio.get_running_loop().set_default_executor(DaemonExecutor())
        self._make_modes()
        self.switch_mode("rulesets")
        # Paint first, then validate: the worker thread would otherwise compete with the first frame.
        self.call_after_refresh(self.reload_workspace)
        if self.poll_interval:
            self.set_interval(self.poll_interval, self.poll_folder)

    def poll_folder(self) -> None:
        """Reload when a file of the folder changed on disk (others edit rulesets while we work)."""
        if self.loading_workspace:
            return
        stamp = folder_stamp(self.folder)
        if self._folder_stamp is None:
            self._folder_stamp = stamp
        elif stamp != self._folder_stamp:
            self._folder_stamp = stamp
            self.reload_workspace()

    def action_goto(self, mode: str) -> None:
        if self.current_mode != mode:
            self.switch_mode(mode)

    def open_source(self, source_id: str, offset: int | None = None) -> None:
        """Show a ruleset's source text (from any screen)."""
        from tui.screens.sources import SourcesScreen

        self.switch_mode("sources")
        screen = self.screen
        if isinstance(screen, SourcesScreen):
            screen.show_source(source_id, offset)

    # ------------------------------------------------------------ data

    def action_reload(self) -> None:
        self.reload_workspace()
        self.notify("Reloading and validating the folder…", timeout=2)

    @work(exclusive=True, thread=True, exit_on_error=False, group="workspace")
    def reload_workspace(self) -> None:
        from tui.workspace import load_workspace

        self.loading_workspace = True
        self._folder_stamp = folder_stamp(self.folder)
        try:
            ws = load_workspace(self.folder)
        except Exception as exc:  # shown, never fatal
            self.call_from_thread(self.notify, f"Could not load {self.folder}: {exc}", severity="error")
            return
        finally:
            self.loading_workspace = False
        settle_heap()
        self.call_from_thread(setattr, self, "workspace", ws)

    def watch_workspace(self, workspace: Workspace | None) -> None:
        """Every screen of every mode hears of the new snapshot (WorkspaceChanged, handled by WorkbenchScreen)."""
        for screen in self._all_screens():
            if isinstance(screen, WorkbenchScreen):
                screen.post_message(WorkspaceChanged(workspace))

    def _all_screens(self) -> Iterable[Screen[Any]]:
        seen: set[int] = set()
        for stack in self._screen_stacks.values():
            for screen in stack:
                if id(screen) not in seen:
                    seen.add(id(screen))
                    yield screen

    # ------------------------------------------------------------ palette

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The palette's commands, each guarded like a key binding."""
        for command in self._system_commands(screen):
            yield command._replace(
                title=printable(command.title, keep_newlines=False),
                callback=guarded(command.callback, f"command {command.title!r}", owner=self),
            )

    def _system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield SystemCommand(
            "Go to rulesets",
            "The rulesets in the folder with their validation state (1)",
            lambda: self.action_goto("rulesets"),
        )
        yield SystemCommand(
            "Go to sources", "Source texts with claim highlights and coverage (2)", lambda: self.action_goto("sources")
        )
        yield SystemCommand(
            "Go to patients", "Test patients by source for a question (3)", lambda: self.action_goto("patients")
        )
        yield SystemCommand(
            "Go to conflicts", "Conflicts between sources, with dispositions (4)", lambda: self.action_goto("conflicts")
        )
        yield SystemCommand("Reload folder", "Re-read and re-validate every file (ctrl+r)", self.action_reload)
        if self.workspace is not None:
            for entry in self.workspace.entries:
                yield SystemCommand(
                    f"Open source: {entry.source_id}",
                    entry.title or str(entry.path),
                    lambda s=entry.source_id: self.open_source(s),
                )
        if isinstance(screen, WorkbenchScreen):
            yield from screen.palette_commands()
        for command in super().get_system_commands(screen):
            if command.title not in ("Quit the application",):
                yield command
        yield SystemCommand(
            "Quit", "Leave the workbench; asks first when an edit is unsaved (ctrl+q)", self.action_quit
        )

    # ------------------------------------------------------------ quitting

    def unsaved_screens(self) -> list[WorkbenchScreen]:
        return [s for s in self._all_screens() if isinstance(s, WorkbenchScreen) and s.dirty]

    async def action_quit(self) -> None:
        from tui.screens.dialogs import ConfirmDialog

        unsaved = self.unsaved_screens()
        if not unsaved or (isinstance(self.screen, ConfirmDialog) and self.screen.quit_question):
            self.exit(0)  # ctrl+q on the "quit and lose them?" question: yes
            return

        names = ", ".join(s.title_for_quit for s in unsaved)

        def decided(really: bool | None) -> None:
            if really:
                self.exit(0)

        dialog = ConfirmDialog(
            f"Unsaved changes in {names}.",
            "Quit and lose them? (ctrl+q again quits)",
            yes="Quit without saving",
            no="Keep editing",
        )
        dialog.quit_question = True
        self.push_screen(dialog, decided)
