"""Condition builder: a band, an equality or a true/false fact, joined by and/or, without typing JSON-Logic.

A thin dialog over engine.conditionbuild: it collects the choices, the
engine builds (and checks) the rule, and the dialog returns it; the claim
editor writes it at `when:` (engine.conditionbuild.set_when).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Select, Static

from engine.conditionbuild import Band, BuildError, Condition, Equals, IsTrue, build_rule
from tui.guard import Guarded


class ConditionBuilderDialog(Guarded, ModalScreen[Any]):
    """Pick a fact; for a number give the band's ends (each included or not), else its value; add more; insert."""

    DEFAULT_CSS = """
    ConditionBuilderDialog { align: center middle; }
    ConditionBuilderDialog .dialog { width: 84; }
    ConditionBuilderDialog .cb-row { height: auto; }
    ConditionBuilderDialog .cb-row Input { width: 14; }
    ConditionBuilderDialog .cb-row Select { width: 1fr; }
    ConditionBuilderDialog .cb-label { width: auto; padding: 1 1 0 0; }
    ConditionBuilderDialog #cb-conditions { height: auto; margin-top: 1; }
    ConditionBuilderDialog #cb-error { height: auto; color: $error; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, vocab: Any) -> None:
        super().__init__()
        self.vocab = vocab
        self.conditions: list[Condition] = []
        self.facts = [f for f in vocab.facts.values() if f.type in ("number", "boolean") or f.values]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("Condition builder", style="bold"), classes="dialog-title")
            yield Select(
                [(f"{f.name} ({f.type}{', ' + f.unit if f.unit else ''})", f.name) for f in self.facts],
                prompt="fact…",
                id="cb-fact",
            )
            with Horizontal(classes="cb-row", id="cb-band"):
                yield Static("from", classes="cb-label")
                yield Input(placeholder="(no lower end)", id="cb-low")
                yield Checkbox("included", True, id="cb-low-closed")
                yield Static("to", classes="cb-label")
                yield Input(placeholder="(no upper end)", id="cb-high")
                yield Checkbox("included", False, id="cb-high-closed")
            with Horizontal(classes="cb-row", id="cb-value-row"):
                yield Static("is", classes="cb-label")
                yield Select([], prompt="value…", id="cb-value")
            with Horizontal(classes="cb-row"):
                yield Static("join with", classes="cb-label")
                yield Select(
                    [("and (all hold)", "and"), ("or (any holds)", "or")], value="and", allow_blank=False, id="cb-join"
                )
            yield Static("", id="cb-conditions", markup=False)
            yield Static("", id="cb-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add another", id="cb-add")
                yield Button("Insert at when:", id="cb-insert", variant="primary")
                yield Button("Cancel", id="cb-cancel")

    def on_mount(self) -> None:
        self.query_one("#cb-band").display = False
        self.query_one("#cb-value-row").display = False
        self.query_one("#cb-fact", Select).focus()
        self._show()

    # ------------------------------------------------------------ state

    def _fact(self) -> Any:
        name = self.query_one("#cb-fact", Select).value
        return self.vocab.facts.get(name) if isinstance(name, str) else None

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "cb-fact":
            self._show()
            return
        fact = self._fact()
        is_number = fact is not None and fact.type == "number"
        self.query_one("#cb-band").display = is_number
        self.query_one("#cb-value-row").display = fact is not None and not is_number
        values = self.query_one("#cb-value", Select)
        if fact is not None and not is_number:
            options = [(v, v) for v in fact.values] if fact.values else [("true", True), ("false", False)]
            values.set_options(options)
            values.value = options[0][1]
        self._show()

    def current(self) -> Condition | None:
        """The condition the fields describe now (None while no fact is chosen); BuildError on a bad number."""
        fact = self._fact()
        if fact is None:
            return None
        if fact.type == "number":
            low = self._number("#cb-low", "from")
            high = self._number("#cb-high", "to")
            return Band(
                fact.name,
                low,
                high,
                self.query_one("#cb-low-closed", Checkbox).value,
                self.query_one("#cb-high-closed", Checkbox).value,
            )
        value = self.query_one("#cb-value", Select).value
        if fact.type == "boolean":
            return IsTrue(fact.name, value is not False)
        return Equals(fact.name, value)

    def _number(self, selector: str, what: str) -> float | int | None:
        raw = self.query_one(selector, Input).value.strip()
        if not raw:
            return None
        try:
            number = float(raw)
        except ValueError:
            raise BuildError(f"'{what}' must be a number, not {raw!r}") from None
        return int(number) if number.is_integer() else number

    def rule(self) -> Any:
        """The JSON-Logic of the conditions added and the one in the fields (BuildError when it cannot be built)."""
        conditions = list(self.conditions)
        now = self.current()
        if now is not None:
            conditions.append(now)
        join: Literal["and", "or"] = "or" if self.query_one("#cb-join", Select).value == "or" else "and"
        return build_rule(conditions, join, self.vocab)

    def _show(self, error: str = "") -> None:
        try:
            preview = json.dumps(self.rule(), ensure_ascii=False) if self.conditions or self._fact() else ""
        except BuildError as exc:
            preview, error = "", error or str(exc)
        t = Text()
        if self.conditions:
            t.append(f"{len(self.conditions)} added; ", style="dim")
        if preview:
            t.append("when: ", style="bold")
            t.append(preview)
        self.query_one("#cb-conditions", Static).update(t)
        self.query_one("#cb-error", Static).update(error)

    def on_input_changed(self, _event: Input.Changed) -> None:
        self._show()

    def on_checkbox_changed(self, _event: Checkbox.Changed) -> None:
        self._show()

    # ------------------------------------------------------------ buttons

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cb-cancel":
            self.dismiss(None)
            return
        try:
            if event.button.id == "cb-add":
                now = self.current()
                if now is None:
                    raise BuildError("pick a fact first")
                build_rule([now], "and", self.vocab)  # checked before it is kept
                self.conditions.append(now)
                self.query_one("#cb-low", Input).value = ""
                self.query_one("#cb-high", Input).value = ""
                self.query_one("#cb-fact", Select).clear()
                self._show()
                return
            self.dismiss(self.rule())
        except BuildError as exc:
            self._show(str(exc))

    def action_cancel(self) -> None:
        self.dismiss(None)
