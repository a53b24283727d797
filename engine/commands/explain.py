"""`accord explain`: why one source answers what it does for one patient."""

from __future__ import annotations

import argparse

HELP = "Trace every claim of one source on one question for a patient: applied or not, each condition with the patient's values, the quote."
EXAMPLE = "accord explain --patient rulesets/patients/egfr-49_5.yaml --source jak-blog --question dose"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from engine.commands._patients import add_patient_arguments

    add_patient_arguments(parser)
    parser.add_argument("--source", required=True, metavar="S", help="source id, e.g. jak-blog")
    parser.add_argument("--question", required=True, metavar="Q", help="question, e.g. dose")


def run(args: argparse.Namespace) -> int:
    from engine.commands._patients import load_from_args, print_json, warn_refusals
    from engine.contract import vocabulary
    from engine.explain import explain, explain_text

    loaded = load_from_args(args)
    if loaded is None:
        return 1
    patient, result = loaded
    ruleset = result.ruleset(args.source)
    if ruleset is None:
        known = sorted(r.source_id for r in result.rulesets)
        print(
            f"accord explain: unknown source {args.source!r}{vocabulary().suggest(args.source, known)}; known: {', '.join(known)}"
        )
        return 2
    vocab = vocabulary()
    if args.question not in vocab.questions:
        print(
            f"accord explain: unknown question {args.question!r}{vocab.suggest(args.question, list(vocab.questions))}"
        )
        return 2
    refused = warn_refusals(patient)
    if args.format == "json":
        data = {"patient": patient.id, **explain(ruleset, args.question, patient.facts).to_json(), "refused": refused}
        return print_json(data, "explain")
    else:
        print(f"patient {patient.id}")
        print(explain_text(ruleset, args.question, patient.facts), end="")
    return 0
