"""Where a project's folders are: one rule for the CLI and the workbench, so they never read different reports.

conflicts/ (report.md, report.json, reviews.yaml) sits beside the rulesets
folder, as in the repository layout (rulesets/ and conflicts/ side by side),
or inside it when only that exists. `--out` names it outright.
"""

from __future__ import annotations

import os
from pathlib import Path

CONFLICTS = "conflicts"
REVIEWS = "reviews.yaml"


def conflicts_folder(rulesets: str | os.PathLike[str], out: str | os.PathLike[str] | None = None) -> Path:
    """The conflicts/ folder of the project whose rulesets folder is `rulesets` (`out` when given).

    Beside the rulesets folder when that exists, else inside it when that
    exists, else beside it (where `accord conflicts` creates it).
    """
    if out is not None:
        return Path(out)
    folder = Path(rulesets)
    beside, inside = folder.parent / CONFLICTS, folder / CONFLICTS
    for candidate in (beside, inside):
        if candidate.is_dir():
            return candidate
    return beside


def reviews_file(rulesets: str | os.PathLike[str], out: str | os.PathLike[str] | None = None) -> Path:
    """reviews.yaml in the project's conflicts/ folder."""
    return conflicts_folder(rulesets, out) / REVIEWS
