"""Per-claim checks of a ruleset's conditions: impossible and always-true conditions, redundant claims.

A decision-table verifier's checks, on the cells region analysis uses (engine.analysis.satisfy):

* E215 impossible-condition: no patient inside the vocabulary's ranges and relations
  (schema/relations.yaml) satisfies the claim's `when`, so the claim never applies;
* W216 always-true-condition: every such patient satisfies it while it looks conditional (it is
  not the literal `true`), so the claim applies to everyone: a threshold is probably wrong;
* W303 redundant-claim: within one source and question, every patient a claim applies to is
  also covered by another claim giving the same value (and qualifiers): one of them can go.

Each is located at the claim's `when`. A condition that cannot be decided exactly or within the
work budget (engine.analysis.satisfy.decide returns None) is not checked, never guessed. A claim
whose region lies inside another's with a *different* value is a within-source conflict, which
`accord conflicts` reports (its description says that one band contains the other).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, cast

from engine.analysis.satisfy import MAX_UNITS, Budget, Verdict, decide, regions
from engine.contract import Vocabulary
from engine.diagnostics import Diagnostic
from engine.jsonlogic import compiler
from engine.model import Claim, Ruleset

# Work units (engine.analysis.satisfy) all of one ruleset's checks may spend; past them the remaining
# claims and pairs are not checked. The bundled rulesets need about 60,000 together.
RULESET_UNITS = 2_000_000
MAX_PAIRS = 5_000  # same-value claim pairs compared per ruleset (a thousand claims of one value make 500,000)


def claim_checks(ruleset: Ruleset, vocab: Vocabulary) -> list[Diagnostic]:
    """E215, W216 and W303 for the claims of `ruleset` (a ruleset with no errors so far)."""
    budget = Budget(RULESET_UNITS)
    verdicts: dict[str, Verdict | None] = {}
    by_rule: dict[str, Verdict | None] = {}  # claims often repeat a condition (another quote, another value)
    texts: dict[str, str] = {}  # claim id -> its condition's canonical text, written once (the keys here and in _MEMO)
    out: list[Diagnostic] = []
    for claim in ruleset.claims:
        verdict = None
        if claim.when is not True:
            key = texts[claim.id] = json.dumps(claim.when, sort_keys=True)
            if key not in by_rule:
                by_rule[key] = _decide(claim.when, vocab, budget, key)
            verdict = by_rule[key]
        verdicts[claim.id] = verdict
        if verdict is not None:
            out.extend(_condition(ruleset, claim, verdict, vocab))
    out.extend(_redundant(ruleset, verdicts, vocab, budget, texts))
    return out


class _Memo:
    """Decisions already made in this process, with what each cost, for one vocabulary at a time.

    Sources repeat each other's conditions (a formulary's rulesets share their bands), so the same
    rule is decided once. A hit charges the ruleset's budget what the decision cost when it was made,
    so a ruleset's diagnostics are what it would get alone (engine.validationcache keys them by file);
    a decision that was cut short by its budget is not kept."""

    MAX_ENTRIES = 100_000

    def __init__(self) -> None:
        self.vocab: Vocabulary | None = None
        self.entries: dict[str, tuple[Any, int]] = {}

    def get(self, vocab: Vocabulary, key: str, allowed: int) -> tuple[Any, int] | None:
        if self.vocab is not vocab:
            self.vocab, self.entries = vocab, {}
        hit = self.entries.get(key)
        return hit if hit is not None and hit[1] <= allowed else None

    def put(self, key: str, value: Any, cost: int, allowed: int) -> None:
        if cost < allowed and len(self.entries) < self.MAX_ENTRIES:  # a decision the budget cut short: not kept
            self.entries[key] = (value, cost)


_MEMO = _Memo()


def _decide(rule: Any, vocab: Vocabulary, budget: Budget, text: str | None = None) -> Verdict | None:
    """decide() within what one decision may spend (MAX_UNITS), charged to the ruleset's budget.
    `text` is json.dumps(rule, sort_keys=True) when the caller has it."""
    if budget.left <= 0:
        return None
    allowed = min(budget.left, MAX_UNITS)
    key = "decide\0" + (text if text is not None else json.dumps(rule, sort_keys=True))
    hit = _MEMO.get(vocab, key, allowed)
    if hit is not None:
        budget.left -= hit[1]
        return cast("Verdict | None", hit[0])
    one = Budget(allowed)
    verdict = decide(rule, vocab, one)
    cost = allowed - one.left
    budget.left -= cost
    _MEMO.put(key, verdict, cost, allowed)
    return verdict


def _ranges(claim: Claim, vocab: Vocabulary) -> str:
    """The vocabulary's ranges of the numeric facts the claim reads: 'age_years 0 to 120'."""
    spans = []
    for name in dict.fromkeys(claim.facts):
        fact = vocab.facts.get(name)
        if fact is not None and fact.type == "number" and fact.range is not None:
            spans.append(f"{name} {_num(fact.range[0])} to {_num(fact.range[1])}")
    return ", ".join(spans)


