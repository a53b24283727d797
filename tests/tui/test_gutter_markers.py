"""Claim and file editors: each validation finding is marked in the TextArea gutter at its line."""

from __future__ import annotations

from pathlib import Path

from tests.tui.conftest import make_app, run_async, settle
from tests.tui.test_flows import open_usual_dose_claim


def gutter(area, row: int) -> str:
    """The gutter cells of document line `row` as drawn on screen (row 0 at the top, no scrolling)."""
    return area.render_line(row - area.scroll_offset.y).text[: area.gutter_width]


@run_async
async def test_claim_editor_marks_the_line_of_each_error_in_the_gutter(workdir: Path) -> None:
    from textual.widgets import OptionList

    from tui.widgets.yaml_editor import MARKER

    app = make_app(workdir / "rulesets")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        editor, area = await open_usual_dose_claim(pilot, workdir / "rulesets")
        assert editor.check.ok and area.markers == {}
        assert MARKER not in "".join(gutter(area, r) for r in range(area.document.line_count))
        lines = area.text.split("\n")
        q = lines.index("question: dose")
        area.move_cursor((q, len("question: dose")))
        await pilot.press("backspace")  # question: dos -> E210 at line q+1
        s = next(i for i, line in enumerate(lines) if line.startswith("status:"))
        area.replace("status: finished", (s, 0), (s, len(lines[s])))  # not a status -> a schema error on that line
        await settle(pilot)
        error_lines = sorted({d.line - 1 for d in editor.check.diagnostics})
        assert q in error_lines and s in error_lines
        assert area.markers == {line: "error" for line in error_lines}
        assert gutter(area, q).rstrip().endswith(MARKER) and gutter(area, s).rstrip().endswith(MARKER)
        assert MARKER not in gutter(area, 0)  # the id line is fine
        # the marker is drawn in the error colour, over the line number
        strip = area.render_line(q - area.scroll_offset.y)
        first = list(strip)[0]
        assert first.text.strip() == f"{q + 1}{MARKER}" and first.style.color.name == "#ff5f5f"
        # moving onto a marked line highlights its finding in the list
        area.move_cursor((s, 0))
        await pilot.pause()
        problems = editor.query_one("#claim-problems", OptionList)
        assert editor.check.diagnostics[problems.highlighted].line == s + 1
        # fixed -> the markers go
        area.replace("status: approved", (s, 0), (s, len("status: finished")))
        area.move_cursor((q, len("question: dos")))
        await pilot.press("e")
        await settle(pilot)
        assert editor.check.ok and area.markers == {}
        assert MARKER not in "".join(gutter(area, r) for r in range(area.document.line_count))


@run_async
async def test_file_editor_marks_errors_too(workdir: Path) -> None:
    from tui.screens.file_editor import FileEditorScreen
    from tui.widgets.yaml_editor import MARKER

    path = workdir / "rulesets" / "dr-oracle.yaml"
    app = make_app(workdir / "rulesets")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        editor = FileEditorScreen(path, line=1)
        app.push_screen(editor)
        await settle(pilot)
        area = editor.query_one("#file-text")
        assert area.markers == {}
        area.insert("accord: 2\n", (0, 0))  # a second `accord` key: duplicate key error at line 1 or 2
        await settle(pilot)
        assert editor.diagnostics and set(area.markers.values()) == {"error"}
        line = min(area.markers)
        assert gutter(area, line).rstrip().endswith(MARKER)
