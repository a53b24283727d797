"""What an indeterminate answer hangs on: for each band or value of each missing fact, the answer that follows.

"indeterminate (missing crcl)" tells a clinician to go and measure something, not what the
measurement would change. The bands come from the rules themselves: the missing fact's
partition cut at every threshold the source's claims on the question compare it with
(engine.analysis.partition, as region analysis cuts it), so each band is a set of values
the claims cannot tell apart; the answer in a band is the source's answer with the fact set
to the band's representative value (and the vocabulary's derivations re-run, so a CrCl
band also decides the renal category). Adjacent bands with the same answer are merged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.contract import Vocabulary, vocabulary
from engine.derive import derivation
from engine.evaluate import Answer, answer
from engine.model import Ruleset

MAX_BANDS = 24  # a fact cut in more places than this is named without its bands


@dataclass(frozen=True)
class Band:
    """Values of one fact the claims cannot tell apart, and the answer there."""

    text: str  # '30 <= crcl <= 60', 'child_pugh = C'
    status: str
    answer: str  # the answer in words (Answer.summary)

    def to_json(self) -> dict[str, Any]:
        return {"where": self.text, "status": self.status, "answer": self.answer}


@dataclass(frozen=True)
class Dependence:
    """How one source's answer to one question varies with one missing fact."""

    fact: str
    bands: tuple[Band, ...] = field(default_factory=tuple)
    note: str = ""  # why no bands are given

    def text(self) -> str:
        if not self.bands:
            return f"depends on {self.fact}" + (f" ({self.note})" if self.note else "")
        return f"depends on {self.fact}: " + "; ".join(f"{b.text}: {b.answer}" for b in self.bands)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"fact": self.fact, "bands": [b.to_json() for b in self.bands]}
        if self.note:
            data["note"] = self.note
        return data


def depends_on(
    ruleset: Ruleset, question: str, facts: dict[str, Any], found: Answer, vocab: Vocabulary | None = None
) -> list[Dependence]:
    """For an indeterminate `found` answer on `facts` (as given, before derivation), each missing fact's bands."""
    from engine.analysis.cells import claim_thresholds, merged_thresholds
    from engine.analysis.partition import partition

    if found.status != "indeterminate":
        return []
    vocab = vocab or vocabulary()
    claims = ruleset.claims_for(question)
    cuts, _ = merged_thresholds(claims, claim_thresholds(claims, vocab))
    out = []
    for name in found.missing:
        fact = vocab.facts.get(name)
        if fact is None:
            continue
        part = partition(fact, cuts.get(name, ()))
        if len(part.cells) > MAX_BANDS:
            out.append(Dependence(name, note=f"the claims cut it in {len(part.cells)} bands"))
            continue
        runs: list[tuple[int, int, Answer]] = []
        for i, cell in enumerate(part.cells):
            there = answer(ruleset, question, derivation({**facts, name: cell.value}, vocab).facts)
            if runs and _same(runs[-1][2], there) and part.type == "number":
                runs[-1] = (runs[-1][0], i, there)
            else:
                runs.append((i, i, there))
        bands = tuple(Band(_where(part, lo, hi), a.status, a.summary()) for lo, hi, a in runs)
        out.append(Dependence(name, bands))
    return out


def _same(a: Answer, b: Answer) -> bool:
    return a.status == b.status and a.summary() == b.summary()


def _where(part: Any, lo: int, hi: int) -> str:
    from engine.conflicts import numeric_constraint

    if part.type == "number":
        return str(numeric_constraint(part, lo, hi)["text"])
    value = part.cells[lo].value
    shown = "true" if value is True else "false" if value is False else str(value)
    return f"{part.fact} = {shown}"
