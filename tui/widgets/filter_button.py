"""A one-line drop-down whose options are built only when it is opened.

Textual's Select composes four widgets and an OptionList per instance and
needs its options up front; a screen with five of them (the conflicts
filters) spends a third of its opening time building menus nobody has opened
yet. A FilterButton is one line of text ("severity: all ▾"); enter, space,
down or a click opens a small menu (FilterMenu) filled by a callback at that
moment, and choosing posts FilterButton.Changed. Typing in an open menu
narrows it to the matching options.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.guard import Guarded

Options = list[tuple[str, str]]  # (label, value)


class FilterMenu(Guarded, ModalScreen[str | None]):
    """The opened menu: an OptionList of (label, value), the current value highlighted.

    Typing narrows the list to the options whose label contains the typed text
    (case-insensitive; `match_prefix`, e.g. "question: ", is ignored when
    matching), backspace widens it again, enter picks the highlighted option
    and escape closes the menu without choosing.
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    FilterMenu {
        align: center middle;
    }
    FilterMenu > Vertical {
        width: 64;
        height: auto;
        max-height: 80%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    FilterMenu #filter-menu-title {
        text-style: bold;
    }
    FilterMenu #filter-menu-query {
        color: $text-muted;
    }
    FilterMenu OptionList, FilterMenu OptionList:focus {
        height: auto;
        max-height: 24;
        border: none;
        padding: 0;
    }
    """

    def __init__(self, title: str, options: Options, value: str, *, match_prefix: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.options = options
        self.value = value
        self.match_prefix = match_prefix
        self.query_text = ""
        self.shown: Options = list(options)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(self.title_text), id="filter-menu-title")
            yield Static(self._query_line(), id="filter-menu-query")
            yield OptionList(*self._option_items(self.shown), id="filter-menu-options")

    @staticmethod
    def _option_items(options: Options) -> list[Option]:
        # No option ids: values are data (a source may be called "__all__" or repeat); the index maps back.
        return [Option(Content(label)) for label, _value in options]

    def _matches(self, label: str) -> bool:
        text = label[len(self.match_prefix) :] if self.match_prefix and label.startswith(self.match_prefix) else label
        return self.query_text.casefold() in text.casefold()

    def _query_line(self) -> Content:
        if not self.query_text:
            return Content("type to narrow the list")
        return Content(f"matching “{self.query_text}”: {len(self.shown)} of {len(self.options)}")

    @property
    def highlighted_value(self) -> str | None:
        """The value of the highlighted option (options carry no ids; the index maps back)."""
        index = self.query_one(OptionList).highlighted
        return self.shown[index][1] if index is not None and 0 <= index < len(self.shown) else None

    def on_mount(self) -> None:
        self._highlight(self.value)
        self.query_one(OptionList).focus()

    def _highlight(self, prefer: str | None) -> None:
        options = self.query_one(OptionList)
        if not self.shown:
            options.highlighted = None
            return
        options.highlighted = next((i for i, (_l, v) in enumerate(self.shown) if v == prefer), 0)

    def narrow(self, text: str) -> None:
        """Show only the options matching `text` (all of them for "")."""
        options = self.query_one(OptionList)
        current = self.highlighted_value or self.value
        self.query_text = text
        self.shown = [(label, value) for label, value in self.options if self._matches(label)]
        options.set_options(self._option_items(self.shown))
        self._highlight(current)
        self.query_one("#filter-menu-query", Static).update(self._query_line())

    def on_key(self, event: events.Key) -> None:
        if event.key == "backspace":
            event.stop()
            event.prevent_default()
            if self.query_text:
                self.narrow(self.query_text[:-1])
        elif event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            self.narrow(self.query_text + event.character)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = event.option_index
        self.dismiss(self.shown[index][1] if 0 <= index < len(self.shown) else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class FilterButton(Guarded, Widget, can_focus=True):
    """`label: value ▾` on one line (`all` for the default value); its options come from `options()` when opened."""

    DEFAULT_CSS = """
    FilterButton {
        width: auto;
        height: 1;
        padding: 0 1;
        margin-right: 1;
        background: $boost;
    }
    FilterButton:hover {
        background: $primary-muted;
    }
    FilterButton:focus {
        background: $primary;
        color: $text;
        text-style: bold;
    }
    FilterButton.-active {
        text-style: bold;
        color: $warning;
    }
    FilterButton.-active:focus {
        color: $text;
    }
    """
    BINDINGS = [
        Binding("enter,space,down", "open", "Choose", show=False),
    ]

    value: reactive[str] = reactive("", layout=True)

    class Changed(Message):
        """The user chose another value."""

        def __init__(self, button: FilterButton, value: str) -> None:
            super().__init__()
            self.button = button
            self.value = value

        @property
        def control(self) -> FilterButton:
            return self.button

    def __init__(
        self,
        label: str,
        options: Callable[[], Options],
        value: str,
        *,
        default: str = "",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.label = label
        self.options = options
        self.default = default
        self.set_reactive(FilterButton.value, value)

    def render(self) -> Content:
        shown = "all" if self.value == self.default else self.value
        return Content(f"{self.label}: {shown} ▾")

    def watch_value(self, value: str) -> None:
        self.set_class(value != self.default, "-active")

    def action_open(self) -> None:
        options = self.options()

        def chosen(value: str | None) -> None:
            self.focus()
            if value is not None and value != self.value:
                self.value = value
                self.post_message(self.Changed(self, value))

        self.app.push_screen(
            FilterMenu(f"Filter by {self.label}", options, self.value, match_prefix=f"{self.label}: "), chosen
        )

    def on_click(self) -> None:
        self.focus()
        self.action_open()
