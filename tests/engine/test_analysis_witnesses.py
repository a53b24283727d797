"""Every witness of region analysis is a possible patient: the W504 check `accord validate` applies to
patient files (engine.meaning.facts.check) finds nothing on it, and neither does validation of the
witness written as a patient file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.analysis.driver import analyse
from engine.analysis.witness import complete
from engine.conflicts import build_conflicts
from engine.contract import vocabulary
from engine.meaning.facts import check
from engine.validate import validate_paths
from tests.conftest import REPO, write_ruleset


def witnesses(rulesets: list[Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(every finding's region witness, every conflict's witness) of an analysis of `rulesets`."""
    vocab = vocabulary()
    analysis = analyse(rulesets, vocab)
    regions = [f.region.witness for qa in analysis.questions.values() for f in qa.findings]
    return regions, [c.witness for c in build_conflicts(rulesets, analysis, vocab)]


def broken(found: list[dict[str, Any]]) -> list[tuple[dict[str, Any], list[str]]]:
    vocab = vocabulary()
    return [(w, [v.message for v in check(w, vocab)]) for w in found if check(w, vocab)]


def as_patients(tmp: Path, found: list[dict[str, Any]]) -> list[str]:
    """Validation findings of the witnesses written as patient files in tmp."""
    folder = tmp / "patients"
    folder.mkdir(parents=True)
    for i, w in enumerate(found):
        (folder / f"w{i}.yaml").write_text(yaml.safe_dump({"id": f"w{i}", "facts": w}), encoding="utf-8")
    return [d.format() for d in validate_paths([tmp]).diagnostics]


# The tests on the bundled corpus share one fresh analysis (7 s) on one xdist worker (pyproject: --dist loadgroup).
BUNDLED = pytest.mark.xdist_group("bundled-witnesses")


@pytest.fixture(scope="module")
def fresh_bundled() -> tuple[list[Any], list[Any], Any]:
    """(rulesets, conflicts, analysis) of the bundled corpus, as accord conflicts finds them (drug by drug)."""
    from engine.conflicts import find_conflicts

    rulesets = validate_paths([REPO / "rulesets"], check_patients=False).rulesets
    conflicts, analysis = find_conflicts(rulesets)
    return rulesets, conflicts, analysis


@pytest.fixture(scope="module")
def bundled(fresh_bundled) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(every finding's region witness, every conflict's witness) of the bundled corpus."""
    _, conflicts, analysis = fresh_bundled
    return [f.region.witness for qa in analysis.questions.values() for f in qa.findings], [c.witness for c in conflicts]


@BUNDLED
def test_bundled_region_witnesses_break_no_relation(bundled, tmp_path):
    regions, _ = bundled
    assert regions
    assert broken(regions) == []
    assert as_patients(tmp_path, regions) == []


@BUNDLED
def test_bundled_conflict_witnesses_break_no_relation(bundled, tmp_path):
    _, conflicts = bundled
    assert conflicts
    assert broken(conflicts) == []
    assert as_patients(tmp_path, conflicts) == []


TEXT = (
    "Contraindicated in renal impairment. Use 2 mg when eGFR is 30 or more. Avoid in hepatic impairment. "
    "Give 4 mg in Child-Pugh A. Avoid in pregnancy. Use in women. Caution with VTE risk. Fine after VTE. "
    "Caution with CrCl below 30."
)
D2, D4 = {"mg": 2, "every_days": 1}, {"mg": 4, "every_days": 1}
A = [
    ("dose", "contraindicated", {"var": "renal_impairment"}, "Contraindicated in renal impairment"),
    ("dose", "not_recommended", {"var": "hepatic_impairment"}, "Avoid in hepatic impairment"),
    ("dose", "not_recommended", {"var": "pregnant"}, "Avoid in pregnancy"),
    ("initiation", "use_with_caution", {"var": "vte_risk_factor"}, "Caution with VTE risk"),
    ("initiation", "use_with_caution", {"<": [{"var": "crcl"}, 30]}, "Caution with CrCl below 30"),
]
B = [
    ("dose", D2, {">=": [{"var": "egfr"}, 30]}, "Use 2 mg when eGFR is 30 or more"),
    ("dose", D4, {"==": [{"var": "child_pugh"}, "A"]}, "Give 4 mg in Child-Pugh A"),
    ("dose", D2, {"==": [{"var": "sex"}, "female"]}, "Use in women"),
    ("initiation", "recommended", {"var": "history_vte"}, "Fine after VTE"),
    ("initiation", "recommended", {">=": [{"var": "egfr"}, 60]}, "Use 2 mg when eGFR is 30 or more"),
]


@pytest.fixture(scope="module")
def hidden(tmp_path_factory) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Source a's dose and initiation claims read renal_impairment and crcl, never egfr: where its dose
    contradicts its initiation (the dose-verdict link) at CrCl 75 with renal_impairment false, that patient
    exists only with an eGFR of 90 or more, a fact hidden from the link's grid (source b reads egfr)."""
    tmp = tmp_path_factory.mktemp("hidden")
    for source, claims in (("a", A), ("b", B)):
        write_ruleset(
            tmp, source, TEXT, [{"question": q, "value": v, "when": w, "quote": quote} for q, v, w, quote in claims]
        )
    result = validate_paths([tmp], check_patients=False)
    assert [d for d in result.diagnostics if d.code != "W303"] == []  # nested same-dose bands: redundant, on purpose
    return witnesses(result.rulesets)


