#!/usr/bin/env python3
"""Compare a lock with what the newest allowed versions installed, and two suite runs.

    python tools/drift.py versions requirements/test.lock FREEZE.txt
    python tools/drift.py tests LOCKED_PYTEST.log NEWEST_PYTEST.log

Why: .ci/run installs the suite from the lock (what CI tested) and then
once more from pyproject's ranges with --upgrade, so a new release that
breaks Accord is seen the day it is published, before anyone bumps the
lock. This prints the differences for a human; it always exits 0 (drift
is news, not a CI failure). Stdlib only: it runs with any Python.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]+))?")
# pip freeze never lists the installer's own packages; the lock has setuptools only to build Accord.
INSTALLER = {"pip", "setuptools", "wheel", "distribute"}
OUTCOME = re.compile(r"^(FAILED|ERROR) (\S+)")
COUNTS = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)")


def normalise(name: str) -> str:
    """PEP 503 name: pip freeze says PyYAML, the lock says pyyaml."""
    return re.sub(r"[-_.]+", "-", name).lower()


def applies(marker: str | None) -> bool:
    """Whether a lock line's environment marker holds here (needs `packaging`; without it, assume so)."""
    if not marker:
        return True
    try:
        from packaging.markers import Marker
    except ImportError:
        return True
    return Marker(marker.strip()).evaluate()


def pins(path: Path) -> dict[str, str]:
    """name -> version for every `name==version` line of a lock or `pip freeze` output that applies here."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line.strip())
        if match and normalise(match.group(1)) not in INSTALLER and applies(match.group(3)):
            found[normalise(match.group(1))] = match.group(2)
    return found


def version_lines(locked: dict[str, str], newest: dict[str, str]) -> list[str]:
    """One line per package whose version differs, or that only one side has."""
    lines = []
    for name in sorted(set(locked) | set(newest)):
        old, new = locked.get(name), newest.get(name)
        if old == new:
            continue
        if new is None:
            lines.append(f"  {name}: {old} (locked) -> not installed")
        elif old is None:
            lines.append(f"  {name}: not in lock -> {new}")
        else:
            lines.append(f"  {name}: {old} (locked) -> {new}")
    return lines


def outcomes(log: Path) -> tuple[set[str], dict[str, int]]:
    """Failing test ids (pytest -rfE summary lines) and the closing line's counts."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    failing = {m.group(2) for m in map(OUTCOME.match, text.splitlines()) if m}
    counts: dict[str, int] = {}
    closing = [line for line in text.splitlines() if re.search(r"\d+ (passed|failed|errors?)\b", line)]
    if closing:
        for number, kind in COUNTS.findall(closing[-1]):
            counts[kind.rstrip("s") if kind.startswith("error") else kind] = int(number)
    return failing, counts


def describe(counts: dict[str, int]) -> str:
    """Counts in words, never in pytest's 'N passed, N failed' closing-line form."""
    if not counts:
        return "no result (the run did not finish)"
    return " and ".join(f"{kind} {number}" for kind, number in sorted(counts.items()))


def tests_report(locked_log: Path, newest_log: Path) -> list[str]:
    """Tests whose outcome differs between the locked run and the newest run."""
    locked_fail, locked_counts = outcomes(locked_log)
    newest_fail, newest_counts = outcomes(newest_log)
    lines = [f"  locked versions: {describe(locked_counts)}", f"  newest versions: {describe(newest_counts)}"]
    for test in sorted(newest_fail - locked_fail):
        lines.append(f"  fails only on newest: {test}")
    for test in sorted(locked_fail - newest_fail):
        lines.append(f"  fails only on locked: {test}")
    return lines


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "versions":
        lines = version_lines(pins(Path(argv[1])), pins(Path(argv[2])))
        print("DRIFT versions (lock -> newest allowed by pyproject):")
        print("\n".join(lines) if lines else "  none: the lock is the newest")
        return 0
    if len(argv) == 3 and argv[0] == "tests":
        print("DRIFT tests (suite on the lock vs on the newest versions):")
        print("\n".join(tests_report(Path(argv[1]), Path(argv[2]))))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
