"""t on a finding: its witness becomes a test patient whose expectations `accord test` passes today."""

from __future__ import annotations

from pathlib import Path

from tests.tui.conftest import run_async, settle, workbench


@run_async
async def test_t_saves_the_witness_as_a_passing_test_patient_once(workdir: Path) -> None:
    from engine.loader import load_file

    async with workbench(workdir / "rulesets", "4") as (app, pilot):
        finding = app.screen.current()
        assert finding is not None
        before = {p.id for p in app.workspace.patients}
        await pilot.press("t")
        await settle(pilot)
        saved = workdir / "rulesets" / "patients" / f"witness-{finding['id'].lower()}.yaml"
        if len(finding.get("regions", [])) > 1:
            saved = saved.with_name(saved.stem + "-1.yaml")
        assert saved.is_file()
        data = load_file(saved).data
        assert data["facts"] == (finding.get("regions") or [finding])[0]["witness"]["facts"]
        assert set(data["expected"]) == set(finding["sources"])
        await settle(pilot)
        assert {p.id for p in app.workspace.patients} == before | {data["id"]}  # the workbench reloaded it
        text = saved.read_text(encoding="utf-8")
        await pilot.press("t")  # again: the patient exists, it is not overwritten
        await settle(pilot)
        assert saved.read_text(encoding="utf-8") == text
        assert app._exception is None
    from engine.testing import run_tests

    mine = [o for o in run_tests([workdir / "rulesets"]).outcomes if o.patient == data["id"]]
    assert len(mine) == len(finding["sources"]) and all(o.passed for o in mine)  # the fixture's own may fail
