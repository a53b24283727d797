"""YAML syntax errors are located at the mistake (engine.yamlerrors), not where the parser stopped.

Each broken file marks its mistake's line; the reported line:col must be on
it (the column where the missing piece belongs, or where the construct
starts), and the message keeps the parser's words and where it noticed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.loader import LoadError, load_file

CLAIM_HEAD = "accord: 1\nsource: {id: s}\nclaims:\n  - id: s/a\n"

CASES = [
    # (name, text, line, col, words in the message)
    (
        "missing-colon",
        CLAIM_HEAD + "    question dose\n    value: not_recommended\n    when: true\n    status: draft\n",
        5,
        5,
        ["could not find expected ':'", "simple key", "noticed at line 6"],
    ),
    (
        "unclosed-mapping",
        CLAIM_HEAD + '    when: {"var": "pregnant"\n    value: contraindicated\n\n    status: draft\n',
        5,
        29,
        ["'{' opened at line 5, column 11 is not closed", "'}' is missing"],
    ),
    (
        "unclosed-quote",
        CLAIM_HEAD + '    question: "dose\n    value: 1\n    status: draft\n    when: true\n',
        5,
        15,
        ["quoted scalar", "noticed at line 9"],
    ),
    (
        "unclosed-list-at-next-key",
        "version: 1\nquestions:\n  - broken: [\n  dose:\n    cardinality: one\n    why: x\n",
        3,
        14,
        ["'[' opened at line 3, column 13 is not closed"],
    ),
    (
        "missing-comma-in-flow",
        CLAIM_HEAD + '    when: {"and": [\n        {"var": "pregnant"}\n        {"var": "breastfeeding"}\n      ]}\n',
        6,
        28,
        ["a ',' or ']' is missing after this", "noticed at line 7"],
    ),
    (
        "unclosed-at-end-of-file",
        "version: 1\nquestions: {dose: [\n\n# trailing comment\n",
        2,
        20,
        ["not closed before the end of the file"],
    ),
    ("bad-indentation", "a:\n  b: 1\n c: 2\nd: 3\n", 3, 2, ["did not find expected key", "block mapping at line 1"]),
    ("tab-after-scalar", "version: 1\n\tversion: 2\n", 2, 1, ["tab"]),
]


@pytest.mark.parametrize(("name", "text", "line", "col", "words"), CASES, ids=[c[0] for c in CASES])
def test_syntax_error_points_at_the_mistake(
    tmp_path: Path, name: str, text: str, line: int, col: int, words: list[str]
):
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LoadError) as info:
        load_file(path)
    d = info.value.diagnostic
    assert (d.code, d.line, d.col) == ("E004", line, col), d.format()
    for word in words:
        assert word in d.message, d.message


def test_the_parser_alone_would_point_lines_below():
    """What the fix is about: the parser's own problem mark is on a later line than the mistake."""
    import yaml

    text = CASES[0][1]
    with pytest.raises(yaml.MarkedYAMLError) as info:
        yaml.safe_load(text)
    assert info.value.problem_mark is not None and info.value.problem_mark.line + 1 > CASES[0][2]


def test_huge_text_before_the_problem_keeps_the_parser_marks(monkeypatch):
    """Past SCAN_LIMIT characters nothing is rescanned: the parser's mark stands (located, never slow)."""
    from engine import yamlerrors
    from engine.loader import load_text

    monkeypatch.setattr(yamlerrors, "SCAN_LIMIT", 5)
    with pytest.raises(LoadError) as info:
        load_text("a: [1, 2\nb: 3\n", "f.yaml")
    assert (info.value.diagnostic.line, info.value.diagnostic.col) == (2, 2)
