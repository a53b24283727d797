"""Draft claims proposed from a source text, for the sentences no claim or exclusion covers (accord suggest).

Rule-based and deterministic: the sentences are engine.coverage's; each is
read with the patterns of engine.suggest_patterns (numeric bands over the
vocabulary's number facts, dose regimens, verdict phrases, approval words,
comparisons with another drug) and with its context in the text: the lead-in
lines it is a list item of ('Absolute Contraindications:', 'It has been
approved for:'), the label that starts its line ('**Alopecia Areata:**') and
the heading above it ('Dosing Recommendations'). A suggestion carries the
sentence as its quote (engine.provenance.selector), a question, a value and
a `when`, each checked against the vocabulary before it is offered, a
confidence in [0, 1] and the reason it was read that way. Nothing is written
here: a person accepts, edits or dismisses each (engine.dismissed remembers
dismissals).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from engine import suggest_patterns as sp
from engine.contract import Vocabulary
from engine.coverage import UNREVIEWED, Sentence, coverage_of_text
from engine.provenance import selector

INDICATION = "indication"
MAX_SENTENCE = 2000  # longer "sentences" (a huge line without a full stop) are not read: no sentence says that much


@dataclass(frozen=True)
class Suggestion:
    """One proposed draft claim: the quote, what it answers and for whom, how sure and why."""

    source: str
    quote: str
    start: int
    end: int
    prefix: str
    suffix: str
    question: str
    value: Any
    when: Any
    confidence: float
    reason: str

    @property
    def key(self) -> str:
        """What makes two suggestions the same one (a dismissal matches it): quote, question, value, when."""
        return json.dumps([self.source, self.quote, self.question, self.value, self.when], sort_keys=True)

    def to_json(self) -> dict[str, Any]:
        return {
            "quote": self.quote,
            "prefix": self.prefix,
            "suffix": self.suffix,
            "start": self.start,
            "end": self.end,
            "question": self.question,
            "value": self.value,
            "when": self.when,
            "confidence": self.confidence,
            "reason": self.reason,
        }


@dataclass
class _Context:
    """What the lines around a sentence say: lead-in lines, the line's label, the section heading."""

    lead_ins: list[str] = field(default_factory=list)
    label: str = ""
    heading: str = ""


_BULLET = re.compile(r"^\s*(?:[•*·▪‣◦-]|\d{1,3}[.)])\s+")
_LABEL = re.compile(r"^\s*(?:[•*·▪‣◦-]\s+)?\**([^:\n]{2,60}?):\**\s+\S")


def _line_contexts(text: str) -> list[_Context]:
    """The context of every line, in one pass: a stack of the lines above with less indentation."""
    lines = text.split("\n")
    out: list[_Context] = []
    stack: list[tuple[int, str]] = []
    heading = ""
    for i, line in enumerate(lines):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if stripped:
            while stack and stack[-1][0] >= indent:
                stack.pop()
        label_match = _LABEL.match(line) if ":" in line[:80] else None
        out.append(
            _Context(
                [s for _, s in stack if s.endswith(":")][-3:],
                label_match.group(1) if label_match else "",
                heading,
            )
        )
        if not stripped:
            continue
        stack.append((indent, stripped[:200]))
        del stack[:-8]
        before = lines[i - 1].strip() if i else ""
        after = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if stripped.startswith("#") or (
            len(stripped) <= 60
            and not before
            and not after
            and not _BULLET.match(line)
            and stripped[-1] not in ".!?:;,"
        ):
            heading = stripped.lstrip("#").strip()
    return out


def _clauses(text: str) -> list[tuple[int, int]]:
    """[start, end) of each clause: the sentence cut at commas and semicolons."""
    out, cut = [], 0
    for m in re.finditer(r"[,;]\s", text):
        out.append((cut, m.start()))
        cut = m.end()
    out.append((cut, len(text)))
    return out


def _clause_of(clauses: list[tuple[int, int]], pos: int) -> int:
    for i, (a, b) in enumerate(clauses):
        if a <= pos < b or (pos == b and i == len(clauses) - 1):
            return i
    return len(clauses) - 1


@dataclass(frozen=True)
class _Condition:
    """A condition of the sentence (a band, or an enum fact's value other than the indication)."""

    atoms: tuple[str, ...]  # JSON of each atom, so conditions compare and deduplicate
    start: int
    reading: str
    confidence: float


def _conditions(lex: sp.Lexicon, text: str, mentions: list[sp.EnumMention]) -> list[_Condition]:
    out: list[_Condition] = []
    for band in sp.bands(lex, text):
        atoms = tuple(json.dumps(a, sort_keys=True) for a in band.atoms())
        out.append(_Condition(atoms, band.start, band.reading(), 0.9 if band.by_name else 0.7))
    for mention in mentions:
        if mention.fact != INDICATION:
            atom = json.dumps({"==": [{"var": mention.fact}, mention.value]}, sort_keys=True)
            out.append(
                _Condition((atom,), mention.start, f"{mention.fact} {mention.value} from {mention.written!r}", 0.8)
            )
    return out


