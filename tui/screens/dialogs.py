"""Small modal dialogs: confirm, choose, type a line of text, show text (diffs, explanations)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from tui.guard import Guarded
from tui.ids import widget_id


class ConfirmDialog(Guarded, ModalScreen[bool]):
    """Yes/no question; escape answers no."""

    BINDINGS = [Binding("escape", "answer(False)", "Cancel"), Binding("y", "answer(True)", "Yes", show=False)]
    quit_question = False  # True on "quit and lose the unsaved edits?": ctrl+q there answers yes

    def __init__(self, message: str, question: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.message, self.question, self.yes, self.no = message, question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.message, classes="dialog-message", markup=False)
            yield Static(self.question, classes="dialog-question", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content(self.yes), id="yes", variant="error")
                yield Button(Content(self.no), id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class ChoiceDialog(Guarded, ModalScreen[str | None]):
    """Several labelled choices (buttons); returns the chosen key or None on escape.

    Keys are data (claim ids hold `/`): each button's id comes from
    tui.ids.widget_id and maps back to its key; labels are plain text, never markup.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, message: str, choices: list[tuple[str, str]]) -> None:
        super().__init__()
        self.message = message
        self.choices = choices
        self.keys: dict[str, str] = {}  # button id -> choice key

    def compose(self) -> ComposeResult:
        taken: set[str] = set()
        with Vertical(classes="dialog"):
            yield Static(self.message, classes="dialog-message", markup=False)
            with Horizontal(classes="dialog-buttons"):
                for key, label in self.choices:
                    button_id = widget_id("choice", key, taken)
                    self.keys[button_id] = key
                    yield Button(Content(label), id=button_id)

    def on_mount(self) -> None:
        self.query(Button).first().focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(self.keys.get(event.button.id or ""))

    def action_cancel(self) -> None:
        self.dismiss(None)


class InputDialog(Guarded, ModalScreen[str | None]):
    """One line of text: enter returns it stripped ("" when left empty), escape returns None (cancel)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self, message: str, *, placeholder: str = "", value: str = "", hint: str = "enter saves · escape cancels"
    ) -> None:
        super().__init__()
        self.message, self.placeholder, self.value, self.hint = message, placeholder, value, hint

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.message, classes="dialog-message", markup=False)
            yield Input(self.value, placeholder=self.placeholder, id="dialog-input")
            yield Static(self.hint, classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextDialog(Guarded, ModalScreen[None]):
    """A scrollable read-only text (a diff, an explanation), closed with escape."""

    BINDINGS = [Binding("escape", "close", "Close"), Binding("q", "close", "Close", show=False)]

    def __init__(self, title: str, body: Any) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(Text(self.title_text, style="bold"), classes="dialog-title")
            with VerticalScroll(classes="dialog-scroll"):
                body = self.body if not isinstance(self.body, str) else Text(self.body)
                yield Static(body, markup=False, classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content("Close"), id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
