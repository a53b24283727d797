"""Hostile patients and FHIR bundles: each one is refused with a located message, or gives the correct facts.

The files live in tests/data/hostile/patients/. Every case asserts the exact
outcome: the diagnostic's code and position, the exit code and message, or
the facts that reach the rules (and the values refused on the way). JSON
output is parsed strictly: NaN or Infinity would fail it.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

from engine.cli import main
from engine.derive import derivation
from engine.validate import validate_paths
from tests.conftest import REPO

HOSTILE = REPO / "tests" / "data" / "hostile" / "patients"
needs_fhir = pytest.mark.skipif(
    find_spec("fhir") is None or find_spec("fhir.resources") is None, reason="needs the fhir extra"
)


def strict_json(text: str) -> Any:
    def refuse(constant: str) -> Any:
        raise AssertionError(f"JSON output contains {constant}")

    return json.loads(text, parse_constant=refuse)


def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str) -> tuple[int, str, str]:
    monkeypatch.chdir(REPO)
    code = main(list(argv))
    out = capsys.readouterr()
    assert "Traceback" not in out.err and "Traceback" not in out.out
    return code, out.out, out.err


def evaluate(capsys, monkeypatch, name: str, *extra: str) -> tuple[dict[str, Any], str]:
    code, out, err = run(
        capsys, monkeypatch, "eval", "--patient", str(HOSTILE / name), "--question", "dose", "--format", "json", *extra
    )
    assert code == 0, err
    return strict_json(out), err


# ---------------------------------------------------------------- patient files: ranges

RANGE_CASES = [
    # file, line, col, pointer, fact refused, derived?, facts that must not reach the rules
    ("age-negative.yaml", 4, 14, "/facts/age_years", "age_years", False, {"age_years"}),
    ("egfr-huge.yaml", 4, 9, "/facts/egfr", "egfr", False, {"egfr"}),
    ("age-overflow.yaml", 4, 14, "/facts/age_years", "age_years", False, {"age_years", "egfr", "crcl"}),
    ("age-huge-integer.yaml", 4, 14, "/facts/age_years", "age_years", False, {"age_years", "egfr"}),
    (
        "creatinine-tiny.yaml",
        6,
        27,
        "/facts/serum_creatinine_mg_dl",
        "serum_creatinine_mg_dl",
        False,
        {"serum_creatinine_mg_dl", "egfr"},
    ),
    ("derived-egfr-out-of-range.yaml", 6, 27, "/facts/serum_creatinine_mg_dl", "egfr", True, {"egfr"}),
]


@pytest.mark.parametrize(("name", "line", "col", "pointer", "fact", "derived", "absent"), RANGE_CASES)
def test_out_of_range_value_is_a_located_warning_in_validate(name, line, col, pointer, fact, derived, absent) -> None:
    result = validate_paths([HOSTILE / name])
    assert result.ok
    [d] = result.diagnostics
    assert (d.code, d.severity, d.line, d.col, d.pointer) == ("W502", "warning", line, col, pointer)
    assert d.message.startswith(("derived " if derived else "") + fact) and d.message.endswith("treated as missing")


@pytest.mark.parametrize(("name", "line", "col", "pointer", "fact", "derived", "absent"), RANGE_CASES)
def test_out_of_range_value_is_never_evaluated(
    capsys, monkeypatch, name, line, col, pointer, fact, derived, absent
) -> None:
    data, err = evaluate(capsys, monkeypatch, name)
    assert not absent & set(data["facts"]) and not absent & set(data["derived"])
    assert [(r["fact"], r["derived"]) for r in data["refused"]] == [(fact, derived)]
    assert f"{name}:{line}:{col}: warning[W502]: " in err
    # the rules see the fact as missing: a source that needs it is indeterminate and names it
    needed = "egfr" if fact == "serum_creatinine_mg_dl" else fact
    assert any(a["status"] == "indeterminate" and needed in a["missing"] for a in data["answers"])


def test_explain_shows_the_refusal_and_the_fact_as_missing(capsys, monkeypatch) -> None:
    code, out, err = run(
        capsys,
        monkeypatch,
        "explain",
        "--patient",
        str(HOSTILE / "egfr-huge.yaml"),
        "--source",
        "jak-blog",
        "--question",
        "dose",
        "--format",
        "json",
    )
    assert code == 0
    data = strict_json(out)
    assert "egfr" not in data["facts"] and data["refused"][0]["fact"] == "egfr"
    assert data["answer"]["status"] == "indeterminate" and "egfr" in data["answer"]["missing"]
    assert "egfr-huge.yaml:4:9: warning[W502]: egfr = 4.5e+99" in err


def test_huge_integer_is_reported_without_printing_it(capsys, monkeypatch) -> None:
    data, err = evaluate(capsys, monkeypatch, "age-huge-integer.yaml")
    [refused] = data["refused"]
    assert isinstance(refused["value"], str) and "digits" in refused["value"]
    assert "0" * 50 not in err and refused["reason"] == "beyond the range of a floating-point number"


HOSTILE_NUMBERS = [-1e308, 1e308, -0.0, 0, 1e-320, 10**400, -(10**400), math.nan, math.inf, -math.inf, True, "x", None]


@pytest.mark.parametrize("fact", ["age_years", "serum_creatinine_mg_dl", "weight_kg"])
def test_derivation_never_raises_and_gives_only_finite_in_range_values(fact: str) -> None:
    from engine.contract import vocabulary

    facts_of = vocabulary().facts
    for value in HOSTILE_NUMBERS:
        for sex in ("female", "male"):
            base: dict[str, Any] = {"age_years": 50, "sex": sex, "serum_creatinine_mg_dl": 1.0, "weight_kg": 70}
            result = derivation({**base, fact: value})
            for name in ("egfr", "crcl"):
                got = result.facts.get(name)
                if got is not None:
                    low, high = facts_of[name].range
                    assert math.isfinite(got) and low <= got <= high, (fact, value, name, got)
            json.dumps([r.to_json() for r in result.refused], allow_nan=False)


# ---------------------------------------------------------------- FHIR: subjects


@needs_fhir
def test_two_patients_need_a_choice(capsys, monkeypatch) -> None:
    code, out, err = run(capsys, monkeypatch, "eval", "--patient", str(HOSTILE / "two-patients.json"))
    assert code == 1 and out == ""
    assert err.strip() == (
        "accord: the bundle holds 2 patients ('Patient/p1', 'Patient/p2'): "
        "choose one with --patient-id (for example --patient-id p1)"
    )


@needs_fhir
@pytest.mark.parametrize(
    ("pid", "facts"),
    [
        ("p1", {"egfr": 35, "sex": "female", "age_years": 53}),  # p1's own, older eGFR; never p2's newer one
        ("p2", {"egfr": 80, "sex": "male", "age_years": 74}),
        ("Patient/p2", {"egfr": 80, "sex": "male", "age_years": 74}),
    ],
)
def test_each_patient_gets_only_their_own_observations(capsys, monkeypatch, pid, facts) -> None:
    data, err = evaluate(capsys, monkeypatch, "two-patients.json", "--patient-id", pid, "--as-of", "2024-05-01", "-v")
    given = {k: v for k, v in data["facts"].items() if k not in data["derived"]}  # derived: schema/relations.yaml
    assert given == facts and data["patient"] == f"two-patients/{pid.split('/')[-1]}"
    other = "p2" if facts["sex"] == "female" else "p1"
    assert f"belongs to Patient/{other}" in err


@needs_fhir
def test_unknown_patient_id_lists_the_patients(capsys, monkeypatch) -> None:
    code, _, err = run(
        capsys, monkeypatch, "eval", "--patient", str(HOSTILE / "two-patients.json"), "--patient-id", "p3"
    )
    assert code == 1 and err.strip() == "accord: no Patient 'p3' in the bundle; it holds 'Patient/p1', 'Patient/p2'"


@needs_fhir
def test_urn_uuid_and_history_references_resolve(capsys, monkeypatch) -> None:
    data, err = evaluate(capsys, monkeypatch, "urn-uuid-references.json", "--as-of", "2024-05-01")
    given = {k: v for k, v in data["facts"].items() if k not in data["derived"]}  # derived: schema/relations.yaml
    assert given == {"egfr": 42, "weight_kg": 61, "sex": "female", "age_years": 53}
    assert (
        "warning: Observation/scr-elsewhere: subject 'urn:uuid:00000000-0000-0000-0000-000000000000' is no Patient "
        "in the bundle; ignored (at /entry/3/resource/subject/reference)"
    ) in err


@needs_fhir
def test_observations_without_or_with_an_unknown_subject_are_reported_and_ignored(capsys, monkeypatch) -> None:
    data, err = evaluate(capsys, monkeypatch, "orphan-observations.json", "--as-of", "2024-05-01")
    assert data["facts"] == {"weight_kg": 70, "sex": "female", "age_years": 53}
    assert (
        "Observation/egfr-nobody: no subject reference: cannot tell whose Observation it is; ignored (at /entry/1/resource)"
        in err
    )
    assert "Observation/egfr-ghost: subject 'Patient/ghost' is no Patient in the bundle; ignored" in err
    assert "Observation/egfr-group: subject 'Group/ward-7' is no Patient in the bundle; ignored" in err


@needs_fhir
@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "duplicate-patient-id.json",
            "accord: Patient id 'p1' appears twice (at /entry/0/resource and /entry/1/resource): its resources cannot be attributed",
        ),
        (
            "no-patient.json",
            "accord: the bundle has no Patient resource: its observations cannot be attributed to anyone",
        ),
    ],
)
def test_unattributable_bundles_are_refused(capsys, monkeypatch, name, message) -> None:
    code, out, err = run(capsys, monkeypatch, "eval", "--patient", str(HOSTILE / name))
    assert (code, out, err.strip()) == (1, "", message)


def test_patient_id_with_a_patient_file_is_refused(capsys, monkeypatch) -> None:
    code, _, err = run(
        capsys, monkeypatch, "eval", "--patient", str(HOSTILE / "age-negative.yaml"), "--patient-id", "p1"
    )
    assert code == 1 and "--patient-id picks a patient of a FHIR Bundle" in err


# ---------------------------------------------------------------- FHIR: readings


@needs_fhir
def test_same_time_readings_that_disagree_leave_the_fact_unknown(capsys, monkeypatch) -> None:
    data, err = evaluate(capsys, monkeypatch, "same-time-conflict.json", "--as-of", "2024-05-01")
    # creatinine 0.9 (dated 2024-05-01, any time that day) and 2.4 (14:00 that day): either may be the latest
    assert "serum_creatinine_mg_dl" not in data["facts"] and "egfr" in data["facts"]
    [warning] = [line for line in err.splitlines() if "serum_creatinine_mg_dl" in line]
    assert "readings of the same time disagree" in warning and "scr-morning" in warning and "scr-same-day" in warning
    assert "scr-old" not in warning and "left unknown" in warning
    # the same weight twice (70 kg and 70000 g) is no conflict; 20:00 is later than 08:00 on the same day
    assert data["facts"]["weight_kg"] == 70 and data["facts"]["egfr"] == 55


@needs_fhir
def test_out_of_range_bundle_values_are_refused(capsys, monkeypatch) -> None:
    data, err = evaluate(capsys, monkeypatch, "values-out-of-range.json", "--as-of", "2024-05-01")
    assert data["facts"] == {"serum_creatinine_mg_dl": 1, "sex": "female"}
    assert [(r["fact"], r["value"]) for r in data["refused"]] == [("egfr", 4.5e99), ("age_years", 124)]
    assert "values-out-of-range.json: warning[W502]: egfr = 4.5e+99: outside the vocabulary's range 0..200" in err


@needs_fhir
def test_integer_beyond_float_range_in_a_bundle(capsys, monkeypatch) -> None:
    data, err = evaluate(capsys, monkeypatch, "huge-integer-value.json", "--as-of", "2024-05-01")
    assert "serum_creatinine_mg_dl" not in data["facts"]
    [line] = [x for x in err.splitlines() if "Observation/scr" in x]
    assert "beyond the range of a floating-point number; ignored (at /entry/2/resource)" in line and len(line) < 300


@needs_fhir
@pytest.mark.parametrize(
    ("name", "located"),
    [
        ("duplicate-keys.json", "duplicate-keys.json:9:38: error[E005]: duplicate key 'value' (first at line 9)"),
        (
            "infinity-value.json",
            "infinity-value.json:9:34: error[E004]: number 1e999 is out of range (not a finite number)",
        ),
    ],
)
def test_bundle_json_is_loaded_strictly_and_located(capsys, monkeypatch, name, located) -> None:
    code, out, err = run(capsys, monkeypatch, "eval", "--patient", str(HOSTILE / name))
    assert code == 1 and out == "" and err.strip().endswith(located)


# ---------------------------------------------------------------- FHIR: dates


@needs_fhir
@pytest.mark.parametrize(
    "as_of", ["2024-02-30", "2023-02-29", "2024-13-01", "0000-01-01", "2024-5-1", "May 2024", "2024-05"]
)
def test_as_of_must_be_a_real_full_date(capsys, monkeypatch, as_of) -> None:
    code, out, err = run(
        capsys, monkeypatch, "eval", "--patient", str(HOSTILE / "urn-uuid-references.json"), "--as-of", as_of
    )
    assert (code, out) == (1, "")
    assert err.strip() == f"accord: --as-of must be a real calendar date YYYY-MM-DD, not {as_of!r}"


@needs_fhir
@pytest.mark.parametrize(
    ("name", "as_of", "age", "message"),
    [
        ("birthdate-9999-12.json", "2024-05-01", None, "birthDate 9999-12 is in the future"),
        ("birthdate-9999-12.json", None, None, "birthDate 9999-12 is in the future"),
        ("partial-birthdates.json", "2024-07-01", 44, None),  # 1980-05: 44 whichever day of May
        ("partial-birthdates.json", "2024-05-15", None, "the age is 43 or 44"),  # ... but not in mid-May
        (
            "year-only-birthdate.json",
            "2024-07-01",
            None,
            "birthDate 1980 is partial: the age is 43 or 44 on 2024-07-01",
        ),
        ("year-only-birthdate.json", "2024-12-31", 44, None),  # every day of 1980 gives 44 on 31 Dec 2024
        ("urn-uuid-references.json", "1960-01-01", None, "birthDate 1970-05-15 is after the reference date 1960-01-01"),
        (
            "partial-birthdates.json",
            "1980-05-10",
            None,
            "birthDate 1980-05 is possibly after the reference date 1980-05-10",
        ),
    ],
)
def test_birth_dates(capsys, monkeypatch, name, as_of, age, message) -> None:
    data, err = evaluate(capsys, monkeypatch, name, *(["--as-of", as_of] if as_of else []))
    assert data["facts"].get("age_years") == age
    if message:
        [line] = [x for x in err.splitlines() if "birthDate" in x]
        assert message in line and "age_years is unknown" in line and line.endswith("(at /entry/0/resource/birthDate)")


@needs_fhir
def test_effective_date_beyond_the_calendar_is_ignored_with_a_warning(capsys, monkeypatch) -> None:
    data, err = evaluate(capsys, monkeypatch, "out-of-calendar-effective.json")
    assert "weight_kg" not in data["facts"] and data["facts"]["egfr"] == 42 and data["facts"]["age_years"] == 53
    assert (
        "Observation/weight-y10000: weight_kg: effective date '9999-12-31 23:30:00-10:00' is not a real date; ignored"
        in err
    )


# ---------------------------------------------------------------- the fhir extra is optional


def test_without_the_fhir_extra_a_bundle_is_a_clear_message(capsys, monkeypatch) -> None:
    for module in [m for m in sys.modules if m == "fhir" or m.startswith("fhir.")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "fhir", None)  # import fhir.resources -> ImportError
    code, out, err = run(capsys, monkeypatch, "eval", "--patient", str(HOSTILE / "urn-uuid-references.json"))
    assert (code, out) == (1, "")
    assert err.strip() == "accord: reading FHIR needs the fhir extra: pip install 'accord[fhir]'"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_sniffing_a_fifo_does_not_block(tmp_path: Path) -> None:
    from engine.fhir import looks_like_bundle

    fifo = tmp_path / "bundle.json"
    os.mkfifo(fifo)
    start = time.perf_counter()
    assert looks_like_bundle(fifo) is False
    assert time.perf_counter() - start < 1


def test_a_non_finite_number_in_json_output_is_refused_not_printed(capsys, monkeypatch) -> None:
    """Belt and braces: should a non-finite number ever reach the output, eval exits 1 instead of printing Infinity."""
    import engine.evaluate as evaluate_module

    real = evaluate_module.PatientEvaluation.to_json
    monkeypatch.setattr(
        evaluate_module.PatientEvaluation, "to_json", lambda self: {**real(self), "facts": {"egfr": math.inf}}
    )
    code, out, err = run(
        capsys, monkeypatch, "eval", "--patient", str(HOSTILE / "age-negative.yaml"), "--format", "json"
    )
    assert (code, out) == (
        1,
        "",
    ) and "accord eval: cannot write JSON output: Out of range float values are not JSON compliant" in err


def test_accord_test_evaluates_a_refused_value_as_missing_and_says_so(tmp_path: Path, capsys, monkeypatch) -> None:
    from tests.conftest import write_ruleset

    TEXT = "Use 2 mg once daily in adults."
    write_ruleset(
        tmp_path,
        "src",
        TEXT,
        [
            {
                "question": "dose",
                "value": {"mg": 2, "every_days": 1},
                "quote": "Use 2 mg once daily in adults",
                "when": {">=": [{"var": "age_years"}, 18]},
            }
        ],
    )
    (tmp_path / "patients").mkdir()
    (tmp_path / "patients" / "p.yaml").write_text(
        "id: p\nfacts: {age_years: -5}\nexpected: {src: {dose: indeterminate}}\n", encoding="utf-8"
    )
    code, out, _ = run(capsys, monkeypatch, "test", str(tmp_path))
    assert code == 0
    assert (
        "p.yaml:2:20: warning[W502]: age_years = -5: outside the vocabulary's range 0..120 a; treated as missing" in out
    )
    assert out.splitlines()[-1] == "1 expectations, 1 passed, 0 failed"
