"""Sources judged against the official labels: deviations, label differences, and agreement counts.

A ruleset whose source has `role: reference` (schema/ruleset.schema.json) is an official
label. Region analysis compares every pair of sources alike; this module reads what it
found through the roles:

- an ordinary source against a reference: a `deviates_from_reference` conflict, unless
  another reference agrees with the source at the witness (the labels differ there: the
  source follows one of them, so it is a label difference, never a source error);
- two references against each other: a `label_difference` (report.json `label_differences`,
  never needing a disposition);
- two ordinary sources: a conflict between sources, as before.

It also counts, per ordinary source and reference, the source's claims that agree with,
deviate from, or are not covered by the reference (engine.analysis.overlap decides
coverage on the cells of the claim and the reference's claims together).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from engine.analysis.model import BETWEEN, BOUNDARY, DEVIATES, LABEL_DIFFERENCE, conflict_id
from engine.analysis.overlap import overlaps
from engine.drugs import same_drug
from engine.meaning.questions import CONTRADICT, relate_value_sets
from engine.model import Ruleset, answer_key, citation_place

if TYPE_CHECKING:
    from engine.conflicts import Answers, Conflict
    from engine.contract import Vocabulary

__all__ = ["DEVIATES", "LABEL_DIFFERENCE", "agreement", "judge", "references"]
SPEAKS = ("answered", "conflicting")


def references(rulesets: list[Ruleset]) -> list[Ruleset]:
    return [r for r in rulesets if r.is_reference]


@dataclass
class Judged:
    """The conflicts once roles are read, and the label differences set apart from them."""

    conflicts: list[Conflict]
    label_differences: list[Conflict]


def judge(conflicts: list[Conflict], rulesets: list[Ruleset], ask: Answers, vocab: Vocabulary) -> Judged:
    """Every between-sources or boundary conflict that involves a reference, renamed by what it means."""
    by_id = {r.source_id: r for r in rulesets}
    refs = {r.source_id for r in references(rulesets)}
    if not refs:
        return Judged(conflicts, [])
    kept: list[Conflict] = []
    differences: list[Conflict] = []
    for c in conflicts:
        involved = [s for s in c.sources if s in refs]
        if c.kind not in (BETWEEN, BOUNDARY) or not involved:
            kept.append(c)
        elif len(involved) == len(c.sources):
            differences.append(_label_difference(c, by_id, f"the labels differ: {_between(c, by_id)}"))
        else:
            (reference,) = involved
            (source,) = [s for s in c.sources if s != reference]
            agreeing = _agreeing_reference(c, source, reference, refs, ask, vocab)
            if agreeing is not None:
                differences.append(
                    _label_difference(
                        c,
                        by_id,
                        f"{source} differs from {_label(by_id[reference])} but agrees with "
                        f"{_label(by_id[agreeing])} at the witness: the labels differ here, not a source error",
                    )
                )
            else:
                kept.append(_deviation(c, source, by_id[reference]))
    return Judged(kept, differences)


def _label(r: Ruleset) -> str:
    """'olumiant-us-pi (US, Revised 06/2022)'."""
    detail = ", ".join(p for p in (r.jurisdiction, r.version) if p)
    return f"{r.source_id} ({detail})" if detail else r.source_id


def _between(c: Conflict, by_id: dict[str, Ruleset]) -> str:
    return " and ".join(_label(by_id[s]) for s in c.sources)


def _keys(answer: dict[str, Any]) -> list[str]:
    return [answer_key(v["value"], v.get("qualifiers")) for v in answer.get("values", [])]


def _agreeing_reference(
    c: Conflict, source: str, reference: str, refs: set[str], ask: Answers, vocab: Vocabulary
) -> str | None:
    """Another reference that answers at the witness without contradicting the source, if any."""
    mine = next((a for a in c.answers if a.get("source") == source), None)
    if mine is None or mine["status"] not in SPEAKS:
        return None
    for other in sorted(refs - {reference}):
        theirs = ask((other,), c.question, c.witness)[0]
        if theirs["status"] not in SPEAKS:
            continue
        verdict, _ = relate_value_sets(c.question, _keys(mine), _keys(theirs), vocab)
        if verdict != CONTRADICT:
            return other
    return None


def _deviation(c: Conflict, source: str, reference: Ruleset) -> Conflict:
    cited = [x for x in c.claims if x["source"] == reference.source_id]
    where = "; ".join(dict.fromkeys(_section(x) for x in cited))
    return replace(
        c,
        id=conflict_id(DEVIATES, c.question, [x["id"] for x in c.claims]),
        kind=DEVIATES,
        reference=reference.source_id,
        description=f"{source} deviates from the reference {_label(reference)} ({where}): {c.description}",
    )


def _section(claim: dict[str, Any]) -> str:
    """'§4.2 Posology, Special populations' of a cited claim (the document and version are the reference's)."""
    cited = claim.get("citation")
    if not isinstance(cited, dict):
        return str(claim.get("quote", ""))
    return citation_place(cited["section"], cited.get("table", ""), cited.get("locator", ""))


def _label_difference(c: Conflict, by_id: dict[str, Ruleset], why: str) -> Conflict:
    return replace(
        c,
        id=conflict_id(LABEL_DIFFERENCE, c.question, [x["id"] for x in c.claims]),
        kind=LABEL_DIFFERENCE,
        severity="low",
        description=f"{why}. {c.description}",
    )


# ---------------------------------------------------------------- agreement per source and reference


def agreement(
    rulesets: list[Ruleset], conflicts: list[Conflict], differences: list[Conflict], vocab: Vocabulary
) -> list[dict[str, Any]]:
    """Per ordinary source and reference: how many of the source's claims agree, deviate, or are not covered.

    A claim deviates when it takes part in a deviation from that reference; it follows the
    other label when its only disagreements with the reference are label differences; it is
    not covered when the reference makes no claim on its question for any of its patients;
    otherwise it agrees (a difference in precision counts as agreeing). `undetermined`
    counts claims whose comparison grid was over the analysis's cell limit.
    """
    out: list[dict[str, Any]] = []
    for reference in references(rulesets):
        deviating = _claims_in(conflicts, reference.source_id, DEVIATES)
        following_other = _claims_in(differences, reference.source_id, LABEL_DIFFERENCE) - deviating
        for source in rulesets:
            if source.is_reference or not same_drug(source, reference, vocab):
                continue  # a label speaks for its own drug only
            counts = {"agree": 0, "deviate": 0, "other_label": 0, "not_covered": 0, "undetermined": 0}
            for claim in source.claims:
                if claim.id in deviating:
                    counts["deviate"] += 1
                elif claim.id in following_other:
                    counts["other_label"] += 1
                else:
                    covered = overlaps(claim, reference.claims_for(claim.question), vocab)
                    counts["undetermined" if covered is None else "agree" if covered else "not_covered"] += 1
            out.append({"source": source.source_id, "reference": reference.source_id, **counts})
    return out


def _claims_in(conflicts: list[Conflict], reference: str, kind: str) -> set[str]:
    return {x["id"] for c in conflicts if c.kind == kind and reference in c.sources for x in c.claims}
