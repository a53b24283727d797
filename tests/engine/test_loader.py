"""The loader: JSON-compatible data, locations for every node, located rejections."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.loader import LoadError, load_file, load_text, pointer


def test_locations_are_one_based_line_and_column():
    doc = load_text("a: 1\nb:\n  - x\n  - {c: true}\n")
    assert doc.data == {"a": 1, "b": ["x", {"c": True}]}
    span = doc.spans[("b", 1, "c")]
    assert (span.line, span.col) == (4, 9)
    assert doc.text[span.start : span.end] == "true"
    assert doc.key_spans[("b",)].line == 2


def test_yaml_1_2_core_resolution_no_surprises():
    doc = load_text("a: no\nb: on\nc: 010\nd: 2024-01-01\ne: 1.5\nf: ~\ng: 'true'\n")
    assert doc.data == {"a": "no", "b": "on", "c": 10, "d": "2024-01-01", "e": 1.5, "f": None, "g": "true"}


@pytest.mark.parametrize(
    ("text", "code", "line", "col"),
    [
        ("a: 1\na: 2\n", "E005", 2, 1),
        ("a: &x 1\nb: *x\n", "E006", 1, 4),
        ("a: [1, *x]\n", "E006", 1, 8),
        ("<<: {a: 1}\n", "E006", 1, 1),
        ("a: !!binary aGk=\n", "E007", 1, 4),
        ("a: !custom x\n", "E007", 1, 4),
        ("a: 1\n---\nb: 2\n", "E009", 2, 1),
        ("a: [1,\n", "E004", 1, 7),  # the unclosed list's line, not the end of the file
        ("a:\n\tb: 1\n", "E004", 2, 1),
        ("? [a]\n: 1\n", "E004", 1, 3),
        ("1: x\n", "E004", 1, 1),
    ],
)
def test_rejections_are_located(text, code, line, col):
    with pytest.raises(LoadError) as info:
        load_text(text, "f.yaml")
    d = info.value.diagnostic
    assert (d.code, d.line, d.col) == (code, line, col), d.format()
    assert d.format().startswith(f"f.yaml:{line}:{col}: error[{code}]")


def test_depth_limit_without_recursion():
    with pytest.raises(LoadError) as info:
        load_text("[" * 100_000)
    assert info.value.diagnostic.code == "E008"


def test_json_must_be_json(tmp_path):
    good = tmp_path / "p.json"
    good.write_text('{"a": [1, {"b": "x"}]}')
    assert load_file(good).data == {"a": [1, {"b": "x"}]}
    bad = tmp_path / "q.json"
    bad.write_text("{a: plain yaml}")
    with pytest.raises(LoadError) as info:
        load_file(bad)
    assert info.value.diagnostic.code == "E004"
    dup = tmp_path / "d.json"
    dup.write_text('{"a": 1,\n "a": 2}')
    with pytest.raises(LoadError) as info:
        load_file(dup)
    assert (info.value.diagnostic.code, info.value.diagnostic.line) == ("E005", 2)


def test_size_limit_checked_before_reading(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: 1\n" * 1000)
    with pytest.raises(LoadError) as info:
        load_file(big, max_bytes=100)
    assert info.value.diagnostic.code == "E002"


def test_invalid_utf8_located(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"a: 1\nb: caf\xe9\n")
    with pytest.raises(LoadError) as info:
        load_file(bad)
    d = info.value.diagnostic
    assert (d.code, d.line, d.col) == ("E003", 2, 7)


def test_unreadable_and_directory(tmp_path):
    for target in (tmp_path / "missing.yaml", tmp_path):
        with pytest.raises(LoadError) as info:
            load_file(target)
        assert info.value.diagnostic.code == "E001"


def test_pointer_escapes():
    assert pointer(("a/b", "c~d", 0)) == "/a~1b/c~0d/0"


def test_big_integers_within_float_range_stay_exact():
    assert load_text("a: " + "9" * 30 + "\n").data["a"] == int("9" * 30)


def test_libyaml_and_pure_python_parsers_agree(monkeypatch):
    """The fast libyaml event parser must give the same data and spans as PyYAML's own."""
    import yaml

    from engine import loader
    from tests.conftest import REPO

    for path in sorted((REPO / "rulesets").glob("*.yaml"))[:2] + [REPO / "schema" / "vocabulary.yaml"]:
        fast = loader.load_file(path)
        monkeypatch.setattr(loader, "EVENT_LOADER", yaml.SafeLoader)
        slow = loader.load_file(path)
        monkeypatch.undo()
        assert fast.data == slow.data
        assert fast.spans == slow.spans and fast.key_spans == slow.key_spans


