"""engine.conflicts.contained is bounded: a within-source finding of many claims names no containment.

Each pair of a finding's claims costs a decision (engine.analysis.satisfy): 1,000 nested claims took
83 s and would name 250,000 pairs, so past MAX_CONTAINED_CLAIMS claims none are looked for.
"""

from __future__ import annotations

from engine.analysis.driver import analyse
from engine.conflicts import MAX_CONTAINED_CLAIMS, contained
from engine.validate import validate_paths
from tests.conftest import write_ruleset


def _nested(folder, n):
    text = " ".join(f"S{i}." for i in range(n))
    write_ruleset(
        folder,
        "alpha",
        text,
        [
            {
                "question": "dose",
                "value": {"mg": 1 + i % 2, "every_days": 1},
                "when": {">=": [{"var": "egfr"}, 10 + i]},
                "quote": f"S{i}.",
            }
            for i in range(n)
        ],
    )
    result = validate_paths([folder], check_patients=False)
    assert result.ok
    [finding] = analyse(result.rulesets).questions["dose"].findings
    return finding, {c.id: c for r in result.rulesets for c in r.claims}


def test_a_few_nested_claims_name_the_bands_inside_others(tmp_path):
    finding, claims = _nested(tmp_path, 4)
    assert ("alpha/c1", "alpha/c0") in contained(finding, claims)  # eGFR >= 11 lies inside eGFR >= 10


def test_past_the_bound_no_containment_is_looked_for(tmp_path):
    finding, claims = _nested(tmp_path, MAX_CONTAINED_CLAIMS + 1)
    assert finding.kind == "within_source" and len(finding.claims) == MAX_CONTAINED_CLAIMS + 1
    assert contained(finding, claims) == []  # every pair of different doses is nested: none looked for
