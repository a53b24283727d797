"""Comparisons with another drug checked against both drugs' own labels (issue 19 item 2).

A claim on a `vs_<drug>.<topic>` question ("baricitinib's thrombosis risk is higher than
tofacitinib's") cannot be checked by comparing sources of one drug: it speaks about two. Each such
claim is checked against the reference rulesets (role: reference) of its own drug and of the other
drug, where their patients meet the claim's (engine.analysis.overlap), by the rule schema/comparisons.yaml
states as data: which risk questions speak to the topic, which values warn, and what supports each
comparison value (a reference stating the comparison; for a likeness, also both labels warning).
Verdicts: supported_by_labels, not_supported (the labels speak to the topic but do not support the
value), labels_silent (neither drug's labels say anything on it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from engine.analysis.overlap import overlaps
from engine.contract import Vocabulary, validator
from engine.drugs import drug_of
from engine.model import Claim, Ruleset

SUPPORTED = "supported_by_labels"
NOT_SUPPORTED = "not_supported"
SILENT = "labels_silent"

COMPARISONS_FILE = Path(__file__).resolve().parent.parent / "schema" / "comparisons.yaml"


class ComparisonsError(ValueError):
    """schema/comparisons.yaml is unreadable or names what the vocabulary lacks (messages located by pointer)."""


@dataclass(frozen=True)
class Comparison:
    question: str
    other: str
    topic: str
    risks: tuple[str, ...]


@dataclass(frozen=True)
class Rules:
    """schema/comparisons.yaml, checked against the vocabulary."""

    comparisons: dict[str, Comparison]
    warns: frozenset[str]
    needs: dict[str, str]  # value -> stated | stated_or_both_warn
    inverse: dict[str, str]
    supported_by: dict[str, frozenset[str]]
    why: dict[str, str]

    def mirror(self, question: str, subject: str) -> str | None:
        """The question comparing `other` with `subject` on the same topic, when the vocabulary has one."""
        c = self.comparisons[question]
        for name, m in self.comparisons.items():
            if m.topic == c.topic and m.other == subject and name != question:
                return name
        return None


@dataclass(frozen=True)
class Evidence:
    """One reference claim a comparison was checked against."""

    drug: str
    claim: str
    source: str
    question: str
    value: Any
    citation: str

    def to_json(self) -> dict[str, Any]:
        return {
            "drug": self.drug,
            "claim": self.claim,
            "source": self.source,
            "question": self.question,
            "value": self.value,
            "citation": self.citation,
        }


@dataclass(frozen=True)
class ComparisonFinding:
    """A vs_ claim, its verdict, the reference claims of each drug it was checked against, and why."""

    claim: str
    source: str
    drug: str
    other: str
    question: str
    value: Any
    verdict: str
    reason: str
    checked: dict[str, tuple[Evidence, ...]] = field(default_factory=dict)  # drug -> evidence

    def to_json(self) -> dict[str, Any]:
        return {
            "claim": self.claim,
            "source": self.source,
            "drug": self.drug,
            "other": self.other,
            "question": self.question,
            "value": self.value,
            "verdict": self.verdict,
            "reason": self.reason,
            "checked": {d: [e.to_json() for e in ev] for d, ev in self.checked.items()},
        }


def problems(data: Any, vocab: Vocabulary) -> list[str]:
    """What is wrong with comparisons data, each message starting with its JSON pointer."""
    errors = sorted(
        validator("comparisons.schema.json").iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]
    )
    if errors:
        return ["/" + "/".join(str(p) for p in e.absolute_path) + ": " + e.message[:200] for e in errors[:20]]
    out: list[str] = []
    for name, c in data["comparisons"].items():
        if name not in vocab.questions:
            out.append(f"/comparisons/{name}: unknown question")
            continue
        for value in vocab.allowed_values(name):
            if value not in data["values"]:
                out.append(f"/comparisons/{name}: value {value} has no entry under /values")
        for i, risk in enumerate(c["risks"]):
            if risk not in vocab.questions:
                out.append(f"/comparisons/{name}/risks/{i}: unknown question {risk}")
            else:
                allowed = set(vocab.allowed_values(risk))
                out.extend(f"/warns: {w} is not a value of {risk}" for w in data["warns"] if w not in allowed)
    return out


def rules_from_data(data: Any, vocab: Vocabulary) -> Rules:
    found = problems(data, vocab)
    if found:
        raise ComparisonsError("comparisons.yaml " + "; ".join(found))
    values = data["values"]
    return Rules(
        {n: Comparison(n, c["other"], c["topic"], tuple(c["risks"])) for n, c in data["comparisons"].items()},
        frozenset(data["warns"]),
        {v: s["needs"] for v, s in values.items()},
        {v: s["inverse"] for v, s in values.items()},
        {v: frozenset(s["supported_by"]) for v, s in values.items()},
        {v: " ".join(s["why"].split()) for v, s in values.items()},
    )


@cache
def read_comparisons(path: Path = COMPARISONS_FILE) -> Any:
    """schema/comparisons.yaml as data (cached: treat it as read-only)."""
    from engine.loader import LoadError, load_file

    try:
        return load_file(path).data
    except LoadError as exc:
        raise ComparisonsError(exc.diagnostic.format()) from exc


def load_rules(vocab: Vocabulary, path: Path = COMPARISONS_FILE) -> Rules:
    return rules_from_data(read_comparisons(path), vocab)


def _citation(claim: Claim) -> str:
    c = claim.provenance.citation
    return c.text() if c is not None else f"“{claim.provenance.exact}”"


def _meets(claim: Claim, other: Claim, vocab: Vocabulary) -> bool:
    """Whether some patient is in both claims' `when` (undetermined counts as meeting: it is checked, not hidden)."""
    if claim.when is True or other.when is True:
        return True
    return overlaps(claim, [other], vocab) is not False


