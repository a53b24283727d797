"""End-to-end flows of the workbench, driven with Textual's pilot on tmp copies of the fixtures."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from engine.loader import load_file
from engine.validate import validate_paths
from tests.tui.conftest import make_app, open_source, run_async, save_over_external_change, settle, workbench


def notifications(app) -> list[tuple[str, str]]:
    return [(n.severity, n.message) for n in app._notifications]


async def open_usual_dose_claim(pilot, folder: Path):
    """Open minimal-medicine's 'usual adult dose' claim in the claim editor: (editor screen, its TextArea)."""
    from textual.widgets import TextArea

    text = (folder / "sources" / "minimal-medicine.txt").read_text(encoding="utf-8")
    await open_source(pilot, "minimal-medicine", text.index("The usual adult dose"))
    await pilot.press("e")
    await settle(pilot)
    editor = pilot.app.screen
    return editor, editor.query_one(TextArea)


@run_async
async def test_first_screen_lists_rulesets(workdir: Path) -> None:
    app = make_app(workdir / "rulesets")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        ws = app.workspace
        assert [e.source_id for e in ws.entries] == ["dr-oracle", "minimal-medicine"]
        assert [(e.claims, e.errors, e.warnings) for e in ws.entries] == [(3, 0, 0), (3, 0, 0)]


@run_async
async def test_author_claim_from_selection_save_and_approve(workdir: Path) -> None:
    from textual.widgets import TextArea

    from tui.screens.claim_editor import ClaimEditorScreen

    path = workdir / "rulesets" / "dr-oracle.yaml"
    text = (workdir / "rulesets" / "sources" / "dr-oracle.txt").read_text(encoding="utf-8")
    quote = "Severe hepatic disease (Child-Pugh C): should not be used"
    start = text.index(quote)
    app = make_app(workdir / "rulesets")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen, view = await open_source(pilot, "dr-oracle", start)
        await pilot.press("shift+right", "shift+right", "shift+left")  # keyboard selection, character by character
        assert view.selection == (start, start + 1)
        while view.cursor < start + len(quote):  # ... and word by word
            await pilot.press("ctrl+shift+right")
        assert view.selection == (start, start + len(quote))
        await pilot.press("n")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, ClaimEditorScreen)
        area = editor.query_one(TextArea)
        assert f'exact: "{quote}"' in area.text and f"start: {start}" in area.text
        assert editor.claim_id == "dr-oracle/severe-hepatic-disease-child-pugh-c"
        # The cursor waits after "question: "; fill question, answer and condition.
        await pilot.press(*"initiation")
        lines = area.text.split("\n")
        row = lines.index("value: ")
        area.move_cursor((row, len("value: ")))
        area.insert('"contraindicated"')
        row = next(i for i, line in enumerate(area.text.split("\n")) if line.startswith("when:"))
        area.replace('when: {"==": [{"var": "child_pugh"}, "C"]}', (row, 0), (row, len(area.document.get_line(row))))
        await settle(pilot)
        assert editor.check is not None and editor.check.ok, editor.check.diagnostics
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not editor.dirty
        result = validate_paths([workdir / "rulesets"])
        assert result.ok, [d.format() for d in result.diagnostics]
        claim = next(c for r in result.rulesets for c in r.claims if c.id == editor.claim_id)
        assert claim.provenance.exact == quote and claim.status == "draft" and claim.value == "contraindicated"
        # The rest of the file is untouched: the old text is a prefix of the new one.
        before = (Path(__file__).parent / "fixtures" / "rulesets" / "dr-oracle.yaml").read_text()
        assert path.read_text().startswith(before.rstrip("\n"))
        # draft → submitted → under_review → approved, from the editor's footer key (F3).
        for status in ("submitted", "under_review", "approved"):
            if status == "approved":
                app.reviewer = "second-reviewer"  # four eyes: the author who submitted it cannot approve it
            await pilot.press("f3")
            await pilot.pause()
            await pilot.click(f"#choice-{status}")
            await pilot.pause()
            await pilot.press(*f"step {status}", "enter")
            await settle(pilot)
        result = validate_paths([workdir / "rulesets"])
        claim = next(c for r in result.rulesets for c in r.claims if c.id == editor.claim_id)
        assert claim.status == "approved"
        reviews = (workdir / "conflicts" / "reviews.yaml").read_text()
        assert editor.claim_id in reviews and "under_review" in reviews
        steps = load_file(workdir / "conflicts" / "reviews.yaml").data["claims"][editor.claim_id]
        assert [(s["from"], s["status"], s["note"]) for s in steps] == [
            ("draft", "submitted", "step submitted"),
            ("submitted", "under_review", "step under_review"),
            ("under_review", "approved", "step approved"),
        ]
        assert steps[-1]["reviewer"] == "second-reviewer" and "self_approved" not in steps[-1]


