"""engine.contenthash.parse_json: the caches' reader gives exactly what json.loads gives, faster."""

from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.contenthash import parse_json

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),  # past 64 bits too: orjson alone would read them as floats
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4))


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


@settings(max_examples=300, deadline=None)
@given(value=JSON, indent=st.sampled_from([None, 2]))
def test_parse_json_is_json_loads(value, indent):
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    assert same(parse_json(text.encode("utf-8", "surrogatepass")), json.loads(text))


def test_what_orjson_alone_gets_wrong_or_refuses_is_read_as_json_reads_it():
    for text in ('{"a": 123456789012345678901234567890}', "[-9223372036854775809]", "[NaN, -Infinity]", '"\\ud800"'):
        assert same(parse_json(text.encode()), json.loads(text)), text
