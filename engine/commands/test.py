"""`accord test`: check the test patients' expected answers against the rulesets."""

from __future__ import annotations

import argparse
import os
import sys
import time

HELP = "Evaluate every test patient under PATH and compare each source's answers with the patient's expectations."
EXAMPLE = "accord test rulesets/                # one line per mismatch, then 'N expectations, M passed, K failed'"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        default=["rulesets"],
        metavar="PATH",
        help="folders with rulesets and a patients/ folder, or files (default: rulesets/)",
    )
    parser.add_argument(
        "--format",
        choices=["text", "json", "sarif", "github", "junit"],
        default="text",
        help="output format: text, json, sarif, github (annotations), junit (XML for CI test reports) (default: text)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="also print passing expectations")
    from engine.commands._options import add_drug_argument

    add_drug_argument(parser)


def run(args: argparse.Namespace) -> int:
    from engine.testing import display_path, run_tests
    from engine.textsafe import escape_controls

    for raw in args.paths:
        if not os.path.exists(raw):
            print(f"accord test: error: no such file or folder: {raw}", file=sys.stderr)
            return 2
    started = time.monotonic()
    from engine.drugs import UnknownDrug

    try:
        report = run_tests(args.paths, getattr(args, "drug", None))
    except UnknownDrug as exc:
        print(f"accord test: {exc}", file=sys.stderr)
        return 2
    if args.format in ("sarif", "github", "junit"):
        from engine.output import emit_test_report

        emit_test_report(report, args.format, sys.stdout, duration=time.monotonic() - started)
    elif args.format == "json":
        payload = {
            "ok": report.ok,
            "patients": report.patients,
            "expectations": len(report.outcomes),
            "passed": report.passed,
            "failed": len(report.failed),
            "skipped": len(report.skipped),
            "errors": [d.to_json() for d in report.diagnostics],
            "outcomes": [o.to_json() for o in report.outcomes],
        }
        from engine.output import json_text

        print(json_text(payload))
    else:
        for d in report.diagnostics:
            print(d.format())
        for o in report.outcomes:
            if o.passed and not args.verbose:
                continue
            where = display_path(o.path, args.paths)
            if o.passed:
                line = f"{where}: {o.source} {o.question}: ok ({o.describe_expected()})"
            elif o.skipped:
                line = f"{where}: {o.source} {o.question}: skipped ({o.message})"
            else:
                line = f"{where}: {o.source} {o.question}: expected {o.describe_expected()}, got {o.describe_actual()}"
                if o.message and o.actual is not None:  # a list expectation: the values missing and extra
                    line += f" ({o.message})"
            print(escape_controls(line))
        print(
            f"{len(report.outcomes)} expectations, {report.passed} passed, {len(report.failed)} failed"
            + (f", {len(report.skipped)} skipped" if report.skipped else "")
            + (
                f", {errors} validation errors"
                if (errors := sum(d.severity == "error" for d in report.diagnostics))
                else ""
            )
        )
    return 0 if report.ok else 1
