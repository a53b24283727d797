"""FHIR R4 Bundles mapped to vocabulary facts: codes from the vocabulary, UCUM conversion, reported leftovers."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

pytest.importorskip("fhir.resources")

from engine.contract import vocabulary  # noqa: E402
from engine.fhir import FhirError, convert, facts_from_bundle, looks_like_bundle  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "fhir"


def _bundle(*resources: dict) -> dict:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


def _obs(code: str, value: float | None = None, unit: str | None = None, when: str = "2024-05-01", **extra) -> dict:
    obs = {
        "resourceType": "Observation",
        "status": "final",
        "effectiveDateTime": when,
        "subject": {"reference": "Patient/p"},
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
    }
    if value is not None:
        obs["valueQuantity"] = {
            "value": value,
            "system": "http://unitsofmeasure.org",
            **({"code": unit} if unit else {}),
        }
    obs.update(extra)
    return obs


PATIENT = {"resourceType": "Patient", "id": "p", "gender": "female", "birthDate": "1970-05-15"}


def test_full_bundle_maps_every_fact() -> None:
    facts, notes = facts_from_bundle(DATA / "full-patient.json", as_of="2024-05-01")
    assert facts == {
        "sex": "female",
        "age_years": 53,
        "serum_creatinine_mg_dl": pytest.approx(97 / 88.42, abs=1e-4),
        "egfr": 58,
        "anc": 2.5,
        "alc": 1.1,
        "hemoglobin_g_dl": 12.5,
        "weight_kg": pytest.approx(154 * 0.45359237, abs=1e-4),
        "pregnant": False,
        "indication": "rheumatoid_arthritis",
    }
    assert not [n for n in notes if n.level == "warning"]


def test_age_is_relative_to_as_of() -> None:
    assert facts_from_bundle(_bundle(PATIENT), as_of="2024-05-14")[0]["age_years"] == 53
    assert facts_from_bundle(_bundle(PATIENT), as_of="2024-05-15")[0]["age_years"] == 54


def test_default_reference_date_is_latest_observation() -> None:
    facts, notes = facts_from_bundle(_bundle(PATIENT, _obs("29463-7", 70, "kg", when="2030-06-01")))
    assert facts["age_years"] == 60
    assert any("latest observation date" in str(n) for n in notes)


@pytest.mark.parametrize(
    ("fact", "value", "unit", "expected"),
    [
        ("serum_creatinine_mg_dl", 88.42, "umol/L", 1.0),
        ("serum_creatinine_mg_dl", 1.2, "mg/dL", 1.2),
        ("hemoglobin_g_dl", 130, "g/L", 13.0),
        ("hemoglobin_g_dl", 8.1, "mmol/L", 13.052745),  # monomer basis: 8.1 x 1.61145 (0.6206 mmol/L per g/dL)
        ("anc", 1.5, "10*3/uL", 1.5),
        ("anc", 1500, "/uL", 1.5),
        ("alc", 0.8, "10*9/L", 0.8),
        ("weight_kg", 100, "[lb_av]", 45.359237),
        ("weight_kg", 70000, "g", 70.0),
    ],
)
def test_unit_conversion(fact: str, value: float, unit: str, expected: float) -> None:
    assert convert(value, unit, vocabulary().facts[fact]) == pytest.approx(expected)


def test_unconvertible_and_missing_units_are_reported_not_guessed() -> None:
    facts, notes = facts_from_bundle(
        _bundle(
            PATIENT,
            _obs("718-7", 8.1, "%"),  # haemoglobin as a fraction: no factor
            _obs("751-8", 3.2),  # ANC without a unit
            _obs("2160-0", 1.1, "mg"),  # creatinine in a mass unit
        ),
        as_of="2024-05-01",
    )
    assert "hemoglobin_g_dl" not in facts and "anc" not in facts and "serum_creatinine_mg_dl" not in facts
    warnings = [str(n) for n in notes if n.level == "warning"]
    assert any("'%' cannot be converted to 'g/dL'" in w for w in warnings)
    assert any("anc: value 3.2 has no unit" in w for w in warnings)
    assert any("'mg' cannot be converted to 'mg/dL'" in w for w in warnings)


def test_unmapped_resources_codes_and_statuses_are_listed() -> None:
    facts, notes = facts_from_bundle(DATA / "unmapped.json", as_of="2024-06-01")
    assert facts == {
        "sex": "male",
        "age_years": 65,
        "serum_creatinine_mg_dl": 1.4,
        "weight_kg": 82,
        "indication": "alopecia_areata",
    }
    warnings = {n.resource: n.message for n in notes if n.level == "warning"}
    assert "maps to no fact" in warnings["Observation/glucose"] and "2345-7" in warnings["Observation/glucose"]
    assert "38341003" in warnings["Condition/hypertension"]
    assert "resolved" in warnings["Condition/covid-resolved"]
    assert "entered-in-error" in warnings["Observation/alc-error"]
    assert "not mapped" in warnings["MedicationStatement/mtx"]
    assert "not a valid FHIR R4 Observation" in warnings["Observation/broken"]
    assert "unknown FHIR resource type" in warnings["Spaceship/x"]
    assert "'%' cannot be converted" in warnings["Observation/hb-fraction"]
    # the latest creatinine wins, and the note says so
    assert any("latest of 2" in n.message for n in notes if n.level == "info")


def test_pregnancy_status_and_condition() -> None:
    pregnant = _obs(
        "82810-3", valueCodeableConcept={"coding": [{"system": "http://snomed.info/sct", "code": "77386006"}]}
    )
    assert facts_from_bundle(_bundle(PATIENT, pregnant), as_of="2024-05-01")[0]["pregnant"] is True
    unknown = _obs(
        "82810-3", valueCodeableConcept={"coding": [{"system": "http://snomed.info/sct", "code": "261665006"}]}
    )
    facts, notes = facts_from_bundle(_bundle(PATIENT, unknown), as_of="2024-05-01")
    assert "pregnant" not in facts and any("261665006" in str(n) for n in notes)


def test_two_indications_are_ambiguous_not_guessed() -> None:
    def condition(code: str) -> dict:
        return {
            "resourceType": "Condition",
            "subject": {"reference": "Patient/p"},
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": code}]},
        }

    facts, notes = facts_from_bundle(_bundle(PATIENT, condition("69896004"), condition("24079001")), as_of="2024-05-01")
    assert "indication" not in facts
    assert any("indication: the resources disagree" in str(n) for n in notes)


def test_partial_birth_date_and_other_gender() -> None:
    patient = {"resourceType": "Patient", "gender": "other", "birthDate": "1970"}
    facts, notes = facts_from_bundle(_bundle(patient), as_of="2024-05-01")
    assert facts == {}
    text = " ".join(str(n) for n in notes)
    assert "gender 'other'" in text and "partial" in text
    # a partial date that cannot change the age is used
    assert (
        facts_from_bundle(_bundle({"resourceType": "Patient", "birthDate": "1970-01"}), as_of="2024-05-01")[0][
            "age_years"
        ]
        == 54
    )


@pytest.mark.parametrize("data", [{"resourceType": "Patient"}, [], {"resourceType": "Bundle", "entry": 3}])
def test_not_a_bundle_is_a_clean_error(data) -> None:
    with pytest.raises(FhirError):
        facts_from_bundle(data)


def test_bad_files_are_clean_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(FhirError, match=r"bad\.json:1:2: error\[E004\]: invalid JSON"):
        facts_from_bundle(bad)
    with pytest.raises(FhirError):
        facts_from_bundle(tmp_path / "missing.json")
    with pytest.raises(FhirError, match="YYYY-MM-DD"):
        facts_from_bundle(_bundle(PATIENT), as_of="May 2024")


def test_looks_like_bundle(tmp_path: Path) -> None:
    assert looks_like_bundle(DATA / "full-patient.json")
    other = tmp_path / "p.json"
    other.write_text(json.dumps({"id": "p", "facts": {}}), encoding="utf-8")
    assert not looks_like_bundle(other)


def test_no_clinical_codes_hard_coded_in_python() -> None:
    """Every LOINC / SNOMED code used by the mapping comes from schema/vocabulary.yaml."""
    source = (REPO / "engine" / "fhir.py").read_text(encoding="utf-8")
    strings = [
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    codes = [s for s in strings if re.fullmatch(r"\d{3,}(-\d)?", s)]
    assert codes == []


def test_accord_eval_accepts_a_bundle(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.cli import main

    monkeypatch.chdir(REPO)
    assert (
        main(["eval", "--patient", "tests/data/fhir/unmapped.json", "--as-of", "2024-06-01", "--format", "json"]) == 0
    )
    out = capsys.readouterr()
    payload = json.loads(out.out)
    assert payload["facts"]["sex"] == "male" and payload["facts"]["age_years"] == 65
    assert payload["facts"]["serum_creatinine_mg_dl"] == 1.4 and "egfr" in payload["derived"]
    assert "warning: Observation/glucose" in out.err and "2345-7" in out.err
    assert main(["eval", "--patient", "tests/data/fhir/unmapped.json", "--as-of", "June", "-q"]) == 1
    err = capsys.readouterr().err
    assert "YYYY-MM-DD" in err and "Traceback" not in err


def test_accord_explain_accepts_a_bundle(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.cli import main

    monkeypatch.chdir(REPO)
    argv = [
        "explain",
        "--patient",
        "tests/data/fhir/full-patient.json",
        "--source",
        "jak-blog",
        "--question",
        "dose",
        "--as-of",
        "2024-05-01",
    ]
    assert main(argv + ["--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["patient"] == "full-patient"
    applied = [c["claim"] for c in payload["claims"] if c["state"] == "applied"]
    assert "jak-blog/calc-egfr-above-50" in applied  # eGFR 58 from the bundle's Observation
    assert main(argv[:-2] + ["--as-of", "May"]) == 1
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_only_the_chosen_patient_is_validated_and_an_invalid_one_keeps_its_observations() -> None:
    bad = {"resourceType": "Patient", "id": "q", "birthDate": "2024-02-30"}
    facts, notes = facts_from_bundle(_bundle(PATIENT, bad), as_of="2024-05-01", patient_id="p")
    assert facts == {"sex": "female", "age_years": 53} and not [n for n in notes if n.level == "warning"]
    weight = dict(_obs("29463-7", 70, "kg"), subject={"reference": "Patient/q"})
    facts, notes = facts_from_bundle(_bundle(PATIENT, bad, weight), as_of="2024-05-01", patient_id="q")
    assert facts == {"weight_kg": 70}
    warnings = [str(n) for n in notes if n.level == "warning"]
    assert any("not a valid FHIR R4 Patient: birthDate" in w for w in warnings)
    assert any("sex and age are unknown" in w for w in warnings)


def test_too_many_mapped_resources_is_refused_before_validating(monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.fhir as fhir

    monkeypatch.setattr(fhir, "MAX_MAPPED_RESOURCES", 3)
    unmapped = [_obs("2345-7", 95, "mg/dL") for _ in range(10)]  # codes that map to nothing do not count
    assert (
        facts_from_bundle(_bundle(PATIENT, *unmapped, *[_obs("29463-7", 70, "kg")] * 3), as_of="2024-05-01")[0][
            "weight_kg"
        ]
        == 70
    )
    with pytest.raises(
        FhirError, match="Patient/p has 4 Observations and Conditions with mapped codes; the limit is 3"
    ):
        facts_from_bundle(_bundle(PATIENT, *[_obs("29463-7", 70, "kg")] * 4), as_of="2024-05-01")


def test_printed_warnings_are_capped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import engine.commands._patients as patients

    monkeypatch.setattr(patients, "MAX_PRINTED_WARNINGS", 2)
    path = tmp_path / "b.json"
    path.write_text(json.dumps(_bundle(PATIENT, *[_obs("2345-7", 95, "mg/dL")] * 5)), encoding="utf-8")
    assert patients.load_bundle_inputs(str(path), str(REPO / "rulesets"), as_of="2024-05-01") is not None
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 3 and err[-1] == f"{path}: ... and 3 more warnings (--verbose prints every note)"


def test_notes_escape_control_characters() -> None:
    sneaky = {
        "resourceType": "Observation",
        "status": "final",
        "subject": {"reference": "Patient/p\n::error::x"},
        "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
    }
    _, notes = facts_from_bundle(_bundle(PATIENT, sneaky), as_of="2024-05-01")
    [line] = [str(n) for n in notes if "subject" in n.message]
    assert "\n" not in line and "\\n::error::x" in line


def test_age_from_birth_date_outranks_an_older_age_observation_and_must_agree_with_one_of_the_same_day() -> None:
    old_age = _obs("30525-0", 40, "a", when="2010-01-01")
    facts, _ = facts_from_bundle(_bundle(PATIENT, old_age), as_of="2024-05-01")
    assert facts["age_years"] == 53
    same_day = _obs("30525-0", 60, "a", when="2024-05-01")
    facts, notes = facts_from_bundle(_bundle(PATIENT, same_day), as_of="2024-05-01")
    assert "age_years" not in facts and any("age_years: readings of the same time disagree" in str(n) for n in notes)
    agreeing = _obs("30525-0", 53, "a", when="2024-05-01")
    assert facts_from_bundle(_bundle(PATIENT, agreeing), as_of="2024-05-01")[0]["age_years"] == 53


def test_fhir_modules_return_notes_and_never_print_or_reach_the_cli() -> None:
    """The domain modules of FHIR reading give data and notes; only engine/commands prints them."""
    for name in ("fhir.py", "fhir_subjects.py", "fhir_dates.py"):
        tree = ast.parse((REPO / "engine" / name).read_text(encoding="utf-8"))
        calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        imports = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        imports |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert "print" not in calls, name
        assert not {m for m in imports if m in ("sys", "argparse") or m.startswith("engine.commands")}, name


def test_a_bundle_with_broken_rulesets_is_refused_once_with_the_folder_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from engine.commands._patients import load_bundle_inputs

    folder = tmp_path / "rules\x1b]0;x"
    folder.mkdir()
    (folder / "r.yaml").write_text("source: [\n", encoding="utf-8")
    assert load_bundle_inputs(str(DATA / "full-patient.json"), str(folder), as_of="2024-05-01") is None
    err = capsys.readouterr().err
    assert "\x1b" not in err.splitlines()[-1] and err.count("have errors; run `accord validate") == 1
    assert err.splitlines()[-1].startswith("accord: the rulesets in ") and "\\x1b]0;x" in err.splitlines()[-1]
