"""A read-only source-text viewer with a cursor, keyboard and mouse selection, and styled spans.

Built from `Content` spans (never markup), so `[...]` in a source shows as
typed. Offsets are code points into the verbatim text, the same offsets the
engine's provenance selectors use.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.guard import Guarded, printable


@dataclass(frozen=True)
class Mark:
    """A styled range of the text: [start, end) with a Textual style string."""

    start: int
    end: int
    style: str


class SourceView(Guarded, ScrollView, can_focus=True):
    """Word-wrapped, read-only text with a cursor and a selection, both in code-point offsets."""

    ALLOW_SELECT = False  # our own selection, in text offsets

    BINDINGS = [
        Binding("left", "move(-1, False)", "Left", show=False),
        Binding("right", "move(1, False)", "Right", show=False),
        Binding("shift+left", "move(-1, True)", "Select left", show=False),
        Binding("shift+right", "move(1, True)", "Select right", show=False),
        Binding("up", "vertical(-1, False)", "Up", show=False),
        Binding("down", "vertical(1, False)", "Down", show=False),
        Binding("shift+up", "vertical(-1, True)", "Select up", show=False),
        Binding("shift+down", "vertical(1, True)", "Select down", show=False),
        Binding("ctrl+left", "word(-1, False)", "Word left", show=False),
        Binding("ctrl+right", "word(1, False)", "Word right", show=False),
        Binding("ctrl+shift+left", "word(-1, True)", "Select word left", show=False),
        Binding("ctrl+shift+right", "word(1, True)", "Select word right", show=False),
        Binding("home", "line_edge(-1, False)", "Line start", show=False),
        Binding("end", "line_edge(1, False)", "Line end", show=False),
        Binding("shift+home", "line_edge(-1, True)", "Select to line start", show=False),
        Binding("shift+end", "line_edge(1, True)", "Select to line end", show=False),
        Binding("pageup", "page(-1, False)", "Page up", show=False),
        Binding("pagedown", "page(1, False)", "Page down", show=False),
        Binding("shift+pageup", "page(-1, True)", "Select page up", show=False),
        Binding("shift+pagedown", "page(1, True)", "Select page down", show=False),
        Binding("escape", "clear_selection", "Clear selection", show=False),
    ]

    DEFAULT_CSS = """
    SourceView {
        background: $surface;
        scrollbar-gutter: stable;
    }
    """

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    class CursorMoved(Message):
        def __init__(self, view: SourceView, offset: int) -> None:
            super().__init__()
            self.view = view
            self.offset = offset

    class SelectionChanged(Message):
        def __init__(self, view: SourceView, selection: tuple[int, int] | None) -> None:
            super().__init__()
            self.view = view
            self.selection = selection

    def __init__(
        self, text: str = "", *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.text = text
        self.marks: list[Mark] = []
        self.selection_anchor: int | None = None
        self._rows: list[tuple[int, int]] = [(0, 0)]
        self._starts: list[int] = [0]
        self._wrap_width = 0
        self._goal_col: int | None = None
        self._dragging = False

    # ------------------------------------------------------------ content

    def set_text(self, text: str, marks: list[Mark] | None = None, cursor: int = 0) -> None:
        self.text = text
        self.marks = sorted(marks or [], key=lambda m: (m.start, m.end))
        self.selection_anchor = None
        self._wrap_width = 0
        self._rewrap()
        self.set_cursor(cursor, select=False, center=True)

    def set_marks(self, marks: list[Mark]) -> None:
        self.marks = sorted(marks, key=lambda m: (m.start, m.end))
        self.refresh()

    @property
    def selection(self) -> tuple[int, int] | None:
        if self.selection_anchor is None or self.selection_anchor == self.cursor:
            return None
        return (min(self.selection_anchor, self.cursor), max(self.selection_anchor, self.cursor))

    def select(self, start: int, end: int) -> None:
        """Select [start, end) and put the cursor at its end."""
        self.selection_anchor = max(0, min(start, len(self.text)))
        self.set_cursor(end, select=True)

    # ------------------------------------------------------------ layout

    def _text_width(self) -> int:
        return max(10, self.scrollable_content_region.width - 1)

    def _rewrap(self) -> None:
        width = self._text_width() if self.is_mounted else 80
        if width == self._wrap_width and self._rows and self._rows[-1][1] == len(self.text):
            return
        self._wrap_width = width
        rows: list[tuple[int, int]] = []
        text = self.text
        pos = 0
        n = len(text)
        while True:
            nl = text.find("\n", pos)
            line_end = n if nl == -1 else nl
            start = pos
            while line_end - start > width:
                cut = text.rfind(" ", start, start + width)
                cut = start + width if cut <= start else cut + 1
                rows.append((start, cut))
                start = cut
            rows.append((start, line_end))
            if nl == -1:
                break
            pos = nl + 1
        self._rows = rows
        self._starts = [r[0] for r in rows]
        self.virtual_size = Size(width, len(rows))
        self.refresh()

    def on_resize(self, _event: events.Resize) -> None:
        self._rewrap()
        self.scroll_to_cursor()

    def on_mount(self) -> None:
        self._rewrap()

    def row_of(self, offset: int) -> int:
        return max(0, bisect_right(self._starts, offset) - 1)

    def _row_is_line_end(self, row: int) -> bool:
        end = self._rows[row][1]
        return end >= len(self.text) or self.text[end] == "\n"

    def offset_at(self, x: int, y: int) -> int:
        """Text offset under a content coordinate (x, y in virtual space)."""
        row = max(0, min(y, len(self._rows) - 1))
        start, end = self._rows[row]
        last = end if self._row_is_line_end(row) else max(start, end - 1)
        return max(start, min(start + max(0, x), last))

    # ------------------------------------------------------------ cursor

    def set_cursor(self, offset: int, select: bool = False, center: bool = False) -> None:
        offset = max(0, min(offset, len(self.text)))
        old_selection = self.selection
        if select:
            if self.selection_anchor is None:
                self.selection_anchor = self.cursor
        else:
            self.selection_anchor = None
        self.cursor = offset
        self.scroll_to_cursor(center=center)
        self.refresh()
        if self.selection != old_selection:
            self.post_message(self.SelectionChanged(self, self.selection))

    def watch_cursor(self, offset: int) -> None:
        self.post_message(self.CursorMoved(self, offset))

    def scroll_to_cursor(self, center: bool = False) -> None:
        if not self.is_mounted:
            return
        row = self.row_of(self.cursor)
        height = self.scrollable_content_region.height
        top = self.scroll_offset.y
        if center and not (top <= row < top + height):
            self.scroll_to(y=max(0, row - height // 3), animate=False)
        elif row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False)

    def action_move(self, delta: int, select: bool) -> None:
        self._goal_col = None
        if not select and self.selection is not None:
            start, end = self.selection
            self.set_cursor(start if delta < 0 else end)
            return
        self.set_cursor(self.cursor + delta, select)

    def action_vertical(self, delta: int, select: bool) -> None:
        row = self.row_of(self.cursor)
        col = self._goal_col if self._goal_col is not None else self.cursor - self._rows[row][0]
        target = max(0, min(row + delta, len(self._rows) - 1))
        if target == row:
            offset = 0 if delta < 0 else len(self.text)
        else:
            offset = self.offset_at(col, target)
        self.set_cursor(offset, select)
        self._goal_col = col

    def action_page(self, delta: int, select: bool) -> None:
        self.action_vertical(delta * max(1, self.scrollable_content_region.height - 1), select)

    def action_word(self, delta: int, select: bool) -> None:
        self._goal_col = None
        text, pos = self.text, self.cursor
        if delta > 0:
            while pos < len(text) and not text[pos].isalnum():
                pos += 1
            while pos < len(text) and text[pos].isalnum():
                pos += 1
        else:
            while pos > 0 and not text[pos - 1].isalnum():
                pos -= 1
            while pos > 0 and text[pos - 1].isalnum():
                pos -= 1
        self.set_cursor(pos, select)

    def action_line_edge(self, delta: int, select: bool) -> None:
        self._goal_col = None
        if delta < 0:
            pos = self.text.rfind("\n", 0, self.cursor) + 1
        else:
            nl = self.text.find("\n", self.cursor)
            pos = len(self.text) if nl == -1 else nl
        self.set_cursor(pos, select)

    def action_clear_selection(self) -> None:
        if self.selection is not None:
            self.set_cursor(self.cursor, select=False)

    # ------------------------------------------------------------ mouse

    def _event_offset(self, event: events.MouseEvent) -> int:
        x, y = event.x + self.scroll_offset.x, event.y + self.scroll_offset.y
        return self.offset_at(x, y)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button != 1:
            return
        self.focus()
        offset = self._event_offset(event)
        self.set_cursor(offset, select=event.shift)
        if not event.shift:
            self.selection_anchor = offset
        self._dragging = True
        self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._dragging:
            self.set_cursor(self._event_offset(event), select=True)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._dragging:
            self._dragging = False
            self.release_mouse()
            if self.selection is None:
                self.selection_anchor = None

    # ------------------------------------------------------------ rendering

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.size.width
        base = self.rich_style
        if row >= len(self._rows):
            return Strip.blank(width, base)
        start, end = self._rows[row]
        raw = self.text[start:end]
        # One character for one: tabs and carriage returns as spaces, every other control as a visible
        # picture (␛, ␇, U+FFFD for C1 and bidi controls), so the marks' offsets still line up.
        shown = printable(raw.replace("\t", " ").replace("\r", " "), keep_newlines=False)
        content = Content(shown)
        for mark in self.marks:
            if mark.start >= end:
                if mark.start > end:
                    break
                continue
            if mark.end > start:
                content = content.stylize(mark.style, max(0, mark.start - start), min(end, mark.end) - start)
        selection = self.selection
        if selection is not None and selection[0] < end + 1 and selection[1] > start:
            content = content.stylize("reverse", max(0, selection[0] - start), min(end, selection[1]) - start)
        at_end = False
        if start <= self.cursor < end or (self.cursor == end and self._row_is_line_end(row)):
            cursor_style = "reverse bold" if self.has_focus else "underline"
            if self.cursor == end:
                content = content + Content(" ")
                at_end = True
            if selection is not None and selection[0] <= self.cursor < selection[1]:
                cursor_style = "underline bold"
            content = content.stylize(cursor_style, self.cursor - start, self.cursor - start + 1)
        segments = content.render_segments(self.visual_style)
        del at_end
        strip = Strip(segments).crop_extend(scroll_x, scroll_x + width, base)
        return strip.apply_offsets(scroll_x, row)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


__all__ = ["Mark", "SourceView", "Segment", "RichStyle"]
