"""Where a quote stands in a changed source text: exact, moved, fuzzy or lost, never guessed silently.

Hypothesis re-anchors annotations silently and sometimes attaches them to the
wrong words; a clinical claim must not be. Each quote is classified:

* exact: the same words at the same offsets;
* moved: the same words elsewhere (engine.provenance.reanchor: the occurrence
  whose prefix and suffix match best, then the nearest); `context_same` says
  whether its recorded prefix and suffix still surround it there;
* fuzzy: the words changed; the new span is the text between the quote's old
  prefix and suffix when both are still there, else the run of whole sentences
  (engine.coverage.split_sentences) most similar to the old quote, when at
  least MIN_SIMILARITY alike (difflib ratio). The caller treats the claim as
  changed (its reading must be checked again);
* lost: nothing close enough.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from engine.coverage import Sentence, split_sentences
from engine.model import Provenance
from engine.provenance import context_matches, is_anchored, reanchor

EXACT, MOVED, FUZZY, LOST = "exact", "moved", "fuzzy", "lost"
MIN_SIMILARITY = 0.75  # difflib ratio a changed quote needs to its old words to be taken as their new version
MIN_CONTEXT = 8  # characters of prefix and suffix needed to find a changed quote between them


@dataclass(frozen=True)
class Anchoring:
    """What became of one quote in the new text."""

    state: str  # exact, moved, fuzzy or lost
    start: int | None = None
    end: int | None = None
    similarity: float = 1.0  # difflib ratio of the new words to the old (1.0 unless fuzzy)
    context_same: bool = True  # the recorded prefix and suffix surround the words in the new text

    def exact_in(self, text: str) -> str:
        """The quoted words in `text` (empty when lost)."""
        return "" if self.start is None or self.end is None else text[self.start : self.end]


def anchor(text: str, prov: Provenance, sentences: list[Sentence] | None = None) -> Anchoring:
    """Classify `prov` (a quote into the old text) against the new `text`."""
    if not prov.exact:
        return Anchoring(LOST)
    if is_anchored(text, prov):
        return Anchoring(EXACT, prov.start, prov.end, 1.0, context_matches(text, prov))
    found = reanchor(text, prov)
    if found is not None:
        moved = Provenance(prov.exact, found[0], found[1], prov.prefix, prov.suffix)
        return Anchoring(MOVED, found[0], found[1], 1.0, context_matches(text, moved))
    between = _between_context(text, prov)
    if between is not None:
        return between
    return _similar_sentences(text, prov, split_sentences(text) if sentences is None else sentences)


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _between_context(text: str, prov: Provenance) -> Anchoring | None:
    """The text between the old prefix and suffix, when both survive close together and it still looks alike."""
    prefix, suffix = prov.prefix, prov.suffix
    if len(prefix) < MIN_CONTEXT or len(suffix) < MIN_CONTEXT:
        return None
    longest = 2 * len(prov.exact) + 80
    best: tuple[float, int, int, int] | None = None  # (similarity, -distance, start, end)
    pos = text.find(prefix)
    while pos != -1:
        start = pos + len(prefix)
        end = text.find(suffix, start, start + longest + len(suffix))
        if end != -1:
            # the words themselves, without the whitespace the context may have lost
            a, b = start, end
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            if b > a:
                score = _ratio(prov.exact, text[a:b])
                candidate = (score, -abs(a - prov.start), a, b)
                if best is None or candidate > best:
                    best = candidate
        pos = text.find(prefix, pos + 1)
    if best is None or best[0] < MIN_SIMILARITY / 2:
        return None
    return Anchoring(FUZZY, best[2], best[3], round(best[0], 3), True)


def _similar_sentences(text: str, prov: Provenance, sentences: list[Sentence]) -> Anchoring:
    """The run of whole sentences most like the old quote, if alike enough; else lost."""
    old = prov.exact
    count = max(1, len(split_sentences(old)))
    best: tuple[float, int, int, int] | None = None
    for width in range(max(1, count - 1), min(count + 1, 6) + 1):
        for i in range(0, len(sentences) - width + 1):
            start, end = sentences[i].start, sentences[i + width - 1].end
            words = text[start:end]
            matcher = difflib.SequenceMatcher(None, old, words, autojunk=False)
            floor = best[0] if best is not None else MIN_SIMILARITY
            if matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor:
                continue
            score = matcher.ratio()
            candidate = (score, -abs(start - prov.start), start, end)
            if score >= MIN_SIMILARITY and (best is None or candidate > best):
                best = candidate
    if best is None:
        return Anchoring(LOST, similarity=0.0)
    return Anchoring(FUZZY, best[2], best[3], round(best[0], 3), False)
