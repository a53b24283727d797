"""Evaluate a patient against every source: which claims apply, and what each source answers.

For one source and one question the answer is:

* answered      the values of the claims that apply combine into one answer: one
                value, or on a question whose shape (schema/shapes.yaml) lets answers
                accumulate, on different axes or under different qualifiers, several
                (all of them); restrictions on an order stack, and a value implied by a
                more precise one is subsumed by it;
* conflicting   the source's applicable claims give values that contradict;
* indeterminate a claim that could change the answer needs a fact the patient
                lacks (named in `missing`); a missing fact is never 0 or false;
* silent        no claim applies.

Claims are compiled once (engine.jsonlogic, Accord semantics: Kleene logic
over missing facts) and cached by rule content.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from engine.derive import derivation
from engine.jsonlogic import UNKNOWN, RuleError, compiler, truthy
from engine.meaning.questions import resolve_keys
from engine.model import Claim, Ruleset, value_key
from engine.rules import facts_used

if TYPE_CHECKING:
    from engine.contract import Vocabulary
    from engine.reportdata import AnswerData, AnswerStatus, ValueGroupData

ANSWERED, CONFLICTING, INDETERMINATE, SILENT = "answered", "conflicting", "indeterminate", "silent"


@dataclass(frozen=True)
class ClaimOutcome:
    """Whether one claim applies to a patient: True, False or None (unknown), and why."""

    claim: Claim
    applies: bool | None
    missing: tuple[str, ...] = ()
    error: str | None = None


class ValueGroup(NamedTuple):
    """One value a source gives, with the claims giving it; `key` is the claims' answer key (value and qualifiers).

    A named tuple, not a dataclass: region analysis builds one per value per
    cell class (tens of thousands), and tuple construction is several times
    cheaper. Callers pass the claim's cached value_key.
    """

    value: Any
    claims: tuple[str, ...]
    key: str
    qualifiers: dict[str, str] | None = None  # the claims' qualifiers (jurisdiction), when they carry any

    def to_json(self) -> ValueGroupData:
        data: ValueGroupData = {"value": self.value, "claims": list(self.claims)}
        if self.qualifiers:
            data["qualifiers"] = dict(self.qualifiers)
        return data

    def text(self) -> str:
        """The value in words, with its qualifiers: 'approved (jurisdiction US)'."""
        return value_text(self.value, self.qualifiers)


@dataclass(frozen=True)
class Answer:
    """What one source answers to one question for one patient."""

    source: str
    question: str
    status: str
    values: tuple[ValueGroup, ...] = ()
    missing: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    subsumed: tuple[ValueGroup, ...] = ()  # values the answer overrides (a lesser restriction) or makes precise

    @property
    def value(self) -> Any:
        """The first value of an answered question (`values` holds all of them when the answer accumulates)."""
        return self.values[0].value if self.status == ANSWERED else None

    def to_json(self) -> AnswerData:
        data: AnswerData = {
            "source": self.source,
            "question": self.question,
            "status": cast("AnswerStatus", self.status),
            "values": [v.to_json() for v in self.values],
            "missing": list(self.missing),
        }
        if self.errors:
            data["errors"] = list(self.errors)
        if self.subsumed:
            data["subsumed"] = [v.to_json() for v in self.subsumed]
        return data

    def summary(self) -> str:
        """One short human line: the value, or the status with what is missing (answer_text)."""
        return answer_text(
            self.status, [v.value for v in self.values], self.missing, [v.qualifiers for v in self.values]
        )


def answer_text(
    status: str,
    values: Sequence[Any],
    missing: Sequence[str] = (),
    qualifiers: Sequence[dict[str, str] | None] = (),
) -> str:
    """An answer in words, the one renderer: for an Answer, its JSON (report.json answers) and expectations.

    answered: the value, or every value joined by ' + ' when the answer holds
    several; conflicting: the values joined by |; indeterminate: with the
    missing facts; silent: the word. Qualifiers follow their value in brackets.
    """
    texts = [value_text(v, qualifiers[i] if i < len(qualifiers) else None) for i, v in enumerate(values)]
    if status == ANSWERED:
        return " + ".join(texts)
    if status == CONFLICTING:
        return "conflicting: " + " | ".join(texts)
    if status == INDETERMINATE:
        return "indeterminate (missing " + ", ".join(missing) + ")"
    return SILENT


def answer_data_text(answer: AnswerData) -> str:
    """answer_text of an answer as report.json holds it."""
    return answer_text(
        answer["status"],
        [v["value"] for v in answer["values"]],
        answer["missing"],
        [v.get("qualifiers") for v in answer["values"]],
    )


def value_text(value: Any, qualifiers: dict[str, str] | None = None) -> str:
    """format_value, then the qualifiers: 'approved (jurisdiction US)'."""
    text = format_value(value)
    if qualifiers:
        text += " (" + ", ".join(f"{k} {v}" for k, v in sorted(qualifiers.items())) + ")"
    return text


def format_value(value: Any) -> str:
    """'2 mg every 1 day' style text for regimens; plain text for the rest."""
    if isinstance(value, dict) and "mg" in value:
        every = value.get("every_days", 1)
        times = value.get("times_daily", 1)
        per_day = {1: "once", 2: "twice", 3: "three times"}.get(times, f"{times} times")
        text = f"{value['mg']:g} mg " + (f"{per_day} daily" if every == 1 else f"every {every} days")
        if every != 1 and times != 1:
            text += f", {per_day} a day"
        if "max_days" in value:
            text += f" for up to {value['max_days']} days"
        return text
    if isinstance(value, dict) and "one_of" in value:
        return " or ".join(format_value(v) for v in value["one_of"])
    if isinstance(value, str):
        return value
    return value_key(value)


def evaluate_claim(claim: Claim, facts: dict[str, Any]) -> ClaimOutcome:
    """Does `claim` apply to a patient with `facts`? Unknown when a needed fact is missing."""
    try:
        result = claim.test(facts)
    except RuleError as exc:
        return ClaimOutcome(claim, None, error=f"{claim.id}: {exc}")
    if result is UNKNOWN:
        return ClaimOutcome(claim, None, tuple(dict.fromkeys(deciding_missing_facts(claim.when, facts))))
    return ClaimOutcome(claim, truthy(result))


def deciding_missing_facts(rule: Any, facts: dict[str, Any]) -> list[str]:
    """The missing facts that leave `rule` unknown: only those under unknown branches.

    In `crcl > 60 and (not hepatic_impairment or child_pugh != "C")` with
    hepatic_impairment false and both others missing, only crcl is named:
    supplying child_pugh would not decide anything.
    """
    try:
        if compiler("accord").compile(rule)(facts) is not UNKNOWN:
            return []
    except RuleError:
        return []
    if isinstance(rule, dict) and len(rule) == 1:
        ((op, args),) = rule.items()
        if op in ("and", "or", "!", "!!", "if", "?:"):
            children = args if isinstance(args, list) else [args]
            found = [name for child in children for name in deciding_missing_facts(child, facts)]
            if found:
                return found
    return [name for name in facts_used(rule) if facts.get(name) is None]


def resolve(
    question: str, groups: tuple[ValueGroup, ...], vocab: Vocabulary | None = None
) -> tuple[str, tuple[ValueGroup, ...], tuple[ValueGroup, ...]]:
    """(status, values, subsumed) for the value groups of the claims that apply.

    How they combine is the question's shape (schema/shapes.yaml, read by
    engine.meaning.questions.resolve_keys): restrictions on an order stack
    (initiation's scale: use_with_caution < ... < contraindicated; the most
    restrictive is the answer, the others are subsumed; the unrestricted
    recommended with any restriction contradicts), a value implied by a more
    precise one is subsumed by it, a `many` question's values accumulate, values on
    different axes or under qualifiers that are not compared never meet. What is
    left contradicting makes the answer conflicting, with every value.
    """
    if not groups:
        return SILENT, (), ()
    if len(groups) == 1:
        return ANSWERED, groups, ()
    combined = resolve_keys(question, [g.key for g in groups], vocab)
    if combined.conflicting:
        return CONFLICTING, groups, ()
    kept = tuple(groups[i] for i in combined.kept)
    subsumed = tuple(groups[i] for i in combined.subsumed)
    return ANSWERED, kept, subsumed


def combine(source: str, question: str, outcomes: Iterable[ClaimOutcome], vocab: Vocabulary | None = None) -> Answer:
    """Fold the outcomes of one source's claims on one question into an Answer."""
    applied: dict[str, list[Claim]] = {}
    unknown: list[ClaimOutcome] = []
    errors: list[str] = []
    for outcome in outcomes:
        if outcome.error:
            errors.append(outcome.error)
        if outcome.applies is True:
            applied.setdefault(outcome.claim.value_key, []).append(outcome.claim)
        elif outcome.applies is None:
            unknown.append(outcome)
    return fold(source, question, applied, unknown, tuple(errors), vocab)


