"""Cross-question links (schema/links.yaml): answers of one source to different questions that must agree.

A link says that, for one source and the same patients, an answer of one question requires
answers of another: where the source answers `answer.question` with one of `answer.values`
and also answers `requires.question`, every value it gives there is one of `requires.values`.
Region analysis (engine.analysis.linked) reports each place a source breaks a link as a
within-source conflict naming both questions and the claims on each side.

This module is the one reader of the file: `links(vocab)` for the analysis, `problems` for the
checks a JSON Schema cannot make (questions and values the vocabulary has), `check_file` for a
links file on disk (every message located at its line and column, never a traceback).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engine.contract import Vocabulary, validator
from engine.model import value_key
from engine.textsafe import escape_controls, excerpt

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Link:
    """Where `question` is answered with one of `values`, the answer to `requires` must be one of `allowed`."""

    id: str
    question: str
    values: tuple[str, ...]  # value keys (engine.model.value_key) that trigger the link
    requires: str
    allowed: tuple[str, ...]  # value keys the other question may take there
    message: str

    def triggered(self, keys: Sequence[str]) -> list[str]:
        """The keys of `question`'s answer that trigger the link."""
        return [k for k in keys if k in self.values]

    def breaking(self, keys: Sequence[str]) -> list[str]:
        """The keys of `requires`' answer the link does not allow."""
        return [k for k in keys if k not in self.allowed]

    def broken(self, answer: Sequence[str], required: Sequence[str]) -> bool:
        """Whether a source answering `answer` (value keys) on `question` and `required` on `requires` breaks it."""
        return bool(self.triggered(answer)) and bool(self.breaking(required))


def problems(data: Any, vocab: Vocabulary) -> list[tuple[Path, str]]:
    """What is wrong with links data, each at its path: the schema first, then names the vocabulary lacks."""
    schema_errors = sorted(validator("links").iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if schema_errors:
        return [(tuple(e.absolute_path), escape_controls(excerpt_message(e.message))) for e in schema_errors[:20]]
    out: list[tuple[Path, str]] = []
    seen: dict[str, int] = {}
    for i, link in enumerate(data.get("links", ())):
        if link["id"] in seen:
            out.append(
                (("links", i, "id"), f"duplicate link id {excerpt(link['id'])} (first at /links/{seen[link['id']]})")
            )
        seen.setdefault(link["id"], i)
        for side in ("answer", "requires"):
            name = link[side]["question"]
            question = vocab.questions.get(name)
            if question is None:
                hint = vocab.suggest(name, list(vocab.questions))
                out.append(((("links", i, side, "question")), f"unknown question {excerpt(name)}{hint}"))
                continue
            allowed = [v for v in vocab.allowed_values(name) if isinstance(v, str)]
            for j, value in enumerate(link[side]["values"]):
                if value not in allowed:
                    hint = vocab.suggest(value, allowed)
                    out.append(
                        (
                            ("links", i, side, "values", j),
                            f"{excerpt(value)} is not a value of question {name}{hint}; its values: {', '.join(allowed)}",
                        )
                    )
        if link["answer"]["question"] == link["requires"]["question"]:
            out.append((("links", i, "requires", "question"), "a link relates two different questions"))
    return out


def excerpt_message(message: str) -> str:
    """A schema message, bounded (it quotes the instance, which is user content)."""
    return message if len(message) <= 200 else message[:199] + "…"


def pointer(path: Path) -> str:
    """RFC 6901 JSON pointer of a path."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def usable(vocab: Vocabulary) -> tuple[tuple[Link, ...], list[str]]:
    """The vocabulary's links, and a message (located by JSON pointer) for each problem; none are used then."""
    data = vocab.links
    if not data:
        return (), []
    found = problems(data, vocab)
    if found:
        return (), [f"links.yaml {pointer(path) or '/'}: {message}; no link is checked" for path, message in found]
    return tuple(
        Link(
            link["id"],
            link["answer"]["question"],
            tuple(value_key(v) for v in link["answer"]["values"]),
            link["requires"]["question"],
            tuple(value_key(v) for v in link["requires"]["values"]),
            " ".join(link["message"].split()),
        )
        for link in data.get("links", ())
    ), []


def links(vocab: Vocabulary) -> tuple[Link, ...]:
    """Every cross-question link of the vocabulary (none when the links data has a problem: see `usable`)."""
    return usable(vocab)[0]


def check_file(path: str | os.PathLike[str], vocab: Vocabulary | None = None) -> list[str]:
    """`PATH:LINE:COL: error: message` for each problem of a links file (empty when it is fine)."""
    from engine.contract import vocabulary
    from engine.loader import LoadError, load_file

    try:
        doc = load_file(path)
    except LoadError as exc:
        return [exc.diagnostic.format()]
    out = []
    for where, message in problems(doc.data, vocab or vocabulary()):
        span = doc.locate(where)
        out.append(f"{escape_controls(str(path))}:{span.line}:{span.col}: error: {message}")
    return out
