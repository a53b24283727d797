"""Explain modal: why a source answers what it does for a patient (every claim, applies or not)."""
from __future__ import annotations

from typing import Any

from rich.text import Text

from tui.screens.dialogs import TextDialog


def explanation(ruleset: Any, question: str, facts: dict[str, Any], patient_id: str) -> Text:
    """The engine's explanation: engine.explain when present, else each claim's outcome from engine.evaluate."""
    try:
        from engine import explain as engine_explain  # type: ignore[attr-defined]
    except ImportError:
        engine_explain = None
    render = getattr(engine_explain, "explain_text", None) if engine_explain is not None else None
    if render is not None:
        try:
            return Text(str(render(ruleset, question, facts)))
        except TypeError:
            pass
    from engine.derive import derive_facts
    from engine.describe import describe
    from engine.evaluate import answer, evaluate_claim, format_value

    all_facts, derived = derive_facts(facts)
    result = answer(ruleset, question, all_facts)
    t = Text()
    t.append(f"{ruleset.source_id} on {question} for {patient_id}: ", style="bold")
    t.append(f"{result.status} — {result.summary()}\n\n", style="bold cyan")
    t.append("Facts: ", style="dim")
    t.append(", ".join(f"{k}={v}" + (" (derived)" if k in derived else "") for k, v in all_facts.items()) + "\n\n")
    for claim in ruleset.claims_for(question):
        outcome = evaluate_claim(claim, all_facts)
        mark, style = {True: ("✓ applies", "green"), False: ("✗ does not apply", "dim"), None: ("? unknown", "yellow")}[outcome.applies]
        t.append(f"{mark:<18}", style=style)
        t.append(claim.id, style="bold")
        t.append(f"  → {format_value(claim.value)}\n")
        t.append(f"    when {describe(claim.when)}\n", style="italic")
        if outcome.missing:
            t.append(f"    missing: {', '.join(outcome.missing)}\n", style="yellow")
        if outcome.error:
            t.append(f"    error: {outcome.error}\n", style="red")
        t.append(f"    quote: “{claim.provenance.exact}”\n\n", style="green")
    if not ruleset.claims_for(question):
        t.append("The source has no claim on this question: it is silent.\n", style="dim")
    return t


class ExplainScreen(TextDialog):
    def __init__(self, ruleset: Any, question: str, facts: dict[str, Any], patient_id: str) -> None:
        super().__init__(f"Explain: {ruleset.source_id} · {question} · {patient_id}", explanation(ruleset, question, facts, patient_id))
