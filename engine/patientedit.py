"""Write a test patient's facts back to its file by targeted text changes (the TUI's patients screen uses this).

As in engine.claimedit, the file text stays the source of truth: a changed
fact has its value replaced where it stands, a removed fact loses its line
(or its entry, in a flow mapping such as a JSON file), a new fact is added
after the last one with the same indentation. Comments, key order, quoting
and everything outside `facts` are untouched. Every result is parsed again
and compared with what was asked for, so a write never produces a file that
says something else. No third-party imports beyond the engine's own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.atomic import ChangedOnDisk
from engine.loader import Document, LoadError, load_text
from engine.yamltext import UnwritableText, is_json_path, line_end, line_start, plain_or_quoted, quoted

if TYPE_CHECKING:
    from engine.atomic import FileStamp

MISSING = object()

__all__ = [
    "ChangedOnDisk",
    "FactChange",
    "MISSING",
    "PatientEditError",
    "fact_changes",
    "facts_file_text",
    "remove_fact",
    "render_value",
    "save_facts",
    "set_fact",
    "stamp_of_loaded",
    "write_facts",
]


class PatientEditError(ValueError):
    """The edit cannot be written into this file's text (its reason says why)."""


@dataclass(frozen=True)
class FactChange:
    """One difference between the facts on file and the facts wanted: set (old may be MISSING) or remove."""

    name: str
    old: Any
    new: Any  # MISSING: remove the fact

    def describe(self) -> str:
        if self.new is MISSING:
            return f"{self.name} removed (was {render_value(self.old)})"
        if self.old is MISSING:
            return f"{self.name} = {render_value(self.new)} (new)"
        return f"{self.name}: {render_value(self.old)} → {render_value(self.new)}"


def render_value(value: Any) -> str:
    """A fact value as a YAML flow scalar: JSON form, so strings stay quoted (no `no` -> false surprises)."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, float, str)):
        try:
            return quoted(value, "the fact value")
        except UnwritableText as exc:
            raise PatientEditError(str(exc)) from None
    raise PatientEditError(f"a fact is a number, a string or true/false, not {type(value).__name__}")


def facts_of(doc: Document) -> dict[str, Any]:
    data = doc.data if isinstance(doc.data, dict) else {}
    facts = data.get("facts")
    if not isinstance(facts, dict):
        raise PatientEditError(f"{doc.path}: `facts` is not a mapping; fix the file first")
    return facts


def fact_changes(old: dict[str, Any], new: dict[str, Any]) -> list[FactChange]:
    """What turns `old` into `new`: removals first, then changes and additions in `new`'s order."""
    changes = [FactChange(k, v, MISSING) for k, v in old.items() if k not in new]
    for k, v in new.items():
        before = old.get(k, MISSING)
        if before is MISSING or type(before) is not type(v) or before != v:
            changes.append(FactChange(k, before, v))
    return changes


def _key(name: str) -> str:
    try:
        return quoted(name, "the fact name")
    except UnwritableText as exc:
        raise PatientEditError(str(exc)) from None


def _plain_key(name: str) -> str:
    try:
        return plain_or_quoted(name, "the fact name")
    except UnwritableText as exc:
        raise PatientEditError(str(exc)) from None


def _is_flow(doc: Document) -> bool:
    span = doc.spans.get(("facts",))
    return span is not None and doc.text[span.start : span.start + 1] == "{"


def set_fact(doc: Document, name: str, value: Any) -> str:
    """The file text with fact `name` set to `value` (replaced in place, or added after the last fact)."""
    facts = facts_of(doc)
    text = doc.text
    rendered = render_value(value)
    if name in facts:
        span = doc.spans[("facts", name)]
        return text[: span.start] + rendered + text[span.end :]
    whole = doc.spans[("facts",)]
    if _is_flow(doc):
        close = text.rfind("}", whole.start, whole.end)
        if close == -1:
            raise PatientEditError(f"{doc.path}: cannot find the end of the facts mapping")
        entry = f"{_key(name)}: {rendered}"
        if facts:
            last = doc.spans[("facts", list(facts)[-1])]
            return text[: last.end] + ", " + entry + text[last.end :]
        return text[:close] + entry + text[close:]
    if not facts:  # a block mapping always has a key; an empty one is written `{}` (flow)
        raise PatientEditError(f"{doc.path}: cannot find the facts mapping")
    first_key = doc.key_spans[("facts", next(iter(facts)))]
    indent = first_key.start - line_start(text, first_key.start)
    last = doc.spans[("facts", list(facts)[-1])]
    at = line_end(text, last.end)
    line = " " * indent + f"{_plain_key(name)}: {rendered}"
    if at == len(text) and not text.endswith("\n"):
        return text + "\n" + line
    return text[:at] + line + "\n" + text[at:]


