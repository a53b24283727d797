"""engine.completion: the partial word at the cursor, its replacement range, and candidates by context."""

from __future__ import annotations

import pytest

from engine.completion import complete, location_of, offset_of
from engine.contract import vocabulary
from engine.loader import load_text

VOCAB = vocabulary()


def _apply(text: str, cursor: int, choose: str | None = None) -> str:
    c = complete(text, cursor, VOCAB)
    pick = next(x for x in c.candidates if choose is None or x.label == choose)
    return text[: c.start] + pick.text + text[c.end :]


def test_half_typed_fact_is_replaced_not_pasted_beside():
    text = 'when: {"var": "preg'
    c = complete(text, len(text), VOCAB)
    assert c.context == "fact" and c.prefix == "preg" and (c.start, c.end) == (15, 19)
    assert c.candidates[0].label == "pregnant"
    assert _apply(text, len(text)) + "}" == 'when: {"var": "pregnant"}'


def test_cursor_inside_a_word_replaces_the_whole_word():
    text = 'when: {"var": "pregXX"}\n'
    cursor = text.index("XX")
    done = _apply(text, cursor, "pregnant")
    assert done == 'when: {"var": "pregnant"}\n'
    assert load_text(done, "c.yaml").data == {"when": {"var": "pregnant"}}


def test_facts_are_every_vocabulary_fact_in_its_order():
    c = complete('when: {"var": "', 15, VOCAB)
    assert [x.label for x in c.candidates] == list(VOCAB.facts)


def test_values_of_the_enum_fact_compared():
    enum_fact = next(f for f in VOCAB.facts.values() if f.values)
    text = f'when: {{"==": [{{"var": "{enum_fact.name}"}}, "'
    c = complete(text, len(text), VOCAB)
    assert c.context == "fact value" and [x.label for x in c.candidates] == list(enum_fact.values)
    rule = load_text(_apply(text, len(text)) + "]}\n", "c.yaml").data["when"]
    assert rule == {"==": [{"var": enum_fact.name}, enum_fact.values[0]]}


def test_values_inside_an_in_list():
    text = 'when: {"in": [{"var": "indication"}, ["rheumatoid_arthritis", "pso'
    c = complete(text, len(text), VOCAB)
    assert c.context == "fact value" and c.candidates[0].label == "psoriatic_arthritis"


def test_operators_after_an_opening_brace():
    text = 'when: {"<'
    c = complete(text, len(text), VOCAB)
    assert c.context == "operator" and [x.label for x in c.candidates] == ["<", "<="]
    assert _apply(text, len(text), "<=") == 'when: {"<="'
    bare = complete("when: {", 7, VOCAB)
    assert bare.candidates[0].text == '"=="'  # no quote typed: the key is quoted whole


def test_questions_after_question_key():
    text = "id: s/a\nquestion: dose_a\nvalue: required\n"
    cursor = text.index("_a") + 2
    c = complete(text, cursor, VOCAB)
    assert c.context == "question" and [x.label for x in c.candidates] == ["dose_adjustment"]
    assert _apply(text, cursor) == "id: s/a\nquestion: dose_adjustment\nvalue: required\n"


def test_value_offers_every_form_of_the_question_regimen_first():
    text = "question: dose\nvalue: "
    c = complete(text, len(text), VOCAB)
    assert c.context == "value" and c.candidates[0].kind == "form"
    first = load_text(_apply(text, len(text)) + "\n", "c.yaml").data["value"]
    assert VOCAB.questions["dose"].value_validator.is_valid(first) and "mg" in first
    assert {x.label for x in c.candidates if x.kind == "answer"} == set(VOCAB.allowed_values("dose"))
    partial = complete(text + "contra", len(text) + 6, VOCAB)
    assert [x.label for x in partial.candidates] == ["contraindicated"]


@pytest.mark.parametrize("text", ["", "when: ", "# just a comment\n"])
def test_elsewhere_facts_come_as_var_operations(text):
    c = complete(text, len(text), VOCAB)
    assert c.context == "any" and c.candidates[0].text == f'{{"var": "{next(iter(VOCAB.facts))}"}}'


def test_offsets_and_locations_round_trip():
    text = "a: 1\nbb: 2\n\nccc"
    for offset in range(len(text) + 1):
        assert offset_of(text, *location_of(text, offset)) == offset
