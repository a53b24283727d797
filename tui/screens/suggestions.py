"""Suggestions pane: the draft claims `accord suggest` proposes for a source's unclaimed sentences.

Reached from the sources screen (`g`, or the palette). Each suggestion shows its quote, question, value,
`when`, confidence and reason. `a` (or enter) accepts it: it becomes a `draft` claim in the ruleset
(engine.suggestaccept) and opens in the claim editor. `e` opens the claim editor on it unsaved, to edit
before saving. `d` dismisses it: remembered in <rulesets>/.accord/dismissed.yaml (engine.dismissed), so it
is not proposed again. Nothing is added without a person accepting it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.guard import Guarded


def _line(s: Any) -> Text:
    label = Text()
    label.append(f"{s.confidence:.2f} ", style="dim")
    label.append(f"{s.question} ", style="bold")
    label.append(json.dumps(s.value, ensure_ascii=False)[:60])
    label.append("  " + " ".join(s.quote.split())[:70], style="italic")
    return label


def _detail(s: Any) -> Text:
    t = Text()
    t.append("quote     ", style="dim")
    t.append(s.quote + "\n")
    t.append("question  ", style="dim")
    t.append(s.question + "\n", style="bold")
    t.append("value     ", style="dim")
    t.append(json.dumps(s.value, ensure_ascii=False) + "\n")
    t.append("when      ", style="dim")
    t.append(json.dumps(s.when, ensure_ascii=False) + "\n")
    t.append("confidence", style="dim")
    t.append(f" {s.confidence:.2f}\n")
    t.append("why       ", style="dim")
    t.append(s.reason)
    return t


class SuggestionsScreen(Guarded, ModalScreen[None]):
    """The suggestions for one source; accept, edit or dismiss each."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("a", "accept", "Accept", id="suggestions-accept", tooltip="Add it as a draft claim and edit it"),
        Binding("e", "edit", "Edit", id="suggestions-edit", tooltip="Open it in the claim editor, unsaved"),
        Binding("d", "dismiss_one", "Dismiss", id="suggestions-dismiss", tooltip="Do not propose it again"),
    ]

    def __init__(self, path: Path, source_id: str, document_text: str, suggestions: list[Any]) -> None:
        super().__init__()
        self.path = path
        self.source_id = source_id
        self.document_text = document_text  # the ruleset as the suggestions were made from it
        self.suggestions = list(suggestions)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="suggestions"):
            yield Static("", id="suggestions-title", markup=False)
            yield OptionList(id="suggestions-list")
            with VerticalScroll(id="suggestions-detail-scroll"):
                yield Static("", id="suggestions-detail", markup=False)
            yield Static(
                Text(
                    "a accept (draft claim, opened in the editor)   e edit first   d dismiss   escape close",
                    style="dim",
                ),
                markup=False,
            )

    def on_mount(self) -> None:
        self._fill()
        self.query_one(OptionList).focus()

    def _fill(self, keep: int = 0) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        for s in self.suggestions:
            options.add_option(Option(_line(s)))
        n = len(self.suggestions)
        self.query_one("#suggestions-title", Static).update(
            Text(
                f"{n} suggestion{'s' if n != 1 else ''} for {self.source_id}'s unclaimed sentences"
                + ("" if n else ": nothing to propose"),
                style="bold",
            )
        )
        if n:
            options.highlighted = max(0, min(keep, n - 1))
        self._show_detail()

    def _current(self) -> Any:
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self.suggestions):
            return None
        return self.suggestions[index]

    def _show_detail(self) -> None:
        s = self._current()
        self.query_one("#suggestions-detail", Static).update(_detail(s) if s is not None else Text(""))

    def on_option_list_option_highlighted(self, _event: OptionList.OptionHighlighted) -> None:
        self._show_detail()

    def on_option_list_option_selected(self, _event: OptionList.OptionSelected) -> None:
        self.action_accept()

    def _taken(self) -> set[str]:
        ws = getattr(self.app, "workspace", None)
        return {c.id for r in ws.rulesets for c in r.claims} if ws is not None else set()

    def action_accept(self) -> None:
        from engine.atomic import ChangedOnDisk
        from engine.suggestaccept import AcceptError, accept
        from tui.screens.claim_editor import ClaimEditorScreen

        s = self._current()
        if s is None:
            return
        try:
            done = accept(self.path, self.document_text, s, self._taken())
        except ChangedOnDisk:
            self.notify(
                f"{self.path.name} changed on disk since the suggestions were made; nothing was written. Open them again.",
                severity="warning",
                timeout=8,
            )
            return
        except (AcceptError, OSError) as exc:
            self.notify(f"Could not add the claim: {exc}", severity="error", timeout=8)
            return
        self.dismiss(None)
        reload = getattr(self.app, "reload_workspace", None)
        if callable(reload):
            reload()
        self.app.push_screen(ClaimEditorScreen(self.path, done.index, None, done.claim_id))
        self.app.notify(f"Added draft claim {done.claim_id}; edit it and save, or delete it.", timeout=6)

    def action_edit(self) -> None:
        from engine.suggestaccept import claim_id_for, draft_snippet
        from tui.screens.claim_editor import ClaimEditorScreen

        s = self._current()
        if s is None:
            return
        claim_id = claim_id_for(s, self._taken())
        self.dismiss(None)
        self.app.push_screen(ClaimEditorScreen(self.path, None, draft_snippet(s, claim_id), claim_id))

    def action_dismiss_one(self) -> None:
        from engine.dismissed import DismissedError, dismiss, dismissed_path

        s = self._current()
        if s is None:
            return
        index = self.suggestions.index(s)
        try:
            dismiss(dismissed_path(self.path.parent), s)
        except (DismissedError, OSError) as exc:
            self.notify(f"Could not remember the dismissal: {exc}", severity="error", timeout=8)
            return
        del self.suggestions[index]
        self._fill(index)
        self.notify("Dismissed: it will not be proposed again.", timeout=4)

    def action_close(self) -> None:
        self.dismiss(None)
