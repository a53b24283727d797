"""Conflicts screen: lazy filter menus, a big report filled in, readable ids."""

from __future__ import annotations

from pathlib import Path

from tests.tui.conftest import make_app, run_async, settle, workbench


@run_async
async def test_filters_build_their_menu_when_opened_and_filter_rows(workdir: Path) -> None:
    from textual.widgets import DataTable, OptionList, Select

    from tui.widgets.filter_button import FilterButton, FilterMenu

    async with workbench(workdir / "rulesets", "4") as (app, pilot):
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
        assert labels == ["kind: all", "kind: between_sources", "kind: omission", "kind: within_source"]
        await pilot.press("down", "down", "down", "enter")
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
        assert [str(table.get_row_at(i)[0]) for i in (0, 999)] == [screen.shown[0]["id"], screen.shown[999]["id"]]
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert table.cursor_row == 999
        assert screen.shown[999]["id"] in str(screen.query_one("#conflicts-detail").render())


def test_fit_widths_cuts_the_widest_shrinkable_column_first_and_never_the_id() -> None:
    from tui.screens.conflicts import fit_widths

    natural = {"id": 12, "severity": 8, "kind": 15, "question": 40, "sources": 30, "review": 26}
    assert fit_widths(natural, 200) == natural
    fitted = fit_widths(natural, 118)
    assert sum(fitted.values()) + 2 * len(fitted) == 118
    assert {k: fitted[k] for k in ("id", "severity", "kind")} == {"id": 12, "severity": 8, "kind": 15}
    cut = [fitted[k] for k in ("question", "sources", "review")]
    assert max(cut) - min(cut) <= 1  # the widest gave way first, until all three were even
    tiny = fit_widths(natural, 40)  # cannot fit: shrinkable columns stop at their minimum, the id stays whole
    assert tiny["id"] == 12 and tiny["question"] == 10 and tiny["sources"] == 14 and tiny["review"] == 12


@run_async
async def test_ids_and_every_column_are_readable_at_120_columns(workdir: Path) -> None:
    import json

    from textual.widgets import DataTable

    report_path = workdir / "conflicts" / "report.json"
    report = json.loads(report_path.read_text(encoding="utf-8"))
    for c in report["conflicts"]:  # names as long as the bundled corpus's (and longer)
        c["question"] = "risk.serious_infection_monitoring_" + c["question"]
        c["sources"] = [s + "-prescribing-information" for s in c["sources"]]
    report_path.write_text(json.dumps(report), encoding="utf-8")
    async with workbench(workdir / "rulesets", "4") as (app, pilot):
        screen = app.screen
        table = screen.query_one(DataTable)
        lines = [table.render_line(y).text for y in range(1 + table.row_count)]
        header = lines[0]
        assert header.split() == ["Conflict", "Severity", "Kind", "Question", "Sources", "Review"]
        for c, line in zip(screen.shown, lines[1:]):
            assert line.split()[0] == c["id"]  # whole, first
            assert line.rstrip().endswith(str(table.get_row_at(lines.index(line) - 1)[-1])), (
                line
            )  # the review is not cut
        assert any("…" in line for line in lines[1:])  # long questions/sources give way, ending in …
        assert max(len(line.rstrip()) for line in lines) <= 120
        # wider terminal: nothing needs cutting any more
        await pilot.resize_terminal(200, 40)
        await settle(pilot)
        lines = [table.render_line(y).text for y in range(1 + table.row_count)]
        assert not any("…" in line for line in lines[1:])
        assert screen.shown[0]["sources"][0] + " vs " in lines[1] or "(itself)" in lines[1]


@run_async
async def test_sources_left_out_of_the_analysis_are_said_above_the_table(workdir: Path) -> None:
    """A report with analysis.not_analysed is incomplete: the screen says so before anyone trusts the count."""
    import json

    from textual.widgets import Static

    report_path = workdir / "conflicts" / "report.json"
    report = json.loads(report_path.read_text(encoding="utf-8"))
    report["analysis"]["not_analysed"] = [
        {"question": "initiation", "source": "lucius-label", "cells": 2**30, "facts": ["pregnant"], "claims": 9}
    ]
    report_path.write_text(json.dumps(report), encoding="utf-8")
    async with workbench(workdir / "rulesets", "4") as (app, pilot):
        summary = str(app.screen.query_one("#conflicts-summary", Static).render())
        assert "Not analysed" in summary and "lucius-label on initiation" in summary


def change_a_dose(workdir: Path) -> None:
    """Edit a ruleset after its report was written: minimal-medicine's RA dose becomes 1 mg, so the report is stale."""
    ruleset = workdir / "rulesets" / "minimal-medicine.yaml"
    text = ruleset.read_text(encoding="utf-8")
    ruleset.write_text(
        text.replace('value: {"mg": 2, "every_days": 1}', 'value: {"mg": 1, "every_days": 1}', 1), encoding="utf-8"
    )


