"""Edit a patient's facts (what-if): a table of facts, an input for `name = value`."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.guard import Guarded


def parse_fact(line: str) -> tuple[str, Any]:
    """'egfr = 25' -> ('egfr', 25); 'pregnant=true'; 'sex = female'; 'egfr =' removes."""
    from engine.contract import vocabulary

    if "=" not in line:
        raise ValueError("write name = value (an empty value removes the fact)")
    name, raw = (p.strip() for p in line.split("=", 1))
    vocab = vocabulary()
    fact = vocab.facts.get(name)
    if fact is None:
        raise ValueError(f"unknown fact {name!r}{vocab.suggest(name)}")
    if raw == "":
        return name, None
    if fact.type == "number":
        try:
            return name, float(raw) if any(ch in raw for ch in ".eE") else int(raw)
        except ValueError:
            raise ValueError(f"{name} is a number ({fact.unit or 'no unit'})") from None
    if fact.type == "boolean":
        if raw.lower() in ("true", "yes", "y", "1"):
            return name, True
        if raw.lower() in ("false", "no", "n", "0"):
            return name, False
        raise ValueError(f"{name} is true or false")
    if raw not in fact.values:
        raise ValueError(f"{name} is one of {', '.join(fact.values)}")
    return name, raw


class FactsScreen(Guarded, ModalScreen[dict[str, Any] | None]):
    BINDINGS = [Binding("escape", "done", "Done"), Binding("ctrl+z", "cancel", "Discard", show=True)]

    def __init__(self, patient_id: str, facts: dict[str, Any]) -> None:
        super().__init__()
        self.patient_id = patient_id
        self.facts = facts
        self.original = dict(facts)
        self.shown: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="facts-dialog"):
            yield Static(
                Text(
                    f"Facts of {self.patient_id} — type name = value and enter (empty value removes); escape when done",
                    style="bold",
                )
            )
            yield Input(placeholder="egfr = 25", id="facts-input")
            yield Static("", id="facts-error", markup=False)
            yield OptionList(id="facts-list")

    def on_mount(self) -> None:
        self._fill()
        self.query_one(Input).focus()

    def _fill(self) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        self.shown = list(self.facts)  # the option index maps back to the fact: names are data, never ids
        for k in self.shown:
            options.add_option(Option(Text.assemble((k, "bold"), " = ", str(self.facts[k]))))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        key = self.shown[event.option_index] if 0 <= event.option_index < len(self.shown) else ""
        self.query_one(Input).value = f"{key} = {self.facts.get(key, '')}"
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        error = self.query_one("#facts-error", Static)
        try:
            name, value = parse_fact(event.value)
        except ValueError as exc:
            error.update(Text(str(exc), style="bold red"))
            return
        if value is None:
            self.facts.pop(name, None)
        else:
            self.facts[name] = value
        error.update(Text(f"{name} set." if value is not None else f"{name} removed.", style="green"))
        event.input.value = ""
        self._fill()

    def action_done(self) -> None:
        self.dismiss(self.facts)

    def action_cancel(self) -> None:
        self.dismiss(self.original)
