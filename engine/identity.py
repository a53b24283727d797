"""Who is reviewing: a configured identity, never a silent default.

A review step or disposition is worth only as much as the name on it. The name comes from
`--reviewer`, else the ACCORD_REVIEWER environment variable, else `git config user.name`
(the identity a team's commits already carry); with none of them the caller must ask or refuse.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass


@dataclass(frozen=True)
class Identity:
    name: str
    origin: str  # "--reviewer", "ACCORD_REVIEWER" or "git config user.name"


def reviewer_identity(explicit: str | None = None, cwd: str | None = None) -> Identity | None:
    """The reviewer's name and where it came from, or None when nothing names one."""
    if explicit:
        return Identity(explicit, "--reviewer")
    env = os.environ.get("ACCORD_REVIEWER", "").strip()
    if env:
        return Identity(env, "ACCORD_REVIEWER")
    git = shutil.which("git")
    if git is None:
        return None
    try:
        done = subprocess.run(
            [git, "config", "user.name"], capture_output=True, text=True, timeout=5, cwd=cwd, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    name = done.stdout.strip() if done.returncode == 0 else ""
    return Identity(name, "git config user.name") if name else None


NO_IDENTITY = (
    "no reviewer is configured: pass --reviewer NAME, set ACCORD_REVIEWER, or set git config user.name "
    "(a review is never recorded under a default name)"
)