def test_region_witness_carries_the_hidden_fact(hidden):
    regions, _ = hidden
    assert any("crcl" in w and w.get("renal_impairment") is False for w in regions)
    assert broken(regions) == []
    carried = [w for w in regions if "crcl" in w and w.get("renal_impairment") is False]
    # consistent: CrCl 90 or more by itself (the cell nearest typical CrCl 100), else with an eGFR of 90 or more
    assert all(w["crcl"] >= 90 or w.get("egfr", 0) >= 90 for w in carried), carried


def test_conflict_witness_keeps_the_hidden_fact(hidden):
    _, conflicts = hidden
    assert broken(conflicts) == []


def test_complete_leaves_a_consistent_witness_alone():
    w = {"crcl": 75, "renal_impairment": True}
    assert complete(w, vocabulary()) is w


def test_complete_moves_the_witness_inside_a_box_region():
    from engine.analysis.model import RegionCells
    from engine.analysis.partition import partition

    vocab = vocabulary()
    crcl = partition(vocab.facts["crcl"], (30, 60, 90))
    ri = partition(vocab.facts["renal_impairment"])
    cells = [i for i, c in enumerate(crcl.cells) if not c.point and c.value >= 60]  # 60-89 and 90 up
    region = RegionCells({"crcl": crcl, "renal_impairment": ri}, {"crcl": cells, "renal_impairment": [0]}, 2, True, {})
    done = complete({"crcl": 75, "renal_impairment": False}, vocab, region)
    assert done["crcl"] >= 90 and done["renal_impairment"] is False and check(done, vocab) == []
    assert "egfr" not in done  # consistent by itself: nothing hidden for a later step to drop


def test_complete_adds_values_of_hidden_facts():
    w = {"crcl": 75, "renal_impairment": False}
    vocab = vocabulary()
    assert check(w, vocab)
    done = complete(w, vocab)
    assert check(done, vocab) == []
    assert {k: done[k] for k in w} == w and len(done) > len(w)


def test_a_witness_number_moves_to_the_typical_value_its_cell_allows():
    from engine.analysis.partition import partition
    from engine.analysis.witness import nearest_typical
    from engine.contract import vocabulary

    age = partition(vocabulary().facts["age_years"], (18, 70))  # cells: < 18, 18..70, > 70 (ends as the claims cut)
    assert nearest_typical(age, 95, 50) == 71  # one unit inside the open end nearest 50
    assert nearest_typical(age, 30, 50) == 50  # the cell holds the typical value
    assert nearest_typical(age, 9, 50) in (17, 18) and age.cells[0].contains(nearest_typical(age, 9, 50))
    assert nearest_typical(age, 95, None) == 95  # no typical value: unchanged
    crcl = partition(vocabulary().facts["crcl"], (30, 60))
    moved = nearest_typical(crcl, 45, 100)
    assert next(c for c in crcl.cells if c.contains(45)).contains(moved) and moved >= 45


