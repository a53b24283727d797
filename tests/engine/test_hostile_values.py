"""Hostile corpus, values room: schema regexes that mean one thing everywhere, numbers in values.

JSON Schema's `pattern` is ECMA-262; the `jsonschema` package searches with
Python's `re` (where `$` also matches before a final newline and `\\d` takes
Arabic-Indic digits) and jsonschema-rs with Rust's regex. Every pattern in
schema/ must mean the same in all three, so no hostile id slips through the
engine that decides. Files under tests/data/hostile/values/.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.cli import main
from engine.conflicts import find_conflicts
from engine.contract import _strict_integer_validator
from engine.evaluate import evaluate_patient
from engine.loader import load_file, load_text
from engine.model import value_key
from engine.validate import validate_paths, validate_ruleset_document
from tests.conftest import REPO, write_ruleset

DATA = Path(__file__).resolve().parent.parent / "data" / "hostile" / "values"
END = r"$(?![\s\S])"
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
TEXT = "Use 2 mg once daily. Avoid when eGFR is below 30."


def _schemas() -> Iterator[tuple[str, Any]]:
    for path in sorted((REPO / "schema").glob("*.schema.json")):
        yield path.name, json.loads(path.read_text(encoding="utf-8"))
    vocab = load_file(REPO / "schema" / "vocabulary.yaml").data
    for name, question in vocab["questions"].items():
        yield f"vocabulary.yaml#{name}", question["value"]


def _patterns(node: Any, negated: bool = False) -> Iterator[tuple[str, bool]]:
    """Every `pattern` keyword (with whether it sits under a `not`), including inside propertyNames."""
    stack = [(node, negated)]
    while stack:
        current, under_not = stack.pop()
        if isinstance(current, dict):
            if isinstance(current.get("pattern"), str):
                yield current["pattern"], under_not
            for key, child in current.items():
                if key not in ("properties", "$defs", "patternProperties"):
                    stack.append((child, under_not or key == "not"))
                elif isinstance(child, dict):
                    stack.extend((grandchild, under_not) for grandchild in child.values())
        elif isinstance(current, list):
            stack.extend((child, under_not) for child in current)


PATTERNS = sorted({(p, neg) for _, schema in _schemas() for p, neg in _patterns(schema)})
POSITIVE = [p for p, neg in PATTERNS if not neg]
NEGATED = [p for p, neg in PATTERNS if neg]


@cache
def _validators(pattern: str) -> tuple[Any, Any]:
    schema = {"type": "string", "pattern": pattern}
    return jsonschema_rs.Draft202012Validator(schema), _strict_integer_validator()(schema)


def _verdicts(pattern: str, text: str) -> tuple[bool, bool]:
    fast, slow = _validators(pattern)
    return fast.is_valid(text), slow.is_valid(text)


def _engine_dependent(pattern: str) -> list[str]:
    """Constructs whose meaning differs between ECMA-262, Python re and Rust regex."""
    problems = []
    body = pattern.replace(r"[\s\S]", "")
    if re.search(r"\\[dDwWsSbB]", body):
        problems.append("a shorthand class (\\d \\w \\s \\b): spell the characters out")
    if re.search(r"(?<!\\)\.", re.sub(r"\[(\\.|[^\]])*\]", "", body)):
        problems.append("'.' outside a class (line terminators differ)")
    if re.search(r"(?<!\\)\$(?!\(\?!\[\\s\\S\]\))", pattern):
        problems.append(f"'$' must be written {END} (Python's $ matches before a final newline)")
    return problems


def test_the_walk_finds_the_patterns():
    assert len(POSITIVE) >= 8 and len(NEGATED) >= 3
    assert "^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9._-]*" + END in POSITIVE


@pytest.mark.parametrize("pattern", [p for p, _ in PATTERNS])
def test_no_pattern_depends_on_the_regex_engine(pattern):
    assert _engine_dependent(pattern) == []


@pytest.mark.parametrize("pattern", [r"^\d{4}$", r"^[a-z]+$", r"^a.b", r"\s"])
def test_the_lint_catches_engine_dependent_patterns(pattern):
    assert _engine_dependent(pattern)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_a_match_plus_newline_or_foreign_digits_is_refused_by_both(data):
    pattern = data.draw(st.sampled_from(POSITIVE))
    core = pattern.removesuffix(END)
    sample = data.draw(st.from_regex(core, fullmatch=True, alphabet=st.characters(codec="ascii")))
    assert _verdicts(pattern, sample) == (True, True), sample
    assert _verdicts(pattern, sample + "\n") == (False, False)
    assert _verdicts(pattern, sample + "\r\n") == (False, False)
    foreign = sample.translate(ARABIC_INDIC)
    if foreign != sample:
        assert _verdicts(pattern, foreign) == (False, False), foreign


TRICKY = [
    chr(c)
    for c in [
        *range(0x100),
        0x660,
        0x669,
        0x6F0,
        0x966,
        0x1680,
        *range(0x2000, 0x2010),
        0x2028,
        0x2029,
        0x202F,
        0x205F,
        0x3000,
        0xFF10,
        0xFEFF,
        0x1D7CE,
    ]
]


@pytest.mark.parametrize("pattern", NEGATED)
def test_negated_patterns_agree_on_every_tricky_character(pattern):
    schema = {"type": "string", "pattern": pattern}
    fast, slow = jsonschema_rs.Draft202012Validator(schema), _strict_integer_validator()(schema)
    for text in [c for ch in TRICKY for c in (ch, "a" + ch, ch + "a", "a" + ch + "a")]:
        assert fast.is_valid(text) == slow.is_valid(text), (pattern, text)


@pytest.mark.parametrize(
    "field,value",
    [
        ("id", "jak-blog/renal-decline-adjust\n"),
        ("id", "jak-blog/renal-decline-adjust\r\n"),
        ("question", "dose\n"),
    ],
)
def test_claim_strings_with_a_trailing_newline_are_E100(tmp_path, field, value):
    path = write_ruleset(tmp_path, "jak-blog", TEXT, [{"question": "dose", "value": {"mg": 2, "every_days": 1}}])
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["claims"][0][field] = value
    _, diags = validate_ruleset_document(load_text(yaml.safe_dump(data), str(path)), check_source=False)
    assert ("E100", f"/claims/0/{field}") in [(d.code, d.pointer) for d in diags], [d.format() for d in diags]


def test_hostile_retrieved_date_with_arabic_indic_digits_is_E100(tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "sources").mkdir()
    (folder / "sources" / "src.txt").write_text(TEXT, encoding="utf-8")
    path = folder / "src.yaml"
    path.write_bytes((DATA / "arabic-indic-date.yaml").read_bytes())
    result = validate_paths([folder])
    assert [(d.code, d.line, d.pointer) for d in result.diagnostics] == [("E100", 6, "/source/retrieved")]


# ---------------------------------------------------------------- numbers in values


def _two_sources(tmp_path: Path, first: dict[str, Any], second: dict[str, Any], same_source: bool = False) -> list[Any]:
    if same_source:
        write_ruleset(
            tmp_path, "alpha", TEXT, [{"question": "dose", "value": first}, {"question": "dose", "value": second}]
        )
    else:
        write_ruleset(tmp_path, "alpha", TEXT, [{"question": "dose", "value": first}])
        write_ruleset(tmp_path, "beta", TEXT, [{"question": "dose", "value": second}])
    result = validate_paths([tmp_path], check_patients=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    return result.rulesets


@pytest.mark.parametrize("same_source", [False, True])
def test_an_integral_float_is_the_same_answer_as_the_int(tmp_path, same_source):
    rulesets = _two_sources(tmp_path, {"mg": 2.0, "every_days": 1}, {"every_days": 1, "mg": 2}, same_source)
    conflicts, _ = find_conflicts(rulesets)
    assert conflicts == []
    answer = evaluate_patient(rulesets, {"egfr": 50}).answers
    assert all(a.status == "answered" and len(a.values) == 1 for a in answer if a.question == "dose")


def test_different_numbers_still_conflict(tmp_path):
    rulesets = _two_sources(tmp_path, {"mg": 2.5, "every_days": 1}, {"mg": 2, "every_days": 1})
    conflicts, _ = find_conflicts(rulesets)
    assert len(conflicts) == 1


@pytest.mark.parametrize(
    "value,expected",
    [
        ({"mg": 2.0, "every_days": 1}, {"every_days": 1, "mg": 2}),
        ([1.0, 2.5, True, {"a": -0.0}], [1, 2.5, True, {"a": 0}]),
        (True, True),
        (1e300, int(1e300)),
    ],
)
def test_value_keys_follow_numeric_equality(value, expected):
    assert value_key(value) == value_key(expected)
    assert value_key(True) != value_key(1)


def test_a_huge_integer_in_a_claim_value_is_E207_located(tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "sources").mkdir()
    (folder / "sources" / "src.txt").write_text(TEXT, encoding="utf-8")
    (folder / "src.yaml").write_bytes((DATA / "huge-mg.yaml").read_bytes())
    result = validate_paths([folder])
    assert [(d.code, d.line, d.col, d.pointer) for d in result.diagnostics] == [("E207", 11, 9, "/claims/0/value/mg")]
    assert "401 digits" in result.diagnostics[0].message


def test_a_huge_integer_in_an_expected_value_is_E207(tmp_path):
    write_ruleset(tmp_path, "alpha", TEXT, [{"question": "dose", "value": {"mg": 2, "every_days": 1}}])
    (tmp_path / "patients").mkdir()
    (tmp_path / "patients" / "p.yaml").write_text(
        "id: p\nfacts: {egfr: 40}\nexpected: {alpha: {dose: {mg: " + "9" * 400 + ", every_days: 1}}}\n",
        encoding="utf-8",
    )
    result = validate_paths([tmp_path])
    assert [(d.code, d.pointer) for d in result.diagnostics] == [("E207", "/expected/alpha/dose/mg")]


def test_huge_mg_through_the_cli_is_one_located_error(tmp_path, capsys):
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "sources").mkdir()
    (folder / "sources" / "src.txt").write_text(TEXT, encoding="utf-8")
    (folder / "src.yaml").write_bytes((DATA / "huge-mg.yaml").read_bytes())
    for argv in (["validate", str(folder)], ["conflicts", "--rulesets", str(folder), "--out", str(tmp_path / "out")]):
        code = main(argv)
        out = capsys.readouterr()
        assert code != 0 and "Traceback" not in out.err + out.out
        assert "E207" in out.out + out.err, argv


@pytest.mark.parametrize("number", [1, 7, 10, 99, 100, 10**399, 10**400 - 1, -(10**400)])
def test_digit_counts_are_exact(number):
    from engine.values import _digits

    assert _digits(number) == f"{len(str(abs(number))):,}"


# ---------------------------------------------------------------- integers read back from report.json


@pytest.mark.parametrize("where", ["cells_evaluated", "max_cells"])
def test_report_integer_fields_written_as_floats_are_refused(where):
    from engine.contract import validator

    report = json.loads((REPO / "conflicts" / "report.json").read_text(encoding="utf-8"))
    assert validator("report").is_valid(report)
    report["analysis"][where] = float(report["analysis"][where])
    assert not validator("report").is_valid(report)
    errors = list(validator("report").iter_errors(report))
    assert [list(e.absolute_path) for e in errors] == [["analysis", where]]


def test_an_offset_written_as_a_float_is_E404_even_beside_other_errors(tmp_path):
    path = write_ruleset(tmp_path, "alpha", TEXT, [{"question": "dose", "value": {"mg": 2, "every_days": 1}}])
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["claims"][0]["provenance"]["end"] = 19.0
    data["claims"][0]["status"] = "done"  # a schema error elsewhere: both validators now see 19.0 too
    _, diags = validate_ruleset_document(load_text(yaml.safe_dump(data), str(path)), check_source=False)
    assert sorted((d.code, d.pointer) for d in diags) == [
        ("E100", "/claims/0/status"),
        ("E404", "/claims/0/provenance/end"),
    ]


# ---------------------------------------------------------------- --patient is a project file like any other

SECRET = "SECRET-TOKEN-9c1e"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    write_ruleset(folder, "alpha", TEXT, [{"question": "dose", "value": {"mg": 2, "every_days": 1}}])
    (folder / "patients").mkdir()
    return folder


def _run(capsys: Any, *argv: str) -> tuple[int, str]:
    import signal

    def hung(*_: Any) -> None:
        raise AssertionError("accord blocked on a read")

    old = signal.signal(signal.SIGALRM, hung) if hasattr(signal, "SIGALRM") else None
    if old is not None:
        signal.alarm(5)
    try:
        code = main(list(argv))
    finally:
        if old is not None:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)
    out = capsys.readouterr()
    return code, out.out + out.err


COMMANDS = [["eval"], ["explain", "--source", "alpha", "--question", "dose"]]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", ["p.yaml", "bundle.json"])
def test_a_fifo_patient_is_refused_without_blocking(project, capsys, command, name):
    fifo = project / "patients" / name
    os.mkfifo(fifo)
    code, out = _run(capsys, *command, "--patient", str(fifo), "--rulesets", str(project))
    assert code != 0 and "Traceback" not in out
    assert f"{fifo}:1:1: error[E001]: is a FIFO" in out, out


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    "content",
    [
        "id: leak\nfacts: {egfr: 40}\n# " + SECRET + "\n",
        json.dumps({"resourceType": "Bundle", "type": "collection", "id": SECRET, "entry": []}),
    ],
)
def test_a_patient_linked_out_of_its_folder_prints_nothing_of_the_target(project, tmp_path, capsys, command, content):
    outside = tmp_path / "elsewhere" / "secret.json"
    outside.parent.mkdir()
    outside.write_text(content, encoding="utf-8")
    link = project / "patients" / "p.json"
    link.symlink_to(outside)
    code, out = _run(capsys, *command, "--patient", str(link), "--rulesets", str(project), "--format", "json")
    assert code != 0 and SECRET not in out and "Traceback" not in out
    assert f"{link}:1:1: error[E010]:" in out, out


def test_the_bundle_sniff_reads_nothing_outside(tmp_path):
    from engine.fhir import looks_like_bundle

    outside = tmp_path / "secret.json"
    outside.write_text(json.dumps({"resourceType": "Bundle"}), encoding="utf-8")
    (tmp_path / "p").mkdir()
    link = tmp_path / "p" / "b.json"
    link.symlink_to(outside)
    assert looks_like_bundle(outside) is True
    assert looks_like_bundle(link) is False


def test_explain_json_escapes_terminal_controls_in_quotes(tmp_path, capsys):
    hostile = "Use 2 mg\u009b31m once\u202e daily. Avoid when eGFR is below 30."
    folder = tmp_path / "r"
    write_ruleset(
        folder,
        "alpha",
        hostile,
        [{"question": "dose", "value": {"mg": 2, "every_days": 1}, "quote": "Use 2 mg\u009b31m once\u202e daily"}],
    )
    (folder / "patients").mkdir()
    patient = folder / "patients" / "p.yaml"
    patient.write_text("id: p\nfacts: {egfr: 40}\n", encoding="utf-8")
    code, out = _run(
        capsys,
        "explain",
        "--patient",
        str(patient),
        "--rulesets",
        str(folder),
        "--source",
        "alpha",
        "--question",
        "dose",
        "--format",
        "json",
    )
    assert code == 0, out
    assert "\u009b" not in out and "\u202e" not in out
    assert "\\u009b31m" in out and "\\u202e" in out
    assert json.loads(out)["patient"] == "p"


# ---------------------------------------------------------------- a YAML flood: data in one pass, spans on demand


def test_yaml_flood_is_capped_and_locates_only_what_it_reports(tmp_path):
    import time

    from engine.validate import MAX_PER_FILE

    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "many-bad-claims.yaml").write_bytes((DATA / "many-bad-claims.yaml").read_bytes())
    started = time.process_time()
    result = validate_paths([folder])
    assert time.process_time() - started < 2
    assert [d.code for d in result.diagnostics] == ["E100"] * MAX_PER_FILE + ["E011"]
    first = next(d for d in result.diagnostics if d.pointer == "/claims/0")
    assert (first.line, first.col) == (2, 10)
    doc = load_file(folder / "many-bad-claims.yaml")
    assert doc._spans is None  # the data came without spans
    assert doc.diagnostic(("claims", 7), "E100", "x").col == 10 + 3 * 7
    assert len(doc._spans) < 100  # only the events up to claim 7 were read again


def test_same_time_fhir_readings_of_40_and_40_point_0_agree():
    pytest.importorskip("fhir.resources")
    from engine.fhir import facts_from_bundle

    def weight(ident: str, value: Any) -> dict[str, Any]:
        return {
            "resource": {
                "resourceType": "Observation",
                "id": ident,
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
                "effectiveDateTime": "2024-05-01",
                "subject": {"reference": "Patient/p1"},
                "valueQuantity": {"value": value, "system": "http://unitsofmeasure.org", "code": "kg"},
            }
        }

    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1970-05-15"}},
            weight("w-int", 70),
            weight("w-float", 70.0),
        ],
    }
    facts, notes = facts_from_bundle(bundle, as_of="2024-05-01")
    assert facts["weight_kg"] == 70
    assert not any("disagree" in str(n) for n in notes)
