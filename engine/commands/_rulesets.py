"""The one place a command refuses rulesets with errors: every error located, then one line saying what to run.

eval, explain, FHIR bundles and conflicts all need every ruleset valid; each
used to print its own version of this. Only the CLI layer prints.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.validate import ValidationResult


def refuse_broken(result: ValidationResult, folder: str) -> bool:
    """True (after printing each error, located, and what to run) when `result` has errors; False when usable."""
    from engine.textsafe import escape_controls

    if result.ok:
        return False
    for d in result.diagnostics:
        if d.severity == "error":
            print(d.format(), file=sys.stderr)
    shown = escape_controls(str(folder))
    print(f"accord: the rulesets in {shown} have errors; run `accord validate {shown}`", file=sys.stderr)
    return True


def valid_rulesets(
    folder: str, check_patients: bool = False, cache: str | os.PathLike[str] | None = None
) -> ValidationResult | None:
    """validate_paths([folder]) when it finds no error; None after refuse_broken printed why.

    `cache`: a folder where each unchanged file's diagnostics are kept (engine.validationcache)."""
    from engine.validate import validate_paths

    if cache is None:
        result = validate_paths([folder], check_patients=check_patients)
    else:
        from engine.validationcache import ValidationCache

        files = ValidationCache(cache)
        result = validate_paths([folder], check_patients=check_patients, cache=files)
        files.save()
    return None if refuse_broken(result, folder) else result
