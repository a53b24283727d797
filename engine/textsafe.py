"""Make user content safe to show: control characters escaped, excerpts short.

Rulesets, patients, source texts and file names are untrusted; printed raw,
an ESC or OSC sequence retitles or reprograms the terminal, a newline starts
a fake `::error` line in CI, and a bidi override reorders what a reviewer
reads. Everything Accord prints of user content goes through here.

Pure standard library, no engine import.
"""

from __future__ import annotations

from typing import Any

EXCERPT = 60

_NAMED = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}
# C0 and DEL and C1 controls; bidi embeddings, overrides and isolates; marks and separators
# that change how a line is shown without showing themselves.
_UNSAFE = (
    list(range(0x00, 0x20))
    + list(range(0x7F, 0xA0))
    + [0x061C, 0x200B, 0x200E, 0x200F, 0x2028, 0x2029, 0xFEFF]
    + list(range(0x202A, 0x202F))
    + list(range(0x2066, 0x206A))
)
_TABLE = {c: _NAMED.get(c, f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}") for c in _UNSAFE}
_JSON_TABLE = {c: f"\\u{c:04x}" for c in _UNSAFE if c >= 0x7F}


def escape_controls(text: str) -> str:
    """`text` with every control, bidi and invisible separator character written as an escape."""
    return text.translate(_TABLE)


def escape_json_text(serialised: str) -> str:
    """JSON text with DEL, C1 and bidi characters as \\u escapes (json.dumps leaves them raw).

    Valid only on the output of json.dumps, where such characters can only be
    inside strings: the data is unchanged, the terminal is safe.
    """
    return serialised.translate(_JSON_TABLE)


def clip(text: str, limit: int = EXCERPT) -> str:
    """At most `limit` characters of `text`, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def excerpt(value: Any, limit: int = EXCERPT) -> str:
    """A short, escaped, repr-like excerpt of a user value for a message."""
    if isinstance(value, str):  # repr escapes every non-printable character (C0, C1, bidi, separators)
        return escape_controls(repr(clip(value, limit)))
    if isinstance(value, (dict, list)):
        return clip(escape_controls(_short_repr(value, limit)), limit)
    return clip(escape_controls(repr(value)), limit)


def _short_repr(value: Any, limit: int) -> str:
    """repr() of a container without building the repr of a 5 MB list."""
    if isinstance(value, dict):
        inner = ", ".join(f"{k!r}: {_leaf(v)}" for k, v in list(value.items())[:8])
        return "{" + inner + (", ..." if len(value) > 8 else "") + "}"
    inner = ", ".join(_leaf(v) for v in value[:8])
    return "[" + inner + (", ..." if len(value) > 8 else "") + "]"


def _leaf(value: Any) -> str:
    if isinstance(value, dict):
        return "{...}" if value else "{}"
    if isinstance(value, list):
        return "[...]" if value else "[]"
    return repr(clip(value, EXCERPT)) if isinstance(value, str) else repr(value)
