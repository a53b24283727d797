"""Findings in a reviewer's words: facts by their display names, numbers with their units, answers in one phrase.

report.json keeps each region's machine text (`region.text`: `30 <= egfr <= 49 and ...`) for tools;
people read `region.words` (`30 ≤ eGFR ≤ 49 mL/min/1.73 m²; Child-Pugh class A, B or none`),
built here from the same constraints and the vocabulary's `label` and `unit_label`
(schema/vocabulary.yaml). Nothing here names a fact: a fact without a label reads as its
name with spaces.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.evaluate import value_text

if TYPE_CHECKING:
    from engine.contract import Vocabulary


def fact_label(name: str, vocab: Vocabulary) -> str:
    fact = vocab.facts.get(name)
    return fact.label if fact is not None and fact.label else name.replace("_", " ")


def unit_label(name: str, vocab: Vocabulary) -> str:
    fact = vocab.facts.get(name)
    if fact is None:
        return ""
    return fact.unit_label or fact.unit or ""


def number(x: Any) -> str:
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def _value(value: Any) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value).replace("_", " ")


def constraint_words(constraint: dict[str, Any], vocab: Vocabulary) -> str:
    """One constraint of a region: '30 ≤ eGFR < 50 mL/min/1.73 m²', 'strong OAT3 inhibitor: yes'."""
    name = constraint["fact"]
    label = fact_label(name, vocab)
    if "values" in constraint:
        values = [_value(v) for v in constraint["values"]]
        shown = values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]
        return f"{label}: {shown}"
    unit = unit_label(name, vocab)
    tail = f" {unit}" if unit else ""
    low, high = constraint.get("low"), constraint.get("high")
    if low is not None and low == high:
        return f"{label} = {number(low)}{tail}"
    fact = vocab.facts.get(name)
    lo_end, hi_end = fact.range if fact is not None and fact.range else (None, None)
    has_low = low is not None and not (low == lo_end and constraint.get("low_inclusive", True))
    has_high = high is not None and not (high == hi_end and constraint.get("high_inclusive", True))
    lo_op = "≤" if constraint.get("low_inclusive", True) else "<"
    hi_op = "≤" if constraint.get("high_inclusive", True) else "<"
    if has_low and has_high:
        return f"{number(low)} {lo_op} {label} {hi_op} {number(high)}{tail}"
    if has_low:
        return f"{label} {'≥' if lo_op == '≤' else '>'} {number(low)}{tail}"
    if has_high:
        return f"{label} {hi_op} {number(high)}{tail}"
    return f"any {label}"


def region_words(region: dict[str, Any], vocab: Vocabulary) -> str:
    """A region as constraints a reviewer reads, numbers first: 'eGFR < 30 mL/min/1.73 m²; indication: ...'."""
    constraints = sorted(region.get("constraints", []), key=lambda c: ("values" in c, c["fact"]))
    return "; ".join(constraint_words(c, vocab) for c in constraints) or "every patient"


def answer_phrase(values: list[dict[str, Any]]) -> str:
    """One source's answer at a witness in one phrase: '2 mg once daily; 1 mg once daily'."""
    return "; ".join(value_text(v["value"], v.get("qualifiers")) for v in values) or "nothing"


def said(answer: dict[str, Any]) -> str:
    """What a source answered: its values in one phrase, else its status in words."""
    if answer.get("status") in ("answered", "conflicting"):
        return answer_phrase(answer.get("values", []))
    return {"silent": "nothing", "indeterminate": "it depends on facts not given"}.get(
        str(answer.get("status")), str(answer.get("status"))
    )


def claims_words(claims: list[str]) -> str:
    """'claims calc-egfr-30-49, prose-egfr-30-60': without the source prefix the phrase already names."""
    short = [c.split("/", 1)[-1] for c in claims]
    return ("claim " if len(short) == 1 else "claims ") + ", ".join(short)


def contains_text(pairs: list[tuple[str, str]] | list[list[str]]) -> str:
    """The sentence a within-source conflict adds when one band contains the other."""
    if not pairs:
        return ""
    named = "; ".join(f"{inner} lies inside {outer}" for inner, outer in pairs)
    return f"; one band contains the other ({named})"
