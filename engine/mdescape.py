"""Escaping of user strings for report.md: rulesets and reviews.yaml are untrusted input.

A reviewer name, a note, a claim id or a quote must never add structure to the
report: no new line (so no heading, list item or table row), no cell
separator, no HTML tag or comment, no link, no code span closed early, and no
raw control character. Everything is one line, and the few characters that
open Markdown or HTML constructs are escaped; ordinary text (`30 <= egfr < 50`,
`{"at_weeks":[4]}`) is left as it reads. md_cell is for table cells and
inline text, md_text for text that may begin a line, code_span for `code`.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, and the bidirectional overrides and isolates (Trojan Source);
# tab, newline and the other separators str.split() knows are collapsed to spaces first.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# `<` opening a tag, comment, declaration or autolink; `](` / `][` closing a link's text.
_OPENERS = re.compile(r"<(?=[A-Za-z!/?])|\](?=[(\[])|[`|]")
_LINE_START = re.compile(r"^(?:[#>+\-*=_~:]|\d+[.)])")


def _escape_control(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def one_line(text: object) -> str:
    """`text` as one line: whitespace runs (newlines too) become one space, control characters visible escapes."""
    return _CONTROL.sub(_escape_control, " ".join(str(text).split()))


def md_cell(text: object) -> str:
    """Inline Markdown (a table cell, the rest of a list item): one line, openers escaped."""
    return _OPENERS.sub(lambda m: "&lt;" if m.group() == "<" else "\\" + m.group(), one_line(text))


def md_text(text: object) -> str:
    """A paragraph's text, which begins a line: md_cell, plus a leading block marker escaped."""
    out = md_cell(text)
    return "\\" + out if _LINE_START.match(out) else out


def code_span(text: object, in_table: bool = False) -> str:
    """`text` as a code span: one line, fenced by more backticks than it contains (CommonMark).
    In a table cell `|` is escaped too: GFM splits cells before it sees code spans."""
    body = one_line(text)
    if in_table:
        body = body.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if body.startswith("`") or body.endswith("`") or (longest and body.strip() != body) else ""
    return f"{fence}{pad}{body}{pad}{fence}"
