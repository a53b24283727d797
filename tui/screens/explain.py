"""Explain modal: why a source answers what it does for a patient (the engine's trace, shown verbatim)."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from engine.explain import explain_text
from tui.screens.dialogs import TextDialog


def explanation(ruleset: Any, question: str, facts: dict[str, Any]) -> Text:
    """engine.explain's trace as plain text (a Text, so claim states like `[applied]` are not parsed as markup)."""
    return Text(explain_text(ruleset, question, facts))


class ExplainScreen(TextDialog):
    def __init__(self, ruleset: Any, question: str, facts: dict[str, Any], patient_id: str) -> None:
        super().__init__(
            f"Explain: {ruleset.source_id} · {question} · {patient_id}", explanation(ruleset, question, facts)
        )
