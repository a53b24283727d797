"""Anchor quotes in source texts: verify, re-anchor after edits, build selectors.

A quote is identified W3C-style by its exact text plus a little context on
each side, and by its offsets. Offsets are fast but break when the text
changes; exact+prefix+suffix survive edits, so a changed source re-anchors
each quote at the occurrence whose context matches best.
"""
from __future__ import annotations

import hashlib
import os

from engine.model import Provenance

CONTEXT = 32


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def selector(text: str, start: int, end: int, context: int = CONTEXT) -> Provenance:
    """The provenance of text[start:end], with up to `context` characters either side."""
    if not 0 <= start < end <= len(text):
        raise ValueError(f"offsets {start}..{end} are outside the text (length {len(text)})")
    return Provenance(text[start:end], start, end, text[max(0, start - context):start], text[end:end + context])


def is_anchored(text: str, prov: Provenance) -> bool:
    return 0 <= prov.start <= prov.end <= len(text) and text[prov.start:prov.end] == prov.exact


def context_matches(text: str, prov: Provenance) -> bool:
    before = text[max(0, prov.start - len(prov.prefix)):prov.start]
    after = text[prov.end:prov.end + len(prov.suffix)]
    return before == prov.prefix and after == prov.suffix


def reanchor(text: str, prov: Provenance) -> tuple[int, int] | None:
    """Best (start, end) of the quote in `text`: context match first, then nearness to the old offset."""
    exact = prov.exact
    if not exact:
        return None
    best: tuple[int, int, int] | None = None  # (score, -distance, start)
    index = text.find(exact)
    while index != -1:
        score = _common_suffix(text[max(0, index - len(prov.prefix)):index], prov.prefix)
        score += _common_prefix(text[index + len(exact):index + len(exact) + len(prov.suffix)], prov.suffix)
        candidate = (score, -abs(index - prov.start), index)
        if best is None or candidate > best:
            best = candidate
        index = text.find(exact, index + 1)
    if best is None:
        return None
    return best[2], best[2] + len(exact)


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def _common_suffix(a: str, b: str) -> int:
    return _common_prefix(a[::-1], b[::-1])


def inside(folder: str | os.PathLike[str], path: str | os.PathLike[str]) -> bool:
    """True when `path` resolves inside `folder` (source texts may not escape their ruleset's folder)."""
    root = os.path.realpath(folder)
    target = os.path.realpath(path)
    return os.path.commonpath([root, target]) == root
