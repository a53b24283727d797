"""`accord test`: evaluate every test patient's expectations through the engine.

A patient file lists, per source and question, what that source is expected
to answer: a value (answered), 'silent', 'indeterminate', {conflicting:
[values...]}, or, on a question whose answers accumulate (cardinality many in
schema/shapes.yaml), a list: exactly these values, in any order. Each expectation is evaluated with
engine.evaluate and compared; every mismatch is reported with the claims that
produced the actual answer.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.derive import derivation
from engine.diagnostics import Diagnostic
from engine.evaluate import (
    ANSWERED,
    CONFLICTING,
    INDETERMINATE,
    SILENT,
    Answer,
    answer,
    answer_text,
    format_value,
    value_key,
)
from engine.validate import validate_paths


@dataclass(frozen=True)
class Outcome:
    """One expectation of one patient, checked."""

    patient: str
    path: str
    source: str
    question: str
    expected: Any
    actual: Answer | None
    passed: bool
    message: str = ""
    skipped: bool = False  # the source's ruleset has errors: not evaluated, neither passed nor failed

    def describe_expected(self) -> str:
        return describe_expectation(self.expected)

    def describe_actual(self) -> str:
        if self.actual is None:
            return self.message or "no answer"
        a = self.actual
        text = a.summary()
        claims = [c for v in a.values for c in v.claims]
        return text + (f" (claims {', '.join(claims)})" if claims else "")

    def to_json(self) -> dict[str, Any]:
        return {
            "patient": self.patient,
            "path": self.path,
            "source": self.source,
            "question": self.question,
            "expected": self.expected,
            "actual": self.actual.to_json() if self.actual else None,
            "passed": self.passed,
            "skipped": self.skipped,
            "message": self.message,
        }


@dataclass
class TestReport:
    outcomes: list[Outcome] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    patients: int = 0

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.passed and not o.skipped]

    @property
    def skipped(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.skipped]

    @property
    def passed(self) -> int:
        return sum(o.passed for o in self.outcomes)

    @property
    def ok(self) -> bool:
        return not self.failed and not any(d.severity == "error" for d in self.diagnostics)


def describe_expectation(expected: Any) -> str:
    if isinstance(expected, list):
        return answer_text(ANSWERED, expected)
    if expected in (SILENT, INDETERMINATE):
        return expected
    if isinstance(expected, dict) and set(expected) == {"conflicting"}:
        return answer_text(CONFLICTING, expected["conflicting"])
    return format_value(expected)


def matches(expected: Any, actual: Answer) -> bool:
    """Does the engine's answer satisfy the expectation?"""
    if expected == SILENT:
        return actual.status == SILENT
    if expected == INDETERMINATE:
        return actual.status == INDETERMINATE
    if isinstance(expected, list):  # a many-valued answer: exactly these values, in any order
        return actual.status == ANSWERED and not list_mismatch(expected, actual)
    if isinstance(expected, dict) and set(expected) == {"conflicting"}:
        want = sorted({value_key(v) for v in expected["conflicting"]})
        got = sorted({value_key(v.value) for v in actual.values})
        return actual.status == CONFLICTING and want == got
    # one expected value matches an answer of that one value: an accumulated answer (interrupt + consult_specialist,
    # schema/shapes.yaml cardinality many) holds more than the expectation says
    return (
        actual.status == ANSWERED
        and len(actual.values) == 1
        and value_key(actual.values[0].value) == value_key(expected)
    )


def list_mismatch(expected: list[Any], actual: Answer) -> str:
    """'' when `actual` holds exactly the listed values; else which are missing and which extra, in words."""
    want = {value_key(v): v for v in expected}
    got = {value_key(v.value): v.value for v in actual.values}
    missing = [want[k] for k in want if k not in got]
    extra = [got[k] for k in got if k not in want]
    parts = []
    if missing:
        parts.append("missing " + ", ".join(format_value(v) for v in missing))
    if extra:
        parts.append("extra " + ", ".join(format_value(v) for v in extra))
    return "; ".join(parts)


def mismatch_message(expected: Any, actual: Answer) -> str:
    """Why a list expectation failed: the values missing and extra, or the status when it is not answered."""
    if not isinstance(expected, list):
        return ""
    if actual.status != ANSWERED:
        return f"expected {len(expected)} value{'s' if len(expected) != 1 else ''}, the answer is {actual.status}"
    return list_mismatch(expected, actual)


def run_tests(paths: Iterable[str | os.PathLike[str]], drug: str | None = None) -> TestReport:
    """Validate rulesets and patients under `paths`, then check every expectation (of `drug`'s sources only,
    when given: the other drugs' expectations are left out, not failed). UnknownDrug (engine.drugs) when no
    ruleset is about `drug`."""
    from engine.drugs import only_drug

    whole = validate_paths(list(paths))
    result = only_drug(whole, drug)
    other_drugs = {r.source_id for r in whole.rulesets} - {r.source_id for r in result.rulesets}
    # errors, plus W502: a patient value refused by the vocabulary's ranges is evaluated as missing, and says so
    # W503: expectations of a source whose ruleset has errors are skipped (one error, not thirty)
    # W504: a patient breaks a relation of schema/relations.yaml (its given value is used, and says so)
    report = TestReport(
        diagnostics=[d for d in result.diagnostics if d.severity == "error" or d.code in ("W502", "W503", "W504")]
    )
    by_source = {r.source_id: r for r in result.rulesets}
    report.patients = len(result.patients)
    for patient in sorted(result.patients, key=lambda p: p.path):
        facts = derivation(dict(patient.facts)).facts  # formulas and schema/relations.yaml, as eval uses them
        for source, questions in patient.expected.items():
            if source in other_drugs:
                continue
            ruleset = by_source.get(source)
            for question, expected in questions.items():
                if ruleset is None and source in result.broken:
                    why = f"ruleset {result.broken[source]} has errors"
                    report.outcomes.append(
                        Outcome(patient.id, patient.path, source, question, expected, None, False, why, skipped=True)
                    )
                    continue
                if ruleset is None:
                    report.outcomes.append(
                        Outcome(
                            patient.id,
                            patient.path,
                            source,
                            question,
                            expected,
                            None,
                            False,
                            f"no ruleset for source {source!r}",
                        )
                    )
                    continue
                got = answer(ruleset, question, facts)
                passed = matches(expected, got)
                why = "" if passed else mismatch_message(expected, got)
                report.outcomes.append(Outcome(patient.id, patient.path, source, question, expected, got, passed, why))
    return report


def display_path(path: str, roots: Iterable[str | os.PathLike[str]]) -> str:
    """`path` relative to the folder it was found under (patients/x.yaml), else as given."""
    p = Path(path)
    for root in roots:
        r = Path(root)
        if r.is_dir():
            try:
                return p.resolve().relative_to(r.resolve()).as_posix()
            except ValueError:
                continue
    return str(path)
