"""Sources screen at 120 columns: the footer shows its main keys (x Exclude included) and the screen keys, unclipped."""

from __future__ import annotations

from pathlib import Path

from tests.tui.conftest import run_async, workbench


@run_async
async def test_the_sources_footer_fits_its_main_keys_at_120_columns(workdir: Path) -> None:
    from textual.widgets import Footer
    from textual.widgets._footer import FooterKey

    async with workbench(workdir / "rulesets", "2") as (app, pilot):
        screen = app.screen
        footer = screen.query_one(Footer)
        keys = [k for k in footer.query(FooterKey) if not k.has_class("-command-palette")]
        palette = footer.query_one("FooterKey.-command-palette")
        shown = {
            k.key_display or k.key: k.description for k in keys if k.region.width and k.region.right <= palette.region.x
        }
        for key, description in {
            "n": "New claim",
            "x": "Exclude",
            "u": "Unreviewed",
            "e": "Edit",
            "r": "Review",
            "1": "Rulesets",
            "2": "Sources",
            "3": "Patients",
            "4": "Conflicts",
        }.items():
            assert shown.get(key) == description, (key, shown)
        # the keys left off the footer still work and are in the palette
        palette_titles = {c.title for c in app.get_system_commands(screen)}
        assert {"Select sentence under cursor", "Next claim", "Previous claim"} <= palette_titles
        bindings = {b.binding.key: b for b in screen.active_bindings.values()}
        assert not bindings["s"].binding.show and not bindings["right_square_bracket"].binding.show
