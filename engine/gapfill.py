"""The claim that would close a gap finding: its interval, its question, and candidate values.

A gap finding (report.json, kind `gap`; engine.analysis.grid.gaps) is a hole in one source's
banding of a numeric fact: claims end just below it, others begin just above it. The claim
that would close it applies exactly on the hole, with its ends open or closed as the hole's
are, under the conditions its neighbours share; its value is for a person to choose (the
neighbours' values are the candidates) and its quote for a person to find in the source.
Nothing here writes anything: the workbench turns a suggestion into a draft claim
(tui/screens/claim_editor.py) that cannot be saved without a value and a quote.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from engine.contract import Vocabulary, vocabulary
from engine.model import Claim, Ruleset
from engine.rules import facts_used
from engine.values import canonical


@dataclass(frozen=True)
class GapSuggestion:
    """The claim that would close one gap: applies on low..high of `fact` (ends as the hole's) where `when`."""

    question: str
    fact: str
    low: float | int
    low_inclusive: bool
    high: float | int
    high_inclusive: bool
    when: Any  # JSON-Logic: the interval, plus the conditions every neighbouring claim shares
    candidates: list[dict[str, Any]]  # {value, from_claim}: the neighbours' values, those ending below first
    source: str = ""
    finding: str = ""  # the gap finding's id
    ending: tuple[str, ...] = ()  # claims that end just below the hole
    beginning: tuple[str, ...] = ()  # claims that begin just above it
    shared: list[Any] = field(default_factory=list)  # the neighbours' shared conditions (part of `when`)

    @property
    def interval_text(self) -> str:
        if self.low == self.high:
            return f"{self.fact} = {_num(self.low)}"
        return (
            f"{_num(self.low)} {'<=' if self.low_inclusive else '<'} {self.fact} "
            f"{'<=' if self.high_inclusive else '<'} {_num(self.high)}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "fact": self.fact,
            "low": self.low,
            "low_inclusive": self.low_inclusive,
            "high": self.high,
            "high_inclusive": self.high_inclusive,
            "text": self.interval_text,
            "when": self.when,
            "candidates": [dict(c) for c in self.candidates],
            "ending": list(self.ending),
            "beginning": list(self.beginning),
        }


class NotAGap(ValueError):
    """The finding is not a gap finding, or lacks what a suggestion needs (its fact's bounds)."""


def gap_suggestion(finding: dict[str, Any], rulesets: list[Ruleset], vocab: Vocabulary | None = None) -> GapSuggestion:
    """The claim that would close the gap `finding` (a report.json conflict of kind `gap`). Raises NotAGap."""
    vocab = vocab or vocabulary()
    if finding.get("kind") != "gap" or not isinstance(finding.get("fact"), str):
        raise NotAGap(f"{finding.get('id', 'the finding')} is not a gap finding")
    fact = finding["fact"]
    question = str(finding.get("question", ""))
    found_region = finding.get("region")
    region: dict[str, Any] = found_region if isinstance(found_region, dict) else {}
    bounds = next(
        (c for c in region.get("constraints", []) if isinstance(c, dict) and c.get("fact") == fact and "low" in c),
        None,
    )
    if bounds is None:
        raise NotAGap(f"{finding.get('id', 'the gap')}: its region gives no bounds on {fact}")
    low, high = bounds["low"], bounds["high"]
    low_in, high_in = bool(bounds["low_inclusive"]), bool(bounds["high_inclusive"])
    sources = finding.get("sources") or []
    source = str(sources[0]) if sources else ""
    by_id = {c.id: c for r in rulesets for c in r.claims}
    # The source's claims on the question: the report names a grouped finding's claims by who answers at its
    # witness (engine.findings), which may leave out the claims on either side of the hole.
    claims = [c for r in rulesets if r.source_id == source for c in r.claims_for(question)]
    ending, beginning = _sides(finding, claims, fact, low, low_in, high, high_in)
    neighbours = [by_id[c] for c in (*ending, *beginning) if c in by_id]
    shared = _shared_conditions(neighbours, fact)
    interval = _interval(fact, low, low_in, high, high_in, vocab)
    parts = [*shared, *interval]
    when: Any = True if not parts else parts[0] if len(parts) == 1 else {"and": parts}
    candidates: list[dict[str, Any]] = []
    for cid in (*ending, *beginning):
        if cid in by_id:
            candidates.append({"value": by_id[cid].value, "from_claim": cid})
    return GapSuggestion(
        question,
        fact,
        low,
        low_in,
        high,
        high_in,
        when,
        candidates,
        source,
        str(finding.get("id", "")),
        tuple(ending),
        tuple(beginning),
        shared,
    )


def _num(x: Any) -> str:
    return str(int(x)) if isinstance(x, float) and x.is_integer() else str(x)


def _interval(fact: str, low: Any, low_in: bool, high: Any, high_in: bool, vocab: Vocabulary) -> list[Any]:
    """The hole as JSON-Logic comparisons; an end at the fact's own range bound (closed) needs none."""
    var = {"var": fact}
    if low == high:
        return [{"==": [var, low]}]
    known = vocab.facts.get(fact)
    rng = known.range if known is not None and known.range else None
    out = []
    if not (rng is not None and low_in and float(low) == float(rng[0])):
        out.append({">=" if low_in else ">": [var, low]})
    if not (rng is not None and high_in and float(high) == float(rng[1])):
        out.append({"<=" if high_in else "<": [var, high]})
    return out


def _sides(
    finding: dict[str, Any], claims: list[Claim], fact: str, low: Any, low_in: bool, high: Any, high_in: bool
) -> tuple[list[str], list[str]]:
    """The claims ending just below the hole and those beginning just above it.

    Taken from the finding when it says (`ending`, `beginning`); else read off the source's claims on
    the question: at the witness with `fact` moved just outside each end, which apply there but not
    inside the hole (as engine.analysis.grid.gaps defines the sides)."""
    if isinstance(finding.get("ending"), list) and isinstance(finding.get("beginning"), list):
        return [str(c) for c in finding["ending"]], [str(c) for c in finding["beginning"]]
    witness = dict(((finding.get("witness") or {}).get("facts")) or {})
    inside = dict(witness)
    if not (isinstance(inside.get(fact), (int, float)) and _in_hole(inside[fact], low, low_in, high, high_in)):
        inside[fact] = low if low_in else high if high_in else (low + high) / 2
    below = dict(witness, **{fact: _just_outside(low, low_in, -1)})
    above = dict(witness, **{fact: _just_outside(high, high_in, +1)})
    ending, beginning = [], []
    for c in claims:
        if _applies(c, inside):
            continue
        if _applies(c, below):
            ending.append(c.id)
        if _applies(c, above):
            beginning.append(c.id)
    return ending, beginning


def _in_hole(x: float, low: Any, low_in: bool, high: Any, high_in: bool) -> bool:
    return bool((x >= low if low_in else x > low) and (x <= high if high_in else x < high))


def _just_outside(end: Any, inclusive: bool, direction: int) -> float:
    """The end itself when the hole leaves it out, else the nearest float past it."""
    if not inclusive:
        return float(end)
    return math.nextafter(float(end), math.inf * direction)


def _applies(claim: Claim, facts: dict[str, Any]) -> bool:
    try:
        return claim.test(facts) is True
    except Exception:  # a rule that cannot be evaluated here says nothing about the sides
        return False


def _conjuncts(rule: Any) -> list[Any]:
    if isinstance(rule, dict) and len(rule) == 1 and "and" in rule and isinstance(rule["and"], list):
        return [x for part in rule["and"] for x in _conjuncts(part)]
    return [rule]


def _key(rule: Any) -> str:
    return json.dumps(canonical(rule), sort_keys=True, ensure_ascii=False)


def _shared_conditions(neighbours: list[Claim], fact: str) -> list[Any]:
    """The conditions (top-level conjuncts not reading `fact`) every neighbouring claim has, in the first's order."""
    if not neighbours:
        return []
    common: set[str] | None = None
    for c in neighbours:
        keys = {_key(x) for x in _conjuncts(c.when) if fact not in facts_used(x) and x is not True}
        common = keys if common is None else common & keys
    out, seen = [], set()
    for x in _conjuncts(neighbours[0].when):
        k = _key(x)
        if k in (common or set()) and k not in seen:
            seen.add(k)
            out.append(x)
    return out


# ---------------------------------------------------------------- the draft claim


def draft_snippet(claim_id: str, suggestion: GapSuggestion) -> str:
    """YAML text of a draft claim that would close the gap: its question and `when` filled in, its value and
    quote left empty for a person to choose (the claim editor refuses to save it until both are there)."""
    from engine.yamltext import plain_or_quoted, quoted

    between = " and ".join(x for x in (", ".join(suggestion.ending), ", ".join(suggestion.beginning)) if x)
    note = f"Drafted to close gap {suggestion.finding} ({suggestion.interval_text}" + (
        f", between {between})." if between else ")."
    )
    lines = [
        f"id: {plain_or_quoted(claim_id, 'the claim id')}",
        f"question: {plain_or_quoted(suggestion.question, 'the question')}",
        "value: ",
        f"when: {quoted(suggestion.when)}",
        "provenance:",
        '  exact: ""',
        "status: draft",
        f"note: {quoted(note, 'the note')}",
    ]
    return "\n".join(lines) + "\n"


def with_quote(snippet: str, prov: Any) -> str:
    """The claim text `snippet` with its provenance block replaced by the quote `prov` (engine.provenance.selector).

    The block runs from the top-level `provenance:` line to the next top-level key (or the end); a claim
    without one gets it appended. Everything else of the text stays as it was."""
    from engine.yamltext import quoted

    block = [
        "provenance:",
        f"  exact: {quoted(prov.exact)}",
        f"  prefix: {quoted(prov.prefix)}",
        f"  suffix: {quoted(prov.suffix)}",
        f"  start: {prov.start}",
        f"  end: {prov.end}",
    ]
    lines = snippet.split("\n")
    at = next((i for i, line in enumerate(lines) if line.startswith("provenance:")), None)
    if at is None:
        body = snippet.rstrip("\n")
        return (body + "\n" if body else "") + "\n".join(block) + "\n"
    end = at + 1
    while end < len(lines) and (lines[end].startswith((" ", "\t")) or lines[end] == "" and end + 1 < len(lines)):
        end += 1
    return "\n".join([*lines[:at], *block, *lines[end:]])
