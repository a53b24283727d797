"""A source update's change report in words: what `accord source update` prints and the workbench shows.

One rendering for both shells, so the command line and the workbench say the same thing about the
same plan (engine.sources.plan_update): each claim and exclusion re-anchored (moved, changed,
vanished), the new sentences no claim covers, and the findings that appear, disappear or must be
reviewed again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.sources import UpdatePlan


def report_lines(plan: UpdatePlan) -> list[str]:
    """The change report as text lines (the workbench shows the same lines)."""
    from engine.anchoring import EXACT, FUZZY, LOST, MOVED

    out = [f"source {plan.source_id}: {plan.text_path}"]
    if plan.same_text:
        out.append("  the new text is the same as the old one: every quote stands; claims are marked verified")
    counts = ", ".join(f"{plan.count(s)} {s}" for s in (EXACT, MOVED, FUZZY, LOST))
    out.append(f"claims: {counts}")
    excl = ", ".join(f"{plan.count(s, 'exclusion')} {s}" for s in (EXACT, MOVED, FUZZY, LOST))
    out.append(f"exclusions: {excl}")
    labels = {MOVED: "moved", FUZZY: "changed", LOST: "vanished", EXACT: "context changed"}
    for change in plan.changes:
        a = change.anchoring
        if a.state == EXACT and (a.context_same or change.kind == "exclusion"):  # exclusions record no context
            continue
        label = labels[a.state]
        head = f"  {label:<15} {change.id}"
        if a.state == MOVED:
            tail = "" if a.context_same else " (the words around it changed: not marked verified)"
            out.append(f"{head}: {change.old_start}..{change.old_end} -> {a.start}..{a.end}{tail}")
        elif a.state == FUZZY:
            back = " -> submitted" if change.kind == "claim" else ""
            out.append(f"{head}: {round(100 * a.similarity)}% alike{back}")
            out.append(f"      was: {_one_line(change.old_exact)}")
            out.append(f"      now: {_one_line(change.new_exact)}")
        elif a.state == LOST:
            out.append(f"{head}: {_one_line(change.old_exact)}")
        else:
            out.append(f"{head}: its prefix or suffix changed; refreshed")
    if plan.new_sentences:
        out.append(f"new sentences neither claimed nor excluded: {len(plan.new_sentences)}")
        for s in plan.new_sentences[:50]:
            out.append(f"  {plan.text_path}:{s.line}:{s.col}: {_one_line(s.text)}")
        if len(plan.new_sentences) > 50:
            out.append(f"  … and {len(plan.new_sentences) - 50} more (accord coverage lists them all)")
    diff = plan.conflicts
    if diff.skipped:
        out.append(f"conflicts: {diff.skipped}")
    else:
        out.append(
            f"conflicts: {len(diff.appeared)} appear, {len(diff.disappeared)} disappear, "
            f"{len(diff.review_again)} dispositions to review again"
        )
        for f in diff.appeared:
            out.append(f"  appears     {f['id']} {f['kind']} on {f['question']}: {', '.join(f['claims'])}")
        for f in diff.disappeared:
            orphan = f" (its disposition {f['disposition']} is kept, orphaned)" if f.get("disposition") else ""
            out.append(f"  disappears  {f['id']} {f['kind']} on {f['question']}{orphan}")
        for f in diff.review_again:
            out.append(f"  review again {f['id']} ({f['disposition']}): {f['reason']}")
    return out


def _one_line(text: str, limit: int = 100) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"
