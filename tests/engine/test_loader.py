"""The loader: JSON-compatible data, locations for every node, located rejections."""
from __future__ import annotations

import pytest

from engine.loader import LoadError, load_file, load_text, pointer


def test_locations_are_one_based_line_and_column():
    doc = load_text("a: 1\nb:\n  - x\n  - {c: true}\n")
    assert doc.data == {"a": 1, "b": ["x", {"c": True}]}
    span = doc.spans[("b", 1, "c")]
    assert (span.line, span.col) == (4, 9)
    assert doc.text[span.start:span.end] == "true"
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
        ("a: [1,\n", "E004", 2, 1),
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


def test_huge_integer_does_not_crash():
    doc = load_text("a: " + "9" * 5000 + "\n")
    assert doc.data["a"] == float("inf")


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
