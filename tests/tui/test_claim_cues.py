"""Claim editor: live cues as the rule is typed (issue 18 item 4) and the gap draft from the conflicts screen (item 3)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.tui.conftest import run_async, settle, workbench

RA = '{"==": [{"var": "indication"}, "rheumatoid_arthritis"]}'


def _cue_text(screen) -> str:
    from textual.widgets import Static

    return " ".join(str(screen.query_one("#claim-cues", Static).render()).split())


async def _wait_for(pilot, screen, words: str, rounds: int = 60) -> str:
    """Let the debounced cue worker run until the cue pane says `words` (it never blocks the keys)."""
    text = ""
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause(0.02)
        text = _cue_text(screen)
        if words in text:
            return text
    raise AssertionError(f"cue pane never said {words!r}; it says {text!r}")


async def _open_claim(app, pilot, folder: Path, claim_id: str):
    from tui.screens.claim_editor import ClaimEditorScreen

    app.push_screen(ClaimEditorScreen(folder / "dr-oracle.yaml", None, None, claim_id))
    await settle(pilot)
    return app.screen


@run_async
async def test_typing_a_threshold_updates_the_overlap_cue(workdir: Path) -> None:
    from textual.widgets import TextArea

    async with workbench(workdir / "rulesets") as (app, pilot):
        screen = await _open_claim(app, pilot, workdir / "rulesets", "dr-oracle/crcl-low")
        shown = await _wait_for(pilot, screen, "overlaps")
        assert "▲ this band now overlaps dr-oracle/standard-dose on age_years <= 70 and crcl < 30" in shown, shown
        area = screen.query_one(TextArea)
        area.focus()
        row = next(i for i, line in enumerate(area.text.split("\n")) if line.startswith("when:"))
        line = area.document.get_line(row)
        area.move_cursor((row, line.index("30") + 1))  # between the 3 and the 0
        await pilot.press("backspace")  # crcl < 0: no patient
        await pilot.pause()
        shown = await _wait_for(pilot, screen, "no overlap or gap")
        assert "✓ no overlap or gap with the other dose claims" in shown
        for key in ("4", "5"):  # crcl < 450, then backspace: crcl < 40
            await pilot.press(key)
            await pilot.pause()
        await pilot.press("backspace")
        await pilot.pause()
        assert 'crcl"}, 40]' in area.text
        shown = await _wait_for(pilot, screen, "crcl < 40")
        assert "overlaps dr-oracle/standard-dose on age_years <= 70 and crcl < 40" in shown
        assert screen.last_cue_ms is not None and screen.cue_runs >= 3


def _make_gap(workdir: Path) -> None:
    """dr-oracle/crcl-low rewritten to end below age 65 (RA): with elderly-dose (age > 70) a hole at 65..70."""
    from engine import cli

    path = workdir / "rulesets" / "dr-oracle.yaml"
    text = path.read_text(encoding="utf-8")
    old = 'when: {"<": [{"var": "crcl"}, 30]}'
    assert old in text
    new = 'when: {"and": [' + RA + ', {"<": [{"var": "age_years"}, 65]}]}'
    path.write_text(text.replace(old, new), encoding="utf-8")
    out = workdir / "conflicts"
    assert cli.main(["conflicts", "--rulesets", str(workdir / "rulesets"), "--out", str(out)]) in (0, 1)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [c for c in report["conflicts"] if c["kind"] == "gap"], [c["kind"] for c in report["conflicts"]]


@run_async
async def test_f_on_a_gap_opens_a_draft_that_needs_a_value_and_a_quote(workdir: Path) -> None:
    from textual.widgets import DataTable, Input, TextArea

    from tui.screens.claim_editor import ClaimEditorScreen
    from tui.screens.dialogs import InputDialog

    _make_gap(workdir)
    path = workdir / "rulesets" / "dr-oracle.yaml"
    before = path.read_text(encoding="utf-8")
    async with workbench(workdir / "rulesets", "4") as (app, pilot):
        conflicts = app.screen
        kinds = [c["kind"] for c in conflicts.shown]
        conflicts.query_one(DataTable).move_cursor(row=kinds.index("gap"))
        await pilot.pause()
        assert conflicts.check_action("fill_gap", ()) is True
        await pilot.press("f")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, ClaimEditorScreen) and editor.suggestion is not None
        s = editor.suggestion
        assert (s.fact, s.low, s.low_inclusive, s.high, s.high_inclusive) == ("age_years", 65, True, 70, True)
        text = editor.query_one(TextArea).text
        assert "question: dose" in text and "value: \n" in text and 'exact: ""' in text
        assert '{">=": [{"var": "age_years"}, 65]}' in text and '{"<=": [{"var": "age_years"}, 70]}' in text
        words = " ".join(str(editor.query_one("#claim-words").render()).split())
        assert "Closes gap" in words and "from dr-oracle/crcl-low" in words and "from dr-oracle/elderly-dose" in words

        await pilot.press("ctrl+s")  # neither value nor quote chosen: nothing is written
        await settle(pilot)
        assert path.read_text(encoding="utf-8") == before
        assert editor.dirty

        area = editor.query_one(TextArea)
        row = area.text.split("\n").index("value: ")
        area.replace('value: {"mg": 2, "every_days": 1}', (row, 0), (row, len("value: ")))
        await pilot.press("ctrl+s")  # a value but still no quote
        await settle(pilot)
        assert path.read_text(encoding="utf-8") == before

        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(app.screen, InputDialog), [n.message for n in app._notifications]
        source = (workdir / "rulesets" / "sources" / "dr-oracle.txt").read_text(encoding="utf-8")
        quote = source.strip().split("\n")[0][:20].strip()
        app.screen.query_one(Input).value = quote
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is editor
        assert f"exact: {json.dumps(quote, ensure_ascii=False)}" in area.text
        await pilot.press("ctrl+s")
        await settle(pilot)
        after = path.read_text(encoding="utf-8")
        assert after != before and s.interval_text and json.dumps(quote, ensure_ascii=False) in after
        assert "Drafted to close gap" in after
