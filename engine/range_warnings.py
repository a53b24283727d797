"""W502: the patient values the vocabulary's ranges refuse, as located warnings of a patient document.

Above both engine.patient_ranges (the policy: which value is refused) and
engine.derive (which runs it before and after deriving), so neither imports
the other back; `accord validate` and eval/explain of a patient file use it.
"""

from __future__ import annotations

from typing import Any

from engine.contract import Vocabulary, vocabulary
from engine.derive import derivation
from engine.patient_ranges import RANGE_CODE


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
