"""Patient values the vocabulary rules out are refused: treated as missing, never evaluated.

schema/vocabulary.yaml gives every numeric fact a plausible `range`. A value
outside it (age -5, eGFR 4.5e99), a number beyond float range or a
non-finite one is not a measurement Accord can reason about: evaluating it
would give a confident answer for a patient who cannot exist. The policy,
applied in this one place: such a value is dropped from the facts (so the
rules see it as missing and answer indeterminate where it matters), and a
Refusal says which value and why, for `accord validate` (W502, located by
engine.range_warnings), eval, explain and their JSON output. engine.derive
calls screen() before and after deriving, so every evaluation path (eval,
explain, test, conflicts, the workbench) gets the same treatment. This module
imports no other patient module: derive and range_warnings build on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from engine.contract import Fact, Vocabulary, vocabulary

RANGE_CODE = "W502"


@dataclass(frozen=True)
class Refusal:
    """A fact value that was not used, and why (`derived`: it came out of a derivation)."""

    fact: str
    value: Any
    reason: str
    derived: bool = False

    def message(self) -> str:
        if self.value is None:
            return f"{self.fact} not derived: {self.reason}; treated as missing"
        kind = "derived " if self.derived else ""
        return f"{kind}{self.fact} = {show_number(self.value)}: {self.reason}; treated as missing"

    def to_json(self) -> dict[str, Any]:
        value = self.value if self.value is None or finite_number(self.value) else show_number(self.value)
        return {"fact": self.fact, "value": value, "reason": self.reason, "derived": self.derived}


def finite_number(value: Any) -> bool:
    """A number JSON can carry and float arithmetic can use (no NaN, no Infinity, no 400-digit int)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def show_number(value: Any) -> str:
    """A short, finite-safe rendering of a value (huge integers abbreviated)."""
    if isinstance(value, int) and not isinstance(value, bool):
        digits = str(abs(value)) if value.bit_length() < 200 else None
        if digits is None:
            return f"{'-' if value < 0 else ''}an integer of about {int(value.bit_length() * 0.30103)} digits"
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    return repr(value)


def out_of_range(fact: Fact, value: Any) -> str | None:
    """Why `value` cannot be used for `fact`, or None when it can (non-numbers: the schema's job)."""
    if fact.type != "number" or isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not finite_number(value):
        return "beyond the range of a floating-point number" if isinstance(value, int) else "not a finite number"
    if fact.range is not None:
        low, high = fact.range
        if not low <= value <= high:
            unit = f" {fact.unit}" if fact.unit else ""
            return f"outside the vocabulary's range {low:g}..{high:g}{unit}"
    return None


def screen(
    facts: dict[str, Any], vocab: Vocabulary | None = None, derived: bool = False
) -> tuple[dict[str, Any], list[Refusal]]:
    """`facts` without the values the vocabulary rules out, and a Refusal for each one dropped."""
    vocab = vocab or vocabulary()
    kept: dict[str, Any] = {}
    refused: list[Refusal] = []
    for name, value in facts.items():
        fact = vocab.facts.get(name)
        reason = out_of_range(fact, value) if fact is not None else None
        if reason is None:
            kept[name] = value
        else:
            refused.append(Refusal(name, value, reason, derived))
    return kept, refused
