"""Why a source answers what it does for a patient: a deterministic trace of every claim.

For one source and one question, each claim is shown applied, not applied or
unknown, with every condition of its rule marked held, failed or unknown
against the patient's actual values, the verbatim quote and the claim's
review status. The same trace backs `accord explain` and the workbench.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.derive import derivation
from engine.describe import describe
from engine.evaluate import Answer, ClaimOutcome, combine, evaluate_claim, format_value
from engine.jsonlogic import UNKNOWN, RuleError, compiler, truthy
from engine.model import Claim, Ruleset
from engine.rules import facts_used
from engine.textsafe import escape_controls

HELD, FAILED, UNKNOWN_STATE = "held", "failed", "unknown"
_MARK = {HELD: "✓", FAILED: "✗", UNKNOWN_STATE: "?"}


@dataclass(frozen=True)
class ConditionTrace:
    """One node of a rule: its words, whether it held, the facts it read, and its parts."""

    text: str
    state: str
    values: dict[str, Any] = field(default_factory=dict)
    parts: tuple[ConditionTrace, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"condition": self.text, "state": self.state, "values": self.values}
        if self.parts:
            data["parts"] = [p.to_json() for p in self.parts]
        return data

    def lines(self, indent: int = 0) -> list[str]:
        shown = ", ".join(f"{k} = {show_value(v)}" for k, v in self.values.items())
        line = f"{'  ' * indent}{_MARK[self.state]} {self.text}" + (f"   ({shown})" if shown and not self.parts else "")
        out = [line]
        for part in self.parts:
            out.extend(part.lines(indent + 1))
        return out


@dataclass(frozen=True)
class ClaimTrace:
    claim: Claim
    outcome: ClaimOutcome
    condition: ConditionTrace

    @property
    def state(self) -> str:
        return {True: "applied", False: "not applied", None: "unknown"}[self.outcome.applies]

    def to_json(self) -> dict[str, Any]:
        return {
            "claim": self.claim.id,
            "state": self.state,
            "value": self.claim.value,
            "status": self.claim.status,
            "missing": list(self.outcome.missing),
            "error": self.outcome.error,
            "condition": self.condition.to_json(),
            "quote": self.claim.provenance.exact,
        }


@dataclass(frozen=True)
class Explanation:
    source: str
    question: str
    facts: dict[str, Any]
    derived: dict[str, str]
    answer: Answer
    claims: tuple[ClaimTrace, ...]
    derivations: tuple[dict[str, Any], ...] = ()  # each derived fact: value, relation, definition, citation, inputs

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "question": self.question,
            "facts": self.facts,
            "derived": self.derived,
            "derivations": list(self.derivations),
            "answer": self.answer.to_json(),
            "claims": [c.to_json() for c in self.claims],
        }


def show_value(value: Any) -> str:
    """A fact value as traces write it (true/false, 45 not 45.0, missing): one wording for CLI and workbench."""
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def trace_condition(rule: Any, facts: dict[str, Any]) -> ConditionTrace:
    """Evaluate `rule` node by node, so each condition shows whether it held and with which values."""
    parts: tuple[ConditionTrace, ...] = ()
    if isinstance(rule, dict) and len(rule) == 1:
        ((op, args),) = rule.items()
        if op in ("and", "or", "!") and isinstance(args, (list, dict)):
            children = args if isinstance(args, list) else [args]
            parts = tuple(trace_condition(child, facts) for child in children)
    try:
        result = compiler("accord").compile(rule)(facts)
    except RuleError:
        result = UNKNOWN
    state = UNKNOWN_STATE if result is UNKNOWN else (HELD if truthy(result) else FAILED)
    values = {name: facts.get(name) for name in facts_used(rule)}
    return ConditionTrace(describe(rule), state, values, parts)


def explain(ruleset: Ruleset, question: str, facts: dict[str, Any]) -> Explanation:
    """The full trace of `ruleset`'s claims on `question` for a patient with `facts`."""
    derived = derivation(facts)
    all_facts = derived.facts
    traces = []
    outcomes = []
    for claim in ruleset.claims_for(question):
        outcome = evaluate_claim(claim, all_facts)
        outcomes.append(outcome)
        traces.append(ClaimTrace(claim, outcome, trace_condition(claim.when, all_facts)))
    result = combine(ruleset.source_id, question, outcomes)
    return Explanation(
        ruleset.source_id, question, all_facts, derived.how, result, tuple(traces), tuple(derived.listed())
    )


