"""Read and write conflicts/reviews.yaml: conflict dispositions and claim review steps.

A small store the workbench uses (engine.review, when present, is the CLI's
home for the same file; both write the shape schema/reviews.schema.json
defines). Writes are atomic and checked against the schema before they land.
"""
from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path
from typing import Any

DISPOSITIONS = ("all_wrong", "not_a_conflict", "needs_expert")


def load_reviews(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The reviews file as data ({} when absent); raises engine.loader.LoadError when unreadable."""
    from engine.loader import load_file

    if not Path(path).exists():
        return {"accord": 1, "conflicts": {}, "claims": {}}
    data = load_file(path).data
    if not isinstance(data, dict):
        data = {}
    data.setdefault("accord", 1)
    data.setdefault("conflicts", {})
    data.setdefault("claims", {})
    return data


def parse_disposition(text: str) -> Any:
    """'source_correct: lucius-label' or 'source_correct:lucius-label' -> {'source_correct': ...}; else the word."""
    if text.startswith("source_correct"):
        return {"source_correct": text.split(":", 1)[1].strip()}
    if text not in DISPOSITIONS:
        raise ValueError(f"unknown disposition {text!r}; one of source_correct: <source>, {', '.join(DISPOSITIONS)}")
    return text


def _today() -> str:
    return _dt.date.today().isoformat()


def _save(path: Path, data: dict[str, Any]) -> None:
    import yaml

    from engine.atomic import write_atomic
    from engine.contract import validator

    errors = list(validator("reviews").iter_errors(data))
    if errors:
        raise ValueError(f"reviews would be invalid: {errors[0].message}")
    path.parent.mkdir(parents=True, exist_ok=True)
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)
    write_atomic(path, "# Reviewers' dispositions and claim review steps (schema/reviews.schema.json).\n" + body)


def set_disposition(path: str | os.PathLike[str], conflict_id: str, disposition: Any, reviewer: str, note: str = "", date: str | None = None) -> dict[str, Any]:
    """Record (or replace) the disposition of one conflict."""
    if isinstance(disposition, str):
        disposition = parse_disposition(disposition)
    data = load_reviews(path)
    record: dict[str, Any] = {"disposition": disposition, "reviewer": reviewer, "date": date or _today()}
    if note:
        record["note"] = note
    data["conflicts"][conflict_id] = record
    _save(Path(path), data)
    return record


def add_claim_step(path: str | os.PathLike[str], claim_id: str, status: str, reviewer: str, from_status: str | None = None, note: str = "", date: str | None = None) -> dict[str, Any]:
    """Append one review step to a claim's history."""
    data = load_reviews(path)
    step: dict[str, Any] = {}
    if from_status:
        step["from"] = from_status
    step.update({"status": status, "reviewer": reviewer, "date": date or _today()})
    if note:
        step["note"] = note
    data["claims"].setdefault(claim_id, []).append(step)
    _save(Path(path), data)
    return step
