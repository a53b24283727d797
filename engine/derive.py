"""Derived facts: eGFR (CKD-EPI 2021) and CrCl (Cockcroft-Gault) from creatinine.

A value the patient file gives always wins; a derived value is only added when
every input is present, and the derivation is reported so nobody mistakes a
computed eGFR for a measured one. eGFR and CrCl are different measures (one is
normalised to 1.73 m2, the other is not) and are never substituted for each other.

Inputs the vocabulary's ranges rule out are refused first (engine.patient_ranges),
and a derived value that leaves its own range, overflows or is not finite is not
derived: the fact stays missing and a Refusal says why. Deriving never raises.

After the formulas, the fact relations of schema/relations.yaml (renal category from
eGFR or CrCl, hepatic impairment from Child-Pugh, implications) are applied by
engine.meaning.facts, the one module that reads them; each fact derived there is
listed in `relations` with its definition and inputs, and in `how` as one line.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.contract import Vocabulary, vocabulary
from engine.meaning.facts import Derived, derive
from engine.patient_ranges import Refusal, screen


def ckd_epi_2021(creatinine_mg_dl: float, age_years: float, sex: str) -> float:
    """eGFR in mL/min/1.73m2 by the race-free CKD-EPI 2021 creatinine equation (Inker et al., NEJM 2021)."""
    female = sex == "female"
    kappa = 0.7 if female else 0.9
    alpha = -0.241 if female else -0.302
    ratio = creatinine_mg_dl / kappa
    egfr = 142 * min(ratio, 1.0) ** alpha * max(ratio, 1.0) ** -1.200 * 0.9938**age_years
    return egfr * 1.012 if female else egfr


def cockcroft_gault(creatinine_mg_dl: float, age_years: float, sex: str, weight_kg: float) -> float:
    """Creatinine clearance in mL/min by Cockcroft-Gault with actual body weight."""
    crcl = (140 - age_years) * weight_kg / (72 * creatinine_mg_dl)
    return crcl * 0.85 if sex == "female" else crcl


@dataclass
class Derivation:
    """The facts used for evaluation, how each derived one was computed, and every value refused.

    `how` maps every derived fact to one line (formula or relation); `relations` holds the facts the
    relations derived, structured (relation, definition, citation, inputs).
    """

    facts: dict[str, Any]
    how: dict[str, str] = field(default_factory=dict)
    refused: list[Refusal] = field(default_factory=list)
    relations: list[Derived] = field(default_factory=list)
    formulas: dict[str, tuple[str, ...]] = field(default_factory=dict)  # fact -> inputs, for eGFR/CrCl computed

    def listed(self) -> list[dict[str, Any]]:
        """Every derived fact, structured: value, how (formula or relation), definition, citation, inputs."""
        out: list[dict[str, Any]] = [
            {
                "fact": name,
                "value": self.facts.get(name),
                "relation": self.how.get(name, ""),
                "kind": "formula",
                "definition": self.how.get(name, ""),
                "citation": self.how.get(name, ""),
                "inputs": {n: self.facts.get(n) for n in inputs},
            }
            for name, inputs in self.formulas.items()
        ]
        out.extend(d.to_json() for d in self.relations)
        return out


def _present(facts: dict[str, Any], *names: str) -> bool:
    return all(facts.get(n) is not None for n in names)


def _compute(formula: Callable[..., float], *args: Any) -> tuple[float | None, str]:
    """The formula's value rounded to 2 places, or None and why (math errors never escape)."""
    try:
        value = formula(*args)
        if isinstance(value, complex) or not math.isfinite(value):
            return None, "the formula gives no finite number"
        return round(value, 2), ""
    except (ArithmeticError, ValueError, TypeError) as exc:  # OverflowError, ZeroDivisionError, math domain
        return None, f"the formula fails ({type(exc).__name__})"


def derivation(facts: dict[str, Any], vocab: Vocabulary | None = None) -> Derivation:
    """Screened facts plus derived eGFR/CrCl where computable, with every refusal."""
    vocab = vocab or vocabulary()
    out, refused = screen(facts, vocab)
    how: dict[str, str] = {}
    formulas: dict[str, tuple[str, ...]] = {}
    scr = out.get("serum_creatinine_mg_dl")
    usable = isinstance(scr, (int, float)) and not isinstance(scr, bool) and scr > 0
    sexed = _present(out, "age_years", "sex") and out["sex"] in ("female", "male")
    wanted = [
        ("egfr", ckd_epi_2021, ("age_years", "sex"), "CKD-EPI 2021 from serum_creatinine_mg_dl, age_years, sex"),
        (
            "crcl",
            cockcroft_gault,
            ("age_years", "sex", "weight_kg"),
            "Cockcroft-Gault from serum_creatinine_mg_dl, age_years, sex, weight_kg",
        ),
    ]
    for name, formula, inputs, method in wanted:
        if not (usable and sexed and out.get(name) is None and _present(out, *inputs)):
            continue
        if any(r.fact == name for r in refused):
            continue  # a given value was refused: do not replace it silently with a computed one
        value, why = _compute(formula, scr, *(out[n] for n in inputs))
        if value is None:
            refused.append(Refusal(name, None, why, derived=True))
            continue
        kept, bad = screen({name: value}, vocab, derived=True)
        if bad:
            refused.extend(bad)
            continue
        out.update(kept)
        how[name] = method
        formulas[name] = ("serum_creatinine_mg_dl", *inputs)
    related = derive(out, vocab)
    for item in related.derived:
        how[item.fact] = item.how()
    return Derivation(related.facts, how, refused, related.derived, formulas)


def derive_facts(facts: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Facts plus derived eGFR/CrCl where computable, and how each derived fact was computed.

    Out-of-range values are left out (see engine.patient_ranges); derivation() says which.
    """
    result = derivation(facts)
    return result.facts, result.how
