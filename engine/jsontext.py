"""report.json's text, byte for byte what `json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)` writes, fast.

Python's json module encodes indented output in pure Python: a formulary's report.json (hundreds of
megabytes of findings) took most of an incremental `accord conflicts`. orjson writes the same layout
(two-space indent, ": " and "," separators, sorted keys, UTF-8 as is) about 20 times faster, and on
nearly everything the same bytes. Where the two can differ, this module does not guess:

* floats below 1e-4 in magnitude: Python writes `1e-05`, orjson `0.00001` or `1e-5`; any number
  token of orjson's output that could be one of those sends the whole text to the json module;
* NaN and Infinity: orjson writes `null`. The compact C encoder (allow_nan=False) checks first, so
  an infinite number raises ValueError as json.dumps does, never writes invalid or silent JSON;
* what orjson refuses (integers past 64 bits, non-string keys, lone surrogates): the json module.

Without orjson installed the json module writes it all. The output never depends on which path ran.
"""

from __future__ import annotations

import json
import re
from typing import Any

# A number token that orjson may spell differently from Python's repr: a mantissa with a one-digit
# negative exponent (1e-5) or a plain decimal with four leading zeros after the point (0.00001).
# Looked for anywhere, strings included: a false alarm only costs the slower path. Two patterns that
# start with a literal: one alternation starting at every digit scanned 10 MB in 145 ms, these in 18.
_DIFFERENT_FLOAT = (re.compile(rb"e-\d(?!\d)"), re.compile(rb"0\.0000"))


def indented(data: Any) -> str:
    """`json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)`, the same text."""
    json.dumps(data, allow_nan=False, check_circular=False)  # the C encoder: ValueError on NaN/Infinity
    try:
        import orjson
    except ImportError:  # pragma: no cover - orjson is a dependency; the json module is the reference
        return _reference(data)
    try:
        out = orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
    except TypeError:  # past 64-bit integers, non-str keys, surrogates: what only the json module writes
        return _reference(data)
    if any(p.search(out) for p in _DIFFERENT_FLOAT):
        return _reference(data)
    return out.decode("utf-8")


def _reference(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
