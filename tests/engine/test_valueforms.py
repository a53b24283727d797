"""engine.valueforms: every form a question's schema allows, each with an example the schema accepts."""

from __future__ import annotations

import pytest

from engine.contract import vocabulary, vocabulary_from_data
from engine.loader import load_text
from engine.valueforms import flow_yaml, value_forms

VOCAB = vocabulary()


@pytest.mark.parametrize("question", sorted(VOCAB.questions))
def test_every_form_of_every_question_has_an_example_its_schema_accepts(question):
    forms = value_forms(question, VOCAB)
    assert forms, question
    validator = VOCAB.questions[question].value_validator
    for form in forms:
        assert form.example is not None, (question, form.title)
        assert validator.is_valid(form.example), (question, form.title, form.example)
        # The text shown reads back as the example (what an author copies into `value:`).
        assert load_text(f"value: {form.example_text}\n", "v.yaml").data == {"value": form.example}


def test_dose_lists_the_regimen_first_then_alternatives_then_the_words():
    forms = value_forms("dose", VOCAB)
    assert [f.title for f in forms][:2] == ["Regimen", "Alternatives"]
    regimen = forms[0]
    assert {"mg", "every_days"} <= set(regimen.example)
    assert [(f.name, f.required) for f in regimen.fields][:2] == [("mg", True), ("every_days", True)]
    assert isinstance(forms[1].example["one_of"], list) and len(forms[1].example["one_of"]) >= 2
    assert set(forms[-1].words) == set(VOCAB.allowed_values("dose"))


def _vocab_with(value_schema):
    data = {
        "version": 1,
        "drug": "x",
        "facts": {"age_years": {"type": "number", "description": "age", "range": [0, 120]}},
        "questions": {"q": {"kind": "patient", "severity": "low", "description": "d", "value": value_schema}},
    }
    return vocabulary_from_data(data)


def test_forms_follow_the_schema_not_the_question_name():
    """A changed schema changes the forms: nothing is hard-coded per question."""
    vocab = _vocab_with(
        {
            "anyOf": [
                {"enum": ["stop", "go"]},
                {
                    "type": "object",
                    "title": "Interval",
                    "required": ["weeks"],
                    "additionalProperties": False,
                    "properties": {"weeks": {"type": "integer", "minimum": 2, "maximum": 8}},
                },
                {"type": "string", "pattern": "^[A-Z][a-z]+$", "examples": ["Later"]},
            ]
        }
    )
    forms = value_forms("q", vocab)
    assert [f.example for f in forms] == ["stop", {"weeks": 2}, "Later"]
    assert forms[1].fields[0].kind == "integer >= 2 <= 8"


def test_unknown_question_has_no_forms():
    assert value_forms("no_such_question", VOCAB) == []


def test_flow_yaml_quotes_what_is_not_a_plain_word():
    assert flow_yaml({"mg": 2.5, "note": "a: b"}) == '{mg: 2.5, note: "a: b"}'
    assert flow_yaml(["yes", None]) == '["yes", null]'
