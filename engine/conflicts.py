"""Conflicts: region-analysis findings made reviewable (ids, regions in words, witnesses).

A conflict's id is `C-` + the first 10 hex digits of sha256 over its kind, its
question and the sorted ids of the claims involved -- never over cell
boundaries -- so adding an unrelated claim keeps every existing id. Findings
that share an id are merged.

Each conflict carries a witness: a concrete patient inside the region, with
only the facts that matter plus those the sources need to answer. Every
witness is checked with engine.evaluate (the code `accord eval` runs) before
it is reported, so it reproduces by construction.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from engine.analysis.driver import ConstrainedQuestion, analyse
from engine.analysis.linked import LinkFinding
from engine.analysis.model import (
    BETWEEN,
    BOUNDARY,
    GAP,
    KIND_RANK,
    MAX_BYTES,
    MAX_CELLS,
    MAX_FINDINGS,
    MAX_WORK,
    WITHIN,
    Analysis,
    Finding,
    RegionCells,
    conflict_id,
    finding_order,
)
from engine.analysis.partition import Partition
from engine.analysis.witness import nearest_typical
from engine.contract import Vocabulary, vocabulary
from engine.derive import derive_facts
from engine.evaluate import combine, evaluate_claim, format_value, value_text
from engine.findings import claim_json, group_findings
from engine.gcpause import gc_paused
from engine.jsonlogic.shapes import Required, required_texts, ruled_out
from engine.meaning.facts import check
from engine.meaning.questions import PRECISION as RELATES_BY_PRECISION
from engine.meaning.questions import REFINES, relate_value_sets, using
from engine.model import QUALIFIER_SEP, Claim, Ruleset, answer_key
from engine.reference import DEVIATES, LABEL_DIFFERENCE, judge
from engine.reportdata import SEVERITY_RANK
from engine.rules import facts_used
from engine.words import contains_text

if TYPE_CHECKING:
    from engine.reportdata import ConflictData

# Two sources' answers that are compatible, one more precise (schema/shapes.yaml `implies`): a note, never a
# conflict. report.json lists them under precision_notes; they need no disposition and never fail --check.
PRECISION = "precision"
# A deviation from a reference comes first at its severity (issue 16: severity, then deviation from a reference).


# ---------------------------------------------------------------- regions in words


def _num(x: Any) -> str:
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def numeric_constraint(part: Partition, lo_i: int, hi_i: int) -> dict[str, Any]:
    """The hull of cells lo_i..hi_i of a numeric partition, as bounds and text."""
    low, high = part.cells[lo_i], part.cells[hi_i]
    name = part.fact
    out: dict[str, Any] = {
        "fact": name,
        "low": low.low,
        "low_inclusive": low.low_closed,
        "high": high.high,
        "high_inclusive": high.high_closed,
    }
    if low.low == high.high:
        out["text"] = f"{name} = {_num(low.low)}"
        return out
    rng = part.range or (None, None)
    has_low = not (low.low == rng[0] and low.low_closed)
    has_high = not (high.high == rng[1] and high.high_closed)
    if has_low and has_high:
        out["text"] = (
            f"{_num(low.low)} {'<=' if low.low_closed else '<'} {name} {'<=' if high.high_closed else '<'} {_num(high.high)}"
        )
    elif has_low:
        out["text"] = f"{name} {'>=' if low.low_closed else '>'} {_num(low.low)}"
    elif has_high:
        out["text"] = f"{name} {'<=' if high.high_closed else '<'} {_num(high.high)}"
    else:
        out["text"] = f"{name} anywhere in {_num(rng[0])}..{_num(rng[1])}"
    return out


def describe_region(region: RegionCells) -> dict[str, Any]:
    """Per fact the hull of the region's values (facts it does not constrain are left out)."""
    constraints = []
    for name in sorted(region.indices):
        idx = region.indices[name]
        part = region.partitions[name]
        if len(idx) == len(part.cells):
            continue
        if part.type == "number":
            constraints.append(numeric_constraint(part, idx[0], idx[-1]))
            continue
        values = [part.cells[i].value for i in idx]
        shown = ["true" if v is True else "false" if v is False else str(v) for v in values]
        text = f"{name} = {shown[0]}" if len(values) == 1 else f"{name} in {{{', '.join(shown)}}}"
        constraints.append({"fact": name, "values": values, "text": text})
    text = " and ".join(c["text"] for c in constraints) or "every patient"
    out = {"text": text, "box": region.box, "cells": region.count, "constraints": constraints}
    if not region.box:
        out["note"] = "these bounds enclose the region, but not every patient within them is in it"
    return out


