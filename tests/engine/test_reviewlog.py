"""engine.reviewlog: dispositions and claim steps land in a schema-valid reviews.yaml."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.contract import validator
from engine.loader import load_file
from engine.reviewlog import add_claim_step, load_reviews, set_disposition


def test_disposition_and_steps_roundtrip(tmp_path: Path) -> None:
    path = tmp_path / "conflicts" / "reviews.yaml"
    set_disposition(path, "c1", "source_correct: lucius-label", "ana", note="label wins", date="2025-01-02")
    set_disposition(path, "c2", "needs_expert", "ana", date="2025-01-02")
    add_claim_step(path, "src/a", "submitted", "ana", from_status="draft", date="2025-01-03")
    data = load_file(path).data
    assert not list(validator("reviews").iter_errors(data))
    assert data["conflicts"]["c1"] == {"disposition": {"source_correct": "lucius-label"}, "reviewer": "ana", "date": "2025-01-02", "note": "label wins"}
    assert data["claims"]["src/a"] == [{"from": "draft", "status": "submitted", "reviewer": "ana", "date": "2025-01-03"}]
    assert load_reviews(tmp_path / "missing.yaml")["conflicts"] == {}


def test_bad_disposition_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        set_disposition(tmp_path / "r.yaml", "c1", "maybe", "ana")
    assert not (tmp_path / "r.yaml").exists()
