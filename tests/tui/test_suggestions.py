"""Suggestions pane (sources screen `g`): accept one (a draft claim in the file, opened in the claim editor),
dismiss one (remembered in .accord/dismissed.yaml, not proposed again)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from engine.loader import load_file
from engine.validate import validate_paths
from tests.tui.conftest import open_source, run_async, settle, workbench

TEXT = (
    "Dosing\n"
    "\n"
    "  • For eGFR 30-49 mL/min/1.73 m²: 1 mg once daily\n"
    "  • For eGFR <30 mL/min/1.73 m²: 2 mg every other day\n"
)


def demo_source(workdir: Path) -> tuple[Path, Path]:
    """A source with the two dosing lines above and no claims, beside the fixture's rulesets."""
    folder = workdir / "rulesets"
    (folder / "sources" / "demo.txt").write_text(TEXT, encoding="utf-8")
    sha = hashlib.sha256(TEXT.encode("utf-8")).hexdigest()
    path = folder / "demo.yaml"
    path.write_text(
        "accord: 1\nsource:\n  id: demo\n  title: Demo dosing page\n  kind: web_page\n"
        f"  text: sources/demo.txt\n  sha256: {sha}\ndrug: baricitinib\nclaims: []\n",
        encoding="utf-8",
    )
    return folder, path


async def open_pane(pilot):
    from tui.screens.suggestions import SuggestionsScreen

    await open_source(pilot, "demo", 0)
    await pilot.press("g")
    await settle(pilot)
    pane = pilot.app.screen
    assert isinstance(pane, SuggestionsScreen)
    return pane


@run_async
async def test_accept_adds_a_draft_claim_and_opens_the_claim_editor(workdir: Path) -> None:
    from tui.screens.claim_editor import ClaimEditorScreen

    folder, path = demo_source(workdir)
    async with workbench(folder) as (app, pilot):
        pane = await open_pane(pilot)
        values = [(s.question, s.value, s.when) for s in pane.suggestions]
        assert (
            "dose",
            {"mg": 1, "every_days": 1},
            {"and": [{">=": [{"var": "egfr"}, 30]}, {"<=": [{"var": "egfr"}, 49]}]},
        ) in values
        assert ("dose", {"mg": 2, "every_days": 2}, {"<": [{"var": "egfr"}, 30]}) in values
        first = pane.suggestions[0]
        assert path.read_text(encoding="utf-8").endswith("claims: []\n")  # nothing written before accepting
        await pilot.press("a")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, ClaimEditorScreen)
        claims = load_file(path).data["claims"]
        assert len(claims) == 1 and claims[0]["id"] == editor.claim_id
        claim = claims[0]
        assert claim["status"] == "draft"
        assert (claim["question"], claim["value"], claim["when"]) == (first.question, first.value, first.when)
        text = (folder / "sources" / "demo.txt").read_text(encoding="utf-8")
        prov = claim["provenance"]
        assert text[prov["start"] : prov["end"]] == prov["exact"] == first.quote
        assert not [d for d in validate_paths([folder]).diagnostics if d.severity == "error"]


@run_async
async def test_dismissed_suggestion_is_not_proposed_again(workdir: Path) -> None:
    folder, path = demo_source(workdir)
    before = path.read_text(encoding="utf-8")
    async with workbench(folder) as (app, pilot):
        pane = await open_pane(pilot)
        count = len(pane.suggestions)
        gone = pane.suggestions[0]
        await pilot.press("d")
        await pilot.pause()
        assert len(pane.suggestions) == count - 1 and gone not in pane.suggestions
        dismissed = load_file(folder / ".accord" / "dismissed.yaml").data["dismissed"]
        assert [(d["quote"], d["question"], d["value"]) for d in dismissed] == [(gone.quote, gone.question, gone.value)]
        await pilot.press("escape")
        await pilot.pause()
        pane = await open_pane(pilot)  # opened again: the dismissed one stays out, the others are back
        assert len(pane.suggestions) == count - 1
        assert gone.key not in {s.key for s in pane.suggestions}
    assert path.read_text(encoding="utf-8") == before  # dismissing writes nothing into the ruleset
