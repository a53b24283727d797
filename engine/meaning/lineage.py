"""How facts relate, read generically from schema/relations.yaml: what to ask for, what derives what.

An indeterminate answer names the facts a rule read and did not get; when a relation derives such
a fact, a person should be asked for the record's facts it is derived from (egfr or crcl, not
renal_impairment). The pickers show each fact's relations so an author sees that a fact need not
be set by hand. Nothing here names a fact: every answer comes from the parsed relations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.contract import vocabulary
from engine.meaning.facts import relations

if TYPE_CHECKING:
    from engine.contract import Vocabulary
    from engine.meaning.facts import Definition


def short_title(definition: Definition) -> str:
    """A definition's title without its subtitle or parenthesis, and its year: 'Latent tuberculosis infection (2018)'."""
    main = definition.title.split(":", 1)[0].split(" (", 1)[0].strip()
    return f"{main} ({definition.year})" if definition.year else main


def _title(ident: str, vocab: Vocabulary) -> str:
    """'fda-renal-2024: Pharmacokinetics in Patients with Impaired Renal Function (2024)', or the bare id."""
    d = relations(vocab).definitions.get(ident)
    return f"{ident}: {short_title(d)}" if d is not None else ident


def asked_for(
    missing: list[str] | tuple[str, ...], known: dict[str, Any], vocab: Vocabulary | None = None
) -> list[str]:
    """The facts to ask for instead of `missing`: a fact a relation derives is replaced by the inputs it lacks.

    `renal_impairment` (derived from the renal category, itself from eGFR, else CrCl) becomes
    'egfr or crcl'; a fact whose derivations already read every input (pregnant of a woman) is
    asked for itself. Alternatives (a fact's several derivations) are joined by ' or ', inputs one
    derivation needs together by ' + '.
    """
    rel = relations(vocab or vocabulary())

    def expand(name: str, seen: frozenset[str]) -> str:
        if name in seen or known.get(name) is not None:
            return name
        options: list[str] = []
        for d in rel.by_fact(name):
            lacking = [i for i in d.inputs if known.get(i) is None]
            if lacking:
                options.append(" + ".join(expand(i, seen | {name}) for i in lacking))
        if not options:
            return name
        return " or ".join(dict.fromkeys(options))

    return list(dict.fromkeys(expand(name, frozenset()) for name in missing))


@dataclass
class FactRelations:
    """How one fact relates to others in the vocabulary: what derives or implies it, what it derives."""

    derived_by: list[str] = field(default_factory=list)  # 'egfr (fda-renal-2024: its short title)'
    implied_by: list[str] = field(default_factory=list)
    derives: list[str] = field(default_factory=list)  # facts read from it (derivations, implications, formulas)
    underived: str = ""

    def lines(self) -> list[str]:
        out = []
        if self.derived_by:
            out.append("derived from " + "; else from ".join(self.derived_by))
        if self.implied_by:
            out.append("implied by " + "; ".join(self.implied_by))
        if self.derives:
            out.append("derives " + ", ".join(self.derives))
        if self.underived:
            out.append("underived: " + self.underived)
        return out


def fact_relations(name: str, vocab: Vocabulary | None = None) -> FactRelations:
    """The relations of schema/relations.yaml (and the formulas of vocabulary.yaml) that name `name`."""
    vocab = vocab or vocabulary()
    rel = relations(vocab)
    out = FactRelations()

    def cited(ident: str) -> str:
        return _title(ident, vocab)

    spec = vocab.facts[name].derived if name in vocab.facts else None
    if spec:
        out.derived_by.append(f"{', '.join(spec.get('from', []))} ({spec.get('method', 'a formula')})")
    tried: dict[str, list[str]] = {}  # definition -> its derivations' inputs, in the order they are tried
    for d in rel.by_fact(name):
        tried.setdefault(d.definition, []).append(", ".join(d.inputs))
    out.derived_by.extend(f"{', else '.join(inputs)} ({cited(ident)})" for ident, inputs in tried.items())
    implied: dict[str, list[str]] = {}  # definition -> the facts that imply `name` by it
    for m in rel.implications:
        if m.then_fact == name:
            implied.setdefault(m.definition, []).append(m.if_fact)
    out.implied_by = [f"{', '.join(names)} ({cited(ident)})" for ident, names in implied.items()]
    derives: list[str] = []
    for d in rel.derivations:
        if name in d.inputs:
            derives.append(d.fact)
    contrapositive: list[str] = []
    for m in rel.implications:
        if m.if_fact == name:
            derives.append(m.then_fact)
        if m.then_fact == name:
            contrapositive.append(m.if_fact)
    for other, fact in vocab.facts.items():
        if fact.derived and name in fact.derived.get("from", []):
            derives.append(other)
    if contrapositive:
        derives.append(f"when false: {', '.join(contrapositive)} false")
    out.derives = list(dict.fromkeys(derives))
    reason = rel.underived.get(name, "")
    out.underived = " ".join(reason.split())
    return out
