"""Which facts speak to the same thing: a source that reads eGFR addresses kidney function, so CrCl too.

Region analysis tells an omission (one source never addresses the fact that
separates two answers) from a contradiction (both address it and disagree).
"Addresses" must follow meaning, not spelling: a source reading `egfr` has spoken
to the kidney function another source reads as `crcl`. Facts belong to one
concept when schema/relations.yaml derives one from the other, one implies the
other, or vocabulary.yaml gives them one `measure`. Formulas (CrCl from age,
weight and creatinine) do not join concepts: a source reading age has not
spoken to kidney function.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from engine.meaning.facts import relations

if TYPE_CHECKING:
    from engine.contract import Vocabulary


_CACHE: dict[int, tuple[Vocabulary, dict[str, frozenset[str]]]] = {}  # by id: a Vocabulary holds dicts


def concept_of(vocab: Vocabulary) -> dict[str, frozenset[str]]:
    """Per fact, every fact of its concept (itself included)."""
    hit = _CACHE.get(id(vocab))
    if hit is None or hit[0] is not vocab:
        hit = _CACHE[id(vocab)] = (vocab, _concepts(vocab))
    return hit[1]


def _concepts(vocab: Vocabulary) -> dict[str, frozenset[str]]:
    parent: dict[str, str] = {name: name for name in vocab.facts}

    def root(name: str) -> str:
        parent.setdefault(name, name)
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    def join(names: Iterable[str]) -> None:
        names = list(names)
        for other in names[1:]:
            parent[root(other)] = root(names[0])

    rel = relations(vocab)
    for d in rel.derivations:
        join([d.fact, *d.inputs])
    for m in rel.implications:
        join([m.if_fact, m.then_fact])
    by_measure: dict[str, list[str]] = {}
    for name, fact in vocab.facts.items():
        if fact.measure:
            by_measure.setdefault(fact.measure, []).append(name)
    for names in by_measure.values():
        join(names)
    groups: dict[str, set[str]] = {}
    for name in list(parent):
        groups.setdefault(root(name), set()).add(name)
    return {name: frozenset(groups[root(name)]) for name in parent}


def addressed(facts: Iterable[str], vocab: Vocabulary) -> frozenset[str]:
    """The facts a source that reads `facts` has spoken to: each fact's whole concept."""
    concepts = concept_of(vocab)
    out: set[str] = set()
    for name in facts:
        out |= concepts.get(name, frozenset({name}))
    return frozenset(out)
