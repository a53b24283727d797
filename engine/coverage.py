"""Coverage of a source text by a ruleset: has every sentence been reviewed?

A deterministic sentence splitter cuts the verbatim source into sentences; a
sentence is *claimed* when it overlaps the provenance span of a claim,
*excluded* when it overlaps an `excluded` span (and no claim), and
*unreviewed* otherwise. A complete ruleset has no unreviewed sentence.

Splitting rules (kept deliberately simple so authors can predict them):

* every line break ends a sentence (so bullet lines, headings, table rows
  and YAML front-matter lines are sentences of their own);
* inside a line, a run of '.', '!' or '?' followed by whitespace ends a
  sentence;
* each piece is trimmed of surrounding whitespace; blank pieces are skipped.

Pure Python, no third-party imports.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

_END = re.compile(r"[.!?]+(?=\s)")

CLAIMED, EXCLUDED, UNREVIEWED = "claimed", "excluded", "unreviewed"


@dataclass(frozen=True)
class Sentence:
    """A sentence of a source text: [start, end) offsets in code points, 1-based line and column."""

    start: int
    end: int
    line: int
    col: int
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "line": self.line, "col": self.col, "text": self.text}


def split_sentences(text: str) -> list[Sentence]:
    """Cut `text` into sentences (see the module docstring for the rules)."""
    sentences: list[Sentence] = []
    line_start = 0
    line_no = 1
    for line in text.split("\n"):
        pieces: list[tuple[int, int]] = []
        cut = 0
        for match in _END.finditer(line):
            pieces.append((cut, match.end()))
            cut = match.end()
        pieces.append((cut, len(line)))
        for a, b in pieces:
            piece = line[a:b]
            stripped = piece.strip()
            if not stripped:
                continue
            lead = len(piece) - len(piece.lstrip())
            s = line_start + a + lead
            e = s + len(stripped)
            sentences.append(Sentence(s, e, line_no, a + lead + 1, stripped))
        line_start += len(line) + 1
        line_no += 1
    return sentences


class _Spans:
    """Answers "does any span overlap [start, end)?" in O(log n), not by scanning every span.

    Spans sorted by start, with the running maximum of their ends: the spans
    starting before `end` are a prefix, and one of them reaches past `start`
    exactly when the prefix's largest end does (a 4.5 MB text with 120,000
    sentences and 2,000 claims took 36 s by scanning; now well under one).
    """

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self.starts = [a for a, _ in ordered]
        self.reach: list[int] = []
        furthest = -1
        for _, b in ordered:
            furthest = max(furthest, b)
            self.reach.append(furthest)

    def overlaps(self, start: int, end: int) -> bool:
        before_end = bisect.bisect_left(self.starts, end)
        return before_end > 0 and self.reach[before_end - 1] > start


@dataclass
class SourceCoverage:
    """How the sentences of one source are covered by its ruleset."""

    source: str
    path: str
    text_path: str
    sentences: list[Sentence] = field(default_factory=list)
    status: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(s == status for s in self.status)

    @property
    def unreviewed(self) -> list[Sentence]:
        return [s for s, st in zip(self.sentences, self.status) if st == UNREVIEWED]

    @property
    def complete(self) -> bool:
        return self.count(UNREVIEWED) == 0

    def counts(self) -> dict[str, int]:
        return {
            "sentences": len(self.sentences),
            "claimed": self.count(CLAIMED),
            "excluded": self.count(EXCLUDED),
            "unreviewed": self.count(UNREVIEWED),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "path": self.path,
            "text": self.text_path,
            **self.counts(),
            "unreviewed_sentences": [s.to_json() for s in self.unreviewed],
        }


def coverage_of_text(
    text: str,
    claim_spans: Iterable[tuple[int, int]],
    excluded_spans: Iterable[tuple[int, int]],
    source: str = "",
    path: str = "",
    text_path: str = "",
) -> SourceCoverage:
    """Classify every sentence of `text` as claimed, excluded or unreviewed."""
    claims = _Spans(claim_spans)
    excluded = _Spans(excluded_spans)
    result = SourceCoverage(source, path, text_path)
    for sentence in split_sentences(text):
        if claims.overlaps(sentence.start, sentence.end):
            status = CLAIMED
        elif excluded.overlaps(sentence.start, sentence.end):
            status = EXCLUDED
        else:
            status = UNREVIEWED
        result.sentences.append(sentence)
        result.status.append(status)
    return result


def coverage(ruleset: Any, text: str | None = None) -> SourceCoverage:
    """Coverage of a ruleset (engine.model.Ruleset) over its source text.

    The text is read from the ruleset's `source.text` path (UTF-8, newlines
    kept, engine.safefile's containment) unless given; OSError if it cannot be.
    """
    if text is None:
        text = ruleset.source_text
    if text is None:  # through the loader: contained in the ruleset's folder, regular files only
        from pathlib import Path

        from engine.loader import LoadError, read_text

        try:
            text = read_text(ruleset.resolve_text_path(), root=Path(ruleset.path).parent)
        except LoadError as exc:
            raise OSError(exc.diagnostic.message) from None
    return coverage_of_text(
        text,
        ((c.provenance.start, c.provenance.end) for c in ruleset.claims),
        ((e.start, e.end) for e in ruleset.excluded),
        source=ruleset.source_id,
        path=str(ruleset.path),
        text_path=str(ruleset.resolve_text_path()),
    )
