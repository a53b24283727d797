"""engine.analysis.components against engine.analysis.grid: the same findings, without the full grid."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.analysis.components import components
from engine.analysis.driver import analyse_question
from engine.analysis.model import BETWEEN, BOUNDARY, GAP, WITHIN
from engine.analysis.witness import cell_costs
from engine.evaluate import answer
from engine.validate import validate_paths
from tests.conftest import possible, write_ruleset

TEXT = "One. Two. Three. Four. Five. Six."
QUOTES = ["One", "Two", "Three", "Four", "Five", "Six"]
VALUES = {
    "dose": [{"mg": 1, "every_days": 1}, {"mg": 2, "every_days": 1}, {"mg": 4, "every_days": 1}, "not_recommended"],
    "initiation": ["use_with_caution", "do_not_start", "contraindicated", "recommended"],
}
ATOMS = st.one_of(
    st.builds(
        lambda op, t: {op: [{"var": "egfr"}, t]}, st.sampled_from(["<", "<=", ">", ">="]), st.sampled_from([30, 50, 60])
    ),
    st.builds(lambda op, t: {op: [{"var": "crcl"}, t]}, st.sampled_from(["<", ">="]), st.sampled_from([30, 60])),
    st.builds(lambda v: {"==": [{"var": "sex"}, v]}, st.sampled_from(["female", "male"])),
    st.builds(
        lambda n, v: {"==": [{"var": n}, v]},
        st.sampled_from(["renal_impairment", "pregnant", "active_tuberculosis"]),
        st.booleans(),
    ),
    st.just(True),
)
CONDITIONS = st.one_of(ATOMS, st.builds(lambda xs: {"and": xs}, st.lists(ATOMS, min_size=2, max_size=3))).filter(
    possible  # what validate accepts: an impossible condition is E215
)
CLAIMS = st.lists(st.tuples(CONDITIONS, st.integers(0, 3)), min_size=1, max_size=5)


def _rulesets(question: str, *sources: list):
    with tempfile.TemporaryDirectory() as folder:
        for name, claims in zip(("a-src", "b-src", "c-src"), sources):
            write_ruleset(
                Path(folder),
                name,
                TEXT,
                [
                    {"question": question, "value": VALUES[question][v], "when": when, "quote": QUOTES[i]}
                    for i, (when, v) in enumerate(claims)
                ],
            )
        result = validate_paths([folder], check_patients=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    return sorted(result.rulesets, key=lambda r: r.source_id)


def _comparable(findings):
    return sorted(
        (
            (
                f.kind,
                f.sources,
                f.claims,
                f.region.count,
                f.region.indices,
                f.region.box,
                f.fact,
                f.threshold,
                f.ending,
                f.beginning,
            )
            for f in findings
        ),
        key=repr,
    )


def _costed(finding):
    """(the finding, as _comparable sees it; its witness's cost, engine.analysis.witness.cell_costs)."""
    region, cost = finding.region, 0
    for name, part in region.partitions.items():
        value = region.witness[name]
        index = next(
            i for i, c in enumerate(part.cells) if (c.contains(value) if c.low is not None else c.value == value)
        )
        cost += cell_costs(part)[index]
    return repr(_comparable([finding])), cost


def _factored(question, rulesets, vocab=None):
    """The question by components, with the partitions and constraints the driver gives them."""
    return analyse_question(question, rulesets, vocab, method="components")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["dose", "initiation"]), CLAIMS, CLAIMS, CLAIMS)
def test_factored_findings_equal_the_full_grid(question, a, b, c):
    rulesets = _rulesets(question, a, b, c)
    grid = analyse_question(question, rulesets, method="grid")
    factored = _factored(question, rulesets)
    assert _comparable(factored.findings) == _comparable(grid.findings)
    assert factored.cells == {s: sc.grid.size for s, sc in grid.sources.items()}
    # both pick a witness of least cost in the region (nearest typical, then interiors): the same cost
    assert sorted(map(_costed, factored.findings)) == sorted(map(_costed, grid.findings))
    for f in factored.findings:  # each witness sits in its region and shows the disagreement
        got = {r.source_id: answer(r, question, f.region.witness) for r in rulesets if r.source_id in f.sources}
        for name, idx in f.region.indices.items():
            cell = f.region.partitions[name].cells
            assert any(
                cell[i].contains(f.region.witness[name])
                if cell[i].low is not None
                else cell[i].value == f.region.witness[name]
                for i in idx
            )
        if f.kind in (BETWEEN, BOUNDARY):
            x, y = (got[s] for s in f.sources)
            assert {v.key for v in x.values} != {v.key for v in y.values}
        elif f.kind == WITHIN:
            assert got[f.sources[0]].status == "conflicting"
        else:
            assert f.kind == GAP


def test_components_link_facts_read_together():
    rulesets = _rulesets(
        "initiation",
        [
            ({"and": [{"==": [{"var": "pregnant"}, True]}, {"<": [{"var": "egfr"}, 30]}]}, 1),
            ({"<": [{"var": "crcl"}, 30]}, 2),
            (True, 0),
        ],
        [({"==": [{"var": "pregnant"}, True]}, 1)],
    )
    a, b = (r.claims_for("initiation") for r in rulesets)
    comps = components([a, b])
    assert [names for names, _ in comps] == [["crcl"], ["egfr", "pregnant"], []]
    assert [[c.id for c in side] for side in comps[1][1]] == [["a-src/c0"], ["b-src/c0"]]