# ---------------------------------------------------------------- witnesses


class Answers:
    """engine.evaluate.answer for witnesses, remembered per source by the facts its claims read.

    A source's answer depends only on the values (or absence) of the facts its
    claims on the question read, and 2,000 witnesses of one pair of sources
    take few distinct values of those: 300 x 300 bands re-evaluated 1.2 M claims
    (20 s) where 600 answers suffice. The answers are those `accord eval` gives.
    """

    def __init__(self, rulesets: dict[str, Ruleset]) -> None:
        self.rulesets = rulesets
        self._claims: dict[tuple[str, str], tuple[list[tuple[Claim, Required]], tuple[str, ...]]] = {}
        self._memo: dict[tuple[Any, ...], dict[str, Any]] = {}

    def _of(self, source: str, question: str) -> tuple[list[tuple[Claim, Required]], tuple[str, ...]]:
        key = (source, question)
        if key not in self._claims:
            claims = self.rulesets[source].claims_for(question)
            self._claims[key] = (
                [(c, required_texts(c.when)) for c in claims],
                tuple(sorted({n for c in claims for n in c.facts})),
            )
        return self._claims[key]

    def __call__(self, sources: tuple[str, ...], question: str, facts: dict[str, Any]) -> list[dict[str, Any]]:
        all_facts, _ = derive_facts(facts)
        out = []
        for s in sources:
            claims, used = self._of(s, question)
            key = (s, question, tuple((n, type(all_facts.get(n)).__name__, repr(all_facts.get(n))) for n in used))
            if key not in self._memo:
                # A claim whose rule needs another value of an enum fact is false here: it adds nothing to the
                # answer, so it is neither compiled nor evaluated (of 1,000 claims per source on the synthetic
                # corpus, a witness reaches a few dozen; compiling all of them was most of this step).
                outcomes = (evaluate_claim(c, all_facts) for c, needs in claims if not ruled_out(needs, all_facts))
                self._memo[key] = combine(s, question, outcomes).to_json()
            out.append(copy.deepcopy(self._memo[key]))
        return out


