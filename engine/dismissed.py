"""Dismissed suggestions (accord suggest): remembered beside the rulesets so they are not proposed again.

The file is `<rulesets folder>/.accord/dismissed.yaml` (schema/dismissed.schema.json): a version and a
list of {source, quote, question, value, when, date?, by?}. It is untrusted like every file: read through
the loader (size, syntax, duplicate keys) and checked against its schema, each problem located. A new
dismissal is appended under the file's lock and written atomically, each item one line of JSON-style
YAML, so nothing another writer added meanwhile is lost.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any

from engine.atomic import write_atomic
from engine.diagnostics import Diagnostic
from engine.filelock import locked
from engine.loader import LoadError, load_file
from engine.suggest import Suggestion

FOLDER = ".accord"
FILE = "dismissed.yaml"
SCHEMA = "dismissed.schema.json"
HEADER = (
    "# Suggestions of `accord suggest` a person dismissed: they are not proposed again.\n"
    "# Schema: schema/dismissed.schema.json. Delete an item to have it proposed again.\n"
)


class DismissedError(ValueError):
    """The dismissed file cannot be read or used; `diagnostics` say where."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("; ".join(d.format() for d in diagnostics))


def dismissed_path(rulesets_folder: str | os.PathLike[str]) -> Path:
    return Path(rulesets_folder) / FOLDER / FILE


def read_dismissed(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The items of the file at `path` ([] when there is none); DismissedError, located, when it is broken."""
    from engine.validate import schema_diagnostics

    if not os.path.lexists(path):
        return []
    try:
        doc = load_file(path)
    except LoadError as exc:
        raise DismissedError([exc.diagnostic]) from None
    problems = schema_diagnostics(doc, SCHEMA, limit=20)
    if problems:
        raise DismissedError(problems)
    items = doc.data["dismissed"]
    return [item for item in items if isinstance(item, dict)]


def keys(items: list[dict[str, Any]], source: str | None = None) -> set[str]:
    """The Suggestion.key of each dismissed item (of one source when given)."""
    out = set()
    for item in items:
        if source is not None and item.get("source") != source:
            continue
        probe = Suggestion(
            item["source"], item["quote"], 0, 0, "", "", item["question"], item["value"], item["when"], 0, ""
        )
        out.add(probe.key)
    return out


def record(suggestion: Suggestion) -> dict[str, Any]:
    return {
        "source": suggestion.source,
        "quote": suggestion.quote,
        "question": suggestion.question,
        "value": suggestion.value,
        "when": suggestion.when,
        "date": datetime.date.today().isoformat(),
    }


def render(items: list[dict[str, Any]]) -> str:
    """The file's text: the header, the version, one line per item."""
    from engine.yamltext import quoted

    lines = [HEADER + "version: 1", "dismissed:" if items else "dismissed: []"]
    lines.extend(f"  - {quoted(item, 'the dismissed suggestion')}" for item in items)
    return "\n".join(lines) + "\n"


def dismiss(path: str | os.PathLike[str], suggestion: Suggestion) -> list[dict[str, Any]]:
    """Append `suggestion` to the file at `path` (created with its folder); returns the items now there.

    The file is re-read under its lock, so a dismissal recorded meanwhile by someone else is kept;
    a broken file is refused (DismissedError), never overwritten. OSError when the write fails.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with locked(target):
        items = read_dismissed(target)
        new = record(suggestion)
        if suggestion.key not in keys(items):
            items.append(new)
            write_atomic(target, render(items))
        return items
