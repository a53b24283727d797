"""Sections of benchmarks/RESULTS.md, replaced one at a time, so a run of some benchmarks keeps the others' numbers."""

from __future__ import annotations

import re
from pathlib import Path


def section_pattern(key: str) -> re.Pattern[str]:
    """The block of RESULTS.md under `## (key) ...`, up to the next `## ` heading or the end."""
    return re.compile(rf"^## \({re.escape(key)}\).*?(?=^## |\Z)", re.S | re.M)


def section(text: str, key: str) -> str | None:
    """The `## (key)` block of `text`, or None."""
    found = section_pattern(key).search(text)
    return found.group(0) if found else None


def replace_sections(current: str, fresh: str, keys: str) -> str:
    """`current` with each `## (k)` block for k in `keys` taken from `fresh` (added before "Reading these
    numbers" when `current` has none); every other block of `current` stays as it was."""
    for key in keys:
        block = section(fresh, key)
        if block is None:
            continue
        block = block.rstrip("\n") + "\n\n"
        pattern = section_pattern(key)
        if pattern.search(current):
            current = pattern.sub(lambda _m, b=block: b, current, count=1)  # type: ignore[misc]
        elif "\n## Reading these numbers" in current:
            current = current.replace("\n## Reading these numbers", "\n" + block + "## Reading these numbers", 1)
        else:
            current = current.rstrip("\n") + "\n\n" + block
    return current


def write_sections(results: Path, fresh: str, keys: str) -> None:
    """Replace the `keys` sections of the RESULTS.md at `results` by those of `fresh` (a whole new file if none)."""
    current = results.read_text(encoding="utf-8") if results.exists() else fresh
    results.write_text(replace_sections(current, fresh, keys), encoding="utf-8")
