"""A suggestion a person accepted becomes a `draft` claim in its ruleset file (the workbench's suggestions pane).

The claim is written by engine.claimedit's targeted splice (the rest of the file keeps its bytes),
checked with the ordinary claim validation first, and written only if the file still holds the text the
suggestion was made from (engine.atomic.write_if_unchanged: a file changed on disk is never overwritten).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from engine.atomic import FileStamp, write_if_unchanged
from engine.claimedit import check_claim_snippet, claim_index, new_claim_snippet, slugify, splice_claim, unique_id
from engine.loader import LoadError, load_text
from engine.model import Provenance
from engine.suggest import Suggestion
from engine.yamltext import is_json_path, quoted


class AcceptError(ValueError):
    """The suggestion cannot become a claim in this file (the message says why)."""


@dataclass(frozen=True)
class Accepted:
    claim_id: str
    index: int
    text: str
    stamp: FileStamp


def draft_snippet(suggestion: Suggestion, claim_id: str) -> str:
    """YAML text of the draft claim: the suggestion's question, value, when and quote, status draft, a note why."""
    prov = Provenance(suggestion.quote, suggestion.start, suggestion.end, suggestion.prefix, suggestion.suffix)
    snippet = new_claim_snippet(claim_id, prov, suggestion.question, suggestion.value, suggestion.when)
    note = f"Suggested by accord suggest (confidence {suggestion.confidence:.2f}): {suggestion.reason}"
    return snippet + f"note: {quoted(note[:1900], 'the note')}\n"


def claim_id_for(suggestion: Suggestion, taken: set[str]) -> str:
    return unique_id(suggestion.source, slugify(f"{suggestion.question} {suggestion.quote}"), taken)


def accept(path: str | os.PathLike[str], loaded_text: str, suggestion: Suggestion, taken: set[str]) -> Accepted:
    """Append the suggestion as a draft claim to the ruleset at `path`, which held `loaded_text` when read.

    AcceptError when the file cannot take it (not a ruleset, the claim would not validate); ChangedOnDisk
    when the file changed since; OSError when the write fails (the file is untouched then).
    """
    name = str(path)
    try:
        doc = load_text(loaded_text, name, as_json=is_json_path(name))
    except LoadError as exc:
        raise AcceptError(f"{name}: {exc.diagnostic.message}; fix the file first") from None
    claim_id = claim_id_for(suggestion, taken)
    snippet = draft_snippet(suggestion, claim_id)
    check = check_claim_snippet(snippet, doc, None, name)
    if not check.ok:
        first = next(d for d in check.diagnostics if d.severity == "error")
        raise AcceptError(f"the suggested claim would not be valid: {first.message}")
    text = splice_claim(doc, snippet, None)
    try:
        new_doc = load_text(text, name, as_json=is_json_path(name))
    except LoadError as exc:
        raise AcceptError(f"{name}: the claim would not read back ({exc.diagnostic.message})") from None
    index = claim_index(new_doc, claim_id)
    if index is None:
        raise AcceptError(f"{name}: the claim would not read back")
    stamp = write_if_unchanged(path, text, FileStamp.of_content(loaded_text))
    return Accepted(claim_id, index, text, stamp)
