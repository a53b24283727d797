"""W502 and W504: a patient document's values the vocabulary refuses, or relations it breaks, as located warnings.

W502: values the vocabulary's ranges refuse. W504: a given value contradicting what a
definition of schema/relations.yaml derives, an implication broken (if true, then false), or a
constraint false (engine.meaning.facts.check), located at the patient file's fact.

Above both engine.patient_ranges (the policy: which value is refused) and
engine.derive (which runs it before and after deriving), so neither imports
the other back; `accord validate` and eval/explain of a patient file use it.
"""

from __future__ import annotations

from typing import Any

from engine.contract import Vocabulary, vocabulary
from engine.derive import derivation
from engine.meaning.facts import check
from engine.patient_ranges import RANGE_CODE

RELATION_CODE = "W504"


def range_diagnostics(doc: Any, vocab: Vocabulary | None = None) -> list[Any]:
    """W502 warnings for a patient document: each given value out of range, and each derived one.

    A derived value is located at the first input it was computed from.
    """
    data = doc.data if isinstance(doc.data, dict) else {}
    facts = data.get("facts") if isinstance(data.get("facts"), dict) else {}
    vocab = vocab or vocabulary()
    typed = {k: v for k, v in facts.items() if k in vocab.facts}
    result = derivation(typed, vocab)
    out = []
    for refusal in result.refused:
        if refusal.derived:
            inputs = [n for n in (vocab.facts[refusal.fact].derived or {}).get("from", []) if n in facts]
            parts: tuple[str, ...] = ("facts", inputs[0]) if inputs else ("facts",)
        else:
            parts = ("facts", refusal.fact)
        out.append(doc.diagnostic(parts, RANGE_CODE, refusal.message(), "warning"))
    return out


def relation_diagnostics(doc: Any, vocab: Vocabulary | None = None) -> list[Any]:
    """W504 warnings for a patient document: each relation of schema/relations.yaml its facts break.

    Checked on the facts evaluation uses (ranges screened, eGFR/CrCl derived), located at the
    given fact the relation names (the one that contradicts), else at `facts`.
    """
    data = doc.data if isinstance(doc.data, dict) else {}
    facts = data.get("facts") if isinstance(data.get("facts"), dict) else {}
    vocab = vocab or vocabulary()
    typed = {k: v for k, v in facts.items() if k in vocab.facts}
    screened = derivation(typed, vocab)
    by_relation = {d.fact for d in screened.relations}
    given = {k: v for k, v in screened.facts.items() if k not in by_relation}  # given, and eGFR/CrCl computed
    out = []
    for violation in check(given, vocab):
        parts: tuple[str, ...] = ("facts", violation.fact) if violation.fact in facts else ("facts",)
        out.append(doc.diagnostic(parts, RELATION_CODE, violation.message, "warning"))
    return out
