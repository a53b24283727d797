"""What a reviewer judged: each claim's fingerprint, so a decision stays decided until the claims it judged change.

A disposition records, per claim of its finding, a short sha256 of what the reviewer read: the
quote, the question, the value and its qualifiers, and the rule (`judged` in reviews.yaml). While
every judged claim keeps its fingerprint, the decision stands whatever else is edited (another
claim, another source, a region that moves). When the quote, value or rule of one of them changes,
or it is gone, the finding is flagged to be reviewed again (`review_again` in report.json, with the
claims and why) and counts as undecided for `accord conflicts --check`. A disposition recorded
before fingerprints existed has none, and is never flagged: nothing says what it judged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.model import Claim


def claim_fingerprint(claim: Claim) -> str:
    """12 hex digits over the claim's quote (or citation), question, value, qualifiers and rule."""
    cited = claim.provenance.citation.to_json() if claim.provenance.citation is not None else None
    body = {
        "quote": claim.provenance.exact,
        "citation": cited,
        "question": claim.question,
        "value": claim.value,
        "qualifiers": claim.qualifiers or None,
        "when": claim.when,
    }
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def judged_of(finding: Mapping[str, Any]) -> dict[str, str]:
    """The fingerprints a disposition of `finding` (a report.json conflict) records: its claims, as reported."""
    return {c["id"]: c["fingerprint"] for c in finding.get("claims", []) if isinstance(c.get("fingerprint"), str)}


def changed_claims(entry: Mapping[str, Any], finding: Mapping[str, Any]) -> dict[str, str] | None:
    """Claim id -> why, for the claims a disposition judged that changed since; None when it stands."""
    judged = entry.get("judged")
    if not isinstance(judged, dict) or not judged:
        return None
    now = judged_of(finding)
    out: dict[str, str] = {}
    for claim_id, print_ in sorted(judged.items()):
        if claim_id not in now:
            out[claim_id] = "no longer in the finding (removed, or its value or scope changed)"
        elif now[claim_id] != print_:
            out[claim_id] = "its quote, value or rule changed"
    return out or None


def review_again(entry: Mapping[str, Any], finding: Mapping[str, Any]) -> dict[str, Any] | None:
    """The report's `review_again` for a finding whose disposition judged claims that changed, else None."""
    changed = changed_claims(entry, finding)
    if changed is None:
        return None
    return {
        "claims": sorted(changed),
        "reason": "; ".join(f"{cid}: {why}" for cid, why in changed.items()),
    }
