"""`accord source`: register a new source from a file, or replace a source's text and say what the change touches."""

from __future__ import annotations

import argparse
import sys
from typing import Any

HELP = "Register a new source from a text, Markdown or HTML file (add), or replace a source's text and report which claims and conflicts change (update)."
EXAMPLE = (
    "accord source add page.html --id nhs-baricitinib --url https://www.nhs.uk/medicines/baricitinib/ --kind web_page"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rulesets", default="rulesets", metavar="DIR", help="rulesets folder (default: rulesets)")
    sub = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    a = sub.add_parser(
        "add",
        help="copy a file into sources/<id>.txt (UTF-8, LF; HTML reduced to its text) and write <id>.yaml with an "
        "empty claim list",
    )
    a.add_argument("path", metavar="PATH", help="the text, Markdown (.md) or HTML (.html, .htm) file")
    a.add_argument("--id", required=True, dest="source_id", metavar="ID", help="source id, e.g. nhs-baricitinib")
    a.add_argument("--title", help="the document's title (default: the HTML <title>, else the first line)")
    a.add_argument("--url", help="where the document was published")
    a.add_argument("--retrieved", metavar="DATE", help="date the text was captured, YYYY-MM-DD (default: today)")
    a.add_argument(
        "--kind",
        choices=["web_page", "label_summary", "blog", "qa_service", "guideline", "other"],
        help="what sort of document it is",
    )
    a.add_argument("--encoding", help="the file's encoding when it is not UTF-8 (e.g. cp1252)")
    a.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    u = sub.add_parser(
        "update",
        help="replace a source's text, re-anchor every quote (exact, moved, fuzzy, lost) and report the changed "
        "claims, new unclaimed sentences and conflicts",
    )
    u.add_argument("source_id", metavar="ID", help="the source whose text changes")
    u.add_argument("path", metavar="NEWPATH", help="the new text, Markdown or HTML file")
    u.add_argument("--dry-run", action="store_true", help="print the report; write nothing")
    u.add_argument(
        "--allow-lost",
        action="store_true",
        help="write even when a quote is no longer in the new text (those claims go back to submitted with a note; "
        "accord validate reports them as E402 until they are re-quoted or removed)",
    )
    u.add_argument("--retrieved", metavar="DATE", help="date the new text was captured, YYYY-MM-DD (default: today)")
    u.add_argument("--encoding", help="the file's encoding when it is not UTF-8 (e.g. cp1252)")
    u.add_argument(
        "--no-conflicts",
        action="store_true",
        help="skip the conflict analysis before and after (faster; the report then lists no conflicts)",
    )
    u.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    for p in (a, u):
        p.add_argument(
            "--rulesets", default=argparse.SUPPRESS, metavar="DIR", help="rulesets folder (default: rulesets)"
        )


def run(args: argparse.Namespace) -> int:
    from engine.sources import SourceError
    from engine.textsafe import escape_controls

    if args.action is None:
        print("accord source: choose an action: add or update", file=sys.stderr)
        return 2
    try:
        if args.action == "add":
            return _add(args)
        return _update(args)
    except SourceError as exc:
        print(escape_controls(f"accord source {args.action}: error: {exc}"), file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            escape_controls(
                f"accord source {args.action}: error: cannot write: {exc.strerror or exc}; nothing was changed"
            ),
            file=sys.stderr,
        )
        return 1


def _add(args: argparse.Namespace) -> int:
    from engine.output import json_text
    from engine.sources import add_source
    from engine.textsafe import escape_controls

    added = add_source(
        args.rulesets,
        args.path,
        args.source_id,
        title=args.title,
        url=args.url,
        retrieved=args.retrieved,
        kind=args.kind,
        encoding=args.encoding,
    )
    origin = added.extracted.extracted_from()
    if args.format == "json":
        print(
            json_text(
                {
                    "ok": True,
                    "source": args.source_id,
                    "ruleset": str(added.ruleset_path),
                    "text": str(added.text_path),
                    "title": added.title,
                    "characters": len(added.extracted.text),
                    "extracted_from": origin,
                    "warnings": [d.to_json() for d in added.diagnostics],
                }
            )
        )
        return 0
    how = (
        "copied byte for byte"
        if origin is None
        else f"{added.extracted.format} text extracted, normalised to UTF-8 and LF"
    )
    print(escape_controls(f"{added.text_path}: {len(added.extracted.text):,} characters ({how})"))
    print(escape_controls(f"{added.ruleset_path}: source {args.source_id}, {added.title!r}, no claims yet"))
    for d in added.diagnostics:
        print(d.format())
    print(
        escape_controls(
            f"next: accord coverage {added.ruleset_path} lists its sentences; the workbench's Sources screen claims them"
        )
    )
    return 0


def _update(args: argparse.Namespace) -> int:
    from engine.output import json_text
    from engine.sources import apply_update, plan_update
    from engine.textsafe import escape_controls

    progress = None
    if not args.no_conflicts and args.format == "text" and sys.stderr.isatty() and not args.quiet:

        def progress(question: str, _cells: int) -> None:
            print(f"\ranalysing {question}…\x1b[K", end="", file=sys.stderr, flush=True)

    plan = plan_update(
        args.rulesets,
        args.source_id,
        args.path,
        retrieved=args.retrieved,
        encoding=args.encoding,
        analyse_conflicts=not args.no_conflicts,
        on_question=progress,
    )
    if progress is not None:
        print("\r\x1b[K", end="", file=sys.stderr, flush=True)
    lost = bool(plan.lost)
    written = False
    if not args.dry_run and not (lost and not args.allow_lost):
        apply_update(plan, allow_lost=args.allow_lost)
        written = True
    if args.format == "json":
        payload: dict[str, Any] = {"written": written, **plan.to_json()}
        print(json_text(payload))
    else:
        from engine.sourcereport import report_lines

        for line in report_lines(plan):
            print(escape_controls(line))
        if written:
            print(
                escape_controls(
                    f"written: {plan.text_path} and {plan.ruleset_path}; run accord conflicts to refresh the report"
                )
            )
        elif args.dry_run:
            print("dry run: nothing written")
    if lost and not args.allow_lost and not args.dry_run:
        print(
            escape_controls(
                f"accord source update: {len(plan.lost)} quote(s) are no longer in the new text; nothing was written "
                "(re-quote or remove those claims, or pass --allow-lost)"
            ),
            file=sys.stderr,
        )
        return 1
    return 0