def comparison_findings(
    rulesets: Sequence[Ruleset], vocab: Vocabulary, rules: Rules | None = None
) -> list[ComparisonFinding]:
    """Each claim on a comparison question of `rulesets`, checked against both drugs' reference claims."""
    rules = rules or load_rules(vocab)
    refs: dict[str, list[Claim]] = {}
    for r in rulesets:
        if r.is_reference:
            refs.setdefault(drug_of(r, vocab), []).extend(r.claims)
    out: list[ComparisonFinding] = []
    for ruleset in rulesets:
        subject = drug_of(ruleset, vocab)
        for claim in ruleset.claims:
            if claim.question in rules.comparisons and isinstance(claim.value, str):
                out.append(_check(claim, subject, rules, refs, vocab))
    return sorted(out, key=lambda f: (f.drug, f.question, f.source, f.claim))


def _check(
    claim: Claim, subject: str, rules: Rules, refs: dict[str, list[Claim]], vocab: Vocabulary
) -> ComparisonFinding:
    comp = rules.comparisons[claim.question]
    value = claim.value
    mirror = rules.mirror(claim.question, subject)

    def relevant(drug: str, questions: set[str]) -> list[Claim]:
        return [
            c for c in refs.get(drug, []) if c.question in questions and c.id != claim.id and _meets(claim, c, vocab)
        ]

    stated_own = relevant(subject, {claim.question})
    stated_other = relevant(comp.other, {mirror}) if mirror else []
    topic = {d: relevant(d, set(comp.risks)) for d in (subject, comp.other)}
    warning = {d: [c for c in cs if c.value in rules.warns] for d, cs in topic.items()}

    checked: dict[str, list[Claim]] = {
        subject: stated_own + topic[subject],
        comp.other: stated_other + topic[comp.other],
    }
    evidence = {
        d: tuple(Evidence(d, c.id, c.source, c.question, c.value, _citation(c)) for c in cs)
        for d, cs in checked.items()
    }

    def finding(verdict: str, reason: str) -> ComparisonFinding:
        return ComparisonFinding(
            claim.id, claim.source, subject, comp.other, claim.question, value, verdict, reason, evidence
        )

    def said(drug: str) -> str:
        by_value: dict[str, list[str]] = {}
        for c in topic[drug]:
            by_value.setdefault(str(c.value), []).append(c.source)
        if not by_value:
            return f"{drug}: silent"
        return f"{drug}: " + ", ".join(f"{v} ({', '.join(sorted(set(s)))})" for v, s in sorted(by_value.items()))

    labels = f"{said(subject)}; {said(comp.other)}"
    supports = [c for c in stated_own if c.value in rules.supported_by.get(value, ())]
    supports += [c for c in stated_other if c.value == rules.inverse.get(value)]
    if supports:
        return finding(SUPPORTED, f"{supports[0].source} states the comparison as {supports[0].value}")
    stated = stated_own + stated_other
    both_warn = bool(warning[subject]) and bool(warning[comp.other])
    if rules.needs.get(value) == "stated_or_both_warn" and both_warn:
        return finding(SUPPORTED, f"both drugs' labels warn of {comp.topic} ({labels})")
    if not stated and not topic[subject] and not topic[comp.other]:
        return finding(SILENT, f"neither drug's reference rulesets say anything on {comp.topic}")
    if stated:
        states = ", ".join(sorted({f"{c.source} says {c.value}" for c in stated}))
        return finding(NOT_SUPPORTED, f"the labels state otherwise ({states}; {labels})")
    if rules.needs.get(value) == "stated":
        return finding(NOT_SUPPORTED, f"no label compares the two drugs on {comp.topic}, {value} needs that ({labels})")
    return finding(NOT_SUPPORTED, f"not both drugs' labels warn of {comp.topic} ({labels})")


def comparison_summary(findings: Sequence[ComparisonFinding]) -> str:
    """A text view: one line per finding, then the reference claims it was checked against."""
    if not findings:
        return "No comparisons with another drug."
    lines = []
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.verdict] = counts.get(f.verdict, 0) + 1
        lines.append(f"{f.verdict}: {f.claim} ({f.source}): {f.question} = {f.value}: {f.reason}")
        for drug, evidence in f.checked.items():
            for e in evidence:
                lines.append(f"    {drug}: {e.claim} {e.question} = {e.value} [{e.citation}]")
    tally = ", ".join(f"{counts[v]} {v}" for v in (SUPPORTED, NOT_SUPPORTED, SILENT) if v in counts)
    return f"{len(findings)} comparisons with another drug: {tally}\n" + "\n".join(lines)