def fold(
    source: str,
    question: str,
    applied: dict[str, list[Claim]],
    unknown: list[ClaimOutcome],
    errors: tuple[str, ...] = (),
    vocab: Vocabulary | None = None,
) -> Answer:
    """combine() after sorting: the claims that apply grouped by value key, and the unknown ones.

    Region analysis calls it directly with claims read off bit masks, without
    building an outcome per applying claim.
    """
    groups = tuple(
        ValueGroup(claims[0].value, tuple(c.id for c in claims), key, claims[0].qualifiers or None)
        for key, claims in applied.items()
    )
    status, values, subsumed = resolve(question, groups, vocab)
    if status == CONFLICTING:
        return Answer(source, question, CONFLICTING, values, errors=errors)
    # An unknown claim matters only if, were it to apply, the answer (every value of it) would change.
    settled = (status, tuple(v.key for v in values))
    deciding = []
    for o in unknown:
        if o.claim.value_key in applied:
            continue
        extra = ValueGroup(o.claim.value, (o.claim.id,), o.claim.value_key, o.claim.qualifiers or None)
        what_if = resolve(question, groups + (extra,), vocab)
        if (what_if[0], tuple(v.key for v in what_if[1])) != settled:
            deciding.append(o)
    if deciding:
        missing = tuple(dict.fromkeys(name for o in deciding for name in o.missing))
        return Answer(source, question, INDETERMINATE, values, missing, errors, subsumed)
    return Answer(source, question, status, values, errors=errors, subsumed=subsumed)


