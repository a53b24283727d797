"""Findings grouped by cause: one finding per pair of disagreeing statements, holding every region.

Region analysis reports each region where two sources' answers differ, and one pair
of statements ("not recommended below CrCl 30" against "1 mg once daily for eGFR
30-49") shows up in many regions, once per combination of the facts around it. A
reviewer decides the pair once. So each region's disagreement is split into its
causes, read off the answers at the region's witness:

- a **contradiction**: a value of one source contradicts a value of the other under
  the question's value relations (engine.meaning.questions.relate_value_sets). The
  cause is the two values; the finding holds every region where that pair disagrees,
  and the claims that give each value there (`sides`).
- an **omission**: the value of one source comes only from claims that read a fact
  the other source never addresses on the question (engine.meaning.concepts: eGFR
  addresses CrCl), and setting that fact otherwise, the speaker answers without the
  pair and without any new contradiction. "jak-blog does not address strong OAT3
  inhibitors; dr-oracle says adjustment required." One finding per speaker, silent
  source, fact and value, a severity step lower than the question's.

A finding's id hashes its kind, question, sources and cause (values or the fact),
never claim ids or cell bounds: an unrelated edit keeps it. Each region keeps the id
it had as a conflict of its own (`regions[].id`), so a disposition recorded under an
old id finds the finding that contains it (engine.migrate).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from engine.analysis.model import BETWEEN, BOUNDARY, WITHIN, conflict_id
from engine.fingerprint import claim_fingerprint
from engine.meaning.concepts import addressed
from engine.meaning.facts import check
from engine.meaning.questions import CONTRADICT, relate_value_sets
from engine.meaning.questions import PRECISION as BY_PRECISION
from engine.model import QUALIFIER_SEP, Claim, Ruleset, answer_key
from engine.reference import DEVIATES, LABEL_DIFFERENCE
from engine.words import claims_words, contains_text, fact_label, region_words, said

if TYPE_CHECKING:
    from engine.conflicts import Answers, Conflict
    from engine.contract import Vocabulary

OMISSION = "omission"
PRECISION = "precision"
PAIRWISE = (BETWEEN, BOUNDARY, DEVIATES, LABEL_DIFFERENCE, PRECISION)
# An omission is a step below the question's severity: the silent source is not wrong where it speaks.
LOWER = {"high": "medium", "medium": "low", "low": "low"}


@dataclass(frozen=True)
class Cause:
    """What one region's disagreement comes from: the finding it belongs to."""

    kind: str
    parts: tuple[str, ...]  # hashed into the finding's id with kind and question
    values: tuple[str, ...] = ()  # contradiction: (first source's value key, second's); omission: (speaker's,)
    speaker: str | None = None  # omission: the source that reads the fact
    silent: str | None = None  # omission: the source that does not address it
    fact: str | None = None  # omission: the fact


@dataclass
class Group:
    cause: Cause
    regions: list[Conflict] = field(default_factory=list)
    side_claims: dict[str, dict[str, None]] = field(default_factory=dict)  # source -> claim ids, in order met


def claim_json(claim: Claim) -> dict[str, Any]:
    """A claim as the report shows it: a reference's claim has its citation where a quote would be."""
    data: dict[str, Any] = {
        "id": claim.id,
        "source": claim.source,
        "value": claim.value,
        "status": claim.status,
        "quote": claim.provenance.exact,
        "start": claim.provenance.start,
        "end": claim.provenance.end,
        "fingerprint": claim_fingerprint(claim),  # what a disposition judged (engine.fingerprint)
    }
    if claim.provenance.citation is not None:
        data["citation"] = claim.provenance.citation.to_json()
    return data


def _keys(answer: dict[str, Any]) -> dict[str, list[str]]:
    return {answer_key(v["value"], v.get("qualifiers")): list(v["claims"]) for v in answer.get("values", [])}


def _typical(name: str, vocab: Vocabulary) -> Any:
    """The fact's value for an ordinary patient (vocabulary `typical`), or None when it has none."""
    fact = vocab.facts.get(name)
    return None if fact is None else fact.typical


