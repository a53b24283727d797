"""Derived facts: eGFR (CKD-EPI 2021) and CrCl (Cockcroft-Gault) from creatinine.

A value the patient file gives always wins; a derived value is only added when
every input is present, and the derivation is reported so nobody mistakes a
computed eGFR for a measured one. eGFR and CrCl are different measures (one is
normalised to 1.73 m2, the other is not) and are never substituted for each other.
"""
from __future__ import annotations

from typing import Any


def ckd_epi_2021(creatinine_mg_dl: float, age_years: float, sex: str) -> float:
    """eGFR in mL/min/1.73m2 by the race-free CKD-EPI 2021 creatinine equation (Inker et al., NEJM 2021)."""
    female = sex == "female"
    kappa = 0.7 if female else 0.9
    alpha = -0.241 if female else -0.302
    ratio = creatinine_mg_dl / kappa
    egfr = 142 * min(ratio, 1.0) ** alpha * max(ratio, 1.0) ** -1.200 * 0.9938 ** age_years
    return egfr * 1.012 if female else egfr


def cockcroft_gault(creatinine_mg_dl: float, age_years: float, sex: str, weight_kg: float) -> float:
    """Creatinine clearance in mL/min by Cockcroft-Gault with actual body weight."""
    crcl = (140 - age_years) * weight_kg / (72 * creatinine_mg_dl)
    return crcl * 0.85 if sex == "female" else crcl


def _present(facts: dict[str, Any], *names: str) -> bool:
    return all(facts.get(n) is not None for n in names)


def derive_facts(facts: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Facts plus derived eGFR/CrCl where computable, and how each derived fact was computed."""
    out = dict(facts)
    how: dict[str, str] = {}
    scr = facts.get("serum_creatinine_mg_dl")
    usable = isinstance(scr, (int, float)) and not isinstance(scr, bool) and scr > 0
    if usable and out.get("egfr") is None and _present(facts, "age_years", "sex") and facts["sex"] in ("female", "male"):
        out["egfr"] = round(ckd_epi_2021(scr, facts["age_years"], facts["sex"]), 2)
        how["egfr"] = "CKD-EPI 2021 from serum_creatinine_mg_dl, age_years, sex"
    if usable and out.get("crcl") is None and _present(facts, "age_years", "sex", "weight_kg") and facts["sex"] in ("female", "male"):
        out["crcl"] = round(cockcroft_gault(scr, facts["age_years"], facts["sex"], facts["weight_kg"]), 2)
        how["crcl"] = "Cockcroft-Gault from serum_creatinine_mg_dl, age_years, sex, weight_kg"
    return out, how