def _claim_lines(trace: ClaimTrace) -> list[str]:
    claim = trace.claim
    lines = [f"[{trace.state}] {claim.id} → {format_value(claim.value)}   (review: {claim.status})"]
    lines.extend("    " + line for line in trace.condition.lines())
    if trace.outcome.missing:
        lines.append(f"    missing: {', '.join(trace.outcome.missing)}")
    if trace.outcome.error:
        lines.append(f"    error: {trace.outcome.error}")
    said = "cited" if claim.provenance.citation is not None else "quote"
    shown = claim.provenance.exact if said == "cited" else f"“{claim.provenance.exact}”"
    lines += [f"    {said}: {shown}", ""]
    return lines


def resolution_text(answer: Answer, applied: list[ClaimTrace]) -> str:
    """How the applying claims became the answer: one value, several accumulated, one over others, a contradiction."""
    if not applied:
        return ""
    values = {format_value(t.claim.value) for t in applied}
    if answer.status == "conflicting":
        return f"resolved: conflicting: the {len(applied)} applying claims give values that contradict ({', '.join(sorted(values))})"
    if answer.status == "indeterminate":
        return "resolved: indeterminate: a claim that could change the answer needs a missing fact (below)"
    if answer.subsumed:
        over = ", ".join(format_value(v.value) for v in answer.subsumed)
        return f"resolved: {answer.summary()} over {over} (the question's shape: schema/shapes.yaml)"
    if len(values) > 1:
        return f"resolved: {answer.summary()}: the values accumulate (the question's answers add up)"
    return f"resolved: {answer.summary()}" + (f" ({len(applied)} claims agree)" if len(applied) > 1 else "")


def explain_text(ruleset: Ruleset, question: str, facts: dict[str, Any]) -> str:
    """The trace as plain text, for the terminal and the workbench (control characters escaped)."""
    ex = explain(ruleset, question, facts)
    summary = ex.answer.summary()
    headline = summary if summary.startswith(ex.answer.status) else f"{ex.answer.status}: {summary}"
    lines = [f"{ex.source} on {ex.question}: {headline}", ""]
    if ex.derived:
        for name, how in ex.derived.items():
            lines.append(f"derived {name} = {show_value(ex.facts[name])} by {how}")
        lines.append("")
    if not ex.claims:
        lines.append(f"{ex.source} has no claim on {ex.question}: it is silent.")
    applied = [t for t in ex.claims if t.state == "applied"]
    unknown = [t for t in ex.claims if t.state == "unknown"]
    rest = [t for t in ex.claims if t.state == "not applied"]
    for trace in applied:
        lines.extend(_claim_lines(trace))
    resolved = resolution_text(ex.answer, applied)
    if resolved:
        lines += [resolved, ""]
    if unknown:
        lines += [
            f"{len(unknown)} claim{'s' if len(unknown) != 1 else ''} could apply, if the facts they miss were known:",
            "",
        ]
        for trace in unknown:
            lines.extend(_claim_lines(trace))
    if rest:  # folded: one line each, the condition that failed is in --format json and the workbench
        lines.append(f"{len(rest)} claim{'s' if len(rest) != 1 else ''} did not apply:")
        for trace in rest:
            lines.append(f"  {trace.claim.id} → {format_value(trace.claim.value)}   (when {trace.condition.text})")
        lines.append("")
    return "\n".join(escape_controls(line) for line in lines).rstrip() + "\n"
