"""How long ago each claim was checked against its source: W406 and W409, located warnings for `accord validate`.

A claim's last verification is its `verified` date; a claim without one was last
checked when its source text was captured (`source.retrieved`), the earliest date
anyone can vouch for. A ruleset that records neither date says nothing about
age, and nothing is warned (`accord source add` always records `retrieved`).

W406: a claim verified longer ago than the project's `verification.max_age_days`
(accord.yaml, default in schema/project.schema.json), the claims that inherit an
old retrieval date (one warning for them all, at `source.retrieved`), and a claim
verified before the text it quotes was retrieved (verified against an earlier
copy). W409: the source does not say when it was retrieved although its claims
say when they were verified, or it was retrieved longer before its newest
verification than the same age, so the copy the claims were checked against is
itself stale: retrieve it again (`accord source update`).
"""

from __future__ import annotations

import datetime as _dt

from engine.diagnostics import Diagnostic
from engine.model import Ruleset

STALE, RETRIEVAL = "W406", "W409"


def parse_date(text: str) -> _dt.date | None:
    """A YYYY-MM-DD date (the schema checked the shape), None when it is no calendar date."""
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        return None


def age_diagnostics(ruleset: Ruleset, max_age_days: int, today: _dt.date | None = None) -> list[Diagnostic]:
    """W406 and W409 for one valid ruleset (see the module docstring)."""
    doc = ruleset.document
    if doc is None:
        return []
    today = today or _dt.date.today()
    out: list[Diagnostic] = []
    retrieved = parse_date(ruleset.retrieved) if ruleset.retrieved else None
    if ruleset.retrieved and retrieved is None:
        out.append(
            doc.diagnostic(("source", "retrieved"), RETRIEVAL, f"{ruleset.retrieved} is not a calendar date", "warning")
        )
    inherited = 0
    newest: _dt.date | None = None
    for claim in ruleset.claims:
        if not claim.verified:
            inherited += 1
            continue
        here = claim.parts + ("verified",)
        when = parse_date(claim.verified)
        if when is None:
            out.append(doc.diagnostic(here, STALE, f"{claim.verified} is not a calendar date", "warning"))
            continue
        newest = when if newest is None or when > newest else newest
        age = (today - when).days
        if age > max_age_days:
            out.append(
                doc.diagnostic(
                    here,
                    STALE,
                    f"{claim.id} was last verified against its source on {claim.verified}, {age:,} days ago "
                    f"(the limit is {max_age_days:,}, accord.yaml verification.max_age_days): check it again",
                    "warning",
                )
            )
        elif retrieved is not None and when < retrieved:
            out.append(
                doc.diagnostic(
                    here,
                    STALE,
                    f"{claim.id} was verified on {claim.verified}, before the source text was retrieved "
                    f"({ruleset.retrieved}): check it against the current text",
                    "warning",
                )
            )
    if inherited and retrieved is not None and (today - retrieved).days > max_age_days:
        age = (today - retrieved).days
        out.append(
            doc.diagnostic(
                ("source", "retrieved"),
                STALE,
                f"{inherited:,} claim{'s' * (inherited != 1)} without a verified date were last verified when the "
                f"source was retrieved, {ruleset.retrieved}, {age:,} days ago (the limit is {max_age_days:,}): "
                "check them again and set verified",
                "warning",
            )
        )
    if newest is not None and not ruleset.retrieved:
        out.append(
            doc.diagnostic(
                ("source",),
                RETRIEVAL,
                "claims say when they were verified, but the source does not say when its text was retrieved "
                "(source.retrieved: YYYY-MM-DD)",
                "warning",
            )
        )
    elif newest is not None and retrieved is not None and (newest - retrieved).days > max_age_days:
        out.append(
            doc.diagnostic(
                ("source", "retrieved"),
                RETRIEVAL,
                f"the source text was retrieved on {ruleset.retrieved}, {(newest - retrieved).days:,} days before "
                f"its claims were last verified ({newest.isoformat()}): the document may have changed since; "
                "retrieve it again (accord source update)",
                "warning",
            )
        )
    return out


def age_summary(ruleset: Ruleset, today: _dt.date | None = None) -> str:
    """One line for the workbench: when the text was retrieved and how old the oldest verification is."""
    today = today or _dt.date.today()

    def ago(date: _dt.date) -> str:
        days = (today - date).days
        return "today" if days == 0 else f"{days:,} day{'s' * (days != 1)} ago"

    retrieved = parse_date(ruleset.retrieved) if ruleset.retrieved else None
    head = f"retrieved {ruleset.retrieved} ({ago(retrieved)})" if retrieved else "retrieval date not recorded"
    dates = [d for d in (parse_date(c.verified) for c in ruleset.claims if c.verified) if d is not None]
    unverified = sum(not c.verified for c in ruleset.claims)
    if not ruleset.claims:
        return head
    if dates:
        oldest = min(dates)
        tail = f"oldest verification {oldest.isoformat()} ({ago(oldest)})"
        if unverified:
            tail += f", {unverified} without a date (as retrieved)"
    else:
        tail = "no claim verified since retrieval" if retrieved else "no verification dates"
    return f"{head} · {tail}"
