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
    from engine.commands._rulesets import valid_rulesets
    from engine.validate import load_patient

    result = valid_rulesets(rulesets_path)
    if result is None:
        return None
    patient, diagnostics = load_patient(patient_path)
    if patient is None:
        report(diagnostics)
        return None
    return patient, result


def load_patient_or_bundle(
    patient_path: str,
    rulesets_path: str,
    as_of: str | None = None,
    verbose: bool = False,
    quiet: bool = False,
    patient_id: str | None = None,
) -> tuple[Any, Any] | None:
    """Like load_inputs, but a FHIR R4 Bundle is accepted too: its facts mapped through the vocabulary's codes.

    --as-of and --patient-id only mean something for a Bundle; given with a
    patient file they are a usage error rather than silently ignored.
    """
    from engine.fhir import looks_like_bundle

    if looks_like_bundle(patient_path):
        return load_bundle_inputs(patient_path, rulesets_path, as_of, verbose, quiet, patient_id)
    if patient_id is not None:
        print(
            f"accord: --patient-id picks a patient of a FHIR Bundle; {patient_path} is a patient file", file=sys.stderr
        )
        return None
    return load_inputs(patient_path, rulesets_path)


MAX_PRINTED_WARNINGS = 50


def load_bundle_inputs(
    bundle_path: str,
    rulesets_path: str,
    as_of: str | None = None,
    verbose: bool = False,
    quiet: bool = False,
    patient_id: str | None = None,
) -> tuple[Any, Any] | None:
    """(patient, validation result) for commands taking --patient, when the file is a FHIR Bundle.

    engine.fhir reads the Bundle and returns notes; this prints them. Mapping
    warnings (each unmapped resource, code or unit) go to stderr unless
    `quiet`; how each fact was obtained too with `verbose`, else at most
    MAX_PRINTED_WARNINGS. None after a one-line error (not a Bundle, no fhir
    extra, several patients and no --patient-id) or the rulesets' errors.
    """
    from engine.commands._rulesets import valid_rulesets
    from engine.fhir import FhirError, bundle_patient, escape_controls, read_bundle

    try:
        read = read_bundle(bundle_path, as_of=as_of, patient_id=patient_id)
    except FhirError as exc:
        print(f"accord: {escape_controls(str(exc))}", file=sys.stderr)
        return None
    shown_notes = [n for n in read.notes if verbose or (n.level == "warning" and not quiet)]
    limit = len(shown_notes) if verbose else MAX_PRINTED_WARNINGS
    for note in shown_notes[:limit]:
        print(f"{bundle_path}: {note}", file=sys.stderr)
    if len(shown_notes) > limit:
        print(
            f"{bundle_path}: ... and {len(shown_notes) - limit:,} more warnings (--verbose prints every note)",
            file=sys.stderr,
        )
    result = valid_rulesets(rulesets_path)
    if result is None:
        return None
    return bundle_patient(read, bundle_path), result


def add_patient_arguments(parser: argparse.ArgumentParser) -> None:
    """--patient, --rulesets, --format and --as-of, shared by eval and explain."""
    parser.add_argument(
        "--patient",
        required=True,
        metavar="FILE",
        help="patient file (YAML or JSON, schema/patient.schema.json) or a FHIR R4 Bundle (JSON)",
    )
    parser.add_argument("--rulesets", default="rulesets", metavar="DIR", help="ruleset folder (default: rulesets)")
    parser.add_argument("--format", choices=["text", "json"], default="text")
    from engine.commands._options import add_drug_argument

    add_drug_argument(parser)
    parser.add_argument(
        "--as-of",
        metavar="DATE",
        help="FHIR Bundles: reference date YYYY-MM-DD for age (default: latest observation date)",
    )
    parser.add_argument(
        "--patient-id",
        metavar="ID",
        help="FHIR Bundles with several patients: the Patient id to read (only resources whose subject names it are used)",
    )


def load_from_args(args: argparse.Namespace) -> tuple[Any, Any] | None:
    """load_patient_or_bundle with the arguments add_patient_arguments defined (the rulesets narrowed to --drug)."""
    from engine.commands._options import narrowed_to_drug

    loaded = load_patient_or_bundle(
        args.patient,
        args.rulesets,
        args.as_of,
        getattr(args, "verbose", False),
        getattr(args, "quiet", False),
        getattr(args, "patient_id", None),
    )
    if loaded is None:
        return None
    narrowed = narrowed_to_drug(loaded[1], args)
    return None if narrowed is None else (loaded[0], narrowed)


def refusals(patient: Any) -> tuple[list[Any], list[str]]:
    """The patient's values the vocabulary's ranges refuse (given and derived), and a warning line for each.

    A patient file's warnings are located (file:line:col, W502); a Bundle's
    name the file. The values themselves are already left out of every
    evaluation by engine.derive; this only says so.
    """
    from engine.derive import derivation
    from engine.patient_ranges import RANGE_CODE
    from engine.range_warnings import range_diagnostics

    refused = derivation(patient.facts).refused
    if patient.document is not None:
        lines = [d.format() for d in range_diagnostics(patient.document)]
    else:
        lines = [f"{patient.path}: warning[{RANGE_CODE}]: {r.message()}" for r in refused]
    return refused, lines


def warn_refusals(patient: Any) -> list[dict[str, Any]]:
    """Print the refusal warnings to stderr (even with --quiet: a refused value is a problem); their JSON."""
    refused, lines = refusals(patient)
    for line in lines:
        print(line, file=sys.stderr)
    return [r.to_json() for r in refused]


def print_json(data: Any, command: str) -> int:
    """Print strict JSON through engine.output.json_text (DEL, C1 and bidi characters of quotes
    escaped): 0, or 1 with a message when a non-finite number, which JSON cannot carry, got this far."""
    import json

    from engine.output import json_text

    try:
        json.dumps(data, allow_nan=False)
    except ValueError as exc:  # a non-finite number slipped past the range checks: refuse, never print invalid JSON
        print(f"accord {command}: cannot write JSON output: {exc}", file=sys.stderr)
        return 1
    print(json_text(data))
    return 0