@run_async
async def test_fix_a_validation_error(workdir: Path) -> None:
    from textual.widgets import OptionList

    app = make_app(workdir / "rulesets")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        editor, area = await open_usual_dose_claim(pilot, workdir / "rulesets")
        assert editor.check.ok
        row = area.text.split("\n").index("question: dose")
        area.move_cursor((row, len("question: dose")))
        await pilot.press("backspace")
        await settle(pilot)
        (problem,) = editor.check.diagnostics
        assert (problem.line, problem.code) == (2, "E210") and "did you mean 'dose'" in problem.message
        assert editor.last_validation_ms is not None
        problems = editor.query_one("#claim-problems", OptionList)
        problems.focus()
        problems.highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        assert area.has_focus and area.cursor_location[0] == 1
        area.move_cursor((1, len("question: dos")))
        await pilot.press("e")
        await settle(pilot)
        assert editor.check.ok and editor.check.diagnostics == []
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert validate_paths([workdir / "rulesets"]).ok


@run_async
async def test_set_a_disposition(workdir: Path) -> None:
    from engine.loader import load_file

    async with workbench(workdir / "rulesets", "4") as (app, pilot):
        first = app.screen.current()
        assert first is not None and first["sources"][0] == "dr-oracle"
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("enter")  # first choice: source_correct: dr-oracle
        await pilot.press(*"label agrees")
        await pilot.press("enter")
        await settle(pilot)
        data = load_file(workdir / "conflicts" / "reviews.yaml").data
        record = data["conflicts"][first["id"]]
        assert record["disposition"] == {"source_correct": "dr-oracle"}
        assert record["note"] == "label agrees" and record["reviewer"] == "tester"
        assert data["conflicts"]["C-d7e9638eba"]["disposition"] == "needs_expert"  # kept
        import json

        report = json.loads((workdir / "conflicts" / "report.json").read_text())
        refreshed = next(c for c in report["conflicts"] if c["id"] == first["id"])
        assert refreshed["disposition"]["disposition"] == {
            "source_correct": "dr-oracle"
        }  # as `accord review conflict` does


