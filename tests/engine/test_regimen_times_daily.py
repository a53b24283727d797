"""A regimen given more than once a day (times_daily) and the tofacitinib reference that needs it (issue 19 item 2)."""

from __future__ import annotations

from engine.conflicts import find_conflicts
from engine.contract import vocabulary
from engine.drugs import drug_of
from engine.evaluate import format_value
from engine.model import value_key
from engine.validate import validate_paths
from tests.conftest import REPO

VOCAB = vocabulary()
TEXT = "Alpha says one thing. Beta says another."
BID5 = {"mg": 5, "every_days": 1, "times_daily": 2}
QD10 = {"mg": 10, "every_days": 1}


def test_the_dose_schema_takes_twice_daily_and_only_one_spelling_of_once_daily():
    valid = VOCAB.questions["dose"].value_validator.is_valid
    assert valid(BID5)
    assert valid({"one_of": [BID5, {"mg": 11, "every_days": 1}]})
    assert valid({"mg": 10, "every_days": 1, "times_daily": 2, "max_days": 112})
    assert not valid({"mg": 5, "every_days": 1, "times_daily": 1})  # once daily is written without it
    assert not valid({"mg": 5, "every_days": 1, "times_daily": 0})
    assert not valid({"mg": 5, "every_days": 1, "times_daily": 1.5})


def test_twice_daily_is_its_own_answer_and_reads_as_written():
    assert value_key(BID5) != value_key(QD10)
    assert value_key(BID5) == value_key({"times_daily": 2, "every_days": 1, "mg": 5.0})
    assert format_value(BID5) == "5 mg twice daily"
    assert format_value({"mg": 10, "every_days": 1, "times_daily": 2, "max_days": 112}) == (
        "10 mg twice daily for up to 112 days"
    )
    assert format_value(QD10) == "10 mg once daily"


def test_5_mg_twice_daily_and_10_mg_once_daily_conflict(tmp_path, ruleset_writer):
    """The same daily amount split differently is a different regimen: two sources saying so disagree."""
    ruleset_writer("alpha", TEXT, [{"id": "alpha/dose", "question": "dose", "value": BID5}], drug="tofacitinib")
    ruleset_writer("beta", TEXT, [{"id": "beta/dose", "question": "dose", "value": QD10}], drug="tofacitinib")
    ruleset_writer("gamma", TEXT, [{"id": "gamma/dose", "question": "dose", "value": dict(BID5)}], drug="tofacitinib")
    result = validate_paths([tmp_path], check_patients=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    conflicts, _ = find_conflicts(result.rulesets)
    pairs = {tuple(sorted(c.sources)) for c in conflicts}
    assert pairs == {("alpha", "beta"), ("beta", "gamma")}


def test_the_bundled_tofacitinib_reference_validates_and_says_twice_daily():
    result = validate_paths([REPO / "rulesets" / "xeljanz-us-pi.yaml"], check_patients=False)
    assert not [d for d in result.diagnostics if d.severity.name == "ERROR"], [d.format() for d in result.diagnostics]
    (ruleset,) = result.rulesets
    assert drug_of(ruleset, VOCAB) == "tofacitinib" and ruleset.is_reference and ruleset.jurisdiction == "US"
    assert all(c.provenance.citation is not None and c.provenance.citation.section for c in ruleset.claims)
    doses = {c.id.split("/")[1]: c.value for c in ruleset.claims if c.question == "dose"}
    assert BID5 in doses["arthritis-dose"]["one_of"]
    assert doses["arthritis-renal-moderate-severe"] == {"mg": 5, "every_days": 1}
    risks = {c.question: c.value for c in ruleset.claims if c.question.startswith("risk.")}
    assert {risks[q] for q in ("risk.thrombosis", "risk.mace", "risk.mortality", "risk.malignancy")} == {"increased"}
