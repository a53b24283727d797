"""`accord suggest`: draft claims proposed from a source's text for the sentences nothing covers yet."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from engine.commands._options import add_format_argument

HELP = (
    "Propose draft claims from a source's text (numeric bands, doses, approval words, verdicts, comparisons) "
    "for the sentences no claim or exclusion covers; nothing is written."
)
EXAMPLE = "accord suggest jak-blog --format json     # [{quote, start, end, question, value, when, confidence, reason}]"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="SOURCE", help="a source id (its ruleset in --rulesets) or a ruleset file")
    parser.add_argument(
        "--rulesets", default="rulesets", metavar="DIR", help="the rulesets folder a source id is looked up in"
    )
    parser.add_argument(
        "--all",
        dest="include_covered",
        action="store_true",
        help="read every sentence, also those a claim or exclusion already covers (dismissed ones stay out)",
    )
    add_format_argument(parser, ("text", "json"))


def _ruleset_file(source: str, folder: str) -> Path | None:
    if os.path.isfile(source):
        return Path(source)
    for suffix in (".yaml", ".yml", ".json"):
        candidate = Path(folder) / f"{source}{suffix}"
        if "/" not in source and os.sep not in source and candidate.is_file():
            return candidate
    return None


def run(args: argparse.Namespace) -> int:
    from engine.contract import vocabulary
    from engine.dismissed import DismissedError, dismissed_path, keys, read_dismissed
    from engine.suggest import source_text, suggest_text
    from engine.textsafe import escape_controls
    from engine.validate import validate_paths

    path = _ruleset_file(args.source, args.rulesets)
    if path is None:
        print(
            escape_controls(
                f"accord suggest: error: no ruleset {args.source!r} (neither a file nor a source id in {args.rulesets}/)"
            ),
            file=sys.stderr,
        )
        return 2
    result = validate_paths([path], check_patients=False)
    errors = [d for d in result.diagnostics if d.severity == "error"]
    if errors or not result.rulesets:
        for d in errors:
            print(d.format(), file=sys.stderr)
        print(escape_controls(f"accord suggest: {path}: fix the ruleset first"), file=sys.stderr)
        return 1
    ruleset = result.rulesets[0]
    if not ruleset.text_path:
        print(
            escape_controls(f"accord suggest: {path}: a reference without bundled text: there is no text to read"),
            file=sys.stderr,
        )
        return 1
    try:
        gone = keys(read_dismissed(dismissed_path(path.parent)), ruleset.source_id)
    except DismissedError as exc:
        for d in exc.diagnostics:
            print(d.format(), file=sys.stderr)
        return 1
    try:
        text = source_text(ruleset)
    except OSError as exc:
        print(escape_controls(f"{path}: error: cannot read source text: {exc.strerror or exc}"), file=sys.stderr)
        return 1
    found = suggest_text(
        text,
        vocabulary(),
        ruleset.source_id,
        ((c.provenance.start, c.provenance.end) for c in ruleset.claims if c.provenance.is_quote),
        ((e.start, e.end) for e in ruleset.excluded),
        include_covered=args.include_covered,
        dismissed=gone,
    )
    if args.format == "json":
        from engine.output import json_text

        print(json_text([s.to_json() for s in found]))
        return 0
    text_path = str(ruleset.resolve_text_path())
    for s in found:
        line = text.count("\n", 0, s.start) + 1
        col = s.start - (text.rfind("\n", 0, s.start) + 1) + 1
        where = f"{text_path}:{line}:{col}"
        head = f"{where}: {s.confidence:.2f} {s.question} = {json.dumps(s.value, ensure_ascii=False)}"
        print(escape_controls(f"{head} when {json.dumps(s.when, ensure_ascii=False)}"))
        print(escape_controls(f"    {s.quote!r}"))
        print(escape_controls(f"    why: {s.reason}"))
    if not args.quiet:
        scope = "every sentence" if args.include_covered else "the sentences no claim or exclusion covers"
        print(
            escape_controls(
                f"{ruleset.source_id}: {len(found)} suggestion{'s' if len(found) != 1 else ''} from {scope}"
            ),
            file=sys.stderr,
        )
    return 0
