"""Review workflow: conflict dispositions and claim review steps, recorded in conflicts/reviews.yaml.

Claim status moves draft -> submitted -> under_review -> approved | rejected,
and approved/rejected -> under_review for a re-review. TRANSITIONS below is the
single definition of what is allowed. Every step is appended to reviews.yaml
(`claims: {claim-id: [{from, status, reviewer, date, note}]}`) and the
claim's `status:` in its ruleset file is changed by a targeted replacement at
the node's character offsets (engine.claimedit), so comments, ordering and
formatting of the ruleset stay as they were. Files are written atomically.

A disposition (`{source_correct: <id>}`, all_wrong, not_a_conflict,
needs_expert) is kept by conflict id. When the conflict disappears the
disposition is orphaned: kept, and reported, never dropped.
"""
from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path
from typing import Any

import yaml

from engine.atomic import write_atomic
from engine.diagnostics import Diagnostic
from engine.loader import LoadError, load_file

STATUSES = ("draft", "submitted", "under_review", "approved", "rejected")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("submitted",),
    "submitted": ("under_review",),
    "under_review": ("approved", "rejected"),
    "approved": ("under_review",),
    "rejected": ("under_review",),
}
DISPOSITIONS = ("source_correct", "all_wrong", "not_a_conflict", "needs_expert")


class ReviewError(ValueError):
    """A review step that is not allowed or cannot be recorded; the message says why."""


def allowed(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, ())


def today() -> str:
    return _dt.date.today().isoformat()


def empty_reviews() -> dict[str, Any]:
    return {"accord": 1, "conflicts": {}, "claims": {}}


def load_reviews(path: str | os.PathLike[str]) -> tuple[dict[str, Any], list[Diagnostic]]:
    """reviews.yaml as data (empty when the file does not exist) and any problems with it."""
    from engine.contract import validator
    from engine.validate import schema_diagnostics

    if not Path(path).exists():
        return empty_reviews(), []
    try:
        doc = load_file(path)
    except LoadError as exc:
        return empty_reviews(), [exc.diagnostic]
    if doc.data is None:
        return empty_reviews(), []
    diags = schema_diagnostics(doc, "reviews") if validator("reviews") else []
    if diags:
        return empty_reviews(), diags
    data = empty_reviews()
    data.update(doc.data)
    data.setdefault("conflicts", {})
    data.setdefault("claims", {})
    return data, []


def dump_reviews(data: dict[str, Any]) -> str:
    """Deterministic YAML: sorted keys, block style, no aliases."""
    ordered = {"accord": 1, "conflicts": dict(sorted((data.get("conflicts") or {}).items())),
               "claims": dict(sorted((data.get("claims") or {}).items()))}

    class _Dumper(yaml.SafeDumper):
        def ignore_aliases(self, _data: Any) -> bool:
            return True

    return yaml.dump(ordered, Dumper=_Dumper, sort_keys=True, allow_unicode=True, default_flow_style=False, width=100)


def save_reviews(path: str | os.PathLike[str], data: dict[str, Any]) -> bool:
    """Write reviews.yaml atomically, only when its bytes change. True when written."""
    text = dump_reviews(data)
    p = Path(path)
    if p.exists() and p.read_text(encoding="utf-8") == text:
        return False
    p.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(p, text)
    return True


def disposition_value(kind: str, source: str | None) -> Any:
    if kind not in DISPOSITIONS:
        raise ReviewError(f"unknown disposition {kind!r}; one of {', '.join(DISPOSITIONS)}")
    if kind == "source_correct":
        if not source:
            raise ReviewError("disposition source_correct needs --source SOURCE")
        return {"source_correct": source}
    if source:
        raise ReviewError(f"--source is only for source_correct, not {kind}")
    return kind


def disposition_text(value: Any) -> str:
    if isinstance(value, dict) and "source_correct" in value:
        return f"source_correct: {value['source_correct']}"
    return str(value)


def record_disposition(data: dict[str, Any], conflict: str, kind: str, reviewer: str, note: str = "", source: str | None = None,
                       date: str | None = None, conflict_sources: list[str] | None = None) -> dict[str, Any]:
    """Set the disposition of a conflict in `data` (reviews) and return the entry."""
    if not reviewer.strip():
        raise ReviewError("a reviewer name is required")
    value = disposition_value(kind, source)
    if source and conflict_sources is not None and source not in conflict_sources:
        raise ReviewError(f"source {source!r} is not one of the conflict's sources ({', '.join(conflict_sources)})")
    entry: dict[str, Any] = {"disposition": value, "reviewer": reviewer, "date": date or today()}
    if note:
        entry["note"] = note
    data.setdefault("conflicts", {})[conflict] = entry
    return entry


def orphaned(data: dict[str, Any], conflict_ids: set[str]) -> list[tuple[str, dict[str, Any]]]:
    """Dispositions whose conflict no longer exists (kept, reported)."""
    return sorted((cid, entry) for cid, entry in (data.get("conflicts") or {}).items() if cid not in conflict_ids)


# ---------------------------------------------------------------- claims

def find_claim(rulesets_dir: str | os.PathLike[str], claim_id: str) -> tuple[Path, Any, int]:
    """(ruleset path, document, claim index) of the claim, searching the folder's ruleset files."""
    from engine.claimedit import claim_index

    folder = Path(rulesets_dir)
    if not folder.is_dir():
        raise ReviewError(f"{folder}: no such rulesets folder")
    source = claim_id.split("/", 1)[0]
    candidates = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml", ".json") and p.is_file())
    candidates.sort(key=lambda p: p.stem != source)
    for path in candidates:
        try:
            doc = load_file(path)
        except LoadError:
            continue
        if not isinstance(doc.data, dict) or "claims" not in doc.data:
            continue
        index = claim_index(doc, claim_id)
        if index is not None:
            return path, doc, index
    raise ReviewError(f"no claim {claim_id!r} in {folder}")


def change_claim_status(rulesets_dir: str | os.PathLike[str], reviews_path: str | os.PathLike[str], claim_id: str, status: str,
                        reviewer: str, note: str, date: str | None = None) -> dict[str, Any]:
    """Move a claim to `status`: check the transition, edit the ruleset in place, append the step."""
    from engine.claimedit import set_claim_status

    if status not in STATUSES:
        raise ReviewError(f"unknown status {status!r}; one of {', '.join(STATUSES)}")
    if not reviewer.strip():
        raise ReviewError("a reviewer name is required")
    if not note.strip():
        raise ReviewError("a note is required at every review step")
    data, diags = load_reviews(reviews_path)
    if diags:
        raise ReviewError("; ".join(d.format() for d in diags))
    path, doc, index = find_claim(rulesets_dir, claim_id)
    current = doc.data["claims"][index].get("status")
    if not allowed(str(current), status):
        nexts = ", ".join(TRANSITIONS.get(str(current), ())) or "nothing"
        raise ReviewError(f"{claim_id} is {current}; it can move to {nexts}, not {status}")
    new_text = set_claim_status(doc, claim_id, status)
    step = {"from": current, "status": status, "reviewer": reviewer, "date": date or today(), "note": note}
    write_atomic(path, new_text)
    data.setdefault("claims", {}).setdefault(claim_id, []).append(step)
    save_reviews(reviews_path, data)
    return step
