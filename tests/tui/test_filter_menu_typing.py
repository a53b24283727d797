"""Filter menus: typing narrows the options (case-insensitive), backspace widens, enter picks, escape closes."""

from __future__ import annotations

from pathlib import Path

from tests.tui.conftest import run_async, settle, workbench


def _labels(menu) -> list[str]:
    from textual.widgets import OptionList

    return [str(o.prompt) for o in menu.query_one(OptionList).options]


@run_async
async def test_typing_narrows_the_kind_filter_and_enter_picks_the_match(workdir: Path) -> None:
    from textual.widgets import DataTable

    from tui.widgets.filter_button import FilterButton, FilterMenu

    async with workbench(workdir / "rulesets", "4") as (app, pilot):
        screen = app.screen
        table = screen.query_one(DataTable)
        kind = screen.query_one("#filter-kind", FilterButton)
        kind.focus()
        await pilot.press("enter")
        await pilot.pause()
        menu = app.screen
        assert isinstance(menu, FilterMenu)
        assert _labels(menu) == ["kind: all", "kind: between_sources", "kind: omission", "kind: within_source"]
        await pilot.press(*"WITH")  # case-insensitive
        assert _labels(menu) == ["kind: within_source"]
        assert "matching “WITH”: 1 of 4" in str(menu.query_one("#filter-menu-query").render())
        await pilot.press("backspace", "backspace", "backspace", "backspace")
        assert _labels(menu) == ["kind: all", "kind: between_sources", "kind: omission", "kind: within_source"]
        await pilot.press(*"kind")  # the shared "kind: " prefix is not matched
        assert _labels(menu) == []
        await pilot.press("enter")  # nothing highlighted: nothing chosen, the menu stays
        await pilot.pause()
        assert app.screen is menu
        await pilot.press(*["backspace"] * 4, "4")  # a digit is typed text, not the app's screen key
        assert app.screen is menu and _labels(menu) == []
        await pilot.press("backspace", *"_S")  # "_s" is in both values
        assert _labels(menu) == ["kind: between_sources", "kind: within_source"]  # not omission
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.screen is screen and kind.has_focus
        assert screen.filters["kind"] == "within_source" and table.row_count == 3
        # escape closes a narrowed menu without changing the filter
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*"betw")
        assert _labels(app.screen) == ["kind: between_sources"]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen and screen.filters["kind"] == "within_source" and table.row_count == 3


@run_async
async def test_a_forty_value_menu_narrows_and_keeps_the_current_value_highlighted() -> None:
    from textual.app import App
    from textual.widgets import OptionList

    from tui.widgets.filter_button import FilterMenu

    options = [("question: all", "__all__")] + [
        (f"question: {q}", q)
        for q in [f"dose_{i:02d}" for i in range(20)] + [f"Renal_Limit_{i:02d}" for i in range(20)]
    ]
    picked: list[str | None] = []
    app = App()
    async with app.run_test(size=(100, 40)) as pilot:
        app.push_screen(
            FilterMenu("Filter by question", options, "Renal_Limit_05", match_prefix="question: "), picked.append
        )
        await pilot.pause()
        menu = app.screen
        ol = menu.query_one(OptionList)
        assert ol.option_count == 41 and menu.highlighted_value == "Renal_Limit_05"
        await pilot.press(*"renal")
        assert (
            ol.option_count == 20 and menu.highlighted_value == "Renal_Limit_05"
        )  # the current value stays highlighted
        await pilot.press(*"_limit_1")
        assert [value for _label, value in menu.shown] == [f"Renal_Limit_1{i}" for i in range(10)]
        assert menu.highlighted_value == "Renal_Limit_10"  # the current value is gone: the first match
        await pilot.press("9", "enter")
        await pilot.pause()
        assert picked == ["Renal_Limit_19"]
        # backspace on an empty query does nothing; escape answers None
        app.push_screen(FilterMenu("Filter by question", options, "__all__", match_prefix="question: "), picked.append)
        await pilot.pause()
        await pilot.press("backspace", "escape")
        await pilot.pause()
        assert picked == ["Renal_Limit_19", None]