def _num(x: float) -> str:
    return f"{x:g}"


def _condition(ruleset: Ruleset, claim: Claim, verdict: Verdict, vocab: Vocabulary) -> list[Diagnostic]:
    doc = ruleset.document
    assert doc is not None
    where = claim.parts + ("when",)
    if verdict.satisfiable and not verdict.always:
        return []  # the common case: nothing to say, no ranges to write
    ranges = _ranges(claim, vocab)
    if not verdict.satisfiable:
        if verdict.excluded_by:
            from engine.meaning.facts import constraints

            said = {c.id: c.message for c in constraints(vocab)}
            first = verdict.excluded_by[0]
            why = (
                f"the patients it describes cannot exist by schema/relations.yaml "
                f"({', '.join(verdict.excluded_by)}: {said.get(first, '')})"
            )
        else:
            why = "no value of its facts satisfies it" + (
                f" within the vocabulary's ranges ({ranges})" if ranges else ""
            )
        return [
            doc.diagnostic(
                where, "E215", f"impossible condition: {why}, so claim {claim.id!r} never applies to any patient"
            )
        ]
    if verdict.always:
        inside = f" (ranges {ranges})" if ranges else ""
        return [
            doc.diagnostic(
                where,
                "W216",
                f"always-true condition: every patient the vocabulary allows{inside} satisfies it, so claim "
                f"{claim.id!r} applies to everyone; write `when: true` if that is meant, else check its thresholds",
                "warning",
            )
        ]
    return []


def _redundant(
    ruleset: Ruleset, verdicts: dict[str, Verdict | None], vocab: Vocabulary, budget: Budget, texts: dict[str, str]
) -> list[Diagnostic]:
    """W303 for each claim whose region lies inside another's with the same question and value."""
    groups: dict[tuple[str, str], list[Claim]] = {}
    for claim in ruleset.claims:
        verdict = verdicts.get(claim.id)
        if claim.when is not True and (verdict is None or not verdict.satisfiable):
            continue  # undecided, or impossible (E215 says so; it lies inside every region)
        groups.setdefault((claim.question, claim.value_key), []).append(claim)
    found: list[tuple[Claim, Claim, bool]] = []  # (inner, outer, each inside the other)
    pairs = 0
    for claims in groups.values():
        if len(claims) < 2 or budget.left <= 0:
            continue
        inside = _inside_test(claims, verdicts, vocab, budget, texts)
        reported: set[str] = set()
        for j, later in enumerate(claims):
            for earlier in claims[:j]:
                if later.id in reported or pairs >= MAX_PAIRS:
                    break
                pairs += 1
                if earlier.id not in reported and inside(later, earlier):  # the later one repeats the earlier
                    reported.add(later.id)
                    found.append((later, earlier, inside(earlier, later)))
                elif earlier.id not in reported and inside(earlier, later):
                    reported.add(earlier.id)
                    found.append((earlier, later, False))
    found.sort(key=lambda f: f[0].index)  # in file order: locating moves forward through the document
    return [_redundancy(ruleset, inner, outer, same) for inner, outer, same in found]


