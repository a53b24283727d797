"""The vocabulary checked whole: what engine.contract's loader and JSON Schemas find, then what they cannot.

engine.contract reads the four files (vocabulary.yaml, relations.yaml, shapes.yaml, links.yaml) through
the loader and validates each against its schema. `problems(vocab)` adds the checks only engine.meaning
can make, each an E600 diagnostic at its line and column: a relation naming an unknown fact, a cycle of
relations; a shape naming an unknown question or value, or relations that contradict; a link naming an
unknown question or value. What it checks it keeps (the parsed relations, the compiled shapes), so
nothing is checked twice. `vocabulary_problems()` is what every command asks before it runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.contract import (
    Vocabulary,
    VocabularyError,
    documents,
    located,
    read_vocabulary,
    vocabulary,
)
from engine.diagnostics import Diagnostic
from engine.loader import load_text
from engine.meaning import facts, links, questions


def problems(vocab: Vocabulary, docs: dict[str, Any] | None = None) -> list[Diagnostic]:
    """What the relations, shapes and links of `vocab` get wrong, located in `docs` (default: the Documents
    `vocab` was read from; a vocabulary built from data is located by JSON pointer in a rendering of it)."""
    found = docs if docs is not None else documents(vocab)

    def doc(name: str, data: Any) -> Any:
        if name in found:
            return found[name]
        import json

        return load_text(json.dumps(data, indent=1), f"<{name}>", as_json=True)

    out: list[Diagnostic] = []
    if vocab.relations:
        relations_doc = doc("relations", vocab.relations)
        problem = facts.check_and_keep(vocab, relations_doc)
        if problem is not None:
            out.extend(located(relations_doc, [problem], "relations"))
    if vocab.shapes:
        out.extend(located(doc("shapes", vocab.shapes), questions.check_and_keep(vocab), "shapes"))
    if vocab.links:
        out.extend(located(doc("links", vocab.links), links.problems(vocab.links, vocab), "links"))
    return out


def load_vocabulary(directory: Path | None = None) -> tuple[Vocabulary | None, list[Diagnostic]]:
    """The vocabulary of `directory` (default: engine.contract.vocabulary_dir()) and every problem of its
    four files, the loader's and the schemas' first; None when there is any."""
    vocab, docs, diagnostics = read_vocabulary(directory)
    if vocab is None:
        return None, diagnostics
    found = problems(vocab, docs)
    return (None if found else vocab), found


_CLEAN: list[Vocabulary] = []


def vocabulary_problems() -> list[Diagnostic]:
    """Every problem of the vocabulary the commands read (engine.contract.vocabulary()); [] when it is sound."""
    try:
        vocab = vocabulary()
    except VocabularyError as exc:
        return exc.diagnostics
    if any(v is vocab for v in _CLEAN):
        return []
    found = problems(vocab)
    if not found:
        _CLEAN[:] = [vocab]
    return found