class Causes:
    """Splits region conflicts into causes; remembers what each source addresses per question."""

    def __init__(self, rulesets: list[Ruleset], ask: Answers, vocab: Vocabulary) -> None:
        self.by_id = {r.source_id: r for r in rulesets}
        self.claims = {c.id: c for r in rulesets for c in r.claims}
        self.ask = ask
        self.vocab = vocab
        self._heard: dict[tuple[str, str], frozenset[str]] = {}

    def heard(self, source: str, question: str) -> frozenset[str]:
        """The facts `source` speaks to on `question`: every fact its claims there read, with their concepts."""
        key = (source, question)
        if key not in self._heard:
            ruleset = self.by_id.get(source)
            read = {n for c in ruleset.claims_for(question) for n in c.facts} if ruleset else set()
            self._heard[key] = addressed(read, self.vocab)
        return self._heard[key]

    def of(self, c: Conflict) -> list[Cause]:
        if c.kind not in PAIRWISE or len(c.answers) != 2 or len(c.sources) != 2:
            return [Cause(c.kind, ("region", c.id))]
        first, second = c.answers
        ka, kb = _keys(first), _keys(second)
        verdict, pairs = relate_value_sets(c.question, list(ka), list(kb), self.vocab)
        if verdict not in (CONTRADICT, BY_PRECISION) or not pairs:
            return [Cause(c.kind, ("region", c.id))]
        out: list[Cause] = []
        for x, y, _ in pairs:
            omissions: list[Cause] = []
            if c.kind not in (LABEL_DIFFERENCE, PRECISION):
                for speaker, silent, key, claim_ids in (
                    (first["source"], second["source"], x, ka[x]),
                    (second["source"], first["source"], y, kb[y]),
                ):
                    fact = self._omitted(c, speaker, silent, key, claim_ids, (x, y))
                    if fact is not None:
                        omissions.append(
                            Cause(
                                OMISSION,
                                (speaker, "silent:" + silent, "fact:" + fact, key),
                                (key,),
                                speaker,
                                silent,
                                fact,
                            )
                        )
            tagged = (f"{first['source']}={x}", f"{second['source']}={y}")  # hashed sorted: say whose is whose
            out += omissions or [Cause(c.kind, tagged, (x, y))]
        return list(dict.fromkeys(out))

    def _omitted(
        self, c: Conflict, speaker: str, silent: str, key: str, claim_ids: list[str], pair: tuple[str, str]
    ) -> str | None:
        """The fact the silent source never addresses that alone puts `key` into the speaker's answer, if any."""
        heard = self.heard(silent, c.question)
        claims = [self.claims[i] for i in claim_ids if i in self.claims]
        if not claims:
            return None
        unheard = [[n for n in claim.facts if n not in heard] for claim in claims]
        if not all(unheard):
            return None
        for name in sorted({n for names in unheard for n in names}):
            if all(name in names for names in unheard) and self._separates(c, speaker, silent, name, claims, pair):
                return name
        return None

    def _separates(
        self, c: Conflict, speaker: str, silent: str, name: str, claims: list[Any], pair: tuple[str, str]
    ) -> bool:
        """Whether the claims are an exception the silent source omits: at the witness `name` is away from its
        typical value, and at the typical value the speaker still answers, the pair is gone, and the silent
        source (who does not read `name`) answers as before. A claim that holds at the typical value (a
        standard dose scoped to patients without the modifiers) is the speaker's baseline: a contradiction."""
        typical = _typical(name, self.vocab)
        if typical is None or c.witness.get(name) == typical:
            return False
        # The whole witness cell: the minimal witness dropped facts the other claims need once this one stops.
        facts = {**(c.cell_facts or {}), **c.witness, name: typical}
        if check(facts, self.vocab):
            return False  # no patient has these facts together
        answers = self.ask(tuple(c.sources), c.question, facts)
        mine = next(a for a in answers if a["source"] == speaker)
        theirs_before = next(a for a in c.answers if a["source"] == silent)
        theirs_after = next(a for a in answers if a["source"] == silent)
        if mine["status"] not in ("answered", "conflicting") or _keys(theirs_after) != _keys(theirs_before):
            return False  # silent or undecided there: silence is not agreement
        return pair not in self._pairs(c.question, answers)

    def _pairs(self, question: str, answers: list[dict[str, Any]]) -> set[tuple[str, str]]:
        ka, kb = _keys(answers[0]), _keys(answers[1])
        verdict, pairs = relate_value_sets(question, list(ka), list(kb), self.vocab)
        return {(x, y) for x, y, _ in pairs} if verdict == CONTRADICT else set()


def group_findings(
    conflicts: list[Conflict], rulesets: list[Ruleset], ask: Answers, vocab: Vocabulary
) -> list[Conflict]:
    """The region conflicts grouped by cause: each finding with its regions, sides, id and one-line description."""
    causes = Causes(rulesets, ask, vocab)
    groups: dict[tuple[str, str, tuple[str, ...], Cause], Group] = {}
    for c in conflicts:
        for cause in causes.of(c):
            key = (c.question, c.reference or "", tuple(c.sources), cause)
            group = groups.setdefault(key, Group(cause))
            group.regions.append(c)
            _note_sides(group, c)
    out = [_finding(group, causes) for group in groups.values()]
    return out


