"""`accord validate`: check rulesets and patients; one located line per problem."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.validate import ValidationResult

HELP = "Validate rulesets and test patients against the schema, the vocabulary and their source texts."
EXAMPLE = "accord validate rulesets/            # PATH:LINE:COL: error[CODE]: message; exit 1 on errors"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", default=["rulesets"], metavar="PATH", help="ruleset files or folders (default: rulesets/)"
    )
    from engine.commands._options import add_drug_argument, add_format_argument

    add_format_argument(parser)
    add_drug_argument(parser)
    parser.add_argument("-q", "--quiet", action="store_true", help="print problems only, no summary")
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="check every file afresh (default: one rulesets folder reuses the diagnostics `accord conflicts` "
        "cached for its unchanged files, in the report folder's .cache/)",
    )


def run(args: argparse.Namespace) -> int:
    from engine.commands._options import narrowed_to_drug

    narrowed = narrowed_to_drug(_validate(args), args)
    if narrowed is None:
        return 2
    result = narrowed
    errors = sum(d.severity == "error" for d in result.diagnostics)
    warnings = len(result.diagnostics) - errors
    if args.format == "json":
        payload = {
            "ok": errors == 0,
            "files": result.files,
            "errors": errors,
            "warnings": warnings,
            "diagnostics": [d.to_json() for d in result.diagnostics],
        }
        from engine.output import json_text

        print(json_text(payload))
    elif args.format in ("sarif", "github"):
        from engine.output import emit_diagnostics

        emit_diagnostics(result.diagnostics, args.format, sys.stdout)
    else:
        from engine.output import format_text, use_color

        color = use_color(sys.stdout)
        for diagnostic in result.diagnostics:
            print(format_text(diagnostic, color))
        if not args.quiet:
            claims = sum(len(r.claims) for r in result.rulesets)
            print(
                f"accord: {result.files} files, {len(result.rulesets)} rulesets, {claims} claims, "
                f"{len(result.patients)} patients: {errors} errors, {warnings} warnings",
                file=sys.stderr,
            )
    return 1 if errors else 0


def _validate(args: argparse.Namespace) -> ValidationResult:
    """validate_paths, with the validation cache of the project's report folder when one rulesets folder is
    checked and that folder exists (engine.validationcache: never stale; nothing is created for it)."""
    from pathlib import Path

    from engine.validate import validate_paths

    paths = list(args.paths)
    if getattr(args, "no_cache", False) or len(paths) != 1 or not Path(paths[0]).is_dir():
        return validate_paths(paths)
    from engine.contenthash import cache_dir
    from engine.folders import conflicts_folder

    out = Path(conflicts_folder(paths[0], None))
    if not out.is_dir():
        return validate_paths(paths)
    from engine.validationcache import ValidationCache

    files = ValidationCache(cache_dir(out))
    result = validate_paths(paths, cache=files)
    files.save()
    return result
