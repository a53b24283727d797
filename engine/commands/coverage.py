"""`accord coverage`: has every sentence of every source been claimed or excluded?"""

from __future__ import annotations

import argparse
import os
import sys

HELP = "Show how much of each source text is covered by claims or deliberate exclusions, and list unreviewed sentences."
EXAMPLE = "accord coverage rulesets/            # PATH:LINE:COL: unreviewed: <sentence>; exit 1 if any"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths", nargs="*", default=["rulesets"], metavar="PATH", help="ruleset files or folders (default: rulesets/)"
    )
    parser.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")


def run(args: argparse.Namespace) -> int:
    from engine.coverage import coverage
    from engine.textsafe import escape_controls
    from engine.validate import validate_paths

    for raw in args.paths:
        if not os.path.exists(raw):
            print(f"accord coverage: error: no such file or folder: {raw}", file=sys.stderr)
            return 2
    result = validate_paths(args.paths, check_patients=False)
    problems = [d for d in result.diagnostics if d.severity == "error"]
    reports = []
    unreadable = 0  # source texts that could not be read: each already said on stderr, each a failure
    # References that bundle no text: every claim cites the label, there is no sentence to cover.
    cited: list[dict[str, object]] = []
    for ruleset in sorted(result.rulesets, key=lambda r: r.source_id):
        if not ruleset.text_path:
            cited.append({"source": ruleset.source_id, "path": str(ruleset.path), "claims": len(ruleset.claims)})
            continue
        try:
            reports.append(coverage(ruleset))
        except OSError as exc:
            unreadable += 1
            print(
                escape_controls(f"{ruleset.path}: error: cannot read source text: {exc.strerror or exc}"),
                file=sys.stderr,
            )
    unreviewed = sum(r.count("unreviewed") for r in reports)
    if args.format == "json":
        payload = {
            "ok": unreviewed == 0 and not problems and not unreadable,
            "sources": [r.to_json() for r in reports],
            "cited": cited,
            "errors": [d.to_json() for d in problems],
        }
        from engine.output import json_text

        print(json_text(payload))
    else:
        for d in problems:
            print(d.format())
        width = max([len("SOURCE")] + [len(escape_controls(r.source)) for r in reports])
        print(f"{'SOURCE':<{width}}  {'SENTENCES':>9}  {'CLAIMED':>7}  {'EXCLUDED':>8}  {'UNREVIEWED':>10}")
        for r in reports:
            c = r.counts()
            print(
                f"{escape_controls(r.source):<{width}}  {c['sentences']:>9}  {c['claimed']:>7}  {c['excluded']:>8}  {c['unreviewed']:>10}"
            )
        for ref in cited:
            print(
                escape_controls(
                    f"{ref['source']}: a reference without bundled text: its {ref['claims']} claims cite the label"
                )
            )
        for r in reports:
            for s in r.unreviewed:  # source texts are untrusted: an OSC sequence must not reach the terminal
                print(escape_controls(f"{r.text_path}:{s.line}:{s.col}: unreviewed: {s.text}"))
    return 1 if unreviewed or problems or unreadable else 0