# ---------------------------------------------------------------- the fast JSON path

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**80), 2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=30,
)


def _via_events(text: str):
    from engine.loader import _Builder

    return _Builder(text, "x.json", 64).build()


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.sampled_from([None, 1, 2]))
def test_fast_json_path_gives_the_event_builders_data_and_spans(value, indent):
    text = json.dumps({"v": value}, indent=indent, ensure_ascii=False)
    try:
        slow = _via_events(text)
    except LoadError as refused:  # e.g. a DEL character: the fast path must refuse it the same way
        with pytest.raises(LoadError) as info:
            load_text(text, "x.json", as_json=True)
        assert info.value.diagnostic == refused.diagnostic
        return
    fast = load_text(text, "x.json", as_json=True)
    if text.isascii() and "\\ud" not in text.lower() and "\\u007f" not in text:
        assert fast._spans is None  # the fast path ran: spans come later, on demand
    assert fast.data == slow.data
    assert fast.spans == slow.spans and fast.key_spans == slow.key_spans


@pytest.mark.parametrize(
    "text,code",
    [
        ('{"a": 1, "a": 2}', "E005"),
        ('{"a": NaN}', "E004"),
        ('{"a": [1,}', "E004"),
        ('{"a": "bell\x7f"}', "E003"),
        ("[" * 70 + "]" * 70, "E008"),
    ],
)
def test_fast_json_path_declines_and_the_builder_reports(text, code):
    with pytest.raises(LoadError) as info:
        load_text(text, "bad.json", as_json=True)
    assert info.value.diagnostic.code == code


def test_json_file_diagnostics_are_located_through_lazy_spans(tmp_path):
    path = tmp_path / "r.json"
    path.write_text('{\n  "a": {\n    "b": [1, 2,\n      3]\n  }\n}\n', encoding="utf-8")
    doc = load_file(path)
    assert doc._spans is None
    assert (doc.diagnostic(("a", "b", 2), "E100", "x").line, doc.diagnostic(("a", "b", 2), "E100", "x").col) == (4, 7)


@pytest.mark.parametrize(
    "name,text",
    [
        ("x.yaml", "a: 1e999\n"),
        ("x.yaml", "a: -1e999\n"),
        ("x.yaml", "a: " + "9" * 5000 + "\n"),
        ("x.json", '{"a": [1, 1e999]}'),
        ("x.json", '{"a": ' + "9" * 5000 + "}"),
    ],
)
def test_numbers_beyond_float_range_are_located_errors(name, text):
    """1e999 would become infinity: no clinical threshold is infinite, and JSON has no such number."""
    with pytest.raises(LoadError) as info:
        load_text(text, name, as_json=name.endswith(".json"))
    assert info.value.diagnostic.code == "E004" and "out of range" in info.value.diagnostic.message


# ---------------------------------------------------------------- the data-only YAML pass

YAML_PIECES = st.sampled_from(
    [
        "a",
        "b",
        "1",
        "-2.5",
        "1e999",
        "no",
        "~",
        "''",
        '"x"',
        "<<",
        ": ",
        ":",
        "- ",
        "-",
        ", ",
        "[",
        "]",
        "{",
        "}",
        "&x ",
        "*x",
        "!t ",
        "!!str ",
        "? ",
        "#c",
        "\n",
        "\n  ",
        "\t",
        "|\n  t\n",
        "---\n",
        "é",
        "\x07",
        "'a: b'",
    ]
)


