"""Cross-question links (schema/links.yaml): read and checked by engine.meaning.links, reported by region analysis.

Hostile links files (tests/data/hostile/links/) each give their exact located message, never a traceback.
Links are data: a vocabulary variant without the link reports nothing, with it the break.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

import engine.analysis.linked as linked
from engine.analysis.driver import analyse
from engine.analysis.model import WITHIN, conflict_id
from engine.conflicts import find_conflicts
from engine.contract import vocabulary
from engine.evaluate import answer
from engine.meaning.links import check_file, links, usable
from engine.report import build_report
from engine.validate import validate_paths
from tests.conftest import REPO, write_ruleset

DATA = REPO / "tests" / "data" / "hostile" / "links"
TEXT = "One. Two. Three. Four. Five. Six."
LINK = {
    "id": "verdict-needs-stop",
    "answer": {"question": "dose", "values": ["contraindicated", "not_recommended"]},
    "requires": {"question": "initiation", "values": ["do_not_start", "contraindicated"]},
    "message": "A dose verdict against use needs an initiation that does not start.",
}


def variant(*entries):
    return dataclasses.replace(vocabulary(), links={"version": 1, "links": list(entries)})


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("unknown-question", "5:26: error: unknown question 'initation' (did you mean 'initiation'?)"),
        (
            "unknown-value",
            "4:39: error: 'contraindicatd' is not a value of question dose (did you mean 'contraindicated'?); "
            "its values: not_recommended, contraindicated, adjustment_required",
        ),
        ("same-question", "5:26: error: a link relates two different questions"),
        ("missing-message", "3:5: error: 'message' is a required property"),
        ("duplicate-id", "7:9: error: duplicate link id 'twice' (first at /links/0)"),
        (
            "yaml-syntax",
            "4:28: error[E004]: YAML syntax error: the '{' opened at line 4, column 13 is not closed before the end of the file",
        ),
        ("duplicate-key", "3:1: error[E005]: duplicate key 'links' (first at line 2)"),
    ],
)
def test_hostile_links_files_give_one_located_message(name, expected):
    path = DATA / f"{name}.yaml"
    assert check_file(path) == [f"{path}:{expected}"]


def test_control_characters_in_a_links_file_are_escaped_and_located():
    path = DATA / "control-characters.yaml"
    messages = check_file(path)
    assert [m.split(": error: ")[0] for m in messages] == [f"{path}:4:24", f"{path}:3:9"]
    assert "'do\\x1bse'" in messages[0] and "'\\u202eevil'" in messages[1]
    assert not any(c in "".join(messages) for c in "\x1b\u202e")


def test_the_bundled_links_file_checks_and_is_read():
    assert check_file(REPO / "schema" / "links.yaml") == []
    assert [link.id for link in links(vocabulary())] == ["dose-verdict-requires-initiation-stop"]


def test_links_data_with_a_problem_is_said_by_pointer_and_not_used():
    found, problems = usable(variant({**LINK, "requires": {"question": "initation", "values": ["do_not_start"]}}))
    assert found == ()
    assert problems == [
        "links.yaml /links/0/requires/question: unknown question 'initation' (did you mean 'initiation'?); "
        "no link is checked"
    ]
    found, problems = usable(dataclasses.replace(vocabulary(), links={"version": 1, "links": "no"}))
    assert found == () and problems and problems[0].startswith("links.yaml /links: ")


def _rulesets(folder: Path, claims: list[dict]):
    write_ruleset(folder, "a-src", TEXT, claims)
    result = validate_paths([folder], check_patients=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    return result.rulesets


BREAKING = [
    {"question": "dose", "value": "contraindicated", "when": {"<": [{"var": "crcl"}, 30]}, "quote": "One"},
    {"question": "dose", "value": {"mg": 2, "every_days": 1}, "when": {">=": [{"var": "crcl"}, 30]}, "quote": "Two"},
    {"question": "initiation", "value": "use_with_caution", "when": {"<": [{"var": "egfr"}, 60]}, "quote": "Three"},
    {"question": "initiation", "value": "recommended", "when": {"var": "pregnant"}, "quote": "Four"},
]


def test_a_broken_link_is_one_within_source_conflict_naming_both_questions(tmp_path):
    rs = _rulesets(tmp_path, BREAKING)
    conflicts, analysis = find_conflicts(rs, variant(LINK))
    broken = [c for c in conflicts if c.link is not None]
    # c0 with c3 alone (pregnant, eGFR >= 60, CrCl < 30) is a break no patient has: the bundled egfr-crcl
    # constraint rules it out, so two breaks, not three.
    claims = ["a-src/c0", "a-src/c2"], ["a-src/c0", "a-src/c2", "a-src/c3"]
    assert sorted([x["id"] for x in c.claims] for c in broken) == sorted(claims)
    for c in broken:
        assert c.kind == WITHIN and c.question == "dose" and c.questions == ["dose", "initiation"]
        assert c.id == conflict_id(WITHIN, "dose", [x["id"] for x in c.claims])
        assert c.link == {"id": LINK["id"], "message": LINK["message"]}
        assert [a["question"] for a in c.answers] == ["dose", "initiation"]
        assert all(a["status"] in ("answered", "conflicting") for a in c.answers)
        got = answer(rs[0], "dose", c.witness), answer(rs[0], "initiation", c.witness)  # the witness reproduces it
        assert got[0].values[0].value == "contraindicated"
        assert any(v.value not in ("do_not_start", "contraindicated") for v in got[1].values)
        assert "link verdict-needs-stop" in c.description
    assert analysis.questions["dose"].links == [LINK["id"]]
    report = build_report(rs, conflicts, analysis, {})
    schema = json.loads((REPO / "schema" / "report.schema.json").read_text(encoding="utf-8"))
    assert not list(Draft202012Validator(schema).iter_errors(report))
    assert [q.get("links") for q in report["analysis"]["questions"] if q["question"] == "dose"] == [[LINK["id"]]]


def test_no_link_no_break_and_an_agreeing_source_breaks_nothing(tmp_path):
    rs = _rulesets(tmp_path, BREAKING)
    assert not [f for f in analyse(rs, variant()).questions["dose"].findings if isinstance(f, linked.LinkFinding)]
    agreeing = [dict(c) for c in BREAKING[:2]] + [
        {"question": "initiation", "value": "contraindicated", "when": {"<": [{"var": "crcl"}, 30]}, "quote": "Three"},
        {"question": "initiation", "value": "recommended", "when": {">=": [{"var": "crcl"}, 30]}, "quote": "Four"},
    ]
    other = _rulesets(tmp_path / "ok", agreeing)
    assert not [
        f for f in analyse(other, variant(LINK)).questions["dose"].findings if isinstance(f, linked.LinkFinding)
    ]


def test_grid_and_components_find_the_same_link_breaks(tmp_path, monkeypatch):
    rs = _rulesets(tmp_path, BREAKING)

    def found():
        fs = analyse(rs, variant(LINK)).questions["dose"].findings
        return sorted((f.claims, f.region.count, f.region.indices) for f in fs if isinstance(f, linked.LinkFinding))

    by_grid = found()
    monkeypatch.setattr(linked.components, "pays_off", lambda *a, **k: True)
    assert found() == by_grid and len(by_grid) == 2
