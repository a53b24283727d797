"""engine.patientedit: a patient's facts written back by targeted text changes."""

from __future__ import annotations

import json

import pytest

from engine.loader import load_text
from engine.patientedit import MISSING, FactChange, PatientEditError, fact_changes, remove_fact, set_fact, write_facts

BLOCK = """\
# yaml-language-server: $schema=../../schema/patient.schema.json
id: ra-adult
description: "RA, 45 years, normal kidneys."
facts:
  indication: "rheumatoid_arthritis"
  age_years: 45   # at the visit
  sex: "female"
  # kidneys
  serum_creatinine_mg_dl: 0.8
  weight_kg: 70
expected:
  minimal-medicine:
    dose: {"mg": 2, "every_days": 1}
"""


def doc(text: str, name: str = "p.yaml"):
    return load_text(text, name)


def test_changing_a_fact_replaces_only_its_value() -> None:
    out = write_facts(doc(BLOCK), {**doc(BLOCK).data["facts"], "age_years": 80})
    assert out == BLOCK.replace("age_years: 45   # at the visit", "age_years: 80   # at the visit")


def test_adding_a_fact_goes_after_the_last_one_with_its_indentation() -> None:
    facts = {**doc(BLOCK).data["facts"], "egfr": 25, "pregnant": False}
    out = write_facts(doc(BLOCK), facts)
    assert out == BLOCK.replace("  weight_kg: 70\n", "  weight_kg: 70\n  egfr: 25\n  pregnant: false\n")
    assert load_text(out).data["facts"] == facts


def test_removing_a_fact_drops_its_line_and_nothing_else() -> None:
    facts = dict(doc(BLOCK).data["facts"])
    del facts["serum_creatinine_mg_dl"]
    out = write_facts(doc(BLOCK), facts)
    assert out == BLOCK.replace("  serum_creatinine_mg_dl: 0.8\n", "")
    assert "# kidneys" in out  # comments are kept


def test_strings_are_written_quoted_so_yaml_cannot_reinterpret_them() -> None:
    facts = {**doc(BLOCK).data["facts"], "sex": "male", "indication": "no"}
    out = write_facts(doc(BLOCK), facts)
    assert '  indication: "no"\n' in out and '  sex: "male"\n' in out
    assert load_text(out).data["facts"]["indication"] == "no"


def test_the_last_line_without_newline() -> None:
    text = "id: p\nfacts:\n  age_years: 45"
    assert write_facts(doc(text), {"age_years": 45, "egfr": 30}) == "id: p\nfacts:\n  age_years: 45\n  egfr: 30"


def test_removing_the_only_fact_leaves_an_empty_mapping() -> None:
    text = "id: p\nfacts:\n  age_years: 45\nexpected: {}\n"
    out = write_facts(doc(text), {})
    assert out == "id: p\nfacts: {}\nexpected: {}\n"
    assert write_facts(doc(out), {"egfr": 1}) == 'id: p\nfacts: {"egfr": 1}\nexpected: {}\n'


def test_json_files_stay_json() -> None:
    data = {"id": "p", "facts": {"age_years": 45, "sex": "female", "egfr": 60}, "expected": {}}
    text = json.dumps(data, indent=2) + "\n"
    for wanted in (
        {"age_years": 46, "sex": "female", "egfr": 60},
        {"sex": "female", "egfr": 60},
        {"age_years": 45, "sex": "female"},
        {"age_years": 45, "sex": "female", "egfr": 60, "pregnant": True},
        {},
    ):
        out = write_facts(doc(text, "p.json"), wanted)
        assert json.loads(out)["facts"] == wanted, out
        assert json.loads(out)["expected"] == {}


def test_flow_mapping_in_yaml() -> None:
    text = "id: p\nfacts: {age_years: 45, sex: female}  # short\n"
    out = write_facts(doc(text), {"sex": "female", "egfr": 10})
    assert load_text(out).data["facts"] == {"sex": "female", "egfr": 10}
    assert out.endswith("  # short\n")


def test_untouched_yaml_is_byte_identical_and_order_kept() -> None:
    facts = doc(BLOCK).data["facts"]
    assert write_facts(doc(BLOCK), dict(facts)) == BLOCK
    reordered = dict(reversed(list(facts.items())))  # same facts, other order: nothing to write
    assert write_facts(doc(BLOCK), reordered) == BLOCK


def test_a_number_that_becomes_a_float_is_a_change() -> None:
    changes = fact_changes({"age_years": 45, "x": True}, {"age_years": 45.0, "x": 1})
    assert [c.name for c in changes] == ["age_years", "x"]
    assert FactChange("egfr", MISSING, 25).describe() == "egfr = 25 (new)"
    assert FactChange("egfr", 30, MISSING).describe() == "egfr removed (was 30)"


def test_refuses_what_it_cannot_write() -> None:
    with pytest.raises(PatientEditError):
        write_facts(doc("id: p\nfacts: [1, 2]\n"), {"a": 1})
    with pytest.raises(PatientEditError):
        write_facts(doc(BLOCK), {"age_years": [1]})
    with pytest.raises(KeyError):
        remove_fact(doc(BLOCK), "nope")
    assert set_fact(doc(BLOCK), "age_years", 46).count("age_years: 46") == 1


def test_save_facts_is_atomic_and_refuses_a_file_changed_on_disk(tmp_path) -> None:
    from engine.atomic import FileStamp
    from engine.loader import load_file
    from engine.patientedit import ChangedOnDisk, save_facts, stamp_of_loaded

    path = tmp_path / "ra-adult.yaml"
    path.write_text(BLOCK, encoding="utf-8")
    loaded = load_file(path)
    stamp = stamp_of_loaded(loaded)
    facts = {**loaded.data["facts"], "age_years": 80}
    text, new_stamp = save_facts(path, facts, stamp)
    assert path.read_text(encoding="utf-8") == text == BLOCK.replace("age_years: 45", "age_years: 80")
    assert new_stamp == FileStamp.of(path)
    assert not list(tmp_path.glob(".*.tmp"))
    # someone else edits the file: the old stamp no longer matches
    path.write_text(text.replace('sex: "female"', 'sex: "male"'), encoding="utf-8")
    with pytest.raises(ChangedOnDisk):
        save_facts(path, {**facts, "egfr": 20}, new_stamp)
    assert 'sex: "male"' in path.read_text(encoding="utf-8")
    # keep mine: my facts over their file; the rest of their change (none here besides facts) stays
    text, _ = save_facts(path, {**facts, "egfr": 20}, new_stamp, force=True)
    assert load_file(path).data["facts"] == {**facts, "egfr": 20}


def test_the_loaded_stamp_sees_a_change_made_before_the_edit_began(tmp_path) -> None:
    """Same size, same second: a stamp from the loaded text still compares content."""
    from engine.atomic import changed_since
    from engine.loader import load_file
    from engine.patientedit import stamp_of_loaded

    path = tmp_path / "p.yaml"
    path.write_text(BLOCK, encoding="utf-8")
    loaded = load_file(path)
    path.write_text(BLOCK.replace("age_years: 45", "age_years: 54"), encoding="utf-8")  # same size
    assert changed_since(path, stamp_of_loaded(loaded))
    assert not changed_since(path, stamp_of_loaded(load_file(path)))
