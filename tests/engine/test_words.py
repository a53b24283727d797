"""Regions and answers in a reviewer's words (engine/words.py) and which facts one concept joins (engine/meaning/concepts.py)."""

from __future__ import annotations

from engine.contract import vocabulary
from engine.meaning.concepts import addressed
from engine.words import constraint_words, fact_label, region_words, unit_label


def test_display_names_and_units_come_from_the_vocabulary():
    v = vocabulary()
    assert fact_label("egfr", v) == "eGFR" and unit_label("egfr", v) == "mL/min/1.73 m²"
    assert fact_label("history_vte", v) == "history of VTE"
    assert fact_label("active_tuberculosis", v) == "active tuberculosis"  # no label: the name with spaces
    assert unit_label("crcl", v) == "mL/min"  # no unit_label: the UCUM unit


def test_open_and_closed_ends_and_the_vocabulary_range_are_read_as_written():
    v = vocabulary()
    band = {"fact": "egfr", "low": 30, "low_inclusive": True, "high": 50, "high_inclusive": False, "text": ""}
    assert constraint_words(band, v) == "30 ≤ eGFR < 50 mL/min/1.73 m²"
    above = {"fact": "age_years", "low": 70, "low_inclusive": False, "high": 120, "high_inclusive": True, "text": ""}
    assert constraint_words(above, v) == "age > 70 years"  # the range's end is no bound
    assert constraint_words({"fact": "child_pugh", "values": ["A", "B"], "text": ""}, v) == "Child-Pugh class: A or B"
    assert (
        constraint_words({"fact": "strong_oat3_inhibitor", "values": [True], "text": ""}, v)
        == "strong OAT3 inhibitor: yes"
    )
    region = {"constraints": [{"fact": "pregnant", "values": [False], "text": ""}, above]}
    assert region_words(region, v) == "age > 70 years; pregnant: no"  # numbers first
    assert region_words({"constraints": []}, v) == "every patient"


def test_a_concept_joins_derived_and_same_measure_facts_but_not_formula_inputs():
    v = vocabulary()
    renal = addressed(["egfr"], v)
    assert {"crcl", "renal_function_category", "renal_impairment"} <= renal
    assert "age_years" not in renal  # CrCl's Cockcroft-Gault inputs do not make age a kidney fact
    assert "hepatic_impairment" in addressed(["child_pugh"], v)
