"""Question shapes (schema/shapes.yaml): when two sets of answer values really disagree.

Issue 14 fills this in; until then two value sets disagree when they differ.
"""

from __future__ import annotations

from collections.abc import Sequence


def value_sets_disagree(question: str, a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether the value keys `a` one source gives and `b` another gives for one patient contradict each other."""
    return tuple(sorted(a)) != tuple(sorted(b))