def _rule(atoms: Iterable[str]) -> Any:
    unique = list(dict.fromkeys(atoms))
    parsed = [json.loads(a) for a in unique]
    if not parsed:
        return True
    return parsed[0] if len(parsed) == 1 else {"and": parsed}


def _scope_atom(indications: list[str]) -> list[str]:
    values = list(dict.fromkeys(indications))
    if not values:
        return []
    if len(values) == 1:
        return [json.dumps({"==": [{"var": INDICATION}, values[0]]}, sort_keys=True)]
    return [json.dumps({"in": [{"var": INDICATION}, values]}, sort_keys=True)]


class _Reader:
    """Reads one sentence in its context and collects its suggestions (checked, deduplicated)."""

    def __init__(self, vocab: Vocabulary, lex: sp.Lexicon, source: str, text: str) -> None:
        self.vocab, self.lex, self.source, self.text = vocab, lex, source, text
        self.found: list[Suggestion] = []
        self.seen: set[str] = set()
        self._context_cache: dict[str, list[str]] = {}
        # comparisons: each vs_<drug>.<harm> question's drug words and harm words, compiled once
        by_drug: dict[str, list[str]] = {}
        for name in vocab.questions:
            if name.startswith("vs_") and "." in name:
                drug, harm = name[3:].split(".", 1)
                by_drug.setdefault(drug, []).append(harm)
        self.comparisons = [
            (
                drug,
                re.compile(
                    r"(?<!\w)" + r"\s*".join(re.escape(w) for w in drug.split("_")) + r"s?(?!\w)", re.IGNORECASE
                ),
                [
                    (harm, re.compile(sp.HARMS.get(harm, re.escape(harm.replace("_", " "))), re.IGNORECASE))
                    for harm in sorted(harms)
                ],
            )
            for drug, harms in sorted(by_drug.items())
        ]
        self.ours = re.compile(r"(?<!\w)" + re.escape(lex.drug) + r"(?!\w)", re.IGNORECASE) if lex.drug else None

    def indications_in(self, words: str) -> list[str]:
        """The indications a context line names (lines repeat as the context of many sentences: cached)."""
        if not words:
            return []
        hit = self._context_cache.get(words)
        if hit is None:
            hit = [m.value for m in sp.enum_mentions(self.lex, words) if m.fact == INDICATION]
            if len(self._context_cache) > 10_000:
                self._context_cache.clear()
            self._context_cache[words] = hit
        return hit

    def add(
        self, sentence: Sentence, question: str, value: Any, atoms: Iterable[str], confidence: float, reason: str
    ) -> None:
        from engine.rules import check_rule

        q = self.vocab.questions.get(question)
        if q is None or not q.value_validator.is_valid(value):
            return
        when = _rule(atoms)
        if check_rule(when, self.vocab):
            return
        prov = selector(self.text, sentence.start, sentence.end)
        s = Suggestion(
            self.source,
            prov.exact,
            prov.start,
            prov.end,
            prov.prefix,
            prov.suffix,
            question,
            value,
            when,
            round(max(0.05, min(0.99, confidence)), 2),
            reason,
        )
        if s.key not in self.seen:
            self.seen.add(s.key)
            self.found.append(s)

    def read(self, sentence: Sentence, ctx: _Context) -> None:
        text = sentence.text
        if len(text) > MAX_SENTENCE:
            return
        lex = self.lex
        all_mentions = sp.enum_mentions(lex, text)
        conditions = _conditions(lex, text, all_mentions)
        clauses = _clauses(text)
        adult = [a for b in sp.band_words(lex, text) for a in (json.dumps(x, sort_keys=True) for x in b.atoms())]
        mentions = [m for m in all_mentions if m.fact == INDICATION]
        scope_from = "the sentence"
        scope = [m.value for m in mentions]
        if not scope:
            for where, words in (("the line's label", ctx.label), ("the list's lead-in", " ".join(ctx.lead_ins))):
                scope = self.indications_in(words)
                if scope:
                    scope_from = where
                    break
        scope_atoms = _scope_atom(scope)
        dose_context = bool(
            sp.DOSE_WORDS.search(text) or any(sp.DOSE_WORDS.search(x) for x in (*ctx.lead_ins, ctx.heading))
        )
        found_regimens = sp.regimens(text, lex.drug)
        items: list[int] = [r.start for r in found_regimens]
        verdicts: list[tuple[int, sp.Phrase, Any]] = []
        for a, b in clauses:
            taken: set[str] = set()
            for phrase in sp.VERDICTS:
                m = phrase.pattern.search(text, a, b)
                if not m or phrase.question in taken:
                    continue
                taken.add(phrase.question)
                if phrase.value == "adjustment_required" and any(a <= r.start < b for r in found_regimens):
                    continue  # 'dose reduction: 2 mg for ...' gives the figure itself
                verdicts.append((m.start(), phrase, m))
                items.append(m.start())
        busy = {_clause_of(clauses, p) for p in items}
        free = [c for c in conditions if _clause_of(clauses, c.start) not in busy]

        def condition_sets(pos: int) -> list[list[_Condition]]:
            """The conditions of the item's clause together, and each condition of a clause with no item of
            its own alone ('ANC <1, ALC <0.5, or hemoglobin <8 ... should not start': three suggestions)."""
            own = [c for c in conditions if _clause_of(clauses, c.start) == _clause_of(clauses, pos)]
            sets = ([own] if own else []) + [[c] for c in free]
            return sets or [[]]

        extra = adult + scope_atoms
        scope_note = f"; scope {', '.join(dict.fromkeys(scope))} from {scope_from}" if scope else ""
        # doses
        written = [r for r in found_regimens if r.every_days is not None and r.every_days > 0]
        for group in sp.alternatives(found_regimens, text):
            values: list[dict[str, Any]] = []
            notes: list[str] = []
            conf = 0.85
            for r in group:
                every = r.every_days
                if every is None:
                    every = group[-1].every_days if group[-1].every_days else None
                if every is None and written:
                    near = min(written, key=lambda w: abs(w.start - r.start))
                    every, conf = near.every_days, min(conf, 0.65)
                    notes.append(f"{r.written.strip()!r}: frequency of {near.written.strip()!r}")
                if every is None and (dose_context or conditions):
                    every, conf = 1, min(conf, 0.45)
                    notes.append(f"{r.written.strip()!r}: no frequency written, once daily assumed")
                if not every:  # twice daily or none at all: no regimen form for it
                    values = []
                    break
                values.append(r.value(every))
            if not values:
                continue
            unique = list({json.dumps(v, sort_keys=True): v for v in values}.values())
            value: Any = unique[0] if len(unique) == 1 else {"one_of": unique}
            wrote = " or ".join(r.written.strip() for r in group)
            for conds in condition_sets(group[0].start):
                c = min([conf, *(x.confidence for x in conds)])
                reading = "; ".join([f"dose {json.dumps(value)} from {wrote!r}", *notes, *(x.reading for x in conds)])
                self.add(sentence, "dose", value, [a for x in conds for a in x.atoms] + extra, c, reading + scope_note)
        # verdicts (a verdict needs a condition: who it is for)
        heading_verdict = None
        if not any(p.question == "initiation" for _, p, _ in verdicts):
            for phrase in sp.HEADING_VERDICTS:
                if any(phrase.pattern.search(x) for x in ctx.lead_ins):
                    heading_verdict = phrase
                    break
        pending: list[tuple[int, sp.Phrase, str]] = [(pos, p, m.group(0)) for pos, p, m in verdicts]
        if heading_verdict is not None:
            pending.append((-1, heading_verdict, f"the lead-in {ctx.lead_ins[-1]!r}"))
        for pos, phrase, said in pending:
            question, value = phrase.question, phrase.value
            if phrase.dose_value and dose_context:
                question, value = "dose", phrase.dose_value
            sets = [conditions] if pos < 0 else condition_sets(pos)
            for conds in sets:
                if not conds:
                    continue
                c = min([phrase.confidence, *(x.confidence for x in conds)])
                reading = "; ".join([f"{question} {value} from {said!r}", *(x.reading for x in conds)])
                self.add(
                    sentence, question, value, [a for x in conds for a in x.atoms] + extra, c, reading + scope_note
                )
        self.read_status(sentence, ctx, clauses, mentions, adult)
        self.read_comparisons(sentence, clauses, conditions)

    def read_status(
        self,
        sentence: Sentence,
        ctx: _Context,
        clauses: list[tuple[int, int]],
        mentions: list[sp.EnumMention],
        adult: list[str],
    ) -> None:
        """indication_status for each indication the sentence names, from the approval word that goes with it."""
        if not mentions:
            return
        text = sentence.text

        def status_in(a: int, b: int) -> tuple[sp.Phrase, str] | None:
            for phrase in sp.STATUSES:
                m = phrase.pattern.search(text, a, b)
                if m:
                    return phrase, m.group(0)
            return None

        paired: list[tuple[str, sp.Phrase, str, float]] = []
        for a, b in clauses:
            found = status_in(a, b)
            if found is None:
                continue
            inside = [m.value for m in mentions if a <= m.start < b]
            if not inside and re.search(r"\bthe\s+latter\b", text[a:b], re.IGNORECASE):
                before = [m.value for m in mentions if m.start < a]
                inside = before[-1:]
            paired.extend((v, found[0], found[1], 1.0) for v in inside)
        if not paired:
            found = status_in(0, len(text))
            how = 0.8
            if found is None:
                for line in reversed(ctx.lead_ins):
                    for phrase in sp.STATUSES:
                        m = phrase.pattern.search(line)
                        if m:
                            found = (phrase, f"{m.group(0)} (the lead-in {line!r})")
                            break
                    if found:
                        break
                how = 0.75
            if found is not None:
                paired = [(m.value, found[0], found[1], how) for m in mentions]
        done: set[tuple[str, str]] = set()
        for value, phrase, said, how in paired:
            if (value, phrase.value) in done:
                continue
            done.add((value, phrase.value))
            atom = json.dumps({"==": [{"var": INDICATION}, value]}, sort_keys=True)
            reading = f"indication_status {phrase.value} for {value} from {said!r}"
            if adult:
                reading += "; adults: age 18 or more"
            self.add(sentence, "indication_status", phrase.value, [atom, *adult], phrase.confidence * how, reading)

    def read_comparisons(
        self, sentence: Sentence, clauses: list[tuple[int, int]], conditions: list[_Condition]
    ) -> None:
        """vs_<drug>.<harm> for a sentence that compares the drug with another one on a harm."""
        text = sentence.text
        atoms = [a for c in conditions for a in c.atoms]
        ours = self.ours
        for drug, other, harms in self.comparisons:
            if not other.search(text):
                continue
            for harm, pattern in harms:
                hit = pattern.search(text)
                if not hit:
                    continue
                question = f"vs_{drug}.{harm}"
                if sp.CLASS_EFFECT.search(text):
                    self.add(
                        sentence,
                        question,
                        "class_effect",
                        atoms,
                        0.6,
                        f"{question} class_effect: {drug} is called another JAK inhibitor, harm {hit.group(0)!r}",
                    )
                    continue
                a, b = clauses[_clause_of(clauses, hit.start())]
                clause = text[a:b]
                direction = (
                    "higher"
                    if sp.HIGHER.search(clause)
                    else "lower"
                    if sp.LOWER.search(clause)
                    else "similar"
                    if sp.SIMILAR.search(clause)
                    else None
                )
                if direction is None:
                    continue
                subjects = [(m.start(), "other") for m in other.finditer(clause)]
                if ours is not None:
                    subjects += [(m.start(), "ours") for m in ours.finditer(clause)]
                before = [s for s in subjects if s[0] < hit.start() - a]
                if before and max(before)[1] == "other" and direction != "similar":
                    direction = "lower" if direction == "higher" else "higher"
                self.add(sentence, question, direction, atoms, 0.5, f"{question} {direction} from {clause.strip()!r}")


