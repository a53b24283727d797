"""Where a YAML syntax error really is: the mistake's line and column, with the parser's context.

A parser notices a mistake where it can no longer go on, often lines later:
an unclosed `[` or `{` is noticed at the next key (or at the end of the
file), a missing `:` on the following line, an unclosed quote at the end of
the file. PyYAML's MarkedYAMLError carries two marks: `problem_mark` (where
it stopped) and `context_mark` (where the construct it was reading began).
This module picks the one that points at the mistake, and for an unclosed or
comma-less flow collection the end of the last token before the break (where
the `,` or the closing bracket belongs), found by scanning the text up to the
problem. The message keeps the parser's words and says where it noticed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from yaml import tokens as tk

# Scanning is pure Python: past this many characters before the problem, the marks are kept as they are.
SCAN_LIMIT = 1_000_000

_OPENERS = (tk.FlowMappingStartToken, tk.FlowSequenceStartToken)
_CLOSERS = (tk.FlowMappingEndToken, tk.FlowSequenceEndToken)


@dataclass(frozen=True)
class ErrorPlace:
    """1-based line and column of the mistake, and the message to show."""

    line: int
    col: int
    message: str


def _at(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _tokens(text: str, limit: int) -> list[Any]:
    """The tokens of text[:limit] with a width (no zero-width block or stream markers), as far as they scan."""
    found: list[Any] = []
    try:
        for token in yaml.scan(text[:limit], Loader=yaml.SafeLoader):
            if token.end_mark.index > token.start_mark.index:
                found.append(token)
    except yaml.YAMLError:
        pass
    return found


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _dedent_line(text: str, opener: Any, stop: int) -> int | None:
    """Offset of the first line after the opener's line that is back at (or left of) its indentation.

    In a flow collection, such a line is a block key or item the author meant
    after a closing bracket that is missing: the collection was never closed.
    Blank and comment lines do not count.
    """
    opener_line = text[_line_start(text, opener.start_mark.index) :].split("\n", 1)[0]
    base = _indent(opener_line)
    pos = text.find("\n", opener.start_mark.index)
    while pos != -1 and pos < stop:
        start = pos + 1
        end = text.find("\n", start)
        line = text[start : end if end != -1 else len(text)]
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and _indent(line) <= base:
            return start
        pos = end
    return None


def _first_line_end(text: str, token: Any) -> tuple[int, int]:
    """(0-based line, 0-based column) just past the token's text on its first line."""
    start = token.start_mark.index
    nl = text.find("\n", start, token.end_mark.index)
    if nl == -1:
        return token.end_mark.line, token.end_mark.column
    return token.start_mark.line, len(text[_line_start(text, start) : nl].rstrip())


def _flow_place(exc: Any, text: str) -> ErrorPlace | None:
    """An unclosed flow collection, or one missing a comma: where the `,` or the closing bracket belongs."""
    problem = exc.problem_mark
    tokens = _tokens(text, problem.index)
    stack: list[Any] = []
    for token in tokens:
        if isinstance(token, _OPENERS):
            stack.append(token)
        elif isinstance(token, _CLOSERS) and stack:
            stack.pop()
    if not stack:
        return None
    opener = stack[-1]
    bracket = "{" if isinstance(opener, tk.FlowMappingStartToken) else "["
    closer = "}" if bracket == "{" else "]"
    opened = f"the '{bracket}' opened at {_at(opener.start_mark)}"
    dedent = _dedent_line(text, opener, problem.index)
    if dedent is not None:
        before = [t for t in tokens if t.start_mark.index < dedent]
        line, col = _first_line_end(text, before[-1]) if before else (opener.end_mark.line, opener.end_mark.column)
        return ErrorPlace(
            line + 1,
            col + 1,
            f"{opened} is not closed: a '{closer}' is missing here (the parser noticed at {_at(problem)})",
        )
    before = [t for t in tokens if t.end_mark.index <= problem.index]
    if not before or before[-1].start_mark.line >= problem.line:
        return None  # the problem is on the line of the last token: its own mark is right
    line, col = _first_line_end(text, before[-1])
    rest = text[before[-1].end_mark.index :].split("\n")
    if all(not line.strip() or line.strip().startswith("#") for line in rest):
        return ErrorPlace(line + 1, col + 1, f"{opened} is not closed before the end of the file")
    return ErrorPlace(
        line + 1,
        col + 1,
        f"{exc.problem or 'syntax error'}: a ',' or '{closer}' is missing after this ({opened}; the parser noticed at {_at(problem)})",
    )


def locate(exc: Any, text: str) -> ErrorPlace:
    """The place and message of a PyYAML MarkedYAMLError in `text` (see the module docstring)."""
    problem, context = exc.problem_mark, exc.context_mark
    what = exc.problem or exc.context or "syntax error"
    where = problem or context
    if where is None:
        return ErrorPlace(1, 1, what)
    ctx = exc.context or ""
    if (
        isinstance(exc, yaml.scanner.ScannerError)
        and context is not None
        and ctx.startswith("while scanning a")
        and ctx != "while scanning a plain scalar"  # a plain scalar runs on: its next line is the mistake
        and context.index < (problem.index if problem is not None else len(text))
    ):
        # A key without its ':', a quote or block scalar never closed: the construct starts at the mistake.
        noticed = f"; the parser noticed at {_at(problem)}" if problem is not None else ""
        return ErrorPlace(context.line + 1, context.column + 1, f"{what} ({ctx} that starts here{noticed})")
    if problem is not None and problem.index <= SCAN_LIMIT and ("flow" in ctx or "expected ','" in what):
        place = _flow_place(exc, text)
        if place is not None:
            return place
    if context is not None and problem is not None and context.index != problem.index:
        return ErrorPlace(problem.line + 1, problem.column + 1, f"{what} ({ctx} at {_at(context)})")
    return ErrorPlace(where.line + 1, where.column + 1, what)