@run_async
async def test_a_stale_report_is_said_and_g_rewrites_it(workdir: Path) -> None:
    """Rulesets edited after the report was written: the screen finds out by itself, and g does what `accord conflicts` does."""
    import json

    from textual.widgets import Static

    change_a_dose(workdir)
    report_path = workdir / "conflicts" / "report.json"
    before = json.loads(report_path.read_text(encoding="utf-8"))
    async with workbench(workdir / "rulesets", "4") as (app, pilot):
        screen = app.screen
        summary = lambda: str(screen.query_one("#conflicts-summary", Static).render())  # noqa: E731
        assert {"report.json", "report.md", "report.html"} <= set(screen.stale)
        assert "The rulesets changed since this report was written" in summary()
        await pilot.press("g")
        await settle(pilot)
        after = json.loads(report_path.read_text(encoding="utf-8"))
        assert after != before and {c["id"] for c in after["conflicts"]} != {c["id"] for c in before["conflicts"]}
        assert [c["id"] for c in app.workspace.conflicts] == [c["id"] for c in after["conflicts"]]
        assert screen.stale == [] and "changed since" not in summary()
    # what the screen wrote is byte for byte what the CLI writes
    from engine import cli

    files = [p for p in (workdir / "conflicts").rglob("*") if p.is_file() and ".cache" not in p.parts]
    written = {p.relative_to(workdir / "conflicts").as_posix(): p.read_bytes() for p in files}
    assert {"report.json", "report.md", "report.html"} <= set(written) and any(n.startswith("charts/") for n in written)
    assert (
        cli.main(["conflicts", "--rulesets", str(workdir / "rulesets"), "--out", str(workdir / "conflicts"), "-q"]) == 0
    )
    files = [p for p in (workdir / "conflicts").rglob("*") if p.is_file() and ".cache" not in p.parts]
    assert {p.relative_to(workdir / "conflicts").as_posix(): p.read_bytes() for p in files} == written


@run_async
async def test_a_current_report_is_not_called_stale(workdir: Path) -> None:
    async with workbench(workdir / "rulesets", "4") as (app, pilot):
        assert app.screen.stale == []


@run_async
async def test_g_before_the_analysis_finishes_writes_the_report_when_it_does(workdir: Path) -> None:
    change_a_dose(workdir)
    report_path = workdir / "conflicts" / "report.json"
    before = report_path.read_text(encoding="utf-8")
    async with workbench(workdir / "rulesets", "4") as (app, pilot):
        screen = app.screen
        screen._fresh = None  # as if the worker had not answered yet
        await pilot.press("g")
        await pilot.pause()
        assert report_path.read_text(encoding="utf-8") == before  # nothing to write yet
        screen._check_freshness(app.workspace)
        await settle(pilot)
        assert report_path.read_text(encoding="utf-8") != before and screen.stale == []


def test_the_workbench_asks_who_reviews_when_nobody_is_configured(workdir, monkeypatch):
    """Never a silent default: no --reviewer, ACCORD_REVIEWER or git identity, and a review first asks the name."""
    import asyncio

    from tests.tui.conftest import settle
    from tui.app import AccordApp
    from tui.screens.dialogs import InputDialog

    monkeypatch.delenv("ACCORD_REVIEWER", raising=False)
    monkeypatch.setenv("PATH", str(workdir / "no-git"))

    async def go():
        app = AccordApp(workdir / "rulesets", poll_interval=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.reviewer == "" and app.sub_title.endswith("no reviewer set")
            got = []
            app.with_reviewer(got.append)
            await pilot.pause()
            assert isinstance(app.screen, InputDialog)
            await pilot.press(*"Ana Lima", "enter")
            await pilot.pause()
            assert got == ["Ana Lima"] and app.reviewer == "Ana Lima" and app.sub_title.endswith("reviewer: Ana Lima")

    asyncio.run(go())


@run_async
async def test_a_drug_filter_appears_for_findings_of_several_drugs_and_narrows_the_rows(workdir: Path) -> None:
    import json

    from textual.widgets import DataTable, OptionList

    from tui.widgets.filter_button import FilterButton, FilterMenu

    async with workbench(workdir / "rulesets", "4") as (app, pilot):
        screen = app.screen
        table = screen.query_one(DataTable)
        drug = screen.query_one("#filter-drug", FilterButton)
        assert not drug.display  # the fixture's findings are all baricitinib
        report_path = workdir / "conflicts" / "report.json"
        report = json.loads(report_path.read_text(encoding="utf-8"))
        for source in report["sources"]:
            if source["id"] == "minimal-medicine":
                source["drug"] = "tofacitinib"  # its two-source findings stay baricitinib (their first source's)
        alone = [c["id"] for c in report["conflicts"] if c["sources"] == ["minimal-medicine"]]
        report["conflicts"][0]["sources"] = ["minimal-medicine"]
        report_path.write_text(json.dumps(report, indent=2), encoding="utf-8")
        app.reload_workspace()
        await settle(pilot)
        assert drug.display and table.row_count == 6
        drug.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, FilterMenu)
        labels = [str(o.prompt) for o in app.screen.query_one(OptionList).options]
        assert labels == ["drug: all", "drug: baricitinib", "drug: tofacitinib"]
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert screen.filters["drug"] == "tofacitinib"
        assert [c["id"] for c in screen.shown] == [report["conflicts"][0]["id"], *alone]
        table.focus()
        await pilot.press("a")
        await settle(pilot)
        assert table.row_count == 6
