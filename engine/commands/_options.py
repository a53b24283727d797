"""Command-line options several commands share: the argument-parsing side of engine.output's formats."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import TYPE_CHECKING

from engine.output import FORMATS

if TYPE_CHECKING:
    from engine.validate import ValidationResult


def add_format_argument(
    parser: argparse.ArgumentParser, formats: Iterable[str] = FORMATS, default: str = "text"
) -> None:
    """`--format` with the given choices; commands call this instead of spelling the list."""
    choices = list(formats)
    parser.add_argument(
        "--format", choices=choices, default=default, help=f"output format: {', '.join(choices)} (default: {default})"
    )


def add_drug_argument(parser: argparse.ArgumentParser) -> None:
    """`--drug D`: only the rulesets about one drug (engine.drugs)."""
    parser.add_argument(
        "--drug",
        metavar="D",
        help="only the rulesets about drug D (lower-case INN, the ruleset's `drug`; default: every drug, "
        "sources compared within their drug)",
    )


def narrowed_to_drug(result: ValidationResult, args: argparse.Namespace) -> ValidationResult | None:
    """`result` narrowed to --drug (engine.drugs.only_drug); None after saying which drugs there are."""
    import sys

    from engine.drugs import UnknownDrug, only_drug

    try:
        return only_drug(result, getattr(args, "drug", None))
    except UnknownDrug as exc:
        print(f"accord: {exc}", file=sys.stderr)
        return None
