"""Fact relations (schema/relations.yaml): derivations, implications and constraints every patient satisfies.

Issue 14 fills this in. The interface region analysis relies on is `constraints`: rules that are true
(or unknown) for every patient that can exist, so a cell where one is false holds no patient.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.contract import Vocabulary


@dataclass(frozen=True)
class Constraint:
    """A JSON-Logic rule over vocabulary facts that every possible patient satisfies (false: no such patient)."""

    id: str
    rule: Any
    message: str
    definition: str = ""  # id of the cited definition it comes from (relations.yaml `definitions`)


def constraints(vocab: Vocabulary) -> tuple[Constraint, ...]:
    """Every constraint of the vocabulary, with each derivation and implication read as one."""
    return tuple(
        Constraint(c["id"], c["rule"], c.get("message", ""), c.get("definition", ""))
        for c in vocab.relations.get("constraints", ())
    )
