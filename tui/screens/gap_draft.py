"""From a gap finding to a draft claim that would close it (engine.gapfill), in the claim editor.

The draft has the hole's interval as its rule and the finding's question; its value and its quote are
left for a person to choose (the editor offers the neighbouring claims' values and finds quotes in the
source text) and it is not saved before both are chosen.
"""

from __future__ import annotations

from typing import Any


def open_gap_draft(screen: Any, finding: dict[str, Any]) -> bool:
    """Open the claim editor on a draft closing `finding` (a report conflict of kind gap); False (said) when not."""
    from engine.claimedit import slugify, unique_id
    from engine.contract import vocabulary
    from engine.gapfill import NotAGap, draft_snippet, gap_suggestion
    from tui.screens.claim_editor import ClaimEditorScreen

    ws = screen.workbench.workspace
    if ws is None:
        return False
    if finding.get("kind") != "gap":
        screen.notify(
            f"f drafts the claim that closes a gap; this finding is {finding.get('kind', 'not a gap')}.",
            severity="warning",
        )
        return False
    try:
        suggestion = gap_suggestion(dict(finding), ws.rulesets, vocabulary())
    except NotAGap as exc:
        screen.notify(str(exc), severity="warning")
        return False
    entry = ws.entry(suggestion.source)
    if entry is None or entry.ruleset is None:
        screen.notify(
            f"{suggestion.source}'s ruleset is not valid now: fix it first, then draft the claim.", severity="warning"
        )
        return False
    taken = {c.id for r in ws.rulesets for c in r.claims}
    slug = slugify(f"gap {suggestion.fact} {suggestion.low} {suggestion.high}")
    claim_id = unique_id(suggestion.source, slug, taken)
    snippet = draft_snippet(claim_id, suggestion)
    screen.app.push_screen(ClaimEditorScreen(entry.path, None, snippet, claim_id, suggestion=suggestion))
    return True
