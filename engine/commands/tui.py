"""`accord tui [PATH]`: open the Textual workbench on a rulesets folder (default ./rulesets)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "Open the terminal workbench on a rulesets folder (the default when `accord` runs without arguments)."
EXAMPLE = "accord tui rulesets/            # ctrl+p: every action; ctrl+q: quit"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path", nargs="?", default="rulesets", metavar="PATH", help="rulesets folder (default: rulesets/)"
    )
    parser.add_argument(
        "--reviewer",
        default=None,
        help="name recorded with review steps and dispositions (default: $ACCORD_REVIEWER or $USER)",
    )


def run(args: argparse.Namespace) -> int:
    folder = Path(args.path)
    if not folder.is_dir():
        print(f"accord tui: {folder}: no such folder (give the folder that holds the ruleset files)", file=sys.stderr)
        return 2
    # Textual is imported only here, so other subcommands start fast.
    from tui.app import AccordApp

    app = AccordApp(folder, reviewer=args.reviewer)
    app.run()
    return int(app.return_code or 0)
