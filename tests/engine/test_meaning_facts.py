"""Fact relations are data: change schema/relations.yaml in a test and watch eval change.

Every relation kind (derivation, implication with its contrapositive, constraint) is exercised
through engine.evaluate with a vocabulary variant, and hostile relations files (unknown fact, wrong
type, cycles) are refused with a located message, never a traceback.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine import derive as derive_module
from engine.contract import vocabulary, vocabulary_from_data
from engine.derive import derivation
from engine.evaluate import evaluate_patient
from engine.jsonlogic import UNKNOWN, compiler, truthy
from engine.loader import load_file
from engine.meaning import facts as meaning
from engine.meaning.facts import RelationsError, check, constraints, derive, load_relations, parse
from engine.validate import validate_paths
from schema import SCHEMA_DIR
from tests.conftest import REPO, dump_yaml, write_ruleset

BASE = {"age_years": 50, "sex": "female", "weight_kg": 70, "indication": "rheumatoid_arthritis"}


def bundled_rulesets() -> dict[str, Any]:
    return {r.source_id: r for r in validate_paths([REPO / "rulesets"], check_patients=False).rulesets}


def variant(change) -> Any:
    """The bundled vocabulary with its relations changed by `change(relations_dict)`."""
    vocab = vocabulary()
    data = load_file(SCHEMA_DIR / "vocabulary.yaml").data
    relations = copy.deepcopy(vocab.relations)
    change(relations)
    return vocabulary_from_data(data, relations=relations, shapes=vocab.shapes, links=vocab.links)


def entry(relations: dict[str, Any], kind: str, ident: str) -> dict[str, Any]:
    return next(e for e in relations[kind] if e["id"] == ident)


def answer_with(monkeypatch, vocab, source: str, question: str, facts: dict[str, Any]) -> Any:
    """What `source` answers for `facts` when eval derives facts with `vocab`."""
    monkeypatch.setattr(derive_module, "vocabulary", lambda: vocab)
    return evaluate_patient([bundled_rulesets()[source]], facts, "p", [question]).answers[0]


# ---------------------------------------------------------------- derivations


def test_bundled_renal_derivation_decides_minimal_medicine(monkeypatch):
    got = answer_with(monkeypatch, vocabulary(), "minimal-medicine", "dose", {**BASE, "egfr": 75, "child_pugh": "none"})
    assert got.status == "answered" and got.value == "adjustment_required"  # eGFR 75: mild impairment (FDA)
    got = answer_with(monkeypatch, vocabulary(), "minimal-medicine", "dose", {**BASE, "egfr": 95, "child_pugh": "none"})
    assert got.status == "answered" and got.value == {"mg": 2, "every_days": 1}


def test_changing_a_threshold_changes_eval(monkeypatch):
    def lower_normal(rel: dict[str, Any]) -> None:  # normal from 70 instead of 90
        entry(rel, "derivations", "renal-category-by-egfr")["cases"][0]["when"] = {">=": [{"var": "egfr"}, 70]}

    facts = {**BASE, "egfr": 75, "child_pugh": "none"}
    got = answer_with(monkeypatch, variant(lower_normal), "minimal-medicine", "dose", facts)
    assert got.status == "answered" and got.value == {"mg": 2, "every_days": 1}


def test_removing_a_derivation_leaves_the_fact_missing(monkeypatch):
    def drop(rel: dict[str, Any]) -> None:
        rel["derivations"] = [d for d in rel["derivations"] if d["id"] != "hepatic-impairment-by-child-pugh"]

    facts = {**BASE, "egfr": 95, "child_pugh": "none"}
    got = answer_with(monkeypatch, variant(drop), "minimal-medicine", "dose", facts)
    assert got.status == "indeterminate" and "hepatic_impairment" in got.missing


def test_crcl_decides_only_without_egfr():
    vocab = vocabulary()
    assert derive({"crcl": 45}, vocab).facts["renal_function_category"] == "moderate"
    assert derive({"crcl": 45, "egfr": 95}, vocab).facts["renal_function_category"] == "normal"
    assert "renal_function_category" not in derive({"sex": "male"}, vocab).facts  # unknown before a match


def test_given_value_wins_and_is_reported():
    vocab = vocabulary()
    result = derive({"egfr": 45, "renal_impairment": False}, vocab)
    assert result.facts["renal_impairment"] is False
    assert "renal_impairment" not in {d.fact for d in result.derived}
    (broken,) = check({"egfr": 45, "renal_impairment": False}, vocab)
    assert broken.kind == "derivation" and broken.fact == "renal_impairment" and "fda-renal-2024" in broken.message


def test_derived_fact_says_definition_citation_and_inputs():
    result = derivation({"age_years": 72, "sex": "male", "serum_creatinine_mg_dl": 3.0, "weight_kg": 70})
    listed = {d["fact"]: d for d in result.listed()}
    assert listed["egfr"]["kind"] == "formula" and listed["egfr"]["inputs"]["serum_creatinine_mg_dl"] == 3.0
    renal = listed["renal_impairment"]
    assert renal["value"] is True and renal["definition"] == "fda-renal-2024"
    assert "Food and Drug Administration" in renal["citation"] and renal["inputs"] == {
        "renal_function_category": "severe"
    }
    assert listed["pregnant"]["value"] is False and listed["pregnant"]["inputs"] == {"sex": "male"}
    assert "fda-renal-2024" in result.how["renal_impairment"] or "renal-impairment" in result.how["renal_impairment"]


def test_months_on_treatment_zero(monkeypatch):
    facts = {**BASE, "egfr": 95, "months_on_treatment": 0}
    got = answer_with(monkeypatch, vocabulary(), "jak-blog", "dose", facts)
    assert got.status == "answered" and got.value == {"mg": 2, "every_days": 1}
    got = answer_with(monkeypatch, vocabulary(), "jak-blog", "dose", {**BASE, "egfr": 95, "months_on_treatment": 4})
    assert got.status == "indeterminate" and "inadequate_response" in got.missing


# ---------------------------------------------------------------- implications


def tiny_rulesets(tmp_path: Path, when: Any) -> list[Any]:
    text = "Use with caution in patients with VTE risk factors."
    write_ruleset(tmp_path, "src", text, [{"question": "initiation", "value": "use_with_caution", "when": when}])
    return validate_paths([tmp_path], check_patients=False).rulesets


def test_implication_and_its_removal(tmp_path, monkeypatch):
    rulesets = tiny_rulesets(tmp_path, {"var": "vte_risk_factor"})
    got = evaluate_patient(rulesets, {"history_vte": True}, "p", ["initiation"]).answers[0]
    assert got.status == "answered" and got.value == "use_with_caution"

    def drop(rel: dict[str, Any]) -> None:
        rel["implications"] = [m for m in rel["implications"] if m["id"] != "history-vte-is-vte-risk-factor"]

    monkeypatch.setattr(derive_module, "vocabulary", lambda: variant(drop))
    got = evaluate_patient(rulesets, {"history_vte": True}, "p", ["initiation"]).answers[0]
    assert got.status == "indeterminate" and got.missing == ("vte_risk_factor",)


def test_contrapositive(tmp_path):
    rulesets = tiny_rulesets(tmp_path, {"var": "history_vte"})
    got = evaluate_patient(rulesets, {"vte_risk_factor": False}, "p", ["initiation"]).answers[0]
    assert got.status == "silent"  # no VTE risk factor: no history of VTE either
    derived = derivation({"vte_risk_factor": False}).relations
    assert any(d.fact == "history_vte" and d.kind == "contrapositive" for d in derived)


def test_broken_implication_is_reported():
    (broken,) = check({"history_vte": True, "vte_risk_factor": False}, vocabulary())
    assert broken.kind == "implication" and broken.fact == "vte_risk_factor"


# ---------------------------------------------------------------- constraints


def test_plausibility_constraint_and_its_removal():
    facts = {"egfr": 95, "crcl": 20}
    assert [v.relation for v in check(facts, vocabulary())] == ["egfr-crcl-within-one-category"]
    assert check({"egfr": 95, "crcl": 65}, vocabulary()) == []  # one category apart: plausible

    def drop(rel: dict[str, Any]) -> None:
        rel["constraints"] = [c for c in rel["constraints"] if c["id"] != "egfr-crcl-within-one-category"]

    assert check(facts, variant(drop)) == []


def test_constraints_read_every_relation():
    ids = {c.id for c in constraints(vocabulary())}
    rel = vocabulary().relations
    assert {e["id"] for kind in ("derivations", "implications", "constraints") for e in rel[kind]} == ids


def holds(rule: Any, facts: dict[str, Any]) -> Any:
    result = compiler("accord").compile(rule)(facts)
    return None if result is UNKNOWN else truthy(result)


def test_implication_constraint_cuts_only_impossible_cells():
    rule = next(c.rule for c in constraints(vocabulary()) if c.id == "history-vte-is-vte-risk-factor")
    assert holds(rule, {"history_vte": True, "vte_risk_factor": False}) is False
    assert holds(rule, {"history_vte": False, "vte_risk_factor": False}) is True
    assert holds(rule, {"history_vte": True}) is None


@pytest.mark.parametrize("egfr", [0, 14.9, 15, 29.9, 30, 59.9, 60, 89.9, 90, 200])
@pytest.mark.parametrize("crcl", [5, 45, 120])
def test_derivation_constraints_hold_for_every_derived_patient(egfr, crcl):
    """What a fully known patient gets is never ruled out: the constraints hold on derived facts."""
    vocab = vocabulary()
    facts = derive({"egfr": egfr, "crcl": crcl, "child_pugh": "B", "sex": "male", "months_on_treatment": 0}, vocab)
    for c in constraints(vocab):
        if c.id == "egfr-crcl-within-one-category":
            continue  # the plausibility bound is a choice about measurements, not a derivation
        assert holds(c.rule, facts.facts) is not False, c.id


def test_derivation_constraint_rules_out_the_wrong_category():
    rule = next(c.rule for c in constraints(vocabulary()) if c.id == "renal-category-by-egfr")
    assert holds(rule, {"egfr": 45, "renal_function_category": "moderate"}) is True
    assert holds(rule, {"egfr": 45, "renal_function_category": "normal"}) is False
    crcl_rule = next(c.rule for c in constraints(vocabulary()) if c.id == "renal-category-by-crcl")
    # with eGFR known, CrCl does not decide the category: a fully known patient takes eGFR's
    assert holds(crcl_rule, {"egfr": 95, "crcl": 45, "renal_function_category": "normal"}) is True


def test_lab_patients_break_no_relation():
    vocab = vocabulary()
    for path in sorted((REPO / "rulesets" / "patients").glob("lab-*.yaml")):
        facts = derivation(dict(load_file(path).data["facts"])).facts
        assert check(facts, vocab) == [], path.name


# ---------------------------------------------------------------- hostile relations files


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "relations.yaml"
    path.write_text(dump_yaml(data), encoding="utf-8")
    return path


def bundled_data() -> dict[str, Any]:
    return copy.deepcopy(vocabulary().relations)


def broken(tmp_path: Path, change) -> str:
    data = bundled_data()
    change(data)
    with pytest.raises(RelationsError) as info:
        load_relations(write(tmp_path, data), vocabulary())
    return str(info.value)


def test_bundled_relations_are_valid():
    rel = load_relations(SCHEMA_DIR / "relations.yaml", vocabulary())
    assert rel.derivations and rel.implications and rel.constraints and rel.underived


def test_unknown_fact_is_located(tmp_path):
    message = broken(tmp_path, lambda d: d["implications"][0].update({"then": "vte_risk_factr"}))
    line = next(
        i
        for i, text in enumerate((tmp_path / "relations.yaml").read_text().splitlines(), 1)
        if "vte_risk_factr" in text
    )
    assert message.startswith(f"{tmp_path / 'relations.yaml'}:{line}:")
    assert "unknown fact 'vte_risk_factr'" in message and "did you mean 'vte_risk_factor'" in message


def test_wrong_value_type_is_located(tmp_path):
    message = broken(tmp_path, lambda d: d["derivations"][0]["cases"][0].update({"value": "nomal"}))
    assert ":" in message.split(" ")[0] and "'nomal' is not a value of renal_function_category" in message


def test_boolean_value_for_enum_and_number_fact(tmp_path):
    assert "not a value of pregnant" in broken(
        tmp_path, lambda d: entry(d, "derivations", "not-pregnant-if-male")["cases"][0].update({"value": "no"})
    )
    assert "is a number" in broken(tmp_path, lambda d: d["derivations"][0].update({"fact": "egfr"}))


def test_implication_on_non_boolean(tmp_path):
    assert "implications join booleans" in broken(tmp_path, lambda d: d["implications"][0].update({"if": "sex"}))


def test_derivation_cycle_terminates_and_is_reported(tmp_path):
    def cycle(d: dict[str, Any]) -> None:
        d["derivations"].append(
            {
                "id": "category-from-impairment",
                "fact": "renal_function_category",
                "definition": "fda-renal-2024",
                "cases": [{"when": {"var": "renal_impairment"}, "value": "mild"}],
            }
        )

    message = broken(tmp_path, cycle)
    assert "cycle of relations" in message and "renal_impairment" in message and "renal_function_category" in message


def test_implication_cycle_terminates_and_is_reported(tmp_path):
    def cycle(d: dict[str, Any]) -> None:
        d["implications"].append(
            {"id": "back", "if": "vte_risk_factor", "then": "history_vte", "definition": "accord-meaning"}
        )

    message = broken(tmp_path, cycle)
    assert "cycle of relations: " in message and "history_vte" in message


def test_unknown_definition_and_duplicate_id(tmp_path):
    assert "unknown definition 'fda-renal-2042'" in broken(
        tmp_path, lambda d: d["derivations"][0].update({"definition": "fda-renal-2042"})
    )
    assert "duplicate relation id" in broken(
        tmp_path, lambda d: d["implications"][1].update({"id": d["implications"][0]["id"]})
    )


def test_bad_rule_and_schema_errors_are_located(tmp_path):
    assert "unknown fact" in broken(tmp_path, lambda d: d["constraints"][0].update({"rule": {"var": "egfrr"}}))
    message = broken(tmp_path, lambda d: d["derivations"][0].update({"cases": []}))
    assert "invalid relations" in message and message.startswith(str(tmp_path))


def test_syntax_error_is_located(tmp_path):
    path = tmp_path / "relations.yaml"
    path.write_text("version: 1\nderivations: [\n", encoding="utf-8")
    with pytest.raises(RelationsError) as info:
        load_relations(path, vocabulary())
    assert str(info.value).startswith(f"{path}:")


def test_variant_without_file_names_pointer():
    data = bundled_data()
    data["implications"][0]["if"] = "nope"
    with pytest.raises(RelationsError) as info:
        parse(data, vocabulary())
    assert str(info.value).startswith("<relations> at /implications/0/if:")


def test_no_relations_derives_nothing():
    vocab = variant(lambda rel: [rel.pop(k) for k in ("derivations", "implications", "constraints")])
    assert derive({"sex": "male", "egfr": 20}, vocab).derived == []
    assert constraints(vocab) == ()
    assert meaning.relations(vocab).underived  # kept


def test_yaml_roundtrip_of_bundled_file_is_the_loaded_data():
    assert yaml.safe_load((SCHEMA_DIR / "relations.yaml").read_text(encoding="utf-8")) == vocabulary().relations


def test_eval_and_explain_show_the_definition():
    from engine.explain import explain, explain_text

    ruleset = bundled_rulesets()["dr-oracle"]
    facts = {"age_years": 60, "sex": "male", "weight_kg": 75, "serum_creatinine_mg_dl": 1.0, "child_pugh": "C"}
    data = explain(ruleset, "initiation", facts).to_json()
    hepatic = next(d for d in data["derivations"] if d["fact"] == "hepatic_impairment")
    assert hepatic["value"] is True and hepatic["definition"] == "fda-hepatic-2003"
    assert hepatic["inputs"] == {"child_pugh": "C"} and "hepatic_impairment" in data["derived"]
    text = explain_text(ruleset, "initiation", facts)
    assert "derived hepatic_impairment = true by hepatic-impairment-by-child-pugh" in text
    assert "Impaired Hepatic Function" in text
    evaluation = evaluate_patient([ruleset], facts, "p", ["initiation"]).to_json()
    assert evaluation["answers"][0]["values"][0]["value"] == "contraindicated"
    assert {d["fact"] for d in evaluation["derivations"]} >= {"egfr", "crcl", "hepatic_impairment", "pregnant"}