@BUNDLED
def test_bundled_witnesses_are_patients_a_clinician_meets(bundled):
    """No bundled conflict's witness is 95 years old when its cell admits 71 (the typical values of vocabulary.yaml)."""
    import json

    report = json.loads((REPO / "conflicts" / "report.json").read_text(encoding="utf-8"))
    ages = [c["witness"]["facts"]["age_years"] for c in report["conflicts"] if "age_years" in c["witness"]["facts"]]
    assert ages and max(ages) <= 71 and 50 in ages


# ---------------------------------------------------------------- the witness cell nearest the typical patient

SPAN = "Two mg from age 2 to 100. One mg from age 2. One mg under 12. One mg under 18. Two mg. One mg. Under 30. From 60. From 90."
D1 = {"mg": 1, "every_days": 1}


def _age(op, x):
    return {op: [{"var": "age_years"}, x]}


def _egfr(op, x):
    return {op: [{"var": "egfr"}, x]}


def _pair(tmp: Path, a: list[tuple[Any, str]], b: list[tuple[Any, str]]) -> list[Any]:
    """Source a gives 2 mg, b 1 mg, each where its rules say (rule, quote)."""
    for source, value, claims in (("a", D2, a), ("b", D1, b)):
        write_ruleset(
            tmp, source, SPAN, [{"question": "dose", "value": value, "when": w, "quote": q} for w, q in claims]
        )
    result = validate_paths([tmp], check_patients=False)
    unexpected = [d.format() for d in result.diagnostics if d.code != "W303"]  # nested same-dose bands, on purpose
    assert unexpected == [], unexpected
    return sorted(result.rulesets, key=lambda r: r.source_id)


def _age_span(tmp: Path) -> list[Any]:
    """a: 2 mg for ages 2..100; b: 1 mg from age 2, cut at 12 and 18: they disagree on every age 2..100, whose
    first interior cell is 2 < age < 12 (the witness before typical values: age 7, then 11)."""
    return _pair(
        tmp,
        [({"<=": [2, {"var": "age_years"}, 100]}, "Two mg from age 2 to 100")],
        [
            (_age(">=", 2), "One mg from age 2"),
            (_age("<", 12), "One mg under 12"),
            (_age("<", 18), "One mg under 18"),
        ],
    )


def _egfr_span(tmp: Path, cuts: tuple[int, ...] = (60,)) -> list[Any]:
    """a: 2 mg from eGFR 15; b: 1 mg from eGFR 15, cut at 30 and `cuts`: they disagree on eGFR 15..200, whose
    first interior cell is 15 < eGFR < 30 (the witness before typical values: eGFR 22, then 29)."""
    quotes = {60: "From 60", 90: "From 90"}
    return _pair(
        tmp,
        [(_egfr(">=", 15), "Two mg")],
        [(_egfr(">=", 15), "One mg"), (_egfr("<", 30), "Under 30"), *((_egfr(">=", t), quotes[t]) for t in cuts)],
    )


def _between(rulesets: list[Any], method: str) -> list[Any]:
    from engine.analysis.driver import analyse_question

    found = [f for f in analyse_question("dose", rulesets, method=method).findings if f.kind == "between_sources"]
    assert len(found) == 1, found
    return found


def _conflict_witnesses(rulesets: list[Any]) -> list[dict[str, Any]]:
    from engine.conflicts import find_conflicts

    conflicts, _ = find_conflicts(rulesets)
    return [c.witness for c in conflicts if c.question == "dose"]


@pytest.mark.parametrize("method", ["grid", "components"])
def test_a_region_spanning_children_and_adults_gets_an_adult_witness(tmp_path, method):
    (finding,) = _between(_age_span(tmp_path), method)
    part = finding.region.partitions["age_years"]
    assert len(finding.region.indices["age_years"]) == 7  # 2, 2..12, 12, 12..18, 18, 18..100, 100
    cell = next(c for c in part.cells if c.contains(finding.region.witness["age_years"]))
    assert cell.contains(50) and not cell.point  # the cell holding typical age 50: 18 < age < 100


