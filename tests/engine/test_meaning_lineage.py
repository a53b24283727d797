"""engine.meaning.lineage: what to ask for and what derives what, read from the relations (a variant changes it)."""

from __future__ import annotations

import copy

from engine.contract import vocabulary, vocabulary_from_data
from engine.loader import load_file
from engine.meaning.lineage import asked_for, fact_relations
from schema import SCHEMA_DIR


def without_derivations_of(fact: str):
    """The bundled vocabulary with every derivation of `fact` removed."""
    vocab = vocabulary()
    relations = copy.deepcopy(vocab.relations)
    relations["derivations"] = [d for d in relations["derivations"] if d["fact"] != fact]
    data = load_file(SCHEMA_DIR / "vocabulary.yaml").data
    return vocabulary_from_data(data, relations=relations, shapes=vocab.shapes, links=vocab.links)


def test_a_derived_fact_is_replaced_by_the_record_facts_it_comes_from():
    # renal_impairment <- renal_function_category <- egfr, else crcl (fda-renal-2024)
    assert asked_for(["renal_impairment"], {}) == ["egfr or crcl"]
    assert asked_for(["pregnant"], {}) == ["sex"]


def test_a_fact_whose_inputs_are_known_is_asked_for_itself():
    assert asked_for(["pregnant"], {"sex": "female"}) == ["pregnant"]
    assert asked_for(["crcl"], {}) == ["crcl"]  # a formula input, no relation derives it


def test_duplicates_collapse_and_order_is_kept():
    assert asked_for(["renal_function_category", "renal_impairment", "sex"], {}) == ["egfr or crcl", "sex"]


def test_asking_follows_the_data():
    vocab = without_derivations_of("renal_function_category")
    assert asked_for(["renal_impairment"], {}, vocab) == ["renal_function_category"]


def test_fact_relations_say_what_derives_and_what_is_derived():
    renal = fact_relations("renal_impairment").lines()
    assert renal and renal[0].startswith("derived from renal_function_category (fda-renal-2024: ")
    egfr = fact_relations("egfr")
    assert "renal_function_category" in egfr.derives and egfr.derived_by  # CKD-EPI formula, then the category
    assert "underived" in " ".join(fact_relations("low_anc").lines())


def test_fact_relations_follow_the_data():
    vocab = without_derivations_of("renal_function_category")
    assert "renal_function_category" not in fact_relations("egfr", vocab).derives
    assert not any("fda-renal" in line for line in fact_relations("renal_function_category", vocab).lines())
