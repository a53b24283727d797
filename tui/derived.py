"""What the vocabulary derives for a patient, in the workbench's words (no relation is evaluated here).

Every value comes from the engine: engine.derive.derivation (formulas, then the relations of
schema/relations.yaml through engine.meaning.facts), engine.meaning.facts.check (the W504 warnings
`accord validate` gives) and engine.meaning.facts.relations (the parsed relations, read generically
to say which facts a fact is derived from, implied by or derives: engine.meaning.lineage). This module only groups and
words them, so the patients screen, the facts dialog, the pickers and the explain modal agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.contract import vocabulary
from engine.explain import show_value as show
from engine.meaning.lineage import short_title
from engine.patient_ranges import RANGE_CODE
from engine.range_warnings import RELATION_CODE

if TYPE_CHECKING:
    from engine.contract import Vocabulary
    from engine.meaning.facts import Definition


def definition_of(ident: str, vocab: Vocabulary | None = None) -> Definition | None:
    from engine.meaning.facts import relations

    return relations(vocab or vocabulary()).definitions.get(ident)


@dataclass(frozen=True)
class DerivedFact:
    """One fact the patient does not give: its value and how it was obtained (relation or formula)."""

    fact: str
    value: Any
    kind: str  # formula | derivation | implication | contrapositive
    relation: str  # relation id, or the formula's method
    definition: str  # definition id (relations.yaml), or the formula's method
    title: str  # the definition's short title, or the formula's method
    citation: str
    inputs: dict[str, Any]

    @property
    def basis(self) -> str:
        """The definition id (or formula) the value rests on, as shown beside the fact."""
        return self.definition if self.kind != "formula" else self.title

    def inputs_text(self, sep: str = " ") -> str:
        return ", ".join(f"{k}{sep}{show(v)}" for k, v in self.inputs.items())


@dataclass(frozen=True)
class FactWarning:
    """A value the engine refuses (W502) or a relation the given facts break (W504), at one fact."""

    code: str
    fact: str
    message: str


@dataclass
class PatientFacts:
    """A patient's given facts, what the vocabulary derives from them, and the warnings on them."""

    given: dict[str, Any]
    derived: list[DerivedFact] = field(default_factory=list)
    warnings: list[FactWarning] = field(default_factory=list)

    def warnings_at(self, fact: str) -> list[FactWarning]:
        return [w for w in self.warnings if w.fact == fact]

    def groups(self) -> list[list[DerivedFact]]:
        """Derived facts with the same basis and inputs together (pregnant, breastfeeding, ... from sex male)."""
        out: list[list[DerivedFact]] = []
        index: dict[tuple[str, str, str], int] = {}
        for d in self.derived:
            key = (d.kind, d.basis, repr(sorted(d.inputs.items(), key=lambda kv: kv[0])))
            if key in index:
                out[index[key]].append(d)
            else:
                index[key] = len(out)
                out.append([d])
        return out


def patient_facts(facts: dict[str, Any], vocab: Vocabulary | None = None) -> PatientFacts:
    """The given facts, every derived one (engine.derive) and the W502/W504 warnings, as `accord validate` finds them."""
    from engine.derive import derivation
    from engine.meaning.facts import check

    vocab = vocab or vocabulary()
    typed = {k: v for k, v in facts.items() if k in vocab.facts}
    result = derivation(typed, vocab)
    out = PatientFacts(dict(facts))
    for item in result.listed():
        name = item["fact"]
        if item["kind"] == "formula":
            spec = vocab.facts[name].derived or {}
            method = str(spec.get("method") or item["relation"])
            out.derived.append(
                DerivedFact(
                    name, item["value"], "formula", method, method, method, str(item["relation"]), item["inputs"]
                )
            )
            continue
        d = definition_of(str(item["definition"]), vocab)
        title = short_title(d) if d is not None else str(item["definition"])
        out.derived.append(
            DerivedFact(
                name,
                item["value"],
                str(item["kind"]),
                str(item["relation"]),
                str(item["definition"]),
                title,
                str(item["citation"]),
                dict(item["inputs"]),
            )
        )
    for refusal in result.refused:
        out.warnings.append(FactWarning(RANGE_CODE, refusal.fact, refusal.message()))
    by_relation = {d.fact for d in result.relations}
    given = {k: v for k, v in result.facts.items() if k not in by_relation}  # what validate checks (W504)
    for violation in check(given, vocab):
        out.warnings.append(FactWarning(RELATION_CODE, violation.fact, violation.message))
    return out