def answer(ruleset: Ruleset, question: str, facts: dict[str, Any]) -> Answer:
    """What `ruleset`'s source answers to `question` for a patient (facts already derived)."""
    return combine(ruleset.source_id, question, (evaluate_claim(c, facts) for c in ruleset.claims_for(question)))


@dataclass
class PatientEvaluation:
    """Every source's answers for one patient, with the facts used (derived ones marked).

    `derived` maps each derived fact to one line; `derivations` lists them structured (value,
    formula or relation, definition, citation, inputs), as engine.derive reports them.
    """

    patient: str
    facts: dict[str, Any]
    derived: dict[str, str] = field(default_factory=dict)
    answers: list[Answer] = field(default_factory=list)
    derivations: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "patient": self.patient,
            "facts": self.facts,
            "derived": self.derived,
            "derivations": self.derivations,
            "answers": [a.to_json() for a in self.answers],
        }

    def get(self, source: str, question: str) -> Answer | None:
        return next((a for a in self.answers if a.source == source and a.question == question), None)


def evaluate_patient(
    rulesets: list[Ruleset], facts: dict[str, Any], patient_id: str = "patient", questions: Iterable[str] | None = None
) -> PatientEvaluation:
    """Answers of every source to every question it addresses (or to `questions`), on the derived facts."""
    result = derivation(facts)
    wanted = list(questions) if questions is not None else None
    answers = []
    for ruleset in rulesets:
        for question in wanted if wanted is not None else ruleset.questions:
            answers.append(answer(ruleset, question, result.facts))
    return PatientEvaluation(patient_id, result.facts, result.how, answers, result.listed())
