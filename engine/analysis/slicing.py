"""Analysis by slices of one categorical fact, when a question is too large to analyse whole.

Scoping every claim to the indications its paragraph speaks about (docs/authoring.md, policy
rule 1) makes every claim read `indication`, which joins every other fact into one component
(engine.analysis.components) and sends the grids past the budgets. Given one value of such a
fact, the claims no longer read it: each claim's `when` is specialised (the fact replaced by the
value, every subtree that reads no fact folded by the accord semantics), the claims it excludes
drop out, and the rest fall apart into small components again. The question is analysed once
per value, and each finding is placed back in the whole space (the fact's full partition, the
value's cell, the witness given the value). Findings with the same claims in several slices
are merged by engine.conflicts as one conflict in several regions.

Which fact: the enum fact read by the most claims of the question and by no vocabulary
constraint (a constraint reading it would be cut in two). Nothing here names a fact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from engine.analysis.model import Finding, NotAnalysed, QuestionAnalysis, RegionCells
from engine.analysis.partition import Partition, partition
from engine.contract import Vocabulary
from engine.jsonlogic import UNKNOWN, compiler, truthy
from engine.meaning.facts import constraints
from engine.model import Claim, Ruleset
from engine.rules import facts_used

_FOLDABLE = (bool, int, float, str, type(None))


def specialise(rule: Any, fact: str, value: Any) -> Any | None:
    """`rule` with `fact` = `value`: the fact's reads replaced, var-free subtrees folded; None if it cannot be."""
    out = _walk(rule, fact, value)
    if out is _FAIL or fact in facts_used(out):
        return None
    return out


_FAIL = object()


def _walk(rule: Any, fact: str, value: Any) -> Any:
    if isinstance(rule, list):
        items = [_walk(x, fact, value) for x in rule]
        return _FAIL if any(x is _FAIL for x in items) else items
    if not isinstance(rule, dict) or len(rule) != 1:
        return rule
    ((op, args),) = rule.items()
    if op == "var":
        name = args[0] if isinstance(args, list) and args else args
        if name != fact:
            return rule
        return value if isinstance(value, _FOLDABLE) else _FAIL
    new_args = _walk(args, fact, value)
    if new_args is _FAIL:
        return _FAIL
    if op in ("and", "or") and isinstance(new_args, list):
        return _junction(op, new_args)
    return _fold({op: new_args})


def _fold(rule: dict[str, Any]) -> Any:
    """A rule that reads no fact, as its value (when that value is a plain literal)."""
    if facts_used(rule):
        return rule
    try:
        result = compiler("accord").compile(rule)({})
    except (ValueError, ArithmeticError, TypeError):
        return rule
    if result is UNKNOWN or not isinstance(result, _FOLDABLE):
        return rule
    return result


def _junction(op: str, args: list[Any]) -> Any:
    """Kleene `and`/`or` over literal arguments: a deciding literal decides, a neutral one is dropped."""
    stop = op == "or"  # `or` stops at a true argument, `and` at a false one
    kept = []
    for arg in args:
        if isinstance(arg, _FOLDABLE):
            if truthy(arg) is stop:
                return arg
            continue
        kept.append(arg)
    if not kept:
        return not stop  # every argument neutral: `and` of truths is true, `or` of falsehoods false
    return kept[0] if len(kept) == 1 else {op: kept}


def slicing_fact(question: str, rulesets: list[Ruleset], vocab: Vocabulary) -> str | None:
    """The categorical (enum or boolean) fact read by the most claims of the question and by no constraint,
    if any is read twice; enums first (a slice per value splits more)."""
    constrained = {n for c in constraints(vocab) for n in c.reads}
    counts: dict[str, int] = {}
    for ruleset in rulesets:
        for claim in ruleset.claims_for(question):
            for name in claim.facts:
                fact = vocab.facts.get(name)
                if fact is not None and fact.type in ("enum", "boolean") and name not in constrained:
                    counts[name] = counts.get(name, 0) + 1
    kind = {n: vocab.facts[n].type != "enum" for n in counts}
    best = sorted(counts.items(), key=lambda kv: (kind[kv[0]], -kv[1], kv[0]))
    return best[0][0] if best and best[0][1] > 1 else None


def sliced_rulesets(rulesets: list[Ruleset], question: str, fact: str, value: Any) -> list[Ruleset] | None:
    """Each ruleset with its claims on `question` specialised to `fact` = `value` (None: one cannot be)."""
    out = []
    for ruleset in rulesets:
        claims: list[Claim] = []
        for claim in ruleset.claims_for(question):
            if fact not in claim.facts:
                claims.append(claim)
                continue
            when = specialise(claim.when, fact, value)
            if when is None:
                return None
            if isinstance(when, _FOLDABLE) and not truthy(when):
                continue  # the claim is about other values of the fact: no patient of the slice
            claims.append(replace(claim, when=when))
        out.append(replace(ruleset, claims=claims))
    return out


def analyse_by_slices(
    question: str,
    rulesets: list[Ruleset],
    vocab: Vocabulary,
    fact: str,
    analyse: Callable[[list[Ruleset]], QuestionAnalysis],
) -> QuestionAnalysis | None:
    """The question analysed once per value of `fact`, findings placed back in the whole space."""
    whole = partition(vocab.facts[fact], ())
    result: QuestionAnalysis | None = None
    for index, cell in enumerate(whole.cells):
        sliced = sliced_rulesets(rulesets, question, fact, cell.value)
        if sliced is None:
            return None
        part = analyse(sliced)
        if result is None:
            result = replace(part, sources={}, findings=[], cells={}, not_analysed=[], findings_cut=[], notes=[])
            result.partitions = {**part.partitions, fact: whole}
        result.findings.extend(_placed(f, fact, whole, index, cell.value) for f in part.findings)
        for source, n in part.cells.items():
            result.cells[source] = result.cells.get(source, 0) + n
        result.not_analysed.extend(_in_slice(n, fact, cell.value) for n in part.not_analysed)
        result.findings_cut.extend(part.findings_cut)
        result.evaluations += part.evaluations
        result.notes.extend(n for n in part.notes if n not in result.notes)
    if result is not None:
        result.notes.append(f"{question}: analysed once per value of {fact}, the fact every scoped claim reads")
    return result


def _placed(finding: Finding, fact: str, whole: Partition, index: int, value: Any) -> Finding:
    region = finding.region
    placed = RegionCells(
        {**region.partitions, fact: whole},
        {**region.indices, fact: [index]},
        region.count,
        region.box,
        {**region.witness, fact: value},
    )
    return replace(finding, region=placed)


def _in_slice(n: NotAnalysed, fact: str, value: Any) -> NotAnalysed:
    """A source left out of one slice: the reason says which, and why."""
    why = n.reason or (
        f"its {n.claims:,} claims read {len(n.facts)} facts, a grid of {n.cells:,} cells, over the cell limit "
        "(raise it with --max-cells)"
    )
    return replace(n, reason=f"where {fact} = {value}, {why}")