def remove_fact(doc: Document, name: str) -> str:
    """The file text without fact `name` (its line, or its entry in a flow mapping)."""
    facts = facts_of(doc)
    if name not in facts:
        raise KeyError(name)
    text = doc.text
    key = doc.key_spans[("facts", name)]
    value = doc.spans[("facts", name)]
    if _is_flow(doc):
        names = list(facts)
        i = names.index(name)
        if i + 1 < len(names):  # up to the next entry's key: takes the comma with it
            nxt = doc.key_spans[("facts", names[i + 1])]
            return text[: key.start] + text[nxt.start :]
        if i > 0:  # the last entry: from the comma after the previous value
            prev = doc.spans[("facts", names[i - 1])]
            return text[: prev.end] + text[value.end :]
        whole = doc.spans[("facts",)]
        return text[: whole.start] + "{}" + text[whole.end :]
    if len(facts) == 1:  # `facts:` with nothing under it would be null: an empty mapping instead
        colon = text.index(":", doc.key_spans[("facts",)].end)
        end = line_end(text, value.end)
        if text[end - 1 : end] == "\n":
            end -= 1
        return text[: colon + 1] + " {}" + text[end:]
    start = line_start(text, key.start)
    end = line_end(text, value.end)
    return text[:start] + text[end:]


def write_facts(doc: Document, facts: dict[str, Any]) -> str:
    """The file text with its facts made equal to `facts`; untouched facts and everything else keep their text.

    Raises PatientEditError when the file cannot take the edit (not a patient
    mapping, unreadable after the change) -- the caller keeps the edit.
    """
    text = doc.text
    current = doc
    for change in fact_changes(facts_of(doc), facts):
        text = (
            remove_fact(current, change.name) if change.new is MISSING else set_fact(current, change.name, change.new)
        )
        try:
            current = load_text(text, doc.path, as_json=is_json_path(doc.path))
        except LoadError as exc:
            raise PatientEditError(f"{doc.path}: the edit would not be valid YAML ({exc.diagnostic.message})") from exc
    got = facts_of(current)
    if got != facts or any(type(got[k]) is not type(facts[k]) for k in facts):
        raise PatientEditError(f"{doc.path}: writing the facts back would not read as the edited facts")
    before = {k: v for k, v in doc.data.items() if k != "facts"}
    after = {k: v for k, v in current.data.items() if k != "facts"}
    if before != after:
        raise PatientEditError(f"{doc.path}: writing the facts back would change more than the facts")
    return text


def stamp_of_loaded(doc: Document) -> FileStamp:
    """The stamp of the file as `doc` was read from it: a later change on disk no longer matches."""
    from engine.atomic import FileStamp

    return FileStamp.of_content(doc.text)


def facts_file_text(path: str | os.PathLike[str], facts: dict[str, Any]) -> tuple[str, str]:
    """(the file's text on disk, the text with its facts made equal to `facts`)."""
    from engine.loader import load_file

    try:
        doc = load_file(path)
    except LoadError as exc:
        raise PatientEditError(f"{path}: {exc.diagnostic.message}; fix the file first") from exc
    return doc.text, write_facts(doc, facts)


def save_facts(
    path: str | os.PathLike[str], facts: dict[str, Any], expected: FileStamp | None, *, force: bool = False
) -> tuple[str, FileStamp]:
    """Write `facts` into the patient file at `path`, atomically; returns (new text, new stamp).

    Unless `force`, raises ChangedOnDisk when the file no longer matches
    `expected` (the stamp taken when its facts were loaded): someone else's
    change is never overwritten silently. Raises OSError when the write fails
    (the file is untouched) and PatientEditError when the file cannot take the
    edit; in every failure the caller still has the edit.
    """
    from engine.atomic import changed_since, write_atomic
    from engine.filelock import locked

    with locked(path):  # the check, the re-read and the write: no other save can slip in between
        if not force and changed_since(path, expected):
            raise ChangedOnDisk(str(path))
        _disk, text = facts_file_text(path, facts)
        return text, write_atomic(path, text)
