"""The `accord` command line: a thin shell that dispatches to engine.commands.*.

Exit codes: 0 success, 1 findings (errors, mismatches, stale reports), 2 usage errors.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from engine import __version__

# name -> module under engine.commands. Add a subcommand by adding a module and a line here.
COMMANDS: dict[str, str] = {
    "validate": "engine.commands.validate",
    "tui": "engine.commands.tui",
}


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with a one-line message, never a traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(load_all: bool = True) -> argparse.ArgumentParser:
    """Build the full parser; with load_all=False only the command names are registered."""
    parser = _Parser(
        prog="accord",
        description="Rules-as-data workbench: validate rulesets, evaluate patients, find where sources disagree.",
        epilog="Run `accord` with no arguments to open the workbench on ./rulesets.",
    )
    parser.add_argument("--version", action="version", version=f"accord {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, module_name in COMMANDS.items():
        if load_all:
            module = importlib.import_module(module_name)
            p = sub.add_parser(
                name,
                help=module.HELP,
                description=module.HELP,
                epilog=f"example:\n  {module.EXAMPLE}",
                formatter_class=argparse.RawDescriptionHelpFormatter,
            )
            module.add_arguments(p)
            p.set_defaults(_module=module)
        else:
            sub.add_parser(name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `accord` console script."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list:
        args_list = ["tui"]
    # Import only the module of the subcommand being run: start-up is a feature.
    first = args_list[0]
    if first in COMMANDS:
        module = importlib.import_module(COMMANDS[first])
        parser = _Parser(
            prog=f"accord {first}",
            description=module.HELP,
            epilog=f"example:\n  {module.EXAMPLE}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(parser)
        args = parser.parse_args(args_list[1:])
        try:
            return int(module.run(args) or 0)
        except KeyboardInterrupt:
            return 130
        except BrokenPipeError:
            return 0
    parser = build_parser()
    args = parser.parse_args(args_list)
    if getattr(args, "_module", None) is None:
        parser.print_help()
        return 2
    return int(args._module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
