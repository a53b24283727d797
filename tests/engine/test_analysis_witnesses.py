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


@pytest.fixture(scope="module")
def bundled() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rulesets = validate_paths([REPO / "rulesets"], check_patients=False).rulesets
    return witnesses(rulesets)


def test_bundled_region_witnesses_break_no_relation(bundled, tmp_path):
    regions, _ = bundled
    assert regions
    assert broken(regions) == []
    assert as_patients(tmp_path, regions) == []


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
    assert result.diagnostics == []
    return witnesses(result.rulesets)


def test_region_witness_carries_the_hidden_fact(hidden):
    regions, _ = hidden
    assert any("crcl" in w and w.get("renal_impairment") is False for w in regions)
    assert broken(regions) == []
    carried = [w for w in regions if "crcl" in w and w.get("renal_impairment") is False]
    assert all(w.get("egfr", 0) >= 90 for w in carried), carried


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


def test_bundled_witnesses_are_patients_a_clinician_meets(bundled):
    """No bundled conflict's witness is 95 years old when its cell admits 71 (the typical values of vocabulary.yaml)."""
    import json

    report = json.loads((REPO / "conflicts" / "report.json").read_text(encoding="utf-8"))
    ages = [c["witness"]["facts"]["age_years"] for c in report["conflicts"] if "age_years" in c["witness"]["facts"]]
    assert ages and max(ages) <= 71 and 50 in ages
