"""Which drug each ruleset is about, and the rulesets of one drug: sources are compared only within a drug.

A project may hold rulesets for many drugs (issue 19). Each ruleset names its drug at the top level
(`drug: tofacitinib`, lower-case INN, schema/ruleset.schema.json); one that does not is about the
vocabulary's `drug` (schema/vocabulary.yaml), so a one-drug project needs to say nothing. Patient
facts and questions are shared by every drug; what belongs to a drug is its rulesets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from engine.contract import Vocabulary, vocabulary
from engine.model import Ruleset

if TYPE_CHECKING:
    from engine.analysis.model import Analysis
    from engine.validate import ValidationResult

UNNAMED = "unnamed-drug"  # neither the ruleset nor the vocabulary names a drug


def drug_of(ruleset: Ruleset, vocab: Vocabulary | None = None) -> str:
    """The ruleset's drug: its own `drug`, else the vocabulary's."""
    if ruleset.drug:
        return ruleset.drug
    return (vocab or vocabulary()).drug or UNNAMED


def by_drug(rulesets: Iterable[Ruleset], vocab: Vocabulary | None = None) -> dict[str, list[Ruleset]]:
    """The rulesets grouped by drug, drugs in alphabetical order, each group in the given order."""
    vocab = vocab or vocabulary()
    groups: dict[str, list[Ruleset]] = {}
    for r in rulesets:
        groups.setdefault(drug_of(r, vocab), []).append(r)
    return {d: groups[d] for d in sorted(groups)}


def drugs(rulesets: Iterable[Ruleset], vocab: Vocabulary | None = None) -> list[str]:
    return list(by_drug(rulesets, vocab))


def for_drug(rulesets: Sequence[Ruleset], drug: str | None, vocab: Vocabulary | None = None) -> list[Ruleset]:
    """The rulesets about `drug` (all of them when `drug` is None)."""
    if drug is None:
        return list(rulesets)
    vocab = vocab or vocabulary()
    return [r for r in rulesets if drug_of(r, vocab) == drug]


def same_drug(a: Ruleset, b: Ruleset, vocab: Vocabulary | None = None) -> bool:
    vocab = vocab or vocabulary()
    return drug_of(a, vocab) == drug_of(b, vocab)


def merge_analyses(parts: Sequence[tuple[str, Analysis]]) -> Analysis:
    """One Analysis of a project holding several drugs, each drug analysed apart.

    Each question's analysis is keyed `drug/question` and says its drug (the report's `questions`
    entries name it); budgets, times and the conflict ids add up; a truncation of any drug is kept."""
    from engine.analysis.model import Analysis

    if len(parts) == 1:
        return parts[0][1]
    first = parts[0][1]
    merged = Analysis({}, 0.0, first.max_cells, first.max_bytes, max_work=first.max_work)
    ids: set[str] = set()
    for drug, analysis in parts:
        for name, qa in analysis.questions.items():
            qa.drug = drug
            merged.questions[f"{drug}/{name}"] = qa
        merged.seconds += analysis.seconds
        merged.work += analysis.work
        ids |= analysis.conflict_ids
        if analysis.truncated:
            t = dict(merged.truncated or {})
            for key, value in analysis.truncated.items():
                t[key] = t.get(key, 0) + value if key == "conflicts_found" else t.get(key, value)
            merged.truncated = t
    merged.conflict_ids = frozenset(ids)
    return merged


class UnknownDrug(ValueError):
    """--drug names a drug no ruleset is about: the message lists the drugs there are."""


def only_drug(result: ValidationResult, drug: str | None, vocab: Vocabulary | None = None) -> ValidationResult:
    """`result` narrowed to the rulesets about `drug` and the diagnostics not about another drug's rulesets.

    A ruleset too broken to load has no known drug: its diagnostics stay. UnknownDrug when no
    loaded ruleset is about `drug`."""
    from dataclasses import replace

    if drug is None:
        return result
    vocab = vocab or vocabulary()
    keep = for_drug(result.rulesets, drug, vocab)
    if not keep:
        known = ", ".join(drugs(result.rulesets, vocab)) or "none"
        raise UnknownDrug(f"no ruleset is about drug {drug[:100]!r} (drugs here: {known})")
    others = {r.path for r in result.rulesets if drug_of(r, vocab) != drug}
    return replace(result, rulesets=keep, diagnostics=[d for d in result.diagnostics if d.path not in others])
