"""Hostile shapes files (tests/data/hostile/shapes/): each gives its exact located message, never a traceback.

engine.meaning.questions.located_shape_errors checks a shapes file the way the bundled
schema/shapes.yaml is checked when the vocabulary loads: YAML, JSON Schema, then what
the schema cannot see (unknown question or value, contradictory relations, cycles).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.contract import vocabulary
from engine.meaning.questions import located_shape_errors
from schema import SCHEMA_DIR

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "hostile" / "shapes"

EXPECTED = {
    "bad-cardinality.yaml": ["4:18: invalid shapes: 'several' is not one of ['one', 'many']"],
    "bad-pattern.yaml": [
        '5:28: invalid shapes: not a JSON Schema: "regimen" is not valid under any of the schemas listed in the '
        "'anyOf' keyword"
    ],
    "contradictory.yaml": [
        '6:7: invalid shapes: "discontinue" and "interrupt" are declared both compatible and exclusive'
    ],
    "cross-axis.yaml": [
        '6:9: invalid shapes: "common" (frequency) implies "increased" (causation): values on different axes are never '
        "compared"
    ],
    "cycle.yaml": [
        '5:7: invalid shapes: implication cycle: "interacts" and "reduce_dose" imply each other (two values that imply '
        "each other are one value)"
    ],
    "implied-exclusive.yaml": [
        '8:7: invalid shapes: "discontinue" and "interrupt" are declared exclusive but one implies the other'
    ],
    "syntax.yaml": [
        "2:20: error[E004]: YAML syntax error: the '[' opened at line 2, column 19 is not closed before the end of the file"
    ],
    "unknown-question.yaml": ["4:5: invalid shapes: unknown question 'dosage' (did you mean 'dose'?)"],
    "unknown-value.yaml": [
        '5:39: invalid shapes: "interact" is not a value of interaction.oat3_inhibitor (values: interacts, reduce_dose)'
    ],
}


def test_every_hostile_shapes_file_has_its_expectation():
    assert sorted(p.name for p in HOSTILE.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_hostile_shapes_file_is_located(name: str):
    path = HOSTILE / name
    got = located_shape_errors(path, vocabulary())
    assert got == [f"{path}:{line}" for line in EXPECTED[name]]


def test_the_bundled_shapes_file_is_clean():
    assert located_shape_errors(SCHEMA_DIR / "shapes.yaml", vocabulary()) == []
