"""The patients screen marks derived facts (with their definition and inputs) and warns on a broken relation."""

from __future__ import annotations

from pathlib import Path

from tests.tui.conftest import run_async, workbench
from tui.derived import patient_facts


def test_patient_facts_group_what_one_definition_derives_from_the_same_inputs():
    view = patient_facts({"sex": "male", "egfr": 90})
    groups = {tuple(d.fact for d in g): g[0] for g in view.groups()}
    male = groups[("breastfeeding", "pregnant", "childbearing_potential")]
    assert male.kind == "derivation" and male.inputs == {"sex": "male"} and male.value is False
    assert groups[("renal_function_category",)].basis == "fda-renal-2024"
    assert not view.warnings


def test_a_given_value_that_breaks_a_relation_is_warned_at_that_fact():
    view = patient_facts({"egfr": 20, "renal_impairment": False})
    assert [(w.code, w.fact) for w in view.warnings] == [("W504", "renal_impairment")]
    assert view.given == {"egfr": 20, "renal_impairment": False}
    assert all(d.fact != "renal_impairment" for d in view.derived)  # a given value wins, never shown as derived


@run_async
async def test_detail_panel_marks_derived_facts_and_broken_relations(workdir: Path) -> None:
    async with workbench(workdir / "rulesets", "3", size=(140, 50)) as (app, pilot):
        screen = app.screen
        screen.query_one("DataTable").move_cursor(row=1, column=2)  # ra-adult: creatinine, age, sex, weight
        await pilot.pause()
        detail = str(screen.query_one("#patients-detail").render())
        assert "given: " in detail and "serum_creatinine_mg_dl=0.8" in detail
        assert "derived: crcl = " in detail and "Cockcroft-Gault" in detail
        assert "derived: renal_function_category = normal" in detail and "fda-renal-2024" in detail
        assert "⚠" not in detail
        patient = next(p for p in app.workspace.patients if p.id == "ra-adult")
        screen.overrides["ra-adult"] = {**patient.facts, "renal_impairment": True}  # as the facts dialog sets it
        screen.rebuild()
        await pilot.pause()
        detail = str(screen.query_one("#patients-detail").render())
        assert "renal_impairment=true ⚠ W504" in detail and "fda-renal-2024 derives false" in detail
        assert "1 with fact warnings (⚠)" in str(screen.query_one("#patients-summary").render())


@run_async
async def test_an_indeterminate_answer_says_what_it_depends_on(workdir: Path) -> None:
    async with workbench(workdir / "rulesets", "3", size=(140, 50)) as (app, pilot):
        screen = app.screen
        patient = next(p for p in app.workspace.patients if p.id == "ra-adult")
        facts = {k: v for k, v in patient.facts.items() if k != "serum_creatinine_mg_dl"}  # no renal measure at all
        screen.overrides["ra-adult"] = facts
        screen.rebuild()
        stuck = [s for s in screen._sources if screen.answers[("ra-adult", s)].status == "indeterminate"]
        assert stuck, "the fixture has an indeterminate answer once creatinine is gone"
        screen.query_one("DataTable").move_cursor(row=1, column=2 + screen._sources.index(stuck[0]))
        await pilot.pause()
        detail = str(screen.query_one("#patients-detail").render())
        assert f"{stuck[0]}: indeterminate" in detail and "depends on " in detail
