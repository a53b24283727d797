"""Disposition dialog: choose what the conflict is, add a note, save."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.guard import Guarded

EXPLAIN = {
    "all_wrong": "every source is wrong here",
    "not_a_conflict": "the sources do not really disagree (e.g. a modelling artefact)",
    "needs_expert": "a clinical expert must decide",
}


class DispositionScreen(Guarded, ModalScreen[tuple[str, str] | None]):
    """Pick a disposition (enter), write a note, enter again to save; escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, conflict_id: str, sources: list[str]) -> None:
        super().__init__()
        self.conflict_id = conflict_id
        self.choices = [f"source_correct: {s}" for s in sources] + list(EXPLAIN)
        self.chosen: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="disposition-dialog"):
            yield Static(Text.assemble(("Disposition of ", "bold"), (self.conflict_id, "bold cyan")))
            yield Static(
                "1. choose (enter)   2. note (optional)   3. enter saves", classes="dialog-message", markup=False
            )
            options = []
            for choice in self.choices:
                label = Text(choice, style="bold")
                if choice in EXPLAIN:
                    label.append(f" — {EXPLAIN[choice]}", style="italic dim")
                else:
                    label.append(" — this source is right", style="italic dim")
                options.append(
                    Option(label)
                )  # no id: sources are data (duplicates, odd characters); the index maps back
            yield OptionList(*options, id="disposition-options")
            yield Input(placeholder="note: why (optional); enter saves", id="disposition-note")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.chosen = self.choices[event.option_index]
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        options = self.query_one(OptionList)
        if self.chosen is None and options.highlighted is not None:
            self.chosen = self.choices[options.highlighted]
        if self.chosen is None:
            self.notify("Choose a disposition first.", severity="warning")
            options.focus()
            return
        self.dismiss((self.chosen, event.value.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)
