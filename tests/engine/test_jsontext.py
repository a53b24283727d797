"""engine.jsontext writes exactly the json module's indented text, whichever path it takes."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import jsontext


def reference(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_the_same_text_as_the_json_module(data: Any) -> None:
    assert jsontext.indented(data) == reference(data)


@pytest.mark.parametrize(
    "data",
    [
        {"small": 1e-05, "tiny": 8.5e-09, "edge": 0.0001, "neg": -3e-07},  # orjson: 0.00001, 1e-9
        {"big": 2**64, "neg": -(2**65)},  # past orjson's 64 bits
        {10: "int keys", 2: "sorted as numbers"},  # json writes "2", "10"; orjson refuses
        {"lone": "\ud800"},  # a lone surrogate: json writes it escaped-free, orjson refuses
        {"controls": "\x00\x1f\x7f\u2028\u2029 é 😀", "quote": '"\\'},
        {"nested": [[], {}, [{}], {"z": [1.5, -0.0, 1e16, 1e22, 5e-324]}]},
        {"text that looks like a float": "1e-5 and 0.00001"},
    ],
)
def test_the_cases_orjson_writes_differently_or_refuses(data: Any) -> None:
    assert jsontext.indented(data) == reference(data)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_raise_as_json_does(bad: float) -> None:
    with pytest.raises(ValueError):
        jsontext.indented({"x": [1, bad]})


def test_the_bundled_report_round_trips_byte_for_byte() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "conflicts" / "report.json").read_text(encoding="utf-8")
    assert jsontext.indented(json.loads(text)) + "\n" == text
