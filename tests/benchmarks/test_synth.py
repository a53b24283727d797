"""benchmarks/synth.py at small scale: its corpus is valid and region analysis finds every planted conflict.

Correctness only; the timings live in `python -m benchmarks` (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import hashlib
import json

import pytest

from benchmarks.synth import found_planted, generate
from engine.validate import validate_paths


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("synth"), sources=4, claims=90)


def test_corpus_is_valid_with_exact_provenance(corpus):
    result = validate_paths([corpus.folder], check_patients=False)
    assert [d.format() for d in result.diagnostics] == []
    assert len(result.rulesets) == 4 and sum(len(r.claims) for r in result.rulesets) == corpus.claims
    for source in corpus.sources:
        data = json.loads((corpus.folder / f"{source}.json").read_text(encoding="utf-8"))
        text = (corpus.folder / "sources" / f"{source}.txt").read_text(encoding="utf-8")
        assert data["source"]["sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
        for claim in data["claims"]:
            p = claim["provenance"]
            assert text[p["start"] : p["end"]] == p["exact"]


def test_every_planted_conflict_is_found(corpus):
    regions = pytest.importorskip("engine.analysis.driver")
    result = validate_paths([corpus.folder], check_patients=False)
    analysis = regions.analyse(result.rulesets)
    found = found_planted(corpus, analysis)
    assert {p.kind for p, _ in found} == {"between_sources", "within_source", "gap"}
    assert [p for p, hit in found if not hit] == []
