#!/usr/bin/env python3
"""Print the provenance block of a verbatim quote in a source text.

    python tools/anchor.py rulesets/sources/jak-blog.txt "1mg once daily"
    python tools/anchor.py SOURCE "quote" --occurrence 2     # when the quote occurs more than once

Offsets are Python str indices (Unicode code points) into the text read as
UTF-8 with newlines kept, which is what Accord's validator checks. The
output is a YAML flow mapping ready to paste under `provenance:`.
"""

from __future__ import annotations

import argparse
import json
import sys

CONTEXT = 32


def read_source(path: str) -> str:
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def occurrences(text: str, quote: str) -> list[int]:
    found, index = [], text.find(quote)
    while index != -1:
        found.append(index)
        index = text.find(quote, index + 1)
    return found


def provenance(text: str, quote: str, occurrence: int | None = None, near: str | None = None) -> dict:
    """Provenance of `quote` in `text`; `occurrence` (1-based) or `near` (a longer unique
    string containing the quote) picks among repeated quotes."""
    if near is not None:
        spots = occurrences(text, near)
        if len(spots) != 1:
            raise ValueError(f"context {near!r} occurs {len(spots)} times")
        inner = near.find(quote)
        if inner < 0:
            raise ValueError("the context does not contain the quote")
        start = spots[0] + inner
    else:
        spots = occurrences(text, quote)
        if not spots:
            raise ValueError(f"quote not found: {quote!r}")
        if occurrence is None:
            if len(spots) > 1:
                raise ValueError(f"quote occurs {len(spots)} times; pass --occurrence N")
            occurrence = 1
        if not 1 <= occurrence <= len(spots):
            raise ValueError(f"occurrence {occurrence} out of range 1..{len(spots)}")
        start = spots[occurrence - 1]
    end = start + len(quote)
    return {
        "exact": text[start:end],
        "prefix": text[max(0, start - CONTEXT) : start],
        "suffix": text[end : end + CONTEXT],
        "start": start,
        "end": end,
    }


def flow_yaml(prov: dict) -> str:
    parts = [
        f"{key}: {json.dumps(prov[key], ensure_ascii=False)}" for key in ("exact", "prefix", "suffix", "start", "end")
    ]
    return "{" + ", ".join(parts) + "}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", help="verbatim source text file")
    parser.add_argument("quote", help="the exact quote")
    parser.add_argument("--occurrence", type=int, help="which occurrence (1-based) when the quote repeats")
    parser.add_argument("--near", help="a longer unique string around the quote, to pick the occurrence")
    args = parser.parse_args(argv)
    try:
        prov = provenance(read_source(args.source), args.quote, args.occurrence, args.near)
    except (OSError, ValueError) as exc:
        print(f"anchor: {exc}", file=sys.stderr)
        return 1
    print("provenance: " + flow_yaml(prov))
    return 0


if __name__ == "__main__":
    sys.exit(main())
