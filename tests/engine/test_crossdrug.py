"""engine.crossdrug: comparisons with another drug checked against both drugs' own reference claims."""

from __future__ import annotations

import copy

import pytest
import yaml

from engine.contract import vocabulary
from engine.crossdrug import (
    NOT_SUPPORTED,
    SILENT,
    SUPPORTED,
    ComparisonsError,
    comparison_findings,
    comparison_summary,
    problems,
    read_comparisons,
    rules_from_data,
)
from engine.validate import validate_paths
from tests.conftest import REPO, dump_yaml, write_ruleset

VOCAB = vocabulary()
TEXT = "Alpha says one thing. Beta says another."


def _reference(folder, source_id, drug, claims):
    path = write_ruleset(folder, source_id, TEXT, claims, drug=drug)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["source"].update(role="reference", document=f"{source_id} label", version="1", jurisdiction="US")
    path.write_text(dump_yaml(data), encoding="utf-8")


def _findings(folder, rules=None):
    result = validate_paths([folder], check_patients=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    found = comparison_findings(result.rulesets, VOCAB, rules)
    return {f.claim: f for f in found}


def _labels(folder, bari=(), tofa=()):
    _reference(folder, "bari-label", "baricitinib", [dict(c, id=f"bari-label/{i}") for i, c in enumerate(bari)])
    _reference(folder, "tofa-label", "tofacitinib", [dict(c, id=f"tofa-label/{i}") for i, c in enumerate(tofa)])


def _blog(folder, *claims):
    write_ruleset(folder, "blog", TEXT, [dict(c, id=f"blog/{i}") for i, c in enumerate(claims)], drug="baricitinib")


BARI_THROMBOSIS = {"question": "risk.thrombosis", "value": "reported"}
TOFA_THROMBOSIS = {"question": "risk.thrombosis", "value": "increased"}


def test_a_direction_is_not_supported_when_both_labels_only_warn(tmp_path):
    _labels(tmp_path, bari=[BARI_THROMBOSIS], tofa=[TOFA_THROMBOSIS])
    _blog(tmp_path, {"question": "vs_tofacitinib.thrombosis", "value": "higher"})
    f = _findings(tmp_path)["blog/0"]
    assert (f.verdict, f.drug, f.other, f.value) == (NOT_SUPPORTED, "baricitinib", "tofacitinib", "higher")
    assert [e.claim for e in f.checked["baricitinib"]] == ["bari-label/0"]
    assert [e.claim for e in f.checked["tofacitinib"]] == ["tofa-label/0"]
    assert "no label compares" in f.reason and "reported (bari-label)" in f.reason
    assert f.checked["tofacitinib"][0].citation.startswith("“")  # a quoted reference shows its quote


def test_a_class_effect_is_supported_when_both_labels_warn(tmp_path):
    _labels(tmp_path, bari=[BARI_THROMBOSIS], tofa=[TOFA_THROMBOSIS])
    _blog(
        tmp_path,
        {"question": "vs_tofacitinib.thrombosis", "value": "class_effect"},
        {"question": "vs_tofacitinib.thrombosis", "value": "similar"},
    )
    found = _findings(tmp_path)
    assert found["blog/0"].verdict == SUPPORTED and found["blog/1"].verdict == SUPPORTED
    assert "both drugs' labels warn" in found["blog/0"].reason


def test_a_likeness_needs_both_labels_to_warn(tmp_path):
    _labels(
        tmp_path, bari=[{"question": "risk.thrombosis", "value": "no_significant_increase"}], tofa=[TOFA_THROMBOSIS]
    )
    _blog(tmp_path, {"question": "vs_tofacitinib.thrombosis", "value": "class_effect"})
    f = _findings(tmp_path)["blog/0"]
    assert f.verdict == NOT_SUPPORTED and "not both" in f.reason


def test_labels_silent_on_the_topic(tmp_path):
    _labels(tmp_path, bari=[BARI_THROMBOSIS], tofa=[TOFA_THROMBOSIS])
    _blog(tmp_path, {"question": "vs_tofacitinib.mortality", "value": "higher"})
    f = _findings(tmp_path)["blog/0"]
    assert f.verdict == SILENT and f.checked == {"baricitinib": (), "tofacitinib": ()}


def test_an_ordinary_source_is_not_evidence(tmp_path):
    """Only reference rulesets count: another blog's risk claim does not make the labels speak."""
    _labels(tmp_path)
    _blog(tmp_path, {"question": "vs_tofacitinib.thrombosis", "value": "higher"})
    write_ruleset(tmp_path, "other-blog", TEXT, [{"id": "other-blog/t", **TOFA_THROMBOSIS}], drug="tofacitinib")
    assert _findings(tmp_path)["blog/0"].verdict == SILENT


def test_a_stated_comparison_decides(tmp_path):
    stated = {"question": "vs_tofacitinib.thrombosis", "value": "class_effect"}
    _labels(tmp_path, bari=[stated])  # no risk claims at all: only the statement speaks
    _blog(
        tmp_path,
        {"question": "vs_tofacitinib.thrombosis", "value": "similar"},
        {"question": "vs_tofacitinib.thrombosis", "value": "lower"},
    )
    found = _findings(tmp_path)
    assert found["blog/0"].verdict == SUPPORTED and "bari-label states" in found["blog/0"].reason
    assert found["blog/1"].verdict == NOT_SUPPORTED and "bari-label says class_effect" in found["blog/1"].reason
    # the label's own statement is checked too, never against itself
    own = found["bari-label/0"]
    assert own.verdict == SILENT and all(e.claim != "bari-label/0" for e in own.checked["baricitinib"])


def test_reference_claims_count_only_where_their_patients_meet_the_claims(tmp_path):
    older = {">=": [{"var": "age_years"}, 65]}
    _labels(tmp_path, bari=[dict(BARI_THROMBOSIS, when=older)], tofa=[dict(TOFA_THROMBOSIS, when=older)])
    _blog(
        tmp_path,
        {"question": "vs_tofacitinib.thrombosis", "value": "class_effect", "when": {"<": [{"var": "age_years"}, 50]}},
        {"question": "vs_tofacitinib.thrombosis", "value": "class_effect", "when": {">=": [{"var": "age_years"}, 70]}},
    )
    found = _findings(tmp_path)
    assert found["blog/0"].verdict == SILENT
    assert found["blog/1"].verdict == SUPPORTED


def test_the_rule_is_data(tmp_path):
    """Changing comparisons.yaml changes the verdict: no value is special-cased in code."""
    _labels(tmp_path, bari=[BARI_THROMBOSIS], tofa=[TOFA_THROMBOSIS])
    _blog(tmp_path, {"question": "vs_tofacitinib.thrombosis", "value": "higher"})
    data = copy.deepcopy(read_comparisons())
    data["values"]["higher"]["needs"] = "stated_or_both_warn"
    assert _findings(tmp_path, rules_from_data(data, VOCAB))["blog/0"].verdict == SUPPORTED
    data["warns"] = ["increased"]  # 'reported' no longer counts as the baricitinib label warning
    assert _findings(tmp_path, rules_from_data(data, VOCAB))["blog/0"].verdict == NOT_SUPPORTED


def test_comparisons_data_names_only_what_the_vocabulary_has():
    data = copy.deepcopy(read_comparisons())
    assert problems(data, VOCAB) == []
    # every comparison question with another drug the vocabulary declares is checked
    assert {q for q in VOCAB.questions if q.startswith("vs_tofacitinib.")} == set(data["comparisons"])
    data["comparisons"]["vs_nothing.harm"] = {"other": "x", "topic": "harm", "risks": ["risk.nothing"]}
    data["comparisons"]["vs_tofacitinib.mace"]["risks"] = ["risk.nothing"]
    data["warns"].append("dreadful")
    found = problems(data, VOCAB)
    assert "/comparisons/vs_nothing.harm: unknown question" in found
    assert "/comparisons/vs_tofacitinib.mace/risks/0: unknown question risk.nothing" in found
    assert any(m.startswith("/warns: dreadful is not a value of") for m in found)
    with pytest.raises(ComparisonsError):
        rules_from_data(data, VOCAB)
    del data["values"]
    assert problems(data, VOCAB)[0].startswith("/:")


def test_the_bundled_comparisons():
    """jak-blog's directions have no label support; lucius-label's and the SmPC's class effects have."""
    result = validate_paths([REPO / "rulesets"], check_patients=False)
    found = comparison_findings(result.rulesets, VOCAB)
    verdicts = {f.claim: f.verdict for f in found}
    assert {c: v for c, v in verdicts.items() if c.startswith("jak-blog/")} == {
        "jak-blog/vs-tofacitinib-thrombosis": NOT_SUPPORTED,
        "jak-blog/vs-tofacitinib-infection": NOT_SUPPORTED,
        "jak-blog/vs-tofacitinib-malignancy": NOT_SUPPORTED,
    }
    lucius = {c: v for c, v in verdicts.items() if c.startswith("lucius-label/")}
    assert len(lucius) == 6 and set(lucius.values()) == {SUPPORTED}
    smpc = {c: v for c, v in verdicts.items() if c.startswith("olumiant-eu-smpc/")}
    assert len(smpc) == 5 and set(smpc.values()) == {SUPPORTED}
    assert len(found) == 14
    thrombosis = next(f for f in found if f.claim == "jak-blog/vs-tofacitinib-thrombosis")
    tofa = {e.claim: e.value for e in thrombosis.checked["tofacitinib"]}
    assert tofa == {"xeljanz-us-pi/risk-thrombosis": "increased"}
    bari = {e.claim: e.value for e in thrombosis.checked["baricitinib"]}
    assert bari["olumiant-us-pi/risk-thrombosis"] == "reported"
    assert "olumiant-eu-smpc/vs-tofacitinib-thrombosis-class-effect" in bari
    assert all(e.citation.startswith("Xeljanz") for e in thrombosis.checked["tofacitinib"])
    summary = comparison_summary(found)
    assert summary.splitlines()[0] == "14 comparisons with another drug: 11 supported_by_labels, 3 not_supported"
    assert "not_supported: jak-blog/vs-tofacitinib-thrombosis (jak-blog): vs_tofacitinib.thrombosis = higher" in summary
    assert thrombosis.to_json()["checked"]["tofacitinib"][0]["claim"] == "xeljanz-us-pi/risk-thrombosis"
    assert comparison_summary([]) == "No comparisons with another drug."
