"""Band charts (engine.bands, engine.bandsvg) on small synthetic rulesets with known intervals.

The SVG snapshot is tests/engine/snapshots/band-chart.svg; after an intended change,
regenerate it with `pytest tests/engine/test_bands.py --snapshot-update`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from engine.bands import PALETTE, BandCache, band_chart, chart_facts, chart_for_finding, palette
from engine.bandsvg import chart_file, to_svg
from engine.model import Claim, Provenance, Ruleset
from engine.validate import validate_paths
from tests.conftest import write_ruleset

SNAPSHOT = Path(__file__).parent / "snapshots" / "band-chart.svg"
SVG = "{http://www.w3.org/2000/svg}"
TEXT = "Alpha says one thing. Beta says another. Gamma says a third. Delta adds a fourth."
TWO = {"mg": 2, "every_days": 1}
FOUR = {"mg": 4, "every_days": 1}


def crcl(op, x):
    return {op: [{"var": "crcl"}, x]}


ALPHA = [
    {"question": "dose", "value": "not_recommended", "when": crcl("<", 30)},
    {"question": "dose", "value": TWO, "when": {"<=": [30, {"var": "crcl"}, 60]}},  # between, both ends included
    {"question": "dose", "value": FOUR, "when": crcl(">", 60)},
]
BETA = [
    {"question": "dose", "value": "not_recommended", "when": crcl("<", 45)},
    {"question": "dose", "value": TWO, "when": crcl(">=", 45)},
]


def load(tmp_path, **sources):
    for name, claims in sources.items():
        write_ruleset(tmp_path, name, TEXT, claims)
    result = validate_paths([tmp_path], check_patients=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    return result.rulesets


def spans(row):
    return [(i.claim, i.low, i.low_inclusive, i.high, i.high_inclusive) for i in row.intervals]


@pytest.fixture
def two(tmp_path):
    return load(tmp_path, alpha=ALPHA, beta=BETA)


def test_each_claim_gives_its_interval_with_its_ends(two):
    chart = band_chart(two, "dose", "crcl", ["alpha", "beta"], (45, True, 60, True))
    assert chart is not None
    alpha, beta = chart.rows
    assert spans(alpha) == [
        ("alpha/c0", 0, True, 30, False),
        ("alpha/c1", 30, True, 60, True),
        ("alpha/c2", 60, False, 250, True),
    ]
    assert spans(beta) == [("beta/c0", 0, True, 45, False), ("beta/c1", 45, True, 250, True)]
    assert alpha.lanes == 1 and beta.lanes == 1  # nothing overlaps: one lane each
    assert chart.thresholds == (30, 45, 60) and chart.range == (0, 250)
    assert chart.axis == (20, 70)  # clipped to where the thresholds are
    assert chart.ticks() == (20, 30, 45, 60, 70)
    assert chart.regions == ((45, True, 60, True),)
    assert chart.label == "CrCl" and chart.unit == "mL/min" and chart.title == "dose by CrCl (mL/min)"
    assert [s.text for s in chart.values] == ["not_recommended", "2 mg once daily", "4 mg once daily"]
    assert alpha.intervals[1].value == "2 mg once daily" and alpha.intervals[1].key == '{"every_days":1,"mg":2}'


def test_or_gives_two_intervals_and_affine_comparisons_are_solved(tmp_path):
    claims = [
        {"question": "dose", "value": "not_recommended", "when": {"or": [crcl("<", 30), crcl(">", 90)]}},
        {"question": "dose", "value": TWO, "when": {">": [{"*": [{"var": "crcl"}, 2]}, 120]}},
    ]
    chart = band_chart(load(tmp_path, alpha=claims), "dose", "crcl", ["alpha"])
    (row,) = chart.rows
    assert spans(row) == [
        ("alpha/c0", 0, True, 30, False),
        ("alpha/c0", 90, False, 250, True),
        ("alpha/c1", 60, False, 250, True),
    ]
    lanes = {(i.claim, i.low): i.lane for i in row.intervals}
    assert lanes[("alpha/c0", 0)] == lanes[("alpha/c0", 90)] == 0 and lanes[("alpha/c1", 60)] == 1
    assert row.lanes == 2


def test_a_claim_that_does_not_read_the_fact_spans_the_axis(tmp_path):
    claims = [
        {"question": "dose", "value": "not_recommended", "when": {"==": [{"var": "child_pugh"}, "C"]}},
        {"question": "dose", "value": TWO},  # when: true
    ]
    chart = band_chart(load(tmp_path, alpha=claims), "dose", "crcl", ["alpha"])
    (row,) = chart.rows
    assert [(i.claim, i.unbounded, i.conditional, i.low, i.high) for i in row.intervals] == [
        ("alpha/c0", True, True, 0, 250),  # applies only where child_pugh = C
        ("alpha/c1", True, False, 0, 250),
    ]
    assert row.lanes == 2 and chart.axis == chart.range  # no threshold: the whole range


def test_the_context_decides_which_claims_apply_and_whether_they_depend_on_other_facts(tmp_path):
    oat3 = {"==": [{"var": "strong_oat3_inhibitor"}, True]}
    claims = [
        {"question": "dose", "value": TWO, "when": {"and": [crcl(">=", 30), oat3]}},
        {"question": "dose", "value": FOUR, "when": crcl(">=", 30)},
    ]
    rulesets = load(tmp_path, alpha=claims)
    free = band_chart(rulesets, "dose", "crcl", ["alpha"])
    assert [(i.claim, i.conditional) for i in free.rows[0].intervals] == [("alpha/c0", True), ("alpha/c1", False)]
    taking = band_chart(rulesets, "dose", "crcl", ["alpha"], context={"strong_oat3_inhibitor": {"values": [True]}})
    assert [(i.claim, i.conditional) for i in taking.rows[0].intervals] == [("alpha/c0", False), ("alpha/c1", False)]
    not_taking = band_chart(rulesets, "dose", "crcl", ["alpha"], context={"strong_oat3_inhibitor": {"values": [False]}})
    assert [i.claim for i in not_taking.rows[0].intervals] == ["alpha/c1"]  # c0 cannot apply there


def test_a_numeric_context_meets_a_cell_it_overlaps(tmp_path):
    claims = [
        {"question": "dose", "value": TWO, "when": {"and": [crcl(">=", 30), {">": [{"var": "age_years"}, 70]}]}},
    ]
    rulesets = load(tmp_path, alpha=claims)
    older = {"age_years": {"low": 65, "low_inclusive": True, "high": 80, "high_inclusive": False}}
    younger = {"age_years": {"low": 18, "low_inclusive": True, "high": 70, "high_inclusive": True}}
    assert [
        i.conditional for i in band_chart(rulesets, "dose", "crcl", ["alpha"], context=older).rows[0].intervals
    ] == [True]
    assert band_chart(rulesets, "dose", "crcl", ["alpha"], context=younger).rows[0].intervals == ()


def test_a_source_without_claims_there_or_not_loaded_has_an_empty_row(two):
    chart = band_chart(two, "dose", "crcl", ["alpha", "nobody"])
    assert chart.rows[1].intervals == () and chart.rows[1].note == "not loaded"
    assert band_chart(two, "dose", "child_pugh", ["alpha"]) is None  # not a number
    assert band_chart(two, "dose", "no_such_fact", ["alpha"]) is None
    silent = band_chart(two, "contraindicated", "crcl", ["alpha"])
    assert silent.rows[0].note == "no claim on contraindicated applies here"


def test_palette_is_stable_distinct_and_shared_across_a_reports_charts(two):
    keys = ["a", "b", "c", "d"]
    colours = palette(keys)
    assert palette(reversed(keys)) == colours and len(set(colours.values())) == 4
    assert set(colours.values()) <= set(PALETTE)
    assert len(set(palette([str(i) for i in range(len(PALETTE))]).values())) == len(PALETTE)
    assert palette(["x"], {"x": PALETTE[3]}) == {"x": PALETTE[3]}
    assert palette(["x", "y"], {"x": PALETTE[3], "y": PALETTE[3]})["y"] != PALETTE[3]  # a clash moves one
    cache = BandCache()
    first = band_chart(two, "dose", "crcl", ["alpha", "beta"], cache=cache)
    second = band_chart(two, "dose", "crcl", ["beta"], cache=cache)
    for swatch in second.values:
        assert first.colour(swatch.key) == swatch.colour


def finding(region_constraints, **extra):
    data = {
        "id": "C-test",
        "question": "dose",
        "sources": ["alpha", "beta"],
        "claims": [{"id": "alpha/c1"}, {"id": "beta/c0"}],
        "answers": [],
        "region": {"constraints": region_constraints},
    }
    data.update(extra)
    return data


CRCL_45_60 = {"fact": "crcl", "low": 45, "low_inclusive": True, "high": 60, "high_inclusive": True, "text": "..."}


def test_a_finding_gets_a_chart_per_numeric_constraint(two):
    f = finding([CRCL_45_60, {"fact": "child_pugh", "values": ["A"], "text": "child_pugh = A"}])
    assert chart_facts(f) == ["crcl"]
    (chart,) = chart_for_finding(f, two)
    assert chart.fact == "crcl" and chart.regions == ((45, True, 60, True),)
    assert [r.source for r in chart.rows] == ["alpha", "beta"]
    named = {i.claim for r in chart.rows for i in r.intervals if i.named}
    assert named == {"alpha/c1", "beta/c0"}
    assert chart_for_finding(finding([{"fact": "child_pugh", "values": ["A"]}]), two) == []


def test_a_finding_with_several_regions_marks_each(two):
    low = dict(CRCL_45_60, low=0, high=30, high_inclusive=False)
    f = finding([], regions=[{"region": {"constraints": [CRCL_45_60]}}, {"region": {"constraints": [low]}}])
    (chart,) = chart_for_finding(f, two)
    assert chart.regions == ((45, True, 60, True), (0, True, 30, False))


HOSTILE_SOURCE = '<script>alert(1)</script>"]]>&\x1b'
HOSTILE_VALUE = "]]><svg onload=alert(1)>\x00' javascript:x url(http://e) @import"


def hostile_ruleset() -> Ruleset:
    claim = Claim(
        id=f"{HOSTILE_SOURCE}/c0",
        source=HOSTILE_SOURCE,
        question="dose",
        value=HOSTILE_VALUE,
        when=crcl("<", 30),
        provenance=Provenance("x", 0, 1),
        status="submitted",
    )
    return Ruleset("x.yaml", HOSTILE_SOURCE, "t", "x.txt", "", [claim])


def test_hostile_source_ids_and_values_are_escaped_and_the_svg_parses():
    chart = band_chart([hostile_ruleset()], "dose", "crcl", [HOSTILE_SOURCE], (0, True, 30, False))
    svg = to_svg(chart)
    assert "<script" not in svg and "<svg onload" not in svg and "]]>" not in svg and "\x1b" not in svg
    for markup in (" onload=", "javascript:", "url(", "@import"):  # not even as text a source scan could trip on
        assert markup not in svg
    root = ET.fromstring(svg)
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    titles = [t.text or "" for t in root.iter(f"{SVG}title")]
    assert any(HOSTILE_SOURCE.replace("\x1b", "\ufffd") == t for t in titles)
    assert any(HOSTILE_VALUE.replace("\x00", "\ufffd") == t for t in titles)
    assert any("<script>" in t for t in texts)  # shown as text, not markup


def test_an_empty_chart_is_still_a_drawing():
    chart = band_chart([], "dose", "crcl", [])
    assert chart is not None and chart.rows == () and chart.values == ()
    assert ET.fromstring(to_svg(chart)).tag == f"{SVG}svg"
    nobody = band_chart([], "dose", "crcl", ["gone"], (30, True, 30, True))
    assert nobody.rows[0].note == "not loaded" and "not loaded" in to_svg(nobody)


def test_svg_is_self_contained_byte_stable_and_matches_its_snapshot(two, request):
    chart = band_chart(two, "dose", "crcl", ["alpha", "beta"], (45, True, 60, True), named=["alpha/c1", "beta/c0"])
    svg = to_svg(chart)
    again = to_svg(
        band_chart(two, "dose", "crcl", ["alpha", "beta"], (45, True, 60, True), named=["beta/c0", "alpha/c1"])
    )
    assert svg == again  # no time, no randomness
    assert svg.count('stroke="#222222" stroke-width="10"') == 2  # the two claims the finding names are outlined
    plain = to_svg(band_chart(two, "dose", "crcl", ["alpha", "beta"], (45, True, 60, True)))
    assert 'stroke="#222222"' not in plain and "outlined" not in plain  # nothing named: nothing outlined
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("width") == "640"
    for bad in ("<script", "href", "url(", "<style", "@import", "<image", "<foreignObject"):
        assert bad not in svg
    assert [e.text for e in root.iter(f"{SVG}text") if e.text in ("20", "30", "45", "60", "70")] == [
        "20",
        "30",
        "45",
        "60",
        "70",
    ]
    circles = list(root.iter(f"{SVG}circle"))
    assert any(c.get("fill") == "#FFFFFF" for c in circles) and any(c.get("fill") != "#FFFFFF" for c in circles)
    if request.config.getoption("--snapshot-update", default=False):
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(svg, encoding="utf-8", newline="")
    assert SNAPSHOT.read_text(encoding="utf-8") == svg, "regenerate with --snapshot-update if the change is intended"


def test_every_numeric_finding_of_the_bundled_report_is_drawn():
    import json

    from engine.bands import charts_for_findings
    from tests.conftest import REPO

    report = json.loads((REPO / "conflicts" / "report.json").read_text(encoding="utf-8"))
    rulesets = validate_paths([REPO / "rulesets"], check_patients=False).rulesets
    findings = report["conflicts"]
    charts = charts_for_findings(findings, rulesets)
    numeric = [f for f in findings if chart_facts(f)]
    assert numeric and all(charts[f["id"]] for f in numeric)
    for f in numeric[:20]:
        for chart in charts[f["id"]]:
            assert {r.source for r in chart.rows} == set(f["sources"])
            ET.fromstring(to_svg(chart))


def test_a_chart_file_name_is_safe(two):
    chart = band_chart(two, "dose", "crcl", ["alpha"])
    assert chart_file("C-0df83d2211", chart) == "C-0df83d2211-crcl.svg"
    assert chart_file("../../etc/<x>", chart) == "etc_x_-crcl.svg"


def _first_fit(intervals):
    """The lane stacking as first written (each lane scanned run by run): the reference for _lanes."""
    by_claim = {}
    for i in intervals:
        by_claim.setdefault(i.claim, []).append(i)
    order = sorted(by_claim.values(), key=lambda runs: (runs[0].unbounded, runs[0].cells[0], runs[0].claim))
    taken, out = [], []
    for runs in order:
        lane = 0
        while lane < len(taken) and any(
            a <= d and c <= b for (a, b) in taken[lane] for (c, d) in (r.cells for r in runs)
        ):
            lane += 1
        if lane == len(taken):
            taken.append([])
        taken[lane].extend(r.cells for r in runs)
        out.extend((r.claim, r.cells, lane) for r in runs)
    return out, len(taken)


def test_lanes_stack_as_first_fit_does(tmp_path):
    import random

    from engine.bands import Interval, _lanes

    rng = random.Random(5)
    for _ in range(200):
        intervals = []
        for k in range(rng.randint(1, 30)):
            a = rng.randrange(40)
            spans = [(a, a + rng.randrange(6))]
            if rng.random() < 0.3:  # a second run further on (`egfr < 30 or egfr > 90`)
                b = spans[0][1] + 2 + rng.randrange(10)
                spans.append((b, b + rng.randrange(4)))
            unbounded = rng.random() < 0.1
            for c, d in [(0, 60)] if unbounded else spans:
                intervals.append(Interval(f"s/c{k}", "v", "k", c, True, d, True, unbounded=unbounded, cells=(c, d)))
        laid, lanes, hidden = _lanes(intervals, limit=1000)
        assert ([(i.claim, i.cells, i.lane) for i in laid], lanes) == _first_fit(intervals) and hidden == 0


def test_thousands_of_overlapping_claims_are_summed_up_past_the_lane_limit(tmp_path):
    from engine.bands import MAX_LANES

    n = MAX_LANES + 25
    text = " ".join(f"S{i}." for i in range(n))
    claims = [
        {"question": "dose", "value": TWO if i % 2 else FOUR, "when": crcl(">=", i), "quote": f"S{i}."}
        for i in range(n)
    ]
    write_ruleset(tmp_path, "alpha", text, claims)
    rulesets = validate_paths([tmp_path], check_patients=False).rulesets
    named = [f"alpha/c{n - 1}"]  # the last one: it finds no lane within the limit
    chart = band_chart(rulesets, "dose", "crcl", ["alpha"], (n - 1, True, 250, True), named=named)
    (row,) = chart.rows
    drawn = {i.claim for i in row.intervals}
    assert len(drawn) == MAX_LANES + 1 and f"alpha/c{n - 1}" in drawn  # the named claim is drawn past the limit
    assert row.hidden == n - MAX_LANES - 1 and row.lanes == MAX_LANES + 1
    assert row.to_json()["hidden"] == row.hidden
    svg = to_svg(chart)
    from engine.bandsvg import esc

    assert esc(f"and {row.hidden} more claims (not drawn: over {MAX_LANES} lanes)") in svg
    ET.fromstring(svg)
    few = band_chart(rulesets, "dose", "crcl", ["alpha"], (n - 1, True, 250, True))
    assert few.rows[0].hidden == n - MAX_LANES and "hidden" in few.rows[0].to_json()


def test_thousands_of_thresholds_are_thinned_to_the_tick_limit(tmp_path):
    from engine.bands import MAX_TICKS

    n = 400
    text = " ".join(f"S{i}." for i in range(n))
    claims = [{"question": "dose", "value": TWO, "when": crcl(">=", i / 2), "quote": f"S{i}."} for i in range(n)]
    write_ruleset(tmp_path, "alpha", text, claims)
    rulesets = validate_paths([tmp_path], check_patients=False).rulesets
    chart = band_chart(rulesets, "dose", "crcl", ["alpha"], (33.25, True, 60.5, False))
    ticks = chart.ticks()
    assert len(chart.thresholds) > MAX_TICKS >= len(ticks) > MAX_TICKS - 5
    assert {chart.axis[0], chart.axis[1], 33.25, 60.5} <= set(ticks) and list(ticks) == sorted(set(ticks))
    assert set(ticks) <= set(chart.thresholds) | set(chart.axis)


def test_a_finding_naming_thousands_of_claims_still_draws_at_most_twice_the_lane_limit(tmp_path):
    from engine.bands import MAX_LANES, Interval, _lanes

    named = [Interval(f"s/c{k}", "v", "k", k, True, 500, True, named=True, cells=(k, 500)) for k in range(300)]
    laid, lanes, hidden = _lanes(named)
    assert lanes == 2 * MAX_LANES and len(laid) == 2 * MAX_LANES and hidden == 300 - 2 * MAX_LANES
