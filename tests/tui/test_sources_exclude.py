"""Sources screen: `x` records the selected span (or the sentence) as excluded from coverage; the figures follow."""

from __future__ import annotations

from pathlib import Path

from engine.loader import load_file
from engine.validate import validate_paths
from tests.tui.conftest import make_app, open_source, run_async, settle, workbench

SENTENCE = "Article Review Status"  # a dr-oracle sentence no claim covers and nothing excludes yet


def unclaimed_sentence(workdir: Path) -> tuple[Path, Path, str, int, str]:
    """(rulesets folder, dr-oracle.yaml, its text before any edit, the sentence's offset, the sentence)."""
    folder = workdir / "rulesets"
    path = folder / "dr-oracle.yaml"
    text = (folder / "sources" / "dr-oracle.txt").read_text(encoding="utf-8")
    return folder, path, path.read_text(encoding="utf-8"), text.index(SENTENCE), SENTENCE


@run_async
async def test_exclude_the_selected_sentence_and_coverage_updates(workdir: Path) -> None:
    from tui.widgets.filter_button import FilterMenu

    folder, path, before, start, sentence = unclaimed_sentence(workdir)
    async with workbench(folder) as (app, pilot):
        screen, view = await open_source(pilot, "dr-oracle", start + 3)
        counts = screen.coverage.counts()
        assert counts["excluded"] == 0
        await pilot.press("s")  # select the sentence under the cursor
        assert view.selection == (start, start + len(sentence))
        await pilot.press("x")
        await pilot.pause()
        menu = app.screen
        assert isinstance(menu, FilterMenu) and "Article Review Status" in menu.title_text
        reasons = [value for _label, value in menu.shown]
        assert reasons[:2] == ["reader_comment", "marketing"] and "navigation" in reasons
        await pilot.press("enter")  # navigation is highlighted first
        await pilot.pause()
        await pilot.press("enter")  # no note
        await settle(pilot)
        assert app.screen is screen
        saved = path.read_text(encoding="utf-8")
        assert saved == before + (
            f"excluded:\n  - start: {start}\n    end: {start + len(sentence)}\n"
            f'    reason: navigation\n    exact: "{sentence}"\n'
        )
        result = validate_paths([folder])
        assert not [d for d in result.diagnostics if d.severity == "error"]
        assert screen.coverage.counts() == {**counts, "excluded": 1, "unreviewed": counts["unreviewed"] - 1}
        assert "1 excluded" in str(screen.query_one("#sources-coverage").render())
        assert app.workspace.entry("dr-oracle").coverage["excluded"] == 1
        assert view.selection is None
        # already excluded: said so, nothing written
        view.set_cursor(start + 3)
        await pilot.press("s", "x")
        await pilot.pause()
        assert app.screen is screen
        assert path.read_text(encoding="utf-8") == saved
        assert load_file(path).data["excluded"][0]["reason"] == "navigation"


@run_async
async def test_escape_excludes_nothing_and_a_file_changed_on_disk_is_not_written(workdir: Path) -> None:
    folder = workdir / "rulesets"
    path = folder / "minimal-medicine.yaml"
    text = (folder / "sources" / "minimal-medicine.txt").read_text(encoding="utf-8")
    start = text.index("layout: minimal-medicine")
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen, view = await open_source(pilot, "minimal-medicine", start)
        original = path.read_text(encoding="utf-8")
        await pilot.press("x")  # no selection: the sentence under the cursor
        await pilot.pause()
        await pilot.press("escape")
        await settle(pilot)
        assert path.read_text(encoding="utf-8") == original
        external = original.replace("# Fixture ruleset", "# Changed elsewhere. Fixture ruleset")
        assert external != original
        path.write_text(external, encoding="utf-8")
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")  # no note
        await settle(pilot)
        assert path.read_text(encoding="utf-8") == external  # never written over someone else's change
        assert any(n.severity == "warning" and "changed on disk" in n.message for n in app._notifications)
        # after the reload the same key works, and the flow-style list keeps its style
        view.set_cursor(start)
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")  # no note
        await settle(pilot)
        saved = path.read_text(encoding="utf-8")
        item = f'  - {{start: {start}, end: {start + len("layout: minimal-medicine")}, reason: navigation, exact: "layout: minimal-medicine"}}\n'
        assert saved == external.replace("excluded:\n", "excluded:\n" + item)  # in start order, before the item at 67
