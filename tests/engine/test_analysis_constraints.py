"""Region analysis never reports a conflict, gap or witness in a cell a vocabulary constraint rules out.

Every case runs on a vocabulary variant (the bundled vocabulary with relations replaced), so the
data changes and the findings follow: a constraint added makes a conflict disappear, removed it comes back.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.analysis.driver import analyse, analyse_question
from engine.analysis.model import BETWEEN, BOUNDARY, GAP, WITHIN
from engine.conflicts import find_conflicts
from engine.contract import vocabulary
from engine.jsonlogic import UNKNOWN, compiler, truthy
from engine.meaning.facts import constraints
from engine.report import build_report
from engine.validate import validate_paths
from tests.conftest import possible, write_ruleset

TEXT = "One. Two. Three. Four. Five. Six."
QUOTES = ["One", "Two", "Three", "Four", "Five", "Six"]
LOW_EGFR_LOW_CRCL = {  # eGFR below 30 means CrCl below 60, and the converse (a made-up bound for the tests)
    "id": "low-egfr-low-crcl",
    "message": "eGFR below 30 with CrCl 60 or more",
    "rule": {"and": [{"or": [{">=": [{"var": "egfr"}, 30]}, {"<": [{"var": "crcl"}, 60]}]}]},
}
MALE_NOT_PREGNANT = {
    "id": "male-not-pregnant",
    "message": "a man is not pregnant",
    "rule": {"!": {"and": [{"==": [{"var": "sex"}, "male"]}, {"var": "pregnant"}]}},
}
# Through a fact no claim reads: renal_impairment is true exactly where the hidden flag is, and the flag is
# true exactly where crcl < 30. Only eliminating the flag relates crcl and renal_impairment.
VIA_HIDDEN = [
    {
        "id": "flag-is-impairment",
        "message": "m",
        "rule": {"==": [{"var": "renal_impairment"}, {"var": "hepatic_impairment"}]},
    },
    {
        "id": "flag-is-low-crcl",
        "message": "m",
        "rule": {"==": [{"var": "hepatic_impairment"}, {"<": [{"var": "crcl"}, 30]}]},
    },
]


def variant(*rules):
    """The bundled vocabulary with only `rules` as its constraints (no derivations, no implications)."""
    return dataclasses.replace(vocabulary(), relations={"version": 1, "constraints": list(rules)})


def rulesets(folder: Path, sources: dict[str, list[tuple[object, object]]], question: str = "dose"):
    for name, claims in sources.items():
        write_ruleset(
            folder,
            name,
            TEXT,
            [
                {"question": question, "value": value, "when": when, "quote": QUOTES[i]}
                for i, (when, value) in enumerate(claims)
            ],
        )
    result = validate_paths([folder], check_patients=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    return sorted(result.rulesets, key=lambda r: r.source_id)


def kinds(analysis, question="dose"):
    return sorted((f.kind, f.sources, f.claims) for f in analysis.questions[question].findings)


def breaks(witness: dict, vocab) -> list[str]:
    """The constraints false for a witness (unknown is not false: a missing fact breaks nothing)."""
    out = []
    for c in constraints(vocab):
        value = compiler("accord").compile(c.rule)(witness)
        if value is not UNKNOWN and not truthy(value):
            out.append(c.id)
    return out


ONE = {"mg": 1, "every_days": 1}
TWO = {"mg": 2, "every_days": 1}


def test_a_conflict_only_where_a_constraint_is_broken_goes_and_comes_back(tmp_path):
    rs = rulesets(
        tmp_path,
        {"a-src": [({"<": [{"var": "egfr"}, 30]}, ONE)], "b-src": [({">=": [{"var": "crcl"}, 60]}, TWO)]},
    )
    free = analyse(rs, variant())
    assert kinds(free) == [(BETWEEN, ("a-src", "b-src"), ("a-src/c0", "b-src/c0"))]
    assert breaks(free.questions["dose"].findings[0].region.witness, variant(LOW_EGFR_LOW_CRCL))
    bound = analyse(rs, variant(LOW_EGFR_LOW_CRCL))
    assert kinds(bound) == []  # every cell where both speak has eGFR < 30 and CrCl >= 60
    assert [c.id for c in bound.questions["dose"].applied] == ["low-egfr-low-crcl"]
    assert kinds(analyse(rs, variant())) == kinds(free)  # the data decides, nothing is remembered


def test_a_constraint_through_a_fact_no_claim_reads_still_applies(tmp_path):
    rs = rulesets(
        tmp_path,
        {
            "a-src": [({"==": [{"var": "renal_impairment"}, False]}, ONE)],
            "b-src": [({"<": [{"var": "crcl"}, 30]}, TWO)],
        },
    )
    assert kinds(analyse(rs, variant())) == [(BETWEEN, ("a-src", "b-src"), ("a-src/c0", "b-src/c0"))]
    bound = analyse(rs, variant(*VIA_HIDDEN))
    assert kinds(bound) == []
    assert sorted(c.id for c in bound.questions["dose"].applied) == ["flag-is-impairment", "flag-is-low-crcl"]
    assert "hepatic_impairment" not in bound.questions["dose"].partitions  # eliminated, never an axis


def test_a_within_source_conflict_only_in_infeasible_cells_is_not_reported(tmp_path):
    rs = rulesets(tmp_path, {"a-src": [({"==": [{"var": "sex"}, "male"]}, ONE), ({"var": "pregnant"}, TWO)]})
    assert kinds(analyse(rs, variant())) == [(WITHIN, ("a-src",), ("a-src/c0", "a-src/c1"))]
    assert kinds(analyse(rs, variant(MALE_NOT_PREGNANT))) == []


def test_a_gap_made_only_of_infeasible_cells_is_not_reported(tmp_path):
    # Along egfr, at crcl >= 30: 1 mg below 30, nothing in 30..50, 2 mg from 50 -- a hole. With a
    # constraint saying eGFR 30-50 never meets CrCl 30+, the hole holds no patient. (CrCl 30, not 60:
    # the bundled relations validate the rulesets, and eGFR below 30 never meets CrCl 60+ there, E215.)
    hole = {
        "id": "no-egfr-30-50-with-crcl-30",
        "message": "m",
        "rule": {
            "!": {"and": [{">=": [{"var": "egfr"}, 30]}, {"<": [{"var": "egfr"}, 50]}, {">=": [{"var": "crcl"}, 30]}]}
        },
    }
    claims = [
        ({"and": [{"<": [{"var": "egfr"}, 30]}, {">=": [{"var": "crcl"}, 30]}]}, ONE),
        ({"and": [{">=": [{"var": "egfr"}, 50]}, {">=": [{"var": "crcl"}, 30]}]}, TWO),
    ]
    rs = rulesets(tmp_path, {"a-src": claims})
    assert [f.kind for f in analyse(rs, variant()).questions["dose"].findings] == [GAP]
    assert kinds(analyse(rs, variant(hole))) == []


def test_every_witness_of_a_report_satisfies_every_constraint(tmp_path):
    vocab = variant(LOW_EGFR_LOW_CRCL, MALE_NOT_PREGNANT, *VIA_HIDDEN)
    rs = rulesets(
        tmp_path,
        {
            "a-src": [
                ({"<": [{"var": "egfr"}, 30]}, ONE),
                ({"==": [{"var": "sex"}, "male"]}, TWO),
                ({"var": "pregnant"}, "not_recommended"),
            ],
            "b-src": [({">=": [{"var": "crcl"}, 60]}, TWO), ({"<": [{"var": "crcl"}, 30]}, ONE)],
            "c-src": [({"==": [{"var": "renal_impairment"}, False]}, "contraindicated")],
        },
    )
    conflicts, analysis = find_conflicts(rs, vocab)
    assert conflicts
    for conflict in conflicts:
        assert not breaks(conflict.witness, vocab), conflict.id
    for qa in analysis.questions.values():  # the cells' own witnesses, before facts are dropped, too
        for f in qa.findings:
            assert not breaks(f.region.witness, vocab), f.claims
    report = build_report(rs, conflicts, analysis, {})
    assert [c["id"] for c in report["analysis"]["constraints"]] == sorted(
        ["flag-is-impairment", "flag-is-low-crcl", "low-egfr-low-crcl", "male-not-pregnant"]
    )


ATOMS = st.one_of(
    st.builds(lambda op, t: {op: [{"var": "egfr"}, t]}, st.sampled_from(["<", ">="]), st.sampled_from([30, 60])),
    st.builds(lambda op, t: {op: [{"var": "crcl"}, t]}, st.sampled_from(["<", ">="]), st.sampled_from([30, 60])),
    st.builds(lambda v: {"==": [{"var": "sex"}, v]}, st.sampled_from(["female", "male"])),
    st.builds(lambda n, v: {"==": [{"var": n}, v]}, st.sampled_from(["renal_impairment", "pregnant"]), st.booleans()),
)
CONDITIONS = st.one_of(ATOMS, st.builds(lambda xs: {"and": xs}, st.lists(ATOMS, min_size=2, max_size=3))).filter(
    possible  # what validate accepts: an impossible condition is E215
)
VALUES = [ONE, TWO, "not_recommended"]
CLAIMS = st.lists(st.tuples(CONDITIONS, st.sampled_from(VALUES)), min_size=1, max_size=4)


def _comparable(findings):
    return sorted(
        ((f.kind, f.sources, f.claims, f.region.count, f.region.indices, f.fact, f.threshold) for f in findings),
        key=repr,
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CLAIMS, CLAIMS)
def test_grid_and_components_agree_under_constraints(a, b):
    vocab = variant(LOW_EGFR_LOW_CRCL, MALE_NOT_PREGNANT, *VIA_HIDDEN)
    with tempfile.TemporaryDirectory() as folder:
        rs = rulesets(Path(folder), {"a-src": a, "b-src": b})
    grid = analyse_question("dose", rs, vocab, method="grid")
    parts = analyse_question("dose", rs, vocab, method="components")
    assert _comparable(parts.findings) == _comparable(grid.findings)
    for f in grid.findings:
        assert not breaks(f.region.witness, vocab)
        if f.kind in (BETWEEN, BOUNDARY):
            assert len(f.sources) == 2