def test_the_conflict_witness_of_an_age_span_is_the_typical_adult(tmp_path):
    witnesses = _conflict_witnesses(_age_span(tmp_path))
    assert witnesses and all(w["age_years"] == 50 for w in witnesses), witnesses


@pytest.mark.parametrize("method", ["grid", "components"])
def test_an_egfr_span_holding_the_typical_value_gets_a_witness_there(tmp_path, method):
    (finding,) = _between(_egfr_span(tmp_path), method)
    part = finding.region.partitions["egfr"]
    assert next(c for c in part.cells if c.contains(finding.region.witness["egfr"])).contains(90)
    assert _conflict_witnesses(_egfr_span(tmp_path / "again"))[0]["egfr"] == 90


def test_a_typical_value_on_a_threshold_is_the_witness(tmp_path):
    """eGFR cut at 90: the point 90 itself (distance 0) beats the interiors either side of it (89 and 91)."""
    (finding,) = _between(_egfr_span(tmp_path, (60, 90)), "grid")
    assert finding.region.witness["egfr"] == 90
    assert _conflict_witnesses(_egfr_span(tmp_path / "again", (60, 90)))[0]["egfr"] == 90


def test_witnesses_are_deterministic(tmp_path):
    from engine.analysis.driver import analyse_question

    for rulesets in (_age_span(tmp_path / "age"), _egfr_span(tmp_path / "egfr", (60, 90))):
        first = _conflict_witnesses(rulesets)
        assert first == _conflict_witnesses(rulesets) == _conflict_witnesses(list(reversed(rulesets)))
        for method in ("grid", "components"):
            runs = [
                [f.region.witness for f in analyse_question("dose", rs, method=method).findings]
                for rs in (rulesets, list(reversed(rulesets)), rulesets)
            ]
            assert runs[0] == runs[1] == runs[2]


def test_cell_costs_rank_by_distance_from_typical_then_interiors():
    from engine.analysis.partition import partition
    from engine.analysis.witness import cell_costs

    vocab = vocabulary()
    age = partition(vocab.facts["age_years"], (18, 50, 70))  # <18, 18, 18..50, 50, 50..70, 70, >70
    costs = cell_costs(age)
    values = [c.value for c in age.cells]
    assert values[costs.index(min(costs))] == 50  # the point holding the typical value itself
    by_cost = [values[i] for i in sorted(range(len(costs)), key=lambda i: costs[i])]
    assert by_cost[1:3] == [34, 60]  # the interiors either side (49 and 51 once moved), before the points 18, 70
    assert by_cost.index(70) < by_cost.index(18) and by_cost[-1] == 9  # children last
    child_pugh = partition(vocab.facts["child_pugh"])
    pugh = cell_costs(child_pugh)
    assert [c.value for c in child_pugh.cells][pugh.index(min(pugh))] == "none"  # the vocabulary's typical value
    sex = cell_costs(partition(vocab.facts["sex"]))  # no typical value: order kept
    assert sex == [0, 0]


@BUNDLED
def test_every_fresh_bundled_witness_reproduces_through_eval(tmp_path, fresh_bundled):
    """Each region's witness of a fresh analysis, evaluated as `accord eval` does (a patient file, then
    engine.evaluate), gives the answers the report shows (tests/engine/test_conflicts.py checks the committed
    report the same way)."""
    from engine.evaluate import evaluate_patient
    from engine.validate import load_patient
    from tests.conftest import dump_yaml

    rulesets, conflicts, _ = fresh_bundled
    checked = 0
    for i, data in enumerate(c.to_json() for c in conflicts):
        for j, region in enumerate(data.get("regions") or [data]):
            path = tmp_path / f"w{i}-{j}.yaml"
            path.write_text(dump_yaml({"id": f"w{i}-{j}", "facts": region["witness"]["facts"]}), encoding="utf-8")
            patient, diags = load_patient(path)
            assert patient is not None, diags
            for expected in region["answers"]:
                question = expected.get("question", data["question"])
                got = evaluate_patient(rulesets, patient.facts, patient.id, questions=[question]).get(
                    expected["source"], question
                )
                assert got is not None and got.to_json() == expected, (data["id"], expected["source"])
                checked += 1
    assert checked