def _inside_test(
    claims: list[Claim],
    verdicts: dict[str, Verdict | None],
    vocab: Vocabulary,
    budget: Budget,
    texts: dict[str, str],
) -> Callable[[Claim, Claim], bool]:
    """inside(a, b): every patient claim a applies to, b applies to as well (decided exactly, else False).

    One bit space for the whole group when it fits (engine.analysis.satisfy.regions): each pair is
    then one operation; else each pair is decided on its own. The key is json.dumps of the group's
    conditions, put together from each one's text (json.dumps writes a list as its items joined by ", ")."""
    allowed = min(budget.left, MAX_UNITS)
    items = [texts.get(c.id) or json.dumps(c.when, sort_keys=True) for c in claims]
    key = "regions\0[" + ", ".join(items) + "]"
    hit = _MEMO.get(vocab, key, allowed)
    if hit is not None:
        found, cost = hit
        budget.left -= cost
    else:
        one = Budget(allowed)
        found = regions([c.when for c in claims], vocab, one)
        cost = allowed - one.left
        budget.left -= cost
        _MEMO.put(key, found, cost, allowed)
    if found is not None:
        at = {c.id: i for i, c in enumerate(claims)}
        return lambda a, b: found.inside(at[a.id], at[b.id])
    return lambda a, b: _inside(a, b, verdicts, vocab, budget)


def _inside(inner: Claim, outer: Claim, verdicts: dict[str, Verdict | None], vocab: Vocabulary, budget: Budget) -> bool:
    """One pair's containment, when the group's claims do not fit one bit space."""
    if outer.when is True:
        return True
    if inner.when is True:
        seen_outer = verdicts.get(outer.id)
        return seen_outer is not None and seen_outer.always
    if budget.left <= 0:
        return False  # not decidable any more (_decide): refuting it with samples cannot change that
    seen = verdicts.get(inner.id)
    for patient in seen.samples if seen is not None else ():
        try:  # a patient of inner's region outer is false for (even with facts missing: Kleene): not inside
            if compiler("accord").reference(outer.when)(patient) is False:
                return False
        except ArithmeticError:
            pass
    verdict = _decide({"and": [inner.when, {"!": outer.when}]}, vocab, budget)
    return verdict is not None and not verdict.satisfiable


def _redundancy(ruleset: Ruleset, inner: Claim, outer: Claim, same: bool) -> Diagnostic:
    doc = ruleset.document
    assert doc is not None
    return doc.diagnostic(inner.parts + ("when",), "W303", redundancy_text(inner, outer, same), "warning")


def redundancy_text(inner: Claim, outer: Claim, same: bool) -> str:
    """W303's message: `inner` lies inside `outer` (each inside the other when `same`), one question and value."""
    quotes = f"quotes {_quote(inner)} and {_quote(outer)}"
    if same:
        return f"duplicate claim: {inner.id!r} applies to exactly the patients {outer.id!r} does, with the same {inner.question} value ({quotes})"
    return f"redundant claim: every patient {inner.id!r} applies to is covered by {outer.id!r} with the same {inner.question} value ({quotes})"


def redundancies_of(edited: Claim, others: list[Claim], vocab: Vocabulary) -> list[str]:
    """W303's messages for one edited claim against the other claims of its ruleset (the claim editor's live check).

    Only the claims with its question and value are compared, within one ruleset's budget; both ways:
    the edited claim covered by another, or covering one (which `accord validate` then reports at it)."""
    budget = Budget(RULESET_UNITS)

    def possible(claim: Claim) -> bool:  # undecided or impossible (E215 says so): compared with nothing, as in validate
        if claim.when is True:
            return True
        verdict = _decide(claim.when, vocab, budget)
        return verdict is not None and verdict.satisfiable

    same_value = [
        c for c in others if c.question == edited.question and c.value_key == edited.value_key and c.id != edited.id
    ]
    same_value = [c for c in same_value if possible(c)] if same_value and possible(edited) else []
    if not same_value:
        return []
    group = [edited, *same_value]
    inside = _inside_test(group, {}, vocab, budget, {})
    out = []
    for other in same_value:
        if inside(edited, other):
            out.append(redundancy_text(edited, other, inside(other, edited)))
        elif inside(other, edited):
            out.append(redundancy_text(other, edited, False))
    return out


def _quote(claim: Claim, limit: int = 50) -> str:
    text = " ".join(claim.provenance.exact.split()) if claim.provenance.is_quote else "(a citation)"
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
