"""The YAML editing widget: a code-editor TextArea with tree-sitter highlighting and gutter markers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Offset
from textual.strip import Strip
from textual.widgets import TextArea

if TYPE_CHECKING:
    from engine.diagnostics import Diagnostic

MARKER = "●"
MARKER_STYLE = {
    "error": Style(color="#ff5f5f", bold=True),
    "warning": Style(color="#e5c07b", bold=True),
}


class MarkedTextArea(TextArea):
    """A TextArea whose gutter marks the lines that have findings: `12● ` in red (error) or yellow (warning).

    TextArea has no public API for extra decorations, so each rendered line is
    taken as TextArea draws it and only its gutter cells are redrawn (the
    text, the syntax highlighting and the line cache are untouched). Only the
    first row of a soft-wrapped line is marked.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # TextArea's own parameters, passed through unchanged (code_editor calls cls(...) with them).
        super().__init__(*args, **kwargs)
        self._markers: dict[int, str] = {}

    @property
    def markers(self) -> dict[int, str]:
        """0-based line -> 'error' or 'warning'."""
        return dict(self._markers)

    def set_markers(self, markers: dict[int, str]) -> None:
        if markers != self._markers:
            self._markers = dict(markers)
            self.refresh()

    def marker_at_row(self, y: int) -> tuple[int, str] | None:
        """(line, severity) when the visible row `y` is the first row of a marked line."""
        if not self._markers or not self.show_line_numbers:
            return None
        y_offset = y + self.scroll_offset.y
        wrapped = self.wrapped_document
        if y_offset >= wrapped.height:
            return None
        row, _col = wrapped.offset_to_location(Offset(0, y_offset))
        severity = self._markers.get(row)
        if severity is None or wrapped.location_to_offset((row, 0)).y != y_offset:
            return None
        return row, severity

    def jump_to(self, row: int, col: int) -> None:
        """Put the cursor at (row, col), its line centred, scrolled sideways only if the column is off screen.

        TextArea's move_cursor(center=True) centres both ways: without soft
        wrap, a column past the middle scrolled every line's start out of
        view. Here the view stays at the left edge when the column fits, and
        otherwise scrolls just far enough to show it with some text before it.
        """
        self.move_cursor((row, col))
        x, y = self.wrapped_document.location_to_offset(self.cursor_location)
        region = self.scrollable_content_region
        width = max(1, region.width - self.gutter_width)
        left = 0 if x < width - 2 else x - width // 2
        self.scroll_to(x=left, y=max(0, y - region.height // 2), animate=False, force=True)

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        found = self.marker_at_row(y)
        if found is None:
            return strip
        width = self.gutter_width
        gutter = strip.crop(0, width)
        segments = list(gutter)
        if not segments or width < 3:
            return strip
        style = (segments[0].style or Style()) + MARKER_STYLE.get(found[1], MARKER_STYLE["error"])
        text = gutter.text
        marked = text[: width - 2] + MARKER + " "
        return Strip.join([Strip([Segment(marked, style)], width), strip.crop(width)])


def yaml_editor(widget_id: str, soft_wrap: bool = True, blink: bool = True) -> MarkedTextArea:
    """A TextArea for YAML (tree-sitter-yaml); cursor blink off in tests for stable snapshots."""
    area = MarkedTextArea.code_editor("", language="yaml", id=widget_id, soft_wrap=soft_wrap, theme="vscode_dark")
    area.cursor_blink = blink
    # Textual types the classmethod as returning TextArea, but it builds `cls(...)`: a MarkedTextArea here.
    return cast(MarkedTextArea, area)


def markers_for(diagnostics: Sequence[Diagnostic]) -> dict[int, str]:
    """0-based line -> the worst severity of the findings on it (an error outranks a warning)."""
    out: dict[int, str] = {}
    for d in diagnostics:
        line = max(0, d.line - 1)
        severity = "error" if d.severity == "error" else "warning"
        if out.get(line) != "error":
            out[line] = severity
    return out
