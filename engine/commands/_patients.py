"""Shared loading for commands that take --patient and --rulesets: located errors, never tracebacks."""
from __future__ import annotations

import argparse
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


def load_patient_or_bundle(patient_path: str, rulesets_path: str, as_of: str | None = None,
                           verbose: bool = False, quiet: bool = False) -> tuple[Any, Any] | None:
    """Like load_inputs, but a FHIR R4 Bundle is accepted too: its facts mapped through the vocabulary's codes."""
    from engine.fhir import looks_like_bundle

    if looks_like_bundle(patient_path):
        from engine.fhir import load_bundle_inputs

        return load_bundle_inputs(patient_path, rulesets_path, as_of, verbose, quiet)
    return load_inputs(patient_path, rulesets_path)


def add_patient_arguments(parser: argparse.ArgumentParser) -> None:
    """--patient, --rulesets, --format and --as-of, shared by eval and explain."""
    parser.add_argument("--patient", required=True, metavar="FILE",
                        help="patient file (YAML or JSON, schema/patient.schema.json) or a FHIR R4 Bundle (JSON)")
    parser.add_argument("--rulesets", default="rulesets", metavar="DIR", help="ruleset folder (default: rulesets)")
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.add_argument("--as-of", metavar="DATE", help="FHIR Bundles: reference date YYYY-MM-DD for age (default: latest observation date)")


def load_from_args(args: argparse.Namespace) -> tuple[Any, Any] | None:
    """load_patient_or_bundle with the arguments add_patient_arguments defined."""
    return load_patient_or_bundle(args.patient, args.rulesets, args.as_of, getattr(args, "verbose", False), getattr(args, "quiet", False))