def _note_sides(group: Group, c: Conflict) -> None:
    cause = group.cause
    for answer in c.answers:
        source = answer["source"]
        keys = _keys(answer)
        if cause.kind == OMISSION:
            wanted = [cause.values[0]] if source == cause.speaker else []
        elif cause.values:
            index = c.sources.index(source) if source in c.sources else -1
            wanted = [cause.values[index]] if 0 <= index < len(cause.values) else []
        else:
            wanted = list(keys)
        ids = group.side_claims.setdefault(source, {})
        for k in wanted:
            for claim in keys.get(k, []):
                ids[claim] = None


def _value_text(key: str) -> str:
    from engine.evaluate import value_text

    value, _, quals = key.partition(QUALIFIER_SEP)
    return value_text(json.loads(value), json.loads(quals) if quals else None)


def _finding(group: Group, causes: Causes) -> Conflict:
    cause = group.cause
    regions = sorted(group.regions, key=lambda r: (-r.region.get("cells", 0), r.id))
    top = regions[0]
    vocab = causes.vocab
    if cause.parts[:1] == ("region",):  # within a source, a gap, a link: its own finding, as before
        fid = top.id
    else:
        fid = conflict_id(
            cause.kind, top.question, [*cause.parts, *(["reference:" + top.reference] if top.reference else [])]
        )
    kind = cause.kind
    severity = LOWER.get(top.severity, top.severity) if kind == OMISSION else top.severity
    sides = []
    claim_ids: list[str] = []
    for source in top.sources:
        ids = list(group.side_claims.get(source, {}))
        claim_ids += ids
        side: dict[str, Any] = {"source": source, "claims": ids}
        if cause.kind == OMISSION:
            side["says"] = (
                _value_text(cause.values[0])
                if source == cause.speaker
                else "nothing on " + fact_label(cause.fact or "", vocab)
            )
        elif cause.values:
            side["says"] = _value_text(cause.values[top.sources.index(source)])
        sides.append(side)
    if not claim_ids:
        claim_ids = [c["id"] for c in top.claims]
    entries: list[dict[str, Any]] = []
    for r in regions:
        words = region_words(r.region, vocab)
        entries.append(
            {
                "id": r.id,
                "region": {**r.region, "words": words},
                "witness": {"facts": r.witness},
                "answers": r.answers,
                "description": r.description,
            }
        )
    read = addressed((n for i in claim_ids if i in causes.claims for n in causes.claims[i].facts), vocab)
    focus = {**top.region, "constraints": [c for c in top.region.get("constraints", []) if c["fact"] in read]}
    description = _one_line(group, top, sides, entries, region_words(focus, vocab), vocab)
    claims = [claim_json(causes.claims[i]) for i in dict.fromkeys(claim_ids) if i in causes.claims]
    return replace(
        top,
        id=fid,
        kind=kind,
        severity=severity,
        claims=claims or top.claims,
        region={**top.region, "words": entries[0]["region"]["words"]},
        description=description,
        regions=entries,
        sides=sides if cause.values else None,
        silent=cause.silent,
        unaddressed=[cause.fact] if cause.fact else None,
    )


def _one_line(
    group: Group,
    top: Conflict,
    sides: list[dict[str, Any]],
    entries: list[dict[str, Any]],
    where: str,
    vocab: Vocabulary,
) -> str:
    """The finding in one sentence: who says what, on the facts its claims read (the regions have the rest)."""
    cause = group.cause
    more = f" ({len(entries)} regions)" if len(entries) > 1 else ""
    if cause.kind == OMISSION:
        speaker = next(s for s in sides if s["source"] == cause.speaker)
        return (
            f"{cause.silent} does not address {fact_label(cause.fact or '', vocab)}; {cause.speaker} says "
            f"{speaker['says']} ({claims_words(speaker['claims'])}) where {where}{more}"
        )
    if cause.values and top.kind in (BETWEEN, BOUNDARY, DEVIATES):
        a, b = sides
        if top.kind == DEVIATES and top.reference and b["source"] != top.reference:
            a, b = b, a
        if top.kind == DEVIATES and top.reference and a["source"] == top.reference:
            a, b = b, a
        lead = f"{a['source']} says {a['says']} ({claims_words(a['claims'])})"
        other = f"{b['source']} says {b['says']} ({claims_words(b['claims'])})"
        if top.kind == DEVIATES and top.reference:
            return f"{a['source']} deviates from the reference {top.reference}: {lead}; the label says {b['says']} where {where}{more}"
        text = f"{lead} but {other} where {where}{more}"
        if top.kind == BOUNDARY and top.fact is not None:
            text += f"; both use {fact_label(top.fact, vocab)} {top.threshold:g} as a threshold but put the point on different sides"
        return text
    if top.kind == WITHIN and top.link is None:
        text = f"{top.sources[0]} gives different answers where {where}{more}: {said(top.answers[0])}"
        return text + contains_text(top.contains or [])
    return top.description.replace(top.region.get("text", "\0"), where) + more
