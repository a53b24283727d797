"""The band strip: a finding over a numeric fact drawn as text rows in the conflicts screen's detail pane."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from engine.bands import BandChart, Interval, Row, Swatch
from tests.tui.conftest import run_async, workbench


def _text(renderable, width: int) -> str:
    console = Console(width=width, color_system=None, record=True)
    console.print(renderable)
    return console.export_text()


def chart(**extra) -> BandChart:
    ivs = (
        Interval("a/low", "not_recommended", '"nr"', 0, True, 30, False, cells=(0, 0)),
        Interval("a/mid", "2 mg once daily", '"2"', 30, True, 60, True, cells=(1, 3), lane=0),
    )
    data = {
        "question": "dose",
        "fact": "crcl",
        "label": "crcl",
        "unit": "mL/min",
        "range": (0.0, 250.0),
        "axis": (20.0, 70.0),
        "thresholds": (30.0, 60.0),
        "rows": (
            Row("alpha", ivs, 1),
            Row("beta", (Interval("b/any", "4 mg once daily", '"4"', 0, True, 250, True, unbounded=True),), 1),
        ),
        "regions": ((30.0, True, 60.0, True),),
        "values": (Swatch('"nr"', "not_recommended", "#D55E00"), Swatch('"2"', "2 mg", "#0072B2")),
    }
    data.update(extra)
    return BandChart(**data)  # type: ignore[arg-type]


def test_the_strip_draws_ends_arrows_unbounded_claims_and_the_region():
    from tui.widgets.band_strip import BandStrip

    text = _text(BandStrip(chart()), 60)
    lines = text.splitlines()
    alpha = next(line for line in lines if line.startswith("alpha"))
    assert "◂" in alpha and "[" in alpha and "]" in alpha  # below the axis: an arrow; 30 and 60 included
    assert alpha.index("◂") < alpha.index("[") < alpha.index("]")
    assert "┄" in next(line for line in lines if line.startswith("beta"))  # does not read crcl
    region = next(line for line in lines if line.startswith("disagree"))
    assert region.count("▒") > 10
    assert any("20" in line and "30" in line and "60" in line and "70" in line for line in lines)
    assert any("crcl (mL/min), shown 20–70 of 0–250" in line for line in lines)


def test_claims_past_the_lane_limit_are_counted_below_their_row_as_in_the_svg():
    from engine.bandsvg import to_svg
    from tui.widgets.band_strip import BandStrip

    crowded = chart()
    rows = (Row("alpha", crowded.rows[0].intervals, 1, hidden=1234), crowded.rows[1])
    text = _text(BandStrip(chart(rows=rows)), 100)
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("alpha"))
    assert lines[at + 1].strip() == "and 1,234 more claims (not drawn: over 40 lanes)"
    assert lines[at + 2].startswith("beta")
    assert "and 1,234 more claims &#40;not drawn&#58; over 40 lanes)" in to_svg(chart(rows=rows))  # escaped alike
    assert "more claim" not in _text(BandStrip(chart()), 100)


def test_the_strip_fits_the_width_it_is_given():
    from tui.widgets.band_strip import BandStrip

    for width in (40, 80, 140):
        lines = _text(BandStrip(chart()), width).splitlines()
        assert max(len(line) for line in lines) <= width


def test_an_excluded_end_never_hides_an_included_one_at_the_same_column():
    from tui.widgets.band_strip import BandStrip

    row = Row(
        "alpha",
        (
            Interval("a/low", "x", '"x"', 0, True, 30, True, cells=(0, 1)),
            Interval("a/high", "y", '"y"', 30, False, 60, True, cells=(2, 3)),
        ),
        1,
    )
    line = next(x for x in _text(BandStrip(chart(rows=(row,))), 60).splitlines() if x.startswith("alpha"))
    assert "]" in line and "(" not in line  # 30 belongs to the first claim: its closed end shows


def test_hostile_text_is_shown_escaped():
    from tui.widgets.band_strip import BandStrip

    row = Row("evil\x1b[2J", (Interval("e/1", "\x1b]0;pwned\x07", '"e"', 30, True, 60, True),), 1)
    hostile = chart(rows=(row,), values=(Swatch('"e"', "\x1b]0;pwned\x07", "#D55E00"),))
    text = _text(BandStrip(hostile), 80)
    assert "\x1b" not in text and "\\x1b" in text


@run_async
async def test_the_conflicts_detail_shows_a_strip_for_a_numeric_finding(workdir: Path) -> None:
    from textual.widgets import Static

    async with workbench(workdir / "rulesets", "4") as (app, pilot):
        screen = app.screen
        bands = screen.query_one("#conflicts-bands", Static)
        c = screen.current()
        assert c is not None and any("low" in k for k in c["region"]["constraints"])
        assert bands.display
        shown = _text(bands.content, 116)
        assert "dose by CrCl (mL/min)" in shown and "dr-oracle" in shown and "minimal-medicine" in shown
        assert "▒" in shown and "━" in shown
        # a finding with no numeric constraint shows none
        bare = {k: v for k, v in c.items() if k not in ("regions", "charts")}
        screen.shown = [dict(bare, region={"box": True, "cells": 1, "constraints": [], "text": ""})]
        screen._show_detail()
        await pilot.pause()
        assert not bands.display
