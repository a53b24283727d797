"""Anchor quotes in source texts: verify, re-anchor after edits, build selectors.

A quote is identified W3C-style by its exact text plus a little context on
each side, and by its offsets. Offsets are fast but break when the text
changes; exact+prefix+suffix survive edits, so a changed source re-anchors
each quote at the occurrence whose context matches best.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from typing import Any

from engine.model import Provenance

CONTEXT = 32


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def selector(text: str, start: int, end: int, context: int = CONTEXT) -> Provenance:
    """The provenance of text[start:end], with up to `context` characters either side."""
    if not 0 <= start < end <= len(text):
        raise ValueError(f"offsets {start}..{end} are outside the text (length {len(text)})")
    return Provenance(text[start:end], start, end, text[max(0, start - context) : start], text[end : end + context])


def offset_problems(data: Any) -> list[tuple[tuple[Any, ...], str]]:
    """(path, message) for every offset in a ruleset that is not a real integer.

    JSON Schema counts 0.0 as an integer (it is the same number), but Python
    cannot slice with it, so `start: 0.0` would pass the schema and crash the
    first slice. Offsets of claims' provenance and of exclusions must be
    written as whole numbers without a decimal point; booleans are refused
    by the schema already and are refused here too.
    """
    problems: list[tuple[tuple[Any, ...], str]] = []
    if not isinstance(data, dict):
        return problems
    places: list[tuple[tuple[Any, ...], Any]] = []
    claims = data.get("claims")
    for i, claim in enumerate(claims if isinstance(claims, list) else []):
        prov = claim.get("provenance") if isinstance(claim, dict) else None
        if isinstance(prov, dict):
            places.append((("claims", i, "provenance"), prov))
    excluded = data.get("excluded")
    for i, excl in enumerate(excluded if isinstance(excluded, list) else []):
        if isinstance(excl, dict):
            places.append((("excluded", i), excl))
    for parts, holder in places:
        for key in ("start", "end"):
            value = holder.get(key)
            if key in holder and type(value) is not int:
                shown = repr(value) if isinstance(value, (bool, int, float)) else f"a {type(value).__name__}"
                problems.append(
                    (
                        parts + (key,),
                        f"{key} must be a whole number of characters written without a decimal point, not {shown}",
                    )
                )
    return problems


def is_anchored(text: str, prov: Provenance) -> bool:
    return 0 <= prov.start <= prov.end <= len(text) and text[prov.start : prov.end] == prov.exact


def context_matches(text: str, prov: Provenance) -> bool:
    before = text[max(0, prov.start - len(prov.prefix)) : prov.start]
    after = text[prov.end : prov.end + len(prov.suffix)]
    return before == prov.prefix and after == prov.suffix


def reanchor(text: str, prov: Provenance) -> tuple[int, int] | None:
    """Best (start, end) of the quote in `text`: context match first, then nearness to the old offset.

    Linear in the text, whatever the quote: a quote that overlaps itself
    ("aaaa" in a run of a's) is found once per run, not once per position
    (see _candidates), so a misplaced quote in a 4 MiB text costs a few
    scans of it, not one per occurrence times the quote's length.
    """
    exact = prov.exact
    if not exact:
        return None
    best: tuple[int, int, int] | None = None  # (score, -distance, start)
    for index in _candidates(text, exact, len(prov.prefix), len(prov.suffix), prov.start):
        score = _context_score(text, index, len(exact), prov.prefix, prov.suffix)
        candidate = (score, -abs(index - prov.start), index)
        if best is None or candidate > best:
            best = candidate
    if best is None:
        return None
    return best[2], best[2] + len(exact)


def _candidates(text: str, exact: str, before: int, after: int, near: int) -> Iterator[int]:
    """Every occurrence of `exact` that could be the best one, in linear time.

    Occurrences of a quote whose smallest period is p come in runs
    (pos, pos+p, pos+2p, ...) inside a stretch of text with period p. Away
    from the stretch's ends (by `before` and `after` characters of context)
    every occurrence sees the same context, so scores the same: of those only
    the ones nearest `near` can win. The stretch's end is found by doubling
    slice comparisons, and the next occurrence after a run cannot start
    before its last one plus len(exact) - p + 1 (Fine and Wilf), so no
    character is compared more than a few times.
    """
    m = len(exact)
    period = _smallest_period(exact)
    pos = text.find(exact)
    while pos != -1:
        if text[pos + m : pos + m + period] != exact[m - period :]:
            last = pos  # a run of one (the common case)
            yield pos
        else:
            end = _periodic_end(text, pos, period, pos + m)
            last = pos + ((end - pos - m) // period) * period
            count = (last - pos) // period
            first_inner = -(-before // period)  # ks with the whole left context in the stretch
            last_inner = count - -(-after // period)  # ... and the whole right context
            wanted = {k for k in range(0, min(first_inner, count + 1))}
            wanted.update(range(max(last_inner + 1, 0), count + 1))
            if first_inner <= last_inner:
                k = (near - pos) // period
                for j in (k, k + 1):
                    wanted.add(min(max(j, first_inner), last_inner))
            for k in sorted(wanted):
                yield pos + k * period
        pos = text.find(exact, last + max(1, m - period + 1))


def _smallest_period(s: str) -> int:
    """Smallest p > 0 with s[i] == s[i + p] for every i (Knuth-Morris-Pratt failure function)."""
    fail = [0] * len(s)
    k = 0
    for i in range(1, len(s)):
        while k and s[i] != s[k]:
            k = fail[k - 1]
        if s[i] == s[k]:
            k += 1
        fail[i] = k
    return len(s) - (fail[-1] if s else 0)


def _periodic_end(text: str, start: int, period: int, known: int) -> int:
    """The largest e such that text[start:e] has period `period`, given text[start:known] has."""
    end, step = known, max(period, 64)
    n = len(text)
    while end < n:  # gallop: double the step while whole slices repeat
        stop = min(n, end + step)
        if text[end:stop] != text[end - period : stop - period]:
            break
        end, step = stop, step * 2
    else:
        return n
    lo, hi = end, min(n, end + step)  # text[start:lo] periodic, text[start:hi] not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if text[lo:mid] == text[lo - period : mid - period]:
            lo = mid
        else:
            hi = mid
    return lo if text[lo] != text[lo - period] else hi


def _context_score(text: str, index: int, length: int, prefix: str, suffix: str) -> int:
    """How many characters of `prefix` end just before `index` plus of `suffix` start after the quote."""
    score = 0
    room = min(len(prefix), index)
    if room and text[index - 1] == prefix[-1]:
        lo, hi = 1, room  # the longest k with text[index-k:index] == prefix[-k:], by bisection
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if text[index - mid : index] == prefix[len(prefix) - mid :]:
                lo = mid
            else:
                hi = mid - 1
        score += lo
    after = index + length
    room = min(len(suffix), len(text) - after)
    if room and text[after] == suffix[0]:
        lo, hi = 1, room
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if text[after : after + mid] == suffix[:mid]:
                lo = mid
            else:
                hi = mid - 1
        score += lo
    return score


def inside(folder: str | os.PathLike[str], path: str | os.PathLike[str]) -> bool:
    """True when `path` resolves inside `folder` (source texts may not escape their ruleset's folder)."""
    root = os.path.realpath(folder)
    target = os.path.realpath(path)
    return os.path.commonpath([root, target]) == root
