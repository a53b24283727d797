"""Read fields of a conflict record from conflicts/report.json, tolerant of small format differences.

The report is written by the engine (`accord conflicts`); this module only
picks the fields the screens show, accepting a few spellings so the TUI keeps
working while the report format settles.
"""
from __future__ import annotations

import json
from typing import Any

NO_REVIEW = "unreviewed"


def cid(c: dict[str, Any]) -> str:
    return str(c.get("id") or c.get("conflict_id") or "?")


def kind(c: dict[str, Any]) -> str:
    return str(c.get("kind") or c.get("type") or "conflict")


def severity(c: dict[str, Any]) -> str:
    return str(c.get("severity") or "medium")


def question(c: dict[str, Any]) -> str:
    return str(c.get("question") or "")


def _answers_raw(c: dict[str, Any]) -> list[dict[str, Any]]:
    raw = c.get("answers") or c.get("sides") or c.get("positions") or []
    if isinstance(raw, dict):
        return [{"source": s, "value": v} if not isinstance(v, dict) or "value" not in v else {"source": s, **v} for s, v in raw.items()]
    return [a for a in raw if isinstance(a, dict)]


def sources(c: dict[str, Any]) -> list[str]:
    found = c.get("sources")
    if isinstance(found, list) and found:
        return [str(s) for s in found]
    out: list[str] = []
    for a in _answers_raw(c):
        s = str(a.get("source", ""))
        if s and s not in out:
            out.append(s)
    for claim in claims(c):
        s = claim.split("/", 1)[0]
        if s not in out:
            out.append(s)
    return out


def claims(c: dict[str, Any]) -> list[str]:
    found = c.get("claims")
    out: list[str] = []
    if isinstance(found, list):
        for item in found:
            out.append(str(item.get("id")) if isinstance(item, dict) else str(item))
    for a in _answers_raw(c):
        for item in a.get("claims", []) or []:
            s = str(item.get("id")) if isinstance(item, dict) else str(item)
            if s not in out:
                out.append(s)
    return out


def answers(c: dict[str, Any]) -> list[tuple[str, Any, list[str]]]:
    """(source, value or answer record, claim ids) for each side of the conflict."""
    out = []
    for a in _answers_raw(c):
        value = a.get("value", a.get("answer", a.get("values")))
        ids = [str(x.get("id")) if isinstance(x, dict) else str(x) for x in (a.get("claims") or [])]
        out.append((str(a.get("source", "?")), value, ids))
    return out


def region_text(c: dict[str, Any]) -> str:
    region = c.get("region")
    if region is None:
        return ""
    if isinstance(region, str):
        return region
    if isinstance(region, dict):
        for key in ("text", "description", "words", "summary"):
            if isinstance(region.get(key), str):
                return region[key]
        if "when" in region or "rule" in region:
            from engine.describe import describe

            return describe(region.get("when", region.get("rule")))
    return json.dumps(region, ensure_ascii=False)


def witness_facts(c: dict[str, Any]) -> dict[str, Any]:
    w = c.get("witness") or c.get("patient") or {}
    if isinstance(w, dict) and isinstance(w.get("facts"), dict):
        return dict(w["facts"])
    return dict(w) if isinstance(w, dict) else {}


def review_state(c: dict[str, Any], reviews: dict[str, Any]) -> str:
    record = (reviews.get("conflicts") or {}).get(cid(c)) if isinstance(reviews, dict) else None
    if not isinstance(record, dict):
        return NO_REVIEW
    disp = record.get("disposition")
    if isinstance(disp, dict) and "source_correct" in disp:
        return f"source_correct: {disp['source_correct']}"
    return str(disp)


def summary_value(value: Any) -> str:
    from engine.evaluate import format_value

    if isinstance(value, list):
        return " | ".join(format_value(v) for v in value)
    return format_value(value)
