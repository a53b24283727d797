"""Disposition dialog: choose what the conflict is, add a note, save; it shows what was decided before."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.guard import Guarded

if TYPE_CHECKING:
    from engine.reportdata import DispositionEntry

EXPLAIN = {
    "all_wrong": "every source is wrong here",
    "not_a_conflict": "the sources do not really disagree (e.g. a modelling artefact)",
    "needs_expert": "a clinical expert must decide",
}


SHOWN = 8  # history lines shown; the rest are counted (accord review history shows them all)


def history_text(record: DispositionEntry | Any, indent: str = "", current: bool = True) -> Text:
    """A conflict's dispositions, latest first, one line each: date, reviewer, disposition, note.

    With `current` the first line is the disposition now (marked "now"), then the earlier ones;
    without, only the earlier ones. Empty when `record` is not a disposition entry.
    """
    from engine.reportdata import disposition_text
    from engine.review import disposition_history

    if not isinstance(record, dict) or "disposition" not in record:
        return Text()
    try:
        return _history_lines(disposition_history(cast("DispositionEntry", record)), indent, current, disposition_text)
    except (KeyError, TypeError):  # a hand-edited entry in an odd shape: show none rather than fail
        return Text()


def _history_lines(steps: list[Any], indent: str, current: bool, disposition_text: Any) -> Text:
    t = Text()
    if not current:
        steps = steps[1:]
    for i, step in enumerate(steps[:SHOWN]):
        label = "now    " if current and i == 0 else "earlier"
        t.append(f"{indent}{label}  ", style="dim")
        t.append(f"{step['date']}  {step['reviewer']}  ")
        t.append(disposition_text(step["disposition"]), style="bold" if label.startswith("now") else "")
        if step.get("note"):
            t.append(f" — {step['note']}", style="italic")
        t.append("\n")
    if len(steps) > SHOWN:
        t.append(f"{indent}… {len(steps) - SHOWN} more earlier (accord review history)\n", style="dim")
    return t


class DispositionScreen(Guarded, ModalScreen[tuple[str, str] | None]):
    """Pick a disposition (enter), write a note, enter again to save; escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, conflict_id: str, sources: list[str], record: DispositionEntry | None = None) -> None:
        super().__init__()
        self.conflict_id = conflict_id
        self.record = record  # the disposition recorded now (reviews.yaml), shown with its history
        self.choices = [f"source_correct: {s}" for s in sources] + list(EXPLAIN)
        self.chosen: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="disposition-dialog"):
            yield Static(Text.assemble(("Disposition of ", "bold"), (self.conflict_id, "bold cyan")))
            shown = history_text(self.record)
            if shown:  # what was decided before: a new disposition replaces it and keeps it in the history
                shown.rstrip()
                yield Static(shown, id="disposition-history", markup=False)
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