def minimal_witness(
    rulesets: dict[str, Ruleset], finding: Finding, constrained: set[str], answers: Answers | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The witness cell's patient with every unconstrained fact dropped that the answers do not need."""
    ask = answers or Answers(rulesets)
    facts, expected = typical_witness(finding, ask)
    return drop_unneeded(finding, facts, expected, constrained, ask), expected


def typical_witness(finding: Finding, ask: Answers) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The witness cell's whole patient, each number moved nearest its typical value where the answers stay."""
    facts = dict(finding.region.witness)
    expected = _ask_all(ask, finding, facts)
    vocab = vocabulary()
    for name in sorted(facts):  # a patient a clinician meets: each number nearest its typical value in its cell
        part = finding.region.partitions.get(name)
        fact = vocab.facts.get(name)
        if part is None or fact is None:
            continue
        moved = nearest_typical(part, facts[name], fact.typical)
        if moved != facts[name]:
            trial = {**facts, name: moved}
            if _ask_all(ask, finding, trial) == expected and not check(trial, vocab):
                facts = trial
    return facts, expected


def drop_unneeded(
    finding: Finding, facts: dict[str, Any], expected: list[dict[str, Any]], constrained: set[str], ask: Answers
) -> dict[str, Any]:
    """`facts` without each unconstrained fact the answers do not need, as long as it stays a real patient."""
    vocab = vocabulary()
    for name in sorted(facts, key=lambda n: (n in constrained, n)):
        if name in constrained:
            continue
        trial = {k: v for k, v in facts.items() if k != name}
        if _ask_all(ask, finding, trial) == expected and not check(trial, vocab):  # stays a real patient
            facts = trial
    return dict(sorted(facts.items()))


def _questions(finding: Finding) -> tuple[str, ...]:
    """The questions a finding's answers are on: both of a cross-question link's, else its one."""
    return finding.questions if isinstance(finding, LinkFinding) else (finding.question,)


def _ask_all(ask: Answers, finding: Finding, facts: dict[str, Any]) -> list[dict[str, Any]]:
    """Every answer the finding shows at `facts`: each source on each of its questions."""
    return [a for q in _questions(finding) for a in ask(finding.sources, q, facts)]


# ---------------------------------------------------------------- conflicts


@dataclass
class Conflict:
    id: str
    kind: str
    question: str
    severity: str
    sources: list[str]
    claims: list[dict[str, Any]]
    region: dict[str, Any]
    witness: dict[str, Any]
    answers: list[dict[str, Any]]
    description: str
    notes: list[str] = field(default_factory=list)
    fact: str | None = None
    threshold: Any = None
    questions: list[str] | None = None  # a broken cross-question link: both questions (`question` is the first)
    link: dict[str, str] | None = None  # and the link: id, message (schema/links.yaml)
    reference: str | None = None  # a deviation's reference source (engine.reference)
    # A finding grouped by cause (engine.findings): every region with its witness, each side's claims and value.
    regions: list[dict[str, Any]] | None = None
    sides: list[dict[str, Any]] | None = None
    silent: str | None = None  # an omission: the source that does not address the fact
    unaddressed: list[str] | None = None  # and the fact
    # A within-source conflict where one claim's region lies inside another's (a band inside a band): [inner, outer].
    contains: list[list[str]] | None = None
    # The region's whole witness cell before facts were dropped: engine.findings varies one fact of it (not in JSON).
    cell_facts: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "question": self.question,
            "severity": self.severity,
            "sources": self.sources,
            "description": self.description,
            "claims": self.claims,
            "region": self.region,
            "witness": {"facts": self.witness},
            "answers": self.answers,
            "notes": self.notes,
        }
        if self.fact is not None:
            data["fact"] = self.fact
        if self.threshold is not None:
            data["threshold"] = self.threshold
        if self.questions is not None:
            data["questions"] = self.questions
        if self.link is not None:
            data["link"] = self.link
        if self.reference is not None:
            data["reference"] = self.reference
        for key in ("regions", "sides", "silent", "unaddressed", "contains"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data

    @property
    def sort_key(self) -> tuple[Any, ...]:
        regions = self.regions or [{"id": self.id, "region": self.region}]  # as _rank orders before grouping
        return finding_order(self.severity, self.kind, regions, self.question, self.sources, self.id)


def _measure_note(claims: list[Claim], vocab: Vocabulary) -> list[str]:
    by_measure: dict[str, set[str]] = {}
    for claim in claims:
        for name in facts_used(claim.when):
            fact = vocab.facts.get(name)
            if fact is not None and fact.measure:
                by_measure.setdefault(fact.measure, set()).add(name)
    notes = []
    for measure, names in sorted(by_measure.items()):
        if len(names) > 1:
            notes.append(
                f"compared on patients carrying both {' and '.join(sorted(names))}; these measures are not equated ({measure})"
            )
    return notes


def _describe(
    finding: Finding,
    answers: list[dict[str, Any]],
    region_text: str,
    claims: dict[str, Claim],
    precise: tuple[str, str] | None = None,
) -> str:
    def said(a: dict[str, Any]) -> str:
        if a["status"] in ("answered", "conflicting"):
            return " and ".join(value_text(v["value"], v.get("qualifiers")) for v in a["values"])
        return a["status"]

    if isinstance(finding, LinkFinding):
        first, second = answers[0], answers[-1]
        return (
            f"{finding.sources[0]} answers {first['question']} {said(first)} but {second['question']} {said(second)} "
            f"where {region_text}; link {finding.link}: {finding.message}"
        )
    if finding.kind == WITHIN:
        text = f"{finding.sources[0]} gives different answers where {region_text}: {said(answers[0])}"
        return text + contains_text(contained(finding, claims))
    if finding.kind == GAP:
        ending = ", ".join(f"{c} ({format_value(claims[c].value)})" for c in finding.ending)
        beginning = ", ".join(f"{c} ({format_value(claims[c].value)})" for c in finding.beginning)
        there = (
            "is silent there"
            if answers[0]["status"] == "silent"
            else f"answers {said(answers[0])} there only through claims that span the hole"
        )
        return (
            f"{finding.sources[0]} leaves a hole along {finding.fact}: {ending} ends just below and {beginning} begins just above "
            f"{region_text}; the source {there}"
        )
    a, b = answers
    if finding.kind == PRECISION or precise is not None:
        finer, coarser = precise or ("", "")
        return (
            f"{a['source']} says {said(a)} and {b['source']} says {said(b)} where {region_text}: compatible, "
            f"{finer} is a kind of {coarser} (the answers differ in precision, not a conflict)"
        )
    text = f"{a['source']} says {said(a)} but {b['source']} says {said(b)} where {region_text}"
    if finding.kind == BOUNDARY:
        text += (
            f"; both use {finding.fact} {_num(finding.threshold)} as a threshold but put the point on different sides"
        )
    return text


def build_conflicts(
    rulesets: list[Ruleset], analysis: Analysis, vocab: Vocabulary | None = None, max_findings: int = MAX_FINDINGS
) -> list[Conflict]:
    """Turn findings into conflicts: merged by id, described, with checked witnesses.

    Only the first `max_findings` in report order are built (ordering needs no
    witness); when more were found, analysis.truncated says how many and why.
    """
    vocab = vocab or vocabulary()
    by_source = {r.source_id: r for r in rulesets}
    claims = {c.id: c for r in rulesets for c in r.claims}
    merged: dict[str, list[Finding]] = {}
    for qa in analysis.questions.values():
        for finding in qa.findings:
            merged.setdefault(conflict_id(finding.kind, finding.question, finding.claims), []).append(finding)
    # Findings the analysis did not locate (over the limit for one pair) are conflicts all the same: their
    # ids (between or boundary, which only the region would decide) keep their dispositions from being orphaned.
    cut_ids = {
        conflict_id(kind, qa.question, claims_of)
        for qa in analysis.questions.values()
        for claims_of in qa.findings_cut
        for kind in (BETWEEN, BOUNDARY)
    }
    # Broken links not located (over the limit for one source) are within-source conflicts of their first question.
    links_cut = [
        (qa.question, claims_of)
        for qa in analysis.questions.values()
        if isinstance(qa, ConstrainedQuestion)
        for claims_of in qa.links_cut
    ]
    cut_ids |= {conflict_id(WITHIN, question, claims_of) for question, claims_of in links_cut}
    cut = sum(len(qa.findings_cut) for qa in analysis.questions.values()) + len(links_cut)
    analysis.conflict_ids = frozenset(merged) | frozenset(cut_ids)
    analysis.truncated = None
    if len(merged) > max_findings or cut:
        kept = sorted(merged, key=lambda cid: _rank(merged, cid, vocab))[:max_findings]
        analysis.truncated = {"conflicts_found": len(merged) + cut, "max_findings": max_findings}
        merged = {cid: merged[cid] for cid in kept}
    merged = _within_witness_work(merged, analysis, rulesets, vocab, len(merged) + cut)
    out = []
    ask = Answers(by_source)
    # Witness checks compile the claims they evaluate (closures, generated functions) next to the analysis'
    # half a million live objects: each full collection walked them all, a third of this step (engine.gcpause).
    with gc_paused():
        for cid, findings in merged.items():
            # Same id: same kind, question and claims, in separate regions: each region is a conflict of its own
            # here, with its witness; engine.findings groups them (and the other regions of the same cause).
            findings.sort(key=lambda f: (-f.region.count, f.fact or ""))
            for finding in findings:
                out.append(_region_conflict(cid, finding, by_source, claims, vocab, analysis, ask))
        judged = judge(out, rulesets, ask, vocab)  # roles: deviations from a reference, label differences
        renamed = {c.id for c in out} - {c.id for c in judged.conflicts}
        analysis.conflict_ids = (analysis.conflict_ids - renamed) | {
            c.id for c in judged.conflicts if c.kind == DEVIATES
        }
        grouped = group_findings(judged.conflicts + judged.label_differences, rulesets, ask, vocab)
    # Dispositions are kept by finding id; a region's own id (the conflict id before grouping) still names it.
    analysis.conflict_ids = analysis.conflict_ids | {g.id for g in grouped}
    grouped.sort(key=lambda c: c.sort_key)
    return grouped


def _region_conflict(
    cid: str,
    finding: Finding,
    by_source: dict[str, Ruleset],
    claims: dict[str, Claim],
    vocab: Vocabulary,
    analysis: Analysis,
    ask: Answers,
) -> Conflict:
    """One region of a finding as a conflict: described, with its checked witness and the answers there."""
    question = vocab.questions.get(finding.question)
    region = describe_region(finding.region)
    constrained = {c["fact"] for c in region["constraints"]}
    whole, answers = typical_witness(finding, ask)
    witness = drop_unneeded(finding, whole, answers, constrained, ask)
    involved = [claims[c] for c in finding.claims]
    kind, precise = finding.kind, None
    if kind in (BETWEEN, BOUNDARY):
        precise = _precision(finding.question, answers, vocab)
        if precise is not None:
            kind = PRECISION
            analysis.conflict_ids = analysis.conflict_ids - {cid}
            cid = conflict_id(PRECISION, finding.question, finding.claims)
    return Conflict(
        id=cid,
        kind=kind,
        question=finding.question,
        severity="low" if kind == PRECISION else question.severity if question else "medium",
        sources=list(finding.sources),
        claims=[claim_json(c) for c in involved],
        region=region,
        witness=witness,
        answers=answers,
        description=_describe(finding, answers, region["text"], claims, precise),
        notes=_measure_note(involved, vocab),
        fact=finding.fact,
        threshold=finding.threshold,
        questions=list(finding.questions) if isinstance(finding, LinkFinding) else None,
        link={"id": finding.link, "message": finding.message} if isinstance(finding, LinkFinding) else None,
        cell_facts=whole,
        contains=[list(pair) for pair in contained(finding, claims)] or None,
    )


def contained(finding: Finding, claims: dict[str, Claim]) -> list[tuple[str, str]]:
    """A within-source finding's (inner, outer) claim pairs of different values where every patient the inner
    claim applies to, the outer one applies to as well (engine.analysis.satisfy): one band contains the other."""
    if finding.kind != WITHIN or isinstance(finding, LinkFinding) or len(finding.claims) > MAX_CONTAINED_CLAIMS:
        return []
    involved = [claims[c] for c in finding.claims if c in claims]
    key = tuple((c.id, c.value_key, json.dumps(c.when, sort_keys=True)) for c in involved)
    if key not in _CONTAINED:
        if len(_CONTAINED) > 1024:
            _CONTAINED.clear()
        _CONTAINED[key] = _contained(involved)
    return _CONTAINED[key]


_CONTAINED: dict[tuple[tuple[str, str, str], ...], list[tuple[str, str]]] = {}
# Pairs are compared one decision each (the claims' shared bit space is over its budget past a few hundred
# cells): 1,000 claims each above its own eGFR threshold took 83 s, 10,000 would take hours and name 25 M
# pairs. A finding of more claims than this says no containment.
MAX_CONTAINED_CLAIMS = 100


def _contained(involved: list[Claim]) -> list[tuple[str, str]]:
    from engine.analysis.satisfy import decide, regions

    vocab = vocabulary()
    found = regions([c.when for c in involved], vocab)
    pairs = []
    for i, inner in enumerate(involved):
        for j, outer in enumerate(involved):
            if i == j or inner.value_key == outer.value_key:
                continue
            if found is not None:
                inside = not found.empty(i) and found.inside(i, j)
            else:
                verdict = decide({"and": [inner.when, {"!": outer.when}]}, vocab)
                inside = verdict is not None and not verdict.satisfiable
            if inside and (outer.id, inner.id) not in pairs:  # equal regions: named once, in claim order
                pairs.append((inner.id, outer.id))
    return pairs


def _precision(question: str, answers: list[dict[str, Any]], vocab: Vocabulary) -> tuple[str, str] | None:
    """(the more precise value, the one it is a kind of) when two sources' answers at the witness differ only in
    precision (engine.meaning.questions.relate_value_sets), else None: a contradiction stays a conflict."""
    if len(answers) != 2 or any(a["status"] not in ("answered", "conflicting") for a in answers):
        return None
    keys = [[answer_key(v["value"], v.get("qualifiers")) for v in a["values"]] for a in answers]
    verdict, pairs = relate_value_sets(question, keys[0], keys[1], vocab)
    if verdict != RELATES_BY_PRECISION:
        return None
    x, y, rel = pairs[0]
    finer, coarser = (x, y) if rel == REFINES else (y, x)
    return _key_text(finer), _key_text(coarser)


def _key_text(key: str) -> str:
    value, _, quals = key.partition(QUALIFIER_SEP)
    return value_text(json.loads(value), json.loads(quals) if quals else None)


def _rank(merged: dict[str, list[Finding]], cid: str, vocab: Vocabulary) -> tuple[Any, ...]:
    """Report order before witnesses and grouping (Conflict.sort_key's, as far as the analysis knows it)."""
    findings = merged[cid]
    f = findings[0]
    q = vocab.questions.get(f.question)
    return (
        SEVERITY_RANK.get(q.severity if q else "medium", 9),
        KIND_RANK.get(f.kind, 9),
        -len(findings),
        -sum(x.region.count for x in findings),
        f.question,
        list(f.sources),
        cid,
    )


WITNESS_UNITS = 1000  # one claim evaluated for a witness, in the work units of engine.analysis.model.MAX_WORK


def _within_witness_work(
    merged: dict[str, list[Finding]], analysis: Analysis, rulesets: list[Ruleset], vocab: Vocabulary, found: int
) -> dict[str, list[Finding]]:
    """The conflicts whose witnesses fit what the analysis left of its work budget, first in report order.

    A witness evaluates every claim of its sources on the question once, then once
    more per fact it tries to drop: 1,600 conflicts of two 1,600-claim sources are
    15 M claim evaluations. Counted before any is built; the rest are cut under
    Truncated (max_work), as --max-findings cuts.
    """
    left = analysis.max_work - analysis.work
    per: dict[tuple[str, str], int] = {}
    for r in rulesets:
        for c in r.claims:
            per[(r.source_id, c.question)] = per.get((r.source_id, c.question), 0) + 1

    kept: list[str] = []
    for cid in sorted(merged, key=lambda cid: _rank(merged, cid, vocab)):
        cost = 0
        for f in merged[cid]:  # every region of the id gets its witness
            asked = sum(per.get((s, q), 0) for s in f.sources for q in _questions(f))
            cost += (1 + len(f.region.witness)) * asked * WITNESS_UNITS
        if cost > left:
            break
        left -= cost
        kept.append(cid)
    if len(kept) == len(merged):
        return merged
    analysis.truncated = {**(analysis.truncated or {"conflicts_found": found}), "max_work": analysis.max_work}
    return {cid: merged[cid] for cid in kept}


def find_conflicts(
    rulesets: list[Ruleset],
    vocab: Vocabulary | None = None,
    on_question: Callable[[str, int], None] | None = None,
    max_cells: int = MAX_CELLS,
    max_bytes: int = MAX_BYTES,
    max_findings: int = MAX_FINDINGS,
    max_work: int = MAX_WORK,
    jobs: int = 1,
) -> tuple[list[Conflict], Analysis]:
    """Region analysis plus conflict building: the whole of `accord conflicts` minus the report.

    Sources are compared only within a drug (engine.drugs): a project holding several drugs is
    analysed drug by drug, each with its own references, and the analyses merged. `jobs`: a drug's
    questions side by side (engine.analysis.questionjobs), the same results for any number."""
    from engine.drugs import by_drug, merge_analyses

    vocab = vocab or vocabulary()
    found: list[Conflict] = []
    parts: list[tuple[str, Analysis]] = []
    with using(vocab):  # every fold and comparison reads this vocabulary's question shapes
        for drug, group in (by_drug(rulesets, vocab) or {"": []}).items():
            analysis = analyse(
                group,
                vocab,
                on_question=on_question,
                max_cells=max_cells,
                max_bytes=max_bytes,
                max_findings=max_findings,
                max_work=max_work,
                jobs=jobs,
            )
            found += build_conflicts(group, analysis, vocab, max_findings)
            parts.append((drug, analysis))
    if len(parts) > 1:
        found.sort(key=lambda c: c.sort_key)
    return found, merge_analyses(parts)


def split_precision(conflicts: list[Conflict]) -> tuple[list[Conflict], list[Conflict]]:
    """(the conflicts, the precision notes): notes are compatible answers, never a conflict needing a disposition."""
    return [c for c in conflicts if c.kind != PRECISION], [c for c in conflicts if c.kind == PRECISION]


def split_label_differences(conflicts: list[Conflict]) -> tuple[list[Conflict], list[Conflict]]:
    """(the conflicts, the label differences): where the official labels differ, never a source's error."""
    return [c for c in conflicts if c.kind != LABEL_DIFFERENCE], [c for c in conflicts if c.kind == LABEL_DIFFERENCE]


def precision_notes_json(notes: list[Conflict]) -> list[ConflictData]:
    """report.json's precision_notes: each note in the conflict shape (schema/report.schema.json), kind precision."""
    return [cast("ConflictData", n.to_json()) for n in notes]
