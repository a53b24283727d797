"""Conflicts screen: c and o on claims whose ids hold `/` (they used to close the app), and g after a disposition."""

from __future__ import annotations

import argparse
import contextlib
import io
from pathlib import Path

from tests.tui.conftest import run_async, settle, workbench


def test_widget_id_is_valid_unique_and_stable() -> None:
    from textual.dom import check_identifiers

    from tui.ids import widget_id

    keys = [
        "mine",
        "dr-oracle/oat3-dose",
        "dr-oracle-oat3-dose",
        "1st",
        "",
        "a b\x1b]0;x\x07",
        "ü/ñ",
        "[bold]x[/]",
        "-" * 200,
    ]
    taken: set[str] = set()
    ids = [widget_id("choice", k, taken) for k in keys]
    for i in ids:
        check_identifiers("id", i)  # raises BadIdentifier if not valid
    assert len(set(ids)) == len(ids)
    assert ids[0] == "choice-mine"  # a safe key stays readable
    assert widget_id("choice", "dr-oracle/oat3-dose") == widget_id("choice", "dr-oracle/oat3-dose")
    assert widget_id("choice", "dr-oracle/oat3-dose") != widget_id("choice", "dr-oracle-oat3-dose")
    twice: set[str] = set()
    assert widget_id("choice", "same", twice) != widget_id("choice", "same", twice)


async def _pick_claim(pilot, key: str, claim_id: str) -> None:
    """On the conflicts screen's first conflict (two claims), press `key` and choose `claim_id`."""
    from textual.widgets import Button

    from tui.screens.dialogs import ChoiceDialog

    await pilot.press(key)
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, ChoiceDialog)
    buttons = {dialog.keys[b.id]: b for b in dialog.query(Button)}
    assert set(buttons) == {"dr-oracle/standard-dose", "minimal-medicine/ra-dose", "cancel"}
    buttons[claim_id].press()
    await settle(pilot)


@run_async
async def test_c_reviews_a_claim_whose_id_holds_a_slash(workdir: Path) -> None:
    from tui.screens.dialogs import ChoiceDialog

    async with workbench(workdir / "rulesets", "4") as (app, pilot):
        await _pick_claim(pilot, "c", "dr-oracle/standard-dose")
        step = app.screen
        assert isinstance(step, ChoiceDialog) and step.message.startswith("dr-oracle/standard-dose is under_review")
        assert set(step.keys.values()) == {"approved", "rejected", "cancel"}
        assert app._exception is None and app.is_running


@run_async
async def test_o_opens_the_quote_of_a_claim_whose_id_holds_a_slash(workdir: Path) -> None:
    from tui.widgets.source_view import SourceView

    async with workbench(workdir / "rulesets", "4") as (app, pilot):
        claim = app.workspace.claim("minimal-medicine/ra-dose")
        await _pick_claim(pilot, "o", "minimal-medicine/ra-dose")
        assert app.current_mode == "sources"
        assert app.screen.source_id == "minimal-medicine"
        assert app.screen.query_one(SourceView).cursor == claim.provenance.start
        assert app._exception is None


def _check_output(root: Path) -> tuple[int, str]:
    """`accord conflicts --check` on the tmp folder: (exit code, stderr)."""
    from engine.commands.conflicts import run

    args = argparse.Namespace(
        rulesets=str(root / "rulesets"),
        out=str(root / "conflicts"),
        check=True,
        reviews=None,
        max_cells=None,
        format="text",
        quiet=True,
    )
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = run(args)
    return code, err.getvalue()


@run_async
async def test_g_after_a_disposition_writes_what_accord_conflicts_would(workdir: Path) -> None:
    from textual.widgets import Input

    from engine.report import stale_files
    from engine.reportcache import cached_report
    from engine.review import load_reviews
    from engine.validate import validate_paths
    from tui.screens.disposition import DispositionScreen

    before_code, before = _check_output(workdir)
    assert "stale" not in before  # the fixture's report is current to begin with
    async with workbench(workdir / "rulesets", "4") as (app, pilot):
        screen = app.screen
        assert screen.stale == []
        target = screen.current()["id"]
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DispositionScreen)
        await pilot.press("down", "enter")  # the second choice: source_correct of the second source
        app.screen.query_one(Input).value = "checked in the label"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        reviews, problems = load_reviews(workdir / "conflicts" / "reviews.yaml")
        assert not problems and reviews["conflicts"][target]["note"] == "checked in the label"
        await pilot.press("g")
        await settle(pilot)
        assert app._exception is None
    rulesets = validate_paths([workdir / "rulesets"], check_patients=False).rulesets
    report, analysed = cached_report(workdir / "rulesets", workdir / "conflicts", rulesets, reviews)
    assert stale_files(workdir / "conflicts", report, analysed.charts) == []
    assert [c for c in report["conflicts"] if c["id"] == target][0]["disposition"]["note"] == "checked in the label"
    code, err = _check_output(workdir)
    assert "stale" not in err, err
    assert code <= before_code  # one more disposition can only make the check pass more
