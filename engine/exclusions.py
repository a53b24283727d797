"""Record a span of a source text as excluded from coverage (the TUI's sources screen uses this).

The ruleset contract already has the place: `excluded`, a list of
{start, end, reason, exact?, note?} (schema/ruleset.schema.json), which
engine.coverage counts and engine.validate checks. A new item is written by a
targeted text insertion, in start order, in the style of the items already
there (block or flow); everything else in the file keeps its bytes. The
result is parsed again and must read as the old list plus the new item. No
third-party imports beyond the engine's own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from engine.atomic import ChangedOnDisk, FileStamp, changed_since, write_atomic
from engine.filelock import locked
from engine.loader import Document, LoadError, load_file, load_text
from engine.yamltext import (
    UnwritableText,
    is_json_path,
    json_block,
    json_indent_unit,
    line_end,
    line_indent,
    line_start,
    quoted,
)


class ExclusionError(ValueError):
    """The exclusion cannot be recorded (its reason says why)."""


def reasons() -> list[str]:
    """The reasons the contract allows (schema/ruleset.schema.json, excluded[].reason)."""
    from engine.contract import schema_json

    return list(schema_json("ruleset")["properties"]["excluded"]["items"]["properties"]["reason"]["enum"])


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    exact: str


def trim_span(text: str, start: int, end: int) -> Span:
    """[start, end) without surrounding whitespace, with its verbatim text; ExclusionError when nothing is left."""
    start, end = max(0, min(start, end)), min(len(text), max(start, end))
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start >= end:
        raise ExclusionError("the span is empty or only whitespace")
    return Span(start, end, text[start:end])


def _q(value: Any) -> str:
    """`value` as a double-quoted scalar that reads back as exactly `value` (engine.yamltext.quoted)."""
    try:
        return quoted(value, "the exclusion text")
    except UnwritableText as exc:
        raise ExclusionError(str(exc)) from None


_line_start, _line_end = line_start, line_end


def _fields(span: Span, reason: str, note: str) -> list[tuple[str, str]]:
    out = [("start", str(span.start)), ("end", str(span.end)), ("reason", reason), ("exact", _q(span.exact))]
    if note:
        out.append(("note", _q(note)))
    return out


def _item(fields: list[tuple[str, str]], dash_indent: int, flow: bool) -> str:
    """One list item, `- ...`, starting at the dash (no leading indentation, no final newline)."""
    if flow:
        return "- {" + ", ".join(f"{k}: {v}" for k, v in fields) + "}"
    pad = " " * (dash_indent + 2)
    return "- " + f"\n{pad}".join(f"{k}: {v}" for k, v in fields)


def add_exclusion(doc: Document, span: Span, reason: str, note: str = "") -> str:
    """The ruleset file text with `span` recorded in `excluded` (exact text included), in start order."""
    if reason not in reasons():
        raise ExclusionError(f"unknown reason {reason!r}; one of {', '.join(reasons())}")
    data = doc.data if isinstance(doc.data, dict) else None
    if data is None:
        raise ExclusionError(f"{doc.path}: not a ruleset mapping")
    fields = _fields(span, reason, note)
    items = data.get("excluded")
    ftext = doc.text
    if is_json_path(doc.path):
        return _add_exclusion_json(
            doc,
            {
                "start": span.start,
                "end": span.end,
                "reason": reason,
                "exact": span.exact,
                **({"note": note} if note else {}),
            },
        )
    if items is None and "excluded" not in data:
        sep = "" if ftext.endswith("\n") or not ftext else "\n"
        return ftext + sep + "excluded:\n  " + _item(fields, 2, False) + "\n"
    if not isinstance(items, list):
        raise ExclusionError(f"{doc.path}: `excluded` is not a list; fix the file first")
    whole = doc.spans[("excluded",)]
    if not items or ftext[whole.start : whole.start + 1] == "[":
        if items:
            raise ExclusionError(
                f"{doc.path}: `excluded` is written as a flow list [...]; write it as a block list first"
            )
        # `excluded: []` (or nothing after the colon) becomes a block list
        key = doc.key_spans[("excluded",)]
        colon = ftext.index(":", key.end) + 1
        value_end = whole.end if whole.start >= colon else colon
        return ftext[:colon] + "\n  " + _item(fields, 2, False) + ftext[value_end:]
    first = doc.spans[("excluded", 0)]
    dash = ftext.rfind("-", _line_start(ftext, first.start), first.start)
    if dash == -1:
        raise ExclusionError(f"{doc.path}: cannot find the list items of `excluded`")
    dash_indent = dash - _line_start(ftext, first.start)
    flow = ftext[first.start : first.start + 1] == "{"
    line = " " * dash_indent + _item(fields, dash_indent, flow) + "\n"
    after = next(
        (
            i
            for i, item in enumerate(items)
            if isinstance(item, dict) and isinstance(item.get("start"), int) and item["start"] > span.start
        ),
        None,
    )
    if after is not None:
        at = _line_start(ftext, doc.spans[("excluded", after)].start)
        # Comment and blank lines just above an item belong to it: insert above them.
        while at > 0:
            above = _line_start(ftext, at - 1)
            if ftext[above:at].strip() and not ftext[above:at].lstrip().startswith("#"):
                break
            at = above
        return ftext[:at] + line + ftext[at:]
    last = len(items) - 1
    last_item = items[last]
    inner = (
        [doc.spans[("excluded", last, k)] for k in last_item]
        if isinstance(last_item, dict) and last_item
        else [doc.spans[("excluded", last)]]
    )
    at = _line_end(ftext, max(s.end for s in inner))
    if at == len(ftext) and not ftext.endswith("\n"):
        return ftext + "\n" + line.rstrip("\n")
    return ftext[:at] + line + ftext[at:]


def _add_exclusion_json(doc: Document, item: dict[str, Any]) -> str:
    """add_exclusion for a .json ruleset: JSON in the file's indentation, inserted in start order.

    An `excluded` list with items gets the new item spliced in; otherwise the
    document is written again in the file's style (JSON has no comments to lose).
    """
    data = doc.data
    items = data.get("excluded")
    text = doc.text
    unit = json_indent_unit(text)
    try:
        if isinstance(items, list) and items:
            first = doc.spans[("excluded", 0)]
            base = line_indent(text, first.start) if unit else ""
            sep = ",\n" + base if unit else ", "
            block = json_block(item, unit, base, "the exclusion")
            after = next(
                (
                    i
                    for i, old in enumerate(items)
                    if isinstance(old, dict) and isinstance(old.get("start"), int) and old["start"] > item["start"]
                ),
                None,
            )
            if after is not None:
                at = doc.spans[("excluded", after)].start
                return text[:at] + block + sep + text[at:]
            at = doc.spans[("excluded", len(items) - 1)].end
            return text[:at] + sep + block + text[at:]
        if items is not None and not isinstance(items, list):
            raise ExclusionError(f"{doc.path}: `excluded` is not a list; fix the file first")
        new = dict(data)
        new["excluded"] = [item]
        return json_block(new, unit, "", "the exclusion") + ("\n" if text.endswith("\n") else "")
    except UnwritableText as exc:
        raise ExclusionError(str(exc)) from None


def exclude(doc: Document, source_text: str, start: int, end: int, reason: str, note: str = "") -> str:
    """add_exclusion for a span of `source_text` (trimmed, its exact text recorded), checked by reading it back."""
    span = trim_span(source_text, start, end)
    new_text = add_exclusion(doc, span, reason, note)
    try:
        new_doc = load_text(new_text, doc.path, as_json=is_json_path(doc.path))
    except LoadError as exc:
        raise ExclusionError(
            f"{doc.path}: the exclusion would not be valid {'JSON' if is_json_path(doc.path) else 'YAML'} ({exc.diagnostic.message})"
        ) from exc
    old = list(doc.data.get("excluded") or [])
    wanted = {
        "start": span.start,
        "end": span.end,
        "reason": reason,
        "exact": span.exact,
        **({"note": note} if note else {}),
    }
    got = new_doc.data.get("excluded") if isinstance(new_doc.data, dict) else None
    rest_before = {k: v for k, v in doc.data.items() if k != "excluded"}
    rest_after = {k: v for k, v in new_doc.data.items() if k != "excluded"} if isinstance(new_doc.data, dict) else None
    others = (
        got[: got.index(wanted)] + got[got.index(wanted) + 1 :] if isinstance(got, list) and wanted in got else None
    )
    if others != old or rest_before != rest_after:
        raise ExclusionError(
            f"{doc.path}: recording the exclusion would not read back as the old list plus the new item"
        )
    return new_text


def save_exclusion(
    path: str | os.PathLike[str],
    loaded: Document,
    source_text: str,
    start: int,
    end: int,
    reason: str,
    note: str = "",
    *,
    force: bool = False,
) -> tuple[str, FileStamp]:
    """Record the exclusion in the ruleset file at `path` atomically; returns (new text, new stamp).

    `loaded` is the ruleset document the span was chosen in: unless `force`,
    ChangedOnDisk is raised when the file no longer holds that text (the
    offsets may no longer mean the same sentence). OSError when the write
    fails (the file is untouched), ExclusionError when it cannot take the edit.
    """
    with locked(path):  # the check, the re-read and the write: no other save can slip in between
        if not force and changed_since(path, FileStamp.of_content(loaded.text)):
            raise ChangedOnDisk(str(path))
        try:
            doc = load_file(path)
        except LoadError as exc:
            raise ExclusionError(f"{path}: {exc.diagnostic.message}; fix the file first") from exc
        text = exclude(doc, source_text, start, end, reason, note)
        return text, write_atomic(path, text)


__all__ = [
    "ChangedOnDisk",
    "ExclusionError",
    "Span",
    "add_exclusion",
    "exclude",
    "reasons",
    "save_exclusion",
    "trim_span",
]
