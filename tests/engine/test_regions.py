"""Region analysis on small synthetic rulesets with known overlaps, gaps and boundary disagreements."""

from __future__ import annotations

import pytest

from engine.analysis.driver import analyse
from engine.analysis.partition import partition
from engine.conflicts import build_conflicts, conflict_id
from engine.contract import vocabulary
from engine.evaluate import evaluate_patient
from engine.meaning.facts import constraints
from engine.rules import facts_used
from engine.validate import validate_paths

TEXT = "Alpha says one thing. Beta says another. Gamma says a third. Delta adds a fourth. Epsilon closes."
TWO = {"mg": 2, "every_days": 1}
ONE = {"mg": 1, "every_days": 1}
FOUR = {"mg": 4, "every_days": 1}


def egfr(op, x):
    return {op: [{"var": "egfr"}, x]}


def load(tmp_path):
    result = validate_paths([tmp_path], check_patients=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    return result.rulesets


def conflicts_of(tmp_path):
    rulesets = load(tmp_path)
    return build_conflicts(rulesets, analyse(rulesets)), rulesets


def check_witness(conflict, rulesets):
    evaluation = evaluate_patient(rulesets, conflict.witness, questions=[conflict.question])
    for expected in conflict.answers:
        got = evaluation.get(expected["source"], conflict.question)
        assert got is not None and got.to_json() == expected


def test_partition_cells_cover_range_with_points():
    part = partition(vocabulary().facts["egfr"], [30, 50])
    texts = [(c.low, c.high, c.low_closed, c.high_closed, c.point) for c in part.cells]
    assert texts == [
        (0, 30, True, False, False),
        (30, 30, True, True, True),
        (30, 50, False, False, False),
        (50, 50, True, True, True),
        (50, 200, False, True, False),
    ]
    assert all(c.contains(c.value) for c in part.cells)


def test_partition_of_many_thresholds_is_ordered_and_complete():
    """20,000 thresholds: a point cell at each and an open cell between (membership was a list scan, quadratic)."""
    cuts = [10 + i / 200 for i in range(20_000)]
    part = partition(vocabulary().facts["egfr"], cuts)
    assert len(part.cells) == 2 * len(cuts) + 1
    points = [c.value for c in part.cells if c.point]
    assert points == sorted(points) and len(points) == len(cuts)
    assert all(a.high == b.low for a, b in zip(part.cells, part.cells[1:]))


def test_overlap_within_source_found_with_witness(tmp_path, ruleset_writer):
    ruleset_writer(
        "alpha",
        TEXT,
        [
            {"question": "dose", "value": TWO, "when": egfr(">=", 30), "quote": "Alpha says one thing"},
            {"question": "dose", "value": ONE, "when": egfr("<=", 50), "quote": "Beta says another"},
        ],
    )
    conflicts, rulesets = conflicts_of(tmp_path)
    assert [c.kind for c in conflicts] == ["within_source"]
    c = conflicts[0]
    assert c.region["text"] == "30 <= egfr <= 50" and c.region["box"]
    assert 30 <= c.witness["egfr"] <= 50
    assert c.answers[0]["status"] == "conflicting"
    assert c.severity == "high"
    assert [q["quote"] for q in c.claims] == ["Alpha says one thing", "Beta says another"]
    check_witness(c, rulesets)


def test_gap_between_bands(tmp_path, ruleset_writer):
    ruleset_writer(
        "alpha",
        TEXT,
        [
            {"id": "alpha/above-50", "question": "dose", "value": TWO, "when": egfr(">", 50)},
            {"id": "alpha/30-49", "question": "dose", "value": ONE, "when": {"<=": [30, {"var": "egfr"}, 49]}},
            {"id": "alpha/below-30", "question": "dose", "value": "not_recommended", "when": egfr("<", 30)},
        ],
    )
    conflicts, rulesets = conflicts_of(tmp_path)
    assert [c.kind for c in conflicts] == ["gap"]
    gap = conflicts[0]
    assert gap.region["text"] == "49 < egfr <= 50"
    assert 49 < gap.witness["egfr"] <= 50
    assert gap.answers[0]["status"] == "silent"
    assert gap.id == conflict_id("gap", "dose", ["alpha/30-49", "alpha/above-50"])
    check_witness(gap, rulesets)


def test_gap_covered_by_a_spanning_claim_is_still_a_hole_in_the_banding(tmp_path, ruleset_writer):
    ruleset_writer(
        "alpha",
        TEXT,
        [
            {"id": "alpha/above-50", "question": "dose", "value": TWO, "when": egfr(">", 50)},
            {"id": "alpha/30-49", "question": "dose", "value": ONE, "when": {"<=": [30, {"var": "egfr"}, 49]}},
            {"id": "alpha/prose-30-60", "question": "dose", "value": TWO, "when": {"<=": [30, {"var": "egfr"}, 60]}},
        ],
    )
    conflicts, _ = conflicts_of(tmp_path)
    gaps = [c for c in conflicts if c.kind == "gap"]
    assert len(gaps) == 1 and gaps[0].region["text"] == "49 < egfr <= 50"
    assert gaps[0].answers[0]["status"] == "answered"
    assert any(c.kind == "within_source" and c.region["text"] == "30 <= egfr <= 49" for c in conflicts)


def test_boundary_disagreement_on_shared_threshold(tmp_path, ruleset_writer):
    ruleset_writer(
        "alpha",
        TEXT,
        [
            {"question": "dose", "value": FOUR, "when": egfr(">=", 60)},
            {"question": "dose", "value": TWO, "when": egfr("<", 60)},
        ],
    )
    ruleset_writer(
        "beta",
        TEXT,
        [
            {"question": "dose", "value": FOUR, "when": egfr(">", 60)},
            {"question": "dose", "value": TWO, "when": egfr("<=", 60)},
        ],
    )
    conflicts, rulesets = conflicts_of(tmp_path)
    assert [(c.kind, c.region["text"]) for c in conflicts] == [("boundary", "egfr = 60")]
    assert conflicts[0].witness == {"egfr": 60}
    assert conflicts[0].threshold == 60
    check_witness(conflicts[0], rulesets)


def test_agreeing_rules_produce_nothing(tmp_path, ruleset_writer):
    ruleset_writer(
        "alpha",
        TEXT,
        [
            {"question": "dose", "value": TWO, "when": egfr(">=", 30)},
            {"question": "dose", "value": "not_recommended", "when": egfr("<", 30)},
        ],
    )
    ruleset_writer(
        "beta",
        TEXT,
        [
            {
                "question": "dose",
                "value": TWO,
                "when": {"and": [egfr(">=", 30), {"==": [{"var": "indication"}, "covid19"]}]},
            },
            {"question": "dose", "value": "not_recommended", "when": egfr("<", 30)},
        ],
    )
    conflicts, _ = conflicts_of(tmp_path)
    assert conflicts == []


def test_silence_is_not_a_between_source_conflict(tmp_path, ruleset_writer):
    ruleset_writer("alpha", TEXT, [{"question": "dose", "value": TWO, "when": egfr(">=", 30)}])
    ruleset_writer("beta", TEXT, [{"question": "dose", "value": ONE, "when": egfr("<", 30)}])
    conflicts, _ = conflicts_of(tmp_path)
    assert conflicts == []


def test_different_measures_are_compared_but_never_equated(tmp_path, ruleset_writer):
    ruleset_writer("alpha", TEXT, [{"question": "dose", "value": ONE, "when": {"<=": [30, {"var": "egfr"}, 49]}}])
    ruleset_writer("beta", TEXT, [{"question": "dose", "value": TWO, "when": {"<=": [30, {"var": "crcl"}, 60]}}])
    conflicts, rulesets = conflicts_of(tmp_path)
    assert len(conflicts) == 1
    c = conflicts[0]
    assert c.kind == "between_sources"
    assert "compared on patients carrying both crcl and egfr; these measures are not equated" in c.notes[0]
    assert set(c.witness) == {"egfr", "crcl"}
    assert 30 <= c.witness["egfr"] <= 49 and 30 <= c.witness["crcl"] <= 60
    check_witness(c, rulesets)


def test_statement_questions_compared_directly(tmp_path, ruleset_writer):
    ruleset_writer(
        "alpha",
        TEXT,
        [
            {"question": "vs_tofacitinib.thrombosis", "value": "higher", "when": True},
            {
                "question": "indication_status",
                "value": "off_label",
                "when": {"==": [{"var": "indication"}, "alopecia_areata"]},
            },
        ],
    )
    ruleset_writer(
        "beta",
        TEXT,
        [
            {"question": "vs_tofacitinib.thrombosis", "value": "similar", "when": True},
            {
                "question": "indication_status",
                "value": "approved",
                "when": {"==": [{"var": "indication"}, "alopecia_areata"]},
            },
        ],
    )
    conflicts, rulesets = conflicts_of(tmp_path)
    by_question = {c.question: c for c in conflicts}
    assert set(by_question) == {"vs_tofacitinib.thrombosis", "indication_status"}
    assert by_question["vs_tofacitinib.thrombosis"].region["text"] == "every patient"
    assert by_question["vs_tofacitinib.thrombosis"].witness == {}
    assert by_question["indication_status"].region["text"] == "indication = alopecia_areata"
    assert by_question["indication_status"].severity == "medium"
    for c in conflicts:
        check_witness(c, rulesets)


def test_witness_keeps_only_needed_facts(tmp_path, ruleset_writer):
    ruleset_writer(
        "alpha",
        TEXT,
        [
            {"question": "dose", "value": TWO, "when": {"and": [egfr(">=", 30), {"!": {"var": "pregnant"}}]}},
        ],
    )
    ruleset_writer(
        "beta",
        TEXT,
        [
            {"question": "dose", "value": ONE, "when": egfr(">=", 45)},
            {"question": "dose", "value": "contraindicated", "when": {"==": [{"var": "child_pugh"}, "C"]}},
        ],
    )
    conflicts, rulesets = conflicts_of(tmp_path)
    between = [c for c in conflicts if c.kind == "between_sources" and c.answers[1]["values"][0]["value"] == ONE]
    assert between
    w = between[0].witness
    # the typical patient where the region allows: eGFR 90, not pregnant, no hepatic impairment (child_pugh none)
    assert w["egfr"] == 90 and w["pregnant"] is False and w["child_pugh"] == "none"
    for c in conflicts:
        check_witness(c, rulesets)


def _many_boolean_facts(tmp_path, ruleset_writer, count, linked=False):
    """A source whose initiation claims read `count` boolean facts: a grid of 2**count cells.

    Independent claims (one fact each) are analysed by components; `linked`
    adds one claim reading them all, which makes them one component.
    """
    # Booleans no constraint reads come first (engine.meaning.facts.constraints), so a small grid keeps every cell.
    constrained = {n for c in constraints(vocabulary()) for n in facts_used(c.rule)}
    names = sorted((n for n, f in vocabulary().facts.items() if f.type == "boolean"), key=lambda n: n in constrained)[
        :count
    ]
    assert len(names) == count
    text = " ".join(f"Sentence {i}." for i in range(count + 1))
    claims = [
        {
            "question": "initiation",
            "value": "do_not_start",
            "when": {"==": [{"var": n}, True]},
            "quote": f"Sentence {i}.",
        }
        for i, n in enumerate(names)
    ]
    if linked:
        claims.append(
            {
                "question": "initiation",
                "value": "use_with_caution",
                "quote": f"Sentence {count}.",
                "when": {"and": [{"==": [{"var": n}, False]} for n in names]},
            }
        )
    ruleset_writer("wide", text, claims)
    ruleset_writer(
        "narrow",
        "Only one.",
        [
            {
                "question": "initiation",
                "value": "contraindicated",
                "when": {"==": [{"var": names[0]}, True]},
                "quote": "Only one.",
            },
        ],
    )
    return names


def test_a_grid_over_the_cell_budget_is_analysed_by_components(tmp_path, ruleset_writer):
    _many_boolean_facts(tmp_path, ruleset_writer, 6)
    rulesets = load(tmp_path)
    small, full = analyse(rulesets, max_cells=32), analyse(rulesets, max_cells=64)
    assert not small.not_analysed and small.questions["initiation"].method == "components"
    assert small.questions["initiation"].cells == {"narrow": 2, "wide": 64}
    found = [(f.kind, f.sources, f.region.count) for f in small.questions["initiation"].findings]
    assert (
        found
        == [(f.kind, f.sources, f.region.count) for f in full.questions["initiation"].findings]
        == [("between_sources", ("narrow", "wide"), 32)]
    )


def test_a_component_over_the_cell_budget_is_not_analysed_and_says_so(tmp_path, ruleset_writer):
    names = _many_boolean_facts(tmp_path, ruleset_writer, 6, linked=True)
    rulesets = load(tmp_path)
    analysis = analyse(rulesets, max_cells=8)  # 64 cells whole; by slices of two booleans still 16 where claims apply
    skipped = analysis.not_analysed
    assert skipped and {(n.question, n.source) for n in skipped} == {("initiation", "wide")}
    assert all(n.cells <= 64 and set(n.facts) <= set(names) for n in skipped)
    assert all("--max-cells" in n.message(8) for n in skipped)
    assert not analyse(rulesets, max_cells=64).not_analysed
    sliced = analyse(rulesets, max_cells=32)  # 64 cells whole, 32 per value of one boolean: by slices
    assert not sliced.not_analysed and "analysed once per value of" in " ".join(sliced.questions["initiation"].notes)


def test_forty_independent_facts_are_analysed_in_a_blink(tmp_path, ruleset_writer, capsys):
    """2**40 cells (a trillion) by components: 40 two-cell grids and a handful of states."""
    from engine import cli

    _many_boolean_facts(tmp_path, ruleset_writer, 40)
    out = tmp_path / "out"
    assert cli.main(["conflicts", "--rulesets", str(tmp_path), "--out", str(out), "-q"]) == 0
    assert "1,099,511,627,778 cells" in capsys.readouterr().err
    report = (out / "report.json").read_text(encoding="utf-8")
    assert '"between_sources"' in report and '"not_analysed": []' in report


def test_hostile_width_never_allocates_its_grid(tmp_path, ruleset_writer, capsys):
    """One claim linking 40 boolean facts: one component of 2**40 cells, refused before any array exists."""
    from engine import cli

    _many_boolean_facts(tmp_path, ruleset_writer, 40, linked=True)
    out = tmp_path / "out"
    assert cli.main(["conflicts", "--rulesets", str(tmp_path), "--out", str(out), "-q"]) == 0
    err = capsys.readouterr().err
    # Whole it is 2**40 cells; by slices the half where the first fact is false holds no claim, the
    # rest is still far over the limit and said, per slice, with the fact and value it was cut at.
    assert "wide was not analysed" in err and "where " in err and "cells" in err
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Not analysed" in report and "initiation: wide" in report
    assert cli.main(["conflicts", "--rulesets", str(tmp_path), "--out", str(out), "--check", "-q"]) == 1
    with pytest.raises(SystemExit) as bad_limit:
        cli.main(["conflicts", "--rulesets", str(tmp_path), "--out", str(out), "--max-cells", "0"])
    assert bad_limit.value.code == 2 and "must be at least 1" in capsys.readouterr().err


def test_many_claims_on_a_large_grid_are_bounded_too(tmp_path, ruleset_writer):
    """Two bits per claim per cell: 300 claims need 10 words a cell, over the 4-word budget at the limit."""
    from engine.analysis.model import over_budget

    assert not over_budget(1 << 24, 128, 1 << 24) and over_budget(1 << 24, 129, 1 << 24)
    assert not over_budget(1 << 20, 2000, 1 << 24)  # 63 words on a million cells: allowed
    text = " ".join(f"Band {i}." for i in range(300))
    ruleset_writer(
        "bands",
        text,
        [
            {
                "question": "dose",
                "value": {"mg": 2, "every_days": 1},
                "when": {">=": [{"var": "egfr"}, i / 2]},
                "quote": f"Band {i}.",
            }
            for i in range(300)
        ],
    )
    [skipped] = analyse(load(tmp_path), max_cells=700).not_analysed  # 600 cells x 10 words > 4 x 700
    assert skipped.claims == 300 and skipped.cells <= 700 and "words of claim bits" in skipped.message(700)