def suggest_text(
    text: str,
    vocab: Vocabulary,
    source: str = "",
    claim_spans: Iterable[tuple[int, int]] = (),
    excluded_spans: Iterable[tuple[int, int]] = (),
    include_covered: bool = False,
    dismissed: Iterable[str] = (),
) -> list[Suggestion]:
    """Suggestions for the sentences of `text` that no claim or exclusion covers (all with include_covered),
    in text order, without those whose key is in `dismissed`."""
    cov = coverage_of_text(text, claim_spans, excluded_spans, source=source)
    contexts = _line_contexts(text)
    reader = _Reader(vocab, sp.lexicon(vocab), source, text)
    for sentence, status in zip(cov.sentences, cov.status):
        if include_covered or status == UNREVIEWED:
            reader.read(sentence, contexts[sentence.line - 1])
    gone = set(dismissed)
    return [s for s in reader.found if s.key not in gone]


def source_text(ruleset: Any) -> str:
    """The ruleset's (engine.model.Ruleset) source text, through the loader's containment; OSError if unreadable."""
    text: str | None = ruleset.source_text
    if text is None:
        from pathlib import Path

        from engine.loader import LoadError, read_text

        try:
            text = read_text(ruleset.resolve_text_path(), root=Path(ruleset.path).parent)
        except LoadError as exc:
            raise OSError(exc.diagnostic.message) from None
    return text


def suggest(
    ruleset: Any, vocab: Vocabulary, include_covered: bool = False, dismissed: Iterable[str] = ()
) -> list[Suggestion]:
    """suggest_text over a ruleset's (engine.model.Ruleset) source text; OSError when it cannot be read."""
    text = source_text(ruleset)
    return suggest_text(
        text,
        vocab,
        ruleset.source_id,
        ((c.provenance.start, c.provenance.end) for c in ruleset.claims if c.provenance.is_quote),
        ((e.start, e.end) for e in ruleset.excluded),
        include_covered,
        dismissed,
    )
