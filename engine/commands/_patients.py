"""Shared loading for commands that take --patient and --rulesets: located errors, never tracebacks."""
from __future__ import annotations

import sys
from typing import Any

from engine.diagnostics import Diagnostic


def report(diagnostics: list[Diagnostic]) -> None:
    for d in diagnostics:
        print(d.format(), file=sys.stderr)


def load_inputs(patient_path: str, rulesets_path: str) -> tuple[Any, Any] | None:
    """(patient, validation result) or None after printing why not."""
    from engine.validate import load_patient, validate_paths

    result = validate_paths([rulesets_path], check_patients=False)
    if not result.ok:
        report([d for d in result.diagnostics if d.severity == "error"])
        print(f"accord: the rulesets in {rulesets_path} have errors; run `accord validate {rulesets_path}`", file=sys.stderr)
        return None
    patient, diagnostics = load_patient(patient_path)
    if patient is None:
        report(diagnostics)
        return None
    return patient, result
