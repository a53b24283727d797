"""Command-line options several commands share: the argument-parsing side of engine.output's formats."""

from __future__ import annotations

import argparse
from collections.abc import Iterable

from engine.output import FORMATS


def add_format_argument(
    parser: argparse.ArgumentParser, formats: Iterable[str] = FORMATS, default: str = "text"
) -> None:
    """`--format` with the given choices; commands call this instead of spelling the list."""
    choices = list(formats)
    parser.add_argument(
        "--format", choices=choices, default=default, help=f"output format: {', '.join(choices)} (default: {default})"
    )