@run_async
async def test_failed_save_keeps_the_buffer(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = workdir / "rulesets"
    path = folder / "minimal-medicine.yaml"
    original = path.read_text()
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        editor, area = await open_usual_dose_claim(pilot, workdir / "rulesets")
        area.move_cursor((area.document.line_count - 1, 0))
        area.insert("note: edited while the disk was full\n")
        await settle(pilot)
        folder.chmod(0o555)
        try:
            probe = folder / ".probe"
            try:
                probe.write_text("x")  # root ignores permissions: make the save fail another way
                probe.unlink()

                def full(*_args: object) -> None:
                    raise OSError(errno.ENOSPC, "No space left on device")

                monkeypatch.setattr(os, "replace", full)
            except OSError:
                pass
            await pilot.press("ctrl+s")
            await settle(pilot)
        finally:
            folder.chmod(0o755)
        assert path.read_text() == original
        assert editor.dirty and "note: edited while the disk was full" in area.text
        assert any(sev == "error" and "Could not save" in msg for sev, msg in notifications(app))
        assert [p.name for p in folder.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp")] == []
        monkeypatch.undo()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "note: edited while the disk was full" in path.read_text() and not editor.dirty


@run_async
async def test_external_change_is_detected_and_never_overwritten_silently(workdir: Path) -> None:
    folder = workdir / "rulesets"
    path = folder / "minimal-medicine.yaml"
    async with workbench(folder) as (app, pilot):
        editor, area = await open_usual_dose_claim(pilot, folder)
        area.move_cursor((area.document.line_count - 1, 0))
        area.insert("note: mine\n")
        await settle(pilot)
        external = path.read_text().replace("# Fixture ruleset", "# Changed elsewhere. Fixture ruleset")
        path.write_text(external)
        os.utime(path, ns=(1, 1))
        editor.check_external_change()
        await pilot.pause()
        assert any(sev == "warning" and "changed on disk" in msg for sev, msg in notifications(app))
        await save_over_external_change(pilot, path, external, "mine")
        saved = path.read_text()
        assert "note: mine" in saved and "Changed elsewhere" in saved  # keep mine merges: their change stays


@run_async
async def test_unchanged_buffer_follows_the_disk_and_quit_asks(workdir: Path) -> None:
    from tui.screens.dialogs import ConfirmDialog

    folder = workdir / "rulesets"
    path = folder / "minimal-medicine.yaml"
    async with workbench(folder) as (app, pilot):
        editor, area = await open_usual_dose_claim(pilot, folder)
        path.write_text(path.read_text().replace("status: approved", "status: rejected", 1))
        editor.check_external_change()
        await pilot.pause()
        assert "status: rejected" in area.text and not editor.dirty
        area.insert("# unsaved\n")
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running and editor.dirty


@run_async
async def test_patients_fact_edit_reevaluates_and_explains(workdir: Path) -> None:
    from tui.screens.explain import ExplainScreen

    async with workbench(workdir / "rulesets", "3") as (app, pilot):
        screen = app.screen
        assert screen.question == "dose"
        assert screen.answers[("ra-adult", "dr-oracle")].status == "answered"
        screen.query_one("DataTable").move_cursor(row=1, column=2)  # ra-adult × dr-oracle
        await pilot.press("f")
        await pilot.pause()
        await pilot.press(*"age_years = 80", "enter", "escape")
        await pilot.pause()
        assert screen.answers[("ra-adult", "dr-oracle")].status == "conflicting"
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ExplainScreen)
        await pilot.press("escape")
        await pilot.press("x")
        await pilot.pause()
        assert screen.answers[("ra-adult", "dr-oracle")].status == "answered"


@run_async
async def test_every_action_is_in_the_palette(workdir: Path) -> None:
    app = make_app(workdir / "rulesets")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        titles = set()
        for mode in ("rulesets", "sources", "patients", "conflicts"):
            await pilot.press({"rulesets": "1", "sources": "2", "patients": "3", "conflicts": "4"}[mode])
            await settle(pilot)
            titles |= {c.title for c in app.get_system_commands(app.screen)}
        for wanted in (
            "New claim from selection",
            "Set disposition of the highlighted conflict",
            "Edit the highlighted patient's facts",
            "Save edited facts to the patient files",
            "Exclude this span from coverage",
            "Go to conflicts",
            "Open source: dr-oracle",
            "Quit",
        ):
            assert wanted in titles


@run_async
async def test_escape_in_the_claim_editor_asks_before_discarding(workdir: Path) -> None:
    """The footer says `esc Close`: with unsaved edits and the cursor in the YAML, escape asks (the TextArea must not swallow it)."""
    from tui.screens.claim_editor import ClaimEditorScreen
    from tui.screens.dialogs import ChoiceDialog

    folder = workdir / "rulesets"
    path = folder / "minimal-medicine.yaml"
    before = path.read_text(encoding="utf-8")
    app = make_app(folder)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        editor, area = await open_usual_dose_claim(pilot, workdir / "rulesets")
        assert isinstance(editor, ClaimEditorScreen)
        area.focus()
        await pilot.press(*"# unsaved")
        await settle(pilot)
        assert area.has_focus and editor.dirty
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog), app.screen
        await pilot.click("#choice-cancel")  # keep editing: nothing lost
        await pilot.pause()
        assert app.screen is editor and editor.dirty and "# unsaved" in area.text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.click("#choice-discard")
        await pilot.pause()
        assert not isinstance(app.screen, (ClaimEditorScreen, ChoiceDialog))
        assert path.read_text(encoding="utf-8") == before