def _builder_outcome(text: str):
    from engine.loader import _Builder

    try:
        doc = _Builder(text, "y.yaml", 64).build()
    except LoadError as refused:
        return "refused", refused.diagnostic
    return "data", doc


@settings(max_examples=1500, deadline=None)
@given(st.lists(YAML_PIECES, max_size=14).map("".join))
def test_data_only_pass_agrees_with_the_builder(text):
    """Same data, same refusal (code, place, message) as the span-building builder, and the
    lazy spans of an accepted text are the builder's own."""
    kind, expected = _builder_outcome(text)
    if kind == "refused":
        with pytest.raises(LoadError) as info:
            load_text(text, "y.yaml")
        assert info.value.diagnostic == expected
        return
    doc = load_text(text, "y.yaml")
    assert doc._spans is None
    assert doc.data == expected.data
    assert doc.spans == expected.spans and doc.key_spans == expected.key_spans


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.sampled_from([None, True]))
def test_data_only_pass_reads_dumped_yaml_like_the_builder(value, flow):
    import yaml

    text = yaml.safe_dump({"v": value}, default_flow_style=flow, allow_unicode=True)
    kind, expected = _builder_outcome(text)
    if kind == "refused":
        with pytest.raises(LoadError) as info:
            load_text(text, "y.yaml")
        assert info.value.diagnostic == expected
        return
    assert load_text(text, "y.yaml").data == expected.data


def test_duplicate_key_names_the_first_line_without_spans():
    with pytest.raises(LoadError) as info:
        load_text("a: 1\nb:\n  c: 1\n  d: 2\n  c: 3\n", "y.yaml")
    d = info.value.diagnostic
    assert (d.code, d.line, d.col, d.message) == ("E005", 5, 3, "duplicate key 'c' (first at line 3)")


def _error(text: str, name: str) -> str:
    with pytest.raises(LoadError) as info:
        load_text(text, name, as_json=name.endswith(".json"))
    return info.value.diagnostic.format()


@pytest.mark.parametrize(
    "text, expected",
    [
        ('{"a": [1, 2}\n', "r.json:1:12: error[E004]: invalid JSON: Expecting ',' delimiter"),
        ('{\n  "a": 1\n  "b": 2\n}\n', "r.json:3:3: error[E004]: invalid JSON: Expecting ',' delimiter"),
        ('{\n  "a": [1, 2,,]\n}\n', "r.json:2:14: error[E004]: invalid JSON: Expecting value"),
        ('{"a": NaN,,}', "r.json:1:7: error[E004]: invalid JSON: NaN is not a JSON number"),
    ],
)
def test_a_json_file_syntax_error_is_json_s_at_json_s_position(text: str, expected: str) -> None:
    """The YAML builder reads .json files too, but a slip in one is reported as JSON, where JSON sees it."""
    assert _error(text, "r.json") == expected
    assert "YAML syntax error" in _error(text, "r.yaml")  # a YAML file keeps YAML's account


def test_a_report_json_missing_a_comma_is_located_where_json_stops() -> None:
    from tests.conftest import REPO

    text = (REPO / "conflicts" / "report.json").read_text(encoding="utf-8")
    cut = text.index(",\n", len(text) // 2)
    broken = text[:cut] + text[cut + 1 :]
    try:
        json.loads(broken)
    except json.JSONDecodeError as exc:
        where = f"{exc.lineno}:{exc.colno}"
    assert _error(broken, "report.json") == f"report.json:{where}: error[E004]: invalid JSON: Expecting ',' delimiter"


@pytest.mark.parametrize(
    "text, code",
    [
        ('{"a": "\x07",,}', "E003"),  # a control character: the builder's refusal comes first
        ("[" * 200 + ",", "E008"),  # too deep, and broken
        ('{"a": 1, "a": 2,,}', "E005"),  # a duplicate key before the syntax error
    ],
)
def test_builder_refusals_still_come_first_in_a_broken_json_file(text: str, code: str) -> None:
    assert f"error[{code}]" in _error(text, "r.json")
