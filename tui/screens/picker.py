"""Vocabulary picker: facts, questions and allowed answers, filtered as you type."""

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

Item = tuple[str, Any, str]  # (kind, value, description)


def vocabulary_items(question: str | None, focus: str = "") -> list[Item]:
    """Everything an author may need to type: answers of the claim's question first."""
    from engine.contract import vocabulary
    from engine.meaning.lineage import fact_relations

    vocab = vocabulary()
    answers: list[Item] = []
    if question and question in vocab.questions:
        for value in vocab.allowed_values(question):
            answers.append(("answer", value, f"an answer to {question}"))
    questions = [
        ("question", q.name, f"{q.kind}, {q.severity}: " + " ".join(q.description.split()))
        for q in vocab.questions.values()
    ]
    facts: list[Item] = []
    for f in vocab.facts.values():
        detail = f.type + (f" ({f.unit})" if f.unit else "") + (f" [{', '.join(f.values)}]" if f.values else "")
        related = "; ".join(fact_relations(f.name, vocab).lines())  # derived from ..., implied by ...
        facts.append(("fact", f.name, f"{detail}: {f.description}" + (f" [{related}]" if related else "")))
        for v in f.values:
            facts.append(("fact value", v, f"a value of {f.name}"))
    if focus == "question":
        return questions + answers + facts
    if focus == "value":
        return answers + questions + facts
    return answers + facts + questions


class PickerScreen(Guarded, ModalScreen[tuple[str, Any] | None]):
    """Modal with an input that filters an OptionList; enter inserts, escape cancels."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move(1)", "Down", show=False),
        Binding("up", "move(-1)", "Up", show=False),
    ]

    def __init__(self, items: list[Item], title: str = "Pick") -> None:
        super().__init__()
        self.items = items
        self.title_text = title
        self.shown: list[Item] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="picker"):
            yield Static(Text(self.title_text + " — type to filter, enter to insert", style="bold"))
            yield Input(placeholder="filter…", id="picker-filter")
            yield OptionList(id="picker-options")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one(Input).focus()

    def _fill(self, query: str) -> None:
        words = query.lower().split()
        options = self.query_one(OptionList)
        options.clear_options()
        self.shown = []
        for item in self.items:
            kind, value, desc = item
            hay = f"{kind} {value} {desc}".lower()
            if all(w in hay for w in words):
                self.shown.append(item)
                label = Text()
                label.append(f"{kind:<10} ", style="dim")
                label.append(str(value), style="bold")
                label.append("  " + desc[:120], style="italic")
                options.add_option(Option(label))
                if len(self.shown) >= 300:
                    break
        if self.shown:
            options.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None and self.shown:
            kind, value, _ = self.shown[options.highlighted]
            self.dismiss((kind, value))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        kind, value, _ = self.shown[event.option_index]
        self.dismiss((kind, value))

    def action_move(self, delta: int) -> None:
        options = self.query_one(OptionList)
        if not self.shown:
            return
        current = options.highlighted or 0
        options.highlighted = max(0, min(len(self.shown) - 1, current + delta))

    def action_cancel(self) -> None:
        self.dismiss(None)
