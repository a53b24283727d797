"""The `accord` command line: a thin shell that dispatches to engine.commands.*.

Exit codes: 0 success, 1 findings (errors, mismatches, stale reports), 2 usage errors.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn, Protocol, runtime_checkable

from engine import __version__

# name -> module under engine.commands. Add a subcommand by adding a module and a line here.
COMMANDS: dict[str, str] = {
    "validate": "engine.commands.validate",
    "tui": "engine.commands.tui",
    "coverage": "engine.commands.coverage",
    "test": "engine.commands.test",
    "eval": "engine.commands.eval",
    "explain": "engine.commands.explain",
    "conflicts": "engine.commands.conflicts",
    "review": "engine.commands.review",
    "suggest": "engine.commands.suggest",
    "source": "engine.commands.source",
}


@runtime_checkable
class CommandModule(Protocol):
    """What every module named in COMMANDS defines (tests/test_architecture.py checks each one)."""

    HELP: str
    EXAMPLE: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int | None: ...


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with a one-line message, never a traceback."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """--quiet and --verbose on every subcommand (unless the module defines its own)."""
    existing = parser._option_string_actions  # noqa: SLF001 - argparse has no public lookup
    if "--quiet" not in existing:
        flags = [f for f in ("-q", "--quiet") if f not in existing]
        parser.add_argument(
            *flags, dest="quiet", action="store_true", help="print only problems and results, no summary or progress"
        )
    if "--verbose" not in existing:
        flags = [f for f in ("-v", "--verbose") if f not in existing]
        parser.add_argument(
            *flags, dest="verbose", action="store_true", help="print more detail about what is being done"
        )


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
            add_common_arguments(p)
            p.set_defaults(_module=module)
        else:
            sub.add_parser(name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `accord` console script."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list:
        args_list = ["tui"]
    if argv is None and args_list[0] != "tui":  # the console script: a process that ends with its command
        from engine.gcpause import pause_for_process

        pause_for_process()
    # Import only the module of the subcommand being run: start-up is a feature.
    first = args_list[0]
    if first in COMMANDS:
        module = importlib.import_module(COMMANDS[first])
        parser: argparse.ArgumentParser = _Parser(
            prog=f"accord {first}",
            description=module.HELP,
            epilog=f"example:\n  {module.EXAMPLE}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(parser)
        add_common_arguments(parser)
        args = parser.parse_args(args_list[1:])
        return _run(module, args)
    parser = build_parser()
    args = parser.parse_args(args_list)
    if getattr(args, "_module", None) is None:
        parser.print_help()
        return 2
    return _run(args._module, args)


def _run(module: CommandModule, args: argparse.Namespace) -> int:
    """Run a subcommand; whatever happens, the user sees a message, never a traceback."""
    from engine.contract import VocabularyError, vocabulary_dir
    from engine.meaning.load import vocabulary_problems

    try:
        # every command reads the vocabulary: a broken file of it is reported here, located, before anything runs
        problems = vocabulary_problems()
        if not problems:
            return int(module.run(args) or 0)
    except VocabularyError as exc:
        problems = exc.diagnostics
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the last line of defence for untrusted input
        print(f"accord: internal error, please report it: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 3
    for diagnostic in problems:
        print(diagnostic.format(), file=sys.stderr)
    count = len(problems)
    print(
        f"accord: the vocabulary in {vocabulary_dir()} is broken ({count} problem{'s' if count != 1 else ''});"
        " no command runs until it is fixed",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
