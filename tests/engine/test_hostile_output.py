"""Hostile corpus, output room: user content never drives the terminal or forges a CI line.

Source texts with OSC/CSI sequences and bidi overrides, file names with
newlines, long keys, non-finite numbers: each case asserts what is printed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from engine.cli import main
from engine.diagnostics import MAX_MESSAGE, Diagnostic
from engine.explain import explain_text
from engine.output import escape_data, escape_property, github_annotation, json_text
from engine.textsafe import EXCERPT, escape_controls, excerpt
from engine.validate import validate_paths
from tests.conftest import write_ruleset

DATA = Path(__file__).resolve().parent.parent / "data" / "hostile" / "containment"
OSC_TEXT = (DATA / "osc-source.txt").read_text(encoding="utf-8")
GOOD = {"question": "dose", "value": {"mg": 2, "every_days": 1}, "quote": "Use 2 mg once daily"}
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def run_cli(argv: list[str], capsys) -> tuple[int, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out + out.err


def test_coverage_escapes_osc_and_bidi_in_source_sentences(tmp_path, capsys):
    write_ruleset(tmp_path, "src", OSC_TEXT, [GOOD])
    code, out = run_cli(["coverage", str(tmp_path)], capsys)
    assert code == 1  # unreviewed sentences
    assert not RAW_CONTROL.search(out)
    assert "\\x1b]0;pwned\\x07Retitled\\x1b[2J here." in out and "\\u202e" in out


def test_coverage_json_keeps_the_data_and_escapes_c1(tmp_path, capsys):
    write_ruleset(tmp_path, "src", OSC_TEXT + "C1 \x9b2J.\n", [GOOD])
    _code, out = run_cli(["coverage", str(tmp_path), "--format", "json"], capsys)
    assert not RAW_CONTROL.search(out)
    texts = [s["text"] for s in json.loads(out)["sources"][0]["unreviewed_sentences"]]
    assert "C1 \x9b2J." in texts  # same data once decoded


def test_explain_text_escapes_the_quote(tmp_path):
    write_ruleset(tmp_path, "src", "Use \x1b]0;x\x07 2 mg. Rest.", [dict(GOOD, quote="Use \x1b]0;x\x07 2 mg")])
    ruleset = validate_paths([tmp_path]).ruleset("src")
    text = explain_text(ruleset, "dose", {})
    assert not RAW_CONTROL.search(text) and "quote: “Use \\x1b]0;x\\x07 2 mg”" in text


def test_file_name_with_newline_cannot_forge_an_annotation(tmp_path, capsys):
    bad = tmp_path / "x\n::error file=forged.yaml,line=1::pwned.yaml"
    bad.write_text("accord: [1,\n", encoding="utf-8")
    for fmt in ("text", "github"):
        _code, out = run_cli(["validate", str(tmp_path), "--format", fmt], capsys)
        assert not any(line.startswith("::error file=forged") for line in out.splitlines()), out
    assert "x\\n::error" in run_cli(["validate", str(tmp_path)], capsys)[1]


def test_github_annotation_follows_workflow_command_escaping():
    d = Diagnostic("a,b:c%\n.yaml", 3, 4, "E004", "100% bad\r\nnext \x1b[31m", "error", "/k")
    line = github_annotation(d)
    assert line == "::error file=a%2Cb%3Ac%25%0A.yaml,line=3,col=4,title=E004::100%25 bad%0D%0Anext \\x1b[31m (at /k)"
    assert escape_data("%\r\n") == "%25%0D%0A" and escape_property("a:b,c") == "a%3Ab%2Cc"


def test_json_text_never_nan_or_infinity():
    text = json_text({"a": float("nan"), "b": [float("inf"), -float("inf"), 1.5]})
    assert json.loads(text) == {"a": None, "b": [None, None, 1.5]}
    assert "NaN" not in text and "Infinity" not in text


def test_validate_json_escapes_c1_in_an_unknown_key(tmp_path, capsys):
    path = write_ruleset(tmp_path, "src", "Use 2 mg once daily.", [GOOD])
    path.write_text(path.read_text(encoding="utf-8") + '"odd\\x9b[2J": 1\n', encoding="utf-8")
    code, out = run_cli(["validate", str(tmp_path), "--format", "json"], capsys)
    assert code == 1 and not RAW_CONTROL.search(out)
    assert json.loads(out)["diagnostics"][0]["code"] == "E100"


def test_messages_quote_a_short_excerpt_of_user_content(tmp_path):
    path = write_ruleset(tmp_path, "src", "Use 2 mg once daily.", [GOOD])
    key = "k" * 1000  # libyaml refuses longer plain keys (E004)
    path.write_text(path.read_text(encoding="utf-8") + f"{key}: 1\n", encoding="utf-8")
    [d] = validate_paths([tmp_path]).diagnostics
    assert d.code == "E100" and len(d.message) <= MAX_MESSAGE and "k" * (EXCERPT + 1) not in d.message


def test_schema_instance_is_excerpted_not_dumped(tmp_path):
    path = write_ruleset(tmp_path, "src", "Use 2 mg once daily.", [GOOD])
    text = path.read_text(encoding="utf-8").replace("title: src", "title: [" + ", ".join(["s3cr3t"] * 500) + "]")
    path.write_text(text, encoding="utf-8")
    [d] = validate_paths([tmp_path]).diagnostics
    assert d.code == "E100" and d.message.count("s3cr3t") <= 8 and len(d.message) < 200


@pytest.mark.parametrize("value, shown", [("a\x1bb", r"'a\x1bb'"), ("x" * 100, "'" + "x" * (EXCERPT - 1) + "…'")])
def test_excerpt(value, shown):
    assert excerpt(value) == shown
    assert escape_controls("\u202e\n\t") == "\\u202e\\n\\t"
