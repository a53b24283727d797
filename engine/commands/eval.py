"""`accord eval`: every source's answer for one patient."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.conditional import Dependence
    from engine.evaluate import PatientEvaluation
    from engine.model import Ruleset

HELP = "Evaluate one patient against every source: answered, conflicting, indeterminate (with missing facts) or silent."
EXAMPLE = "accord eval --patient rulesets/patients/egfr-45.yaml --question dose --format json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from engine.commands._patients import add_patient_arguments

    add_patient_arguments(parser)
    parser.add_argument(
        "--question", metavar="Q", help="only this question (default: every question a source addresses)"
    )


def run(args: argparse.Namespace) -> int:
    from engine.commands._patients import load_from_args, print_json, warn_refusals
    from engine.evaluate import evaluate_patient

    loaded = load_from_args(args)
    if loaded is None:
        return 1
    patient, result = loaded
    if args.question and not any(args.question in r.questions for r in result.rulesets):
        from engine.contract import vocabulary

        vocab = vocabulary()
        if args.question not in vocab.questions:
            print(
                f"accord eval: unknown question {args.question!r}{vocab.suggest(args.question, list(vocab.questions))}"
            )
            return 2
    questions = [args.question] if args.question else None
    refused = warn_refusals(patient)
    evaluation = evaluate_patient(result.rulesets, patient.facts, patient.id, questions)
    dependences = conditional_answers(result.rulesets, patient.facts, evaluation)
    if args.format == "json":
        payload = {**evaluation.to_json(), "refused": refused}
        payload["depends_on"] = [
            {"source": s, "question": q, **d.to_json()} for (s, q), found in dependences.items() for d in found
        ]
        return print_json(payload, "eval")
    print(render_text(evaluation, dependences))
    return 0


def conditional_answers(
    rulesets: list[Ruleset], facts: dict[str, Any], evaluation: PatientEvaluation
) -> dict[tuple[str, str], list[Dependence]]:
    """Per (source, question) answered indeterminate: what it hangs on (engine.conditional)."""
    from engine.conditional import depends_on

    by_source = {r.source_id: r for r in rulesets}
    out: dict[tuple[str, str], list[Dependence]] = {}
    for found in evaluation.answers:
        if found.status == "indeterminate" and found.source in by_source:
            out[(found.source, found.question)] = depends_on(by_source[found.source], found.question, facts, found)
    return out


def render_text(evaluation, dependences=None) -> str:  # type: ignore[no-untyped-def]
    """Per question, each source's answer in one aligned line; an indeterminate one with what it depends on."""
    lines = [f"patient {evaluation.patient}"]
    facts = ", ".join(
        f"{k}={v}" + (" (derived)" if k in evaluation.derived else "") for k, v in evaluation.facts.items()
    )
    lines.append(f"facts: {facts}")
    for name, how in evaluation.derived.items():
        lines.append(f"  {name}: {how}")
    by_question: dict[str, list] = {}
    for answer in evaluation.answers:
        by_question.setdefault(answer.question, []).append(answer)
    width = max((len(a.source) for a in evaluation.answers), default=0)
    for question in sorted(by_question):
        lines.append("")
        lines.append(question)
        for answer in by_question[question]:
            claims = ", ".join(c for v in answer.values for c in v.claims)
            lines.append(
                f"  {answer.source:<{width}}  {answer.status:<13}  {answer.summary()}"
                + (f"   [{claims}]" if claims else "")
            )
            for dependence in (dependences or {}).get((answer.source, answer.question), []):
                lines.append(f"  {'':<{width}}  {'':<13}    {dependence.text()}")
    return "\n".join(lines)
