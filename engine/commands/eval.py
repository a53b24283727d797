"""`accord eval`: every source's answer for one patient."""

from __future__ import annotations

import argparse

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
    if args.format == "json":
        return print_json({**evaluation.to_json(), "refused": refused}, "eval")
    print(render_text(evaluation))
    return 0


def render_text(evaluation) -> str:  # type: ignore[no-untyped-def]
    """Per question, each source's answer in one aligned line."""
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
    return "\n".join(lines)
