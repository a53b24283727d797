"""Conflicts screen: lazy filter menus, a big report filled in, readable ids."""
from __future__ import annotations

from pathlib import Path

from tests.tui.conftest import make_app, run_async, settle


@run_async
async def test_filters_build_their_menu_when_opened_and_filter_rows(workdir: Path) -> None:
    from textual.widgets import DataTable, OptionList, Select

    from tui.widgets.filter_button import FilterButton, FilterMenu

    app = make_app(workdir / "rulesets")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        screen = app.screen
        table = screen.query_one(DataTable)
        assert table.row_count == 6
        assert not screen.query(Select) and not screen.query(OptionList)  # no menu exists until one is opened
        await pilot.press("slash")
        assert isinstance(app.focused, FilterButton) and app.focused.id == "filter-severity"
        await pilot.press("tab")
        kind = screen.query_one("#filter-kind", FilterButton)
        assert kind.has_focus
        await pilot.press("enter")
        await pilot.pause()
        menu = app.screen
        assert isinstance(menu, FilterMenu)
        labels = [str(o.prompt) for o in menu.query_one(OptionList).options]
        assert labels == ["kind: all", "kind: between_sources", "kind: within_source"]
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert app.screen is screen and kind.has_focus
        assert screen.filters["kind"] == "within_source" and kind.has_class("-active")
        assert table.row_count == 3 and all(c["kind"] == "within_source" for c in screen.shown)
        assert "3 of 6 conflicts shown" in str(screen.query_one("#conflicts-summary").render())
        await pilot.press("enter", "escape")  # escape closes the menu and keeps the filter
        await settle(pilot)
        assert screen.filters["kind"] == "within_source"
        table.focus()
        await pilot.press("a")
        await settle(pilot)
        assert table.row_count == 6 and not kind.has_class("-active")


@run_async
async def test_a_thousand_conflicts_fill_the_table(tmp_path: Path) -> None:
    from textual.widgets import DataTable

    from benchmarks.tui_bench import big_report

    folder = big_report(tmp_path)
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert len(app.workspace.conflicts) == 1000
        await pilot.press("4")
        await settle(pilot)
        screen = app.screen
        table = screen.query_one(DataTable)
        assert table.row_count == 1000
        assert [str(table.get_row_at(i)[-1]) for i in (0, 999)] == [screen.shown[0]["id"], screen.shown[999]["id"]]
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert table.cursor_row == 999
        assert screen.shown[999]["id"] in str(screen.query_one("#conflicts-detail").render())
