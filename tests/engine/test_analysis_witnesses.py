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


MINIMAL_WITNESS = (
    "engine/conflicts.py minimal_witness drops a hidden fact the answers do not read (egfr beside crcl 75 and "
    "renal_impairment false), so the witness breaks renal-impairment-by-category; it must keep a fact whose "
    "removal makes engine.meaning.facts.check find a violation (the lead's file)"
)


# not strict: whether a bundled witness needs a hidden fact depends on the rulesets of the day
@pytest.mark.xfail(strict=False, reason=MINIMAL_WITNESS)
def test_bundled_conflict_witnesses_break_no_relation(bundled, tmp_path):
    _, conflicts = bundled
    assert conflicts
    assert broken(conflicts) == []
    assert as_patients(tmp_path, conflicts) == []


TEXT = "Contraindicated in renal impairment. Avoid in hepatic impairment. Caution with VTE risk. Caution with CrCl below 30."


@pytest.fixture(scope="module")
def hidden(tmp_path_factory) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One source whose dose and initiation claims read renal_impairment and crcl but not egfr: a cell with
    CrCl 75 and renal_impairment false is feasible only through an eGFR of 90 or more (a hidden fact)."""
    tmp = tmp_path_factory.mktemp("hidden")
    write_ruleset(
        tmp,
        "a",
        TEXT,
        [
            {"question": "dose", "value": "contraindicated", "when": {"var": "renal_impairment"}, "quote": TEXT[:35]},
            {
                "question": "dose",
                "value": "not_recommended",
                "when": {"var": "hepatic_impairment"},
                "quote": "Avoid in hepatic impairment",
            },
            {
                "question": "initiation",
                "value": "use_with_caution",
                "when": {"var": "vte_risk_factor"},
                "quote": "Caution with VTE risk",
            },
            {
                "question": "initiation",
                "value": "use_with_caution",
                "when": {"<": [{"var": "crcl"}, 30]},
                "quote": "Caution with CrCl below 30",
            },
        ],
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


@pytest.mark.xfail(strict=True, reason=MINIMAL_WITNESS)
def test_conflict_witness_keeps_the_hidden_fact(hidden):
    _, conflicts = hidden
    assert broken(conflicts) == []


def test_complete_leaves_a_consistent_witness_alone():
    w = {"crcl": 75, "renal_impairment": True}
    assert complete(w, vocabulary()) is w


def test_complete_adds_values_of_hidden_facts():
    w = {"crcl": 75, "renal_impairment": False}
    vocab = vocabulary()
    assert check(w, vocab)
    done = complete(w, vocab)
    assert check(done, vocab) == []
    assert {k: done[k] for k in w} == w and len(done) > len(w)
