"""The rulesets screen shows a Drug column once the folder holds rulesets of more than one drug."""

from __future__ import annotations

from pathlib import Path

from tests.tui.conftest import run_async, settle, workbench


@run_async
async def test_a_second_drug_adds_the_drug_column(workdir: Path) -> None:
    from textual.widgets import DataTable

    folder = workdir / "rulesets"
    async with workbench(folder, "1") as (app, pilot):
        table = app.screen.query_one(DataTable)
        assert "drug" not in table.columns  # the fixture is all baricitinib
        first = sorted(folder.glob("*.yaml"))[0]
        text = first.read_text(encoding="utf-8")
        first.write_text(text.replace("drug: baricitinib", "drug: tofacitinib", 1), encoding="utf-8")
        app.reload_workspace()
        await settle(pilot)
        assert "drug" in table.columns
        drugs = {str(table.get_row_at(i)[-1]) for i in range(table.row_count)}
        assert drugs == {"baricitinib", "tofacitinib"}
        first.write_text(text, encoding="utf-8")
        app.reload_workspace()
        await settle(pilot)
        assert "drug" not in table.columns
