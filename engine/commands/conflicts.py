"""`accord conflicts`: region analysis of the rulesets; writes conflicts/report.md and report.json."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "Find every disagreement between and within sources (region analysis) and write the conflict report."
EXAMPLE = "accord conflicts --check            # exit 1 if conflicts/report.* is stale or a high-severity conflict has no disposition"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rulesets", default="rulesets", metavar="DIR", help="rulesets folder (default: rulesets)")
    from engine.commands._options import add_drug_argument

    add_drug_argument(parser)  # a report of one drug only: needs --out, so the project's report is never cut
    parser.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="report folder, also holding reviews.yaml (default: conflicts/ beside the rulesets folder, "
        "else inside it; the folder accord review and the workbench use)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when the committed report is stale or a high-severity conflict has no disposition",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="with --check, also fail on a high-severity conflict whose only disposition is needs_expert "
        "(gate on clinical decisions, not on triage)",
    )
    parser.add_argument("--reviews", metavar="FILE", help="reviews file (default: OUT/reviews.yaml)")
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="analyse even when no input changed (the cache, OUT/.cache or $ACCORD_CACHE_DIR, is keyed by the "
        "content of the rulesets, schema and engine, so it is never stale; safe to delete)",
    )
    parser.add_argument(
        "--max-cells",
        type=_positive_int,
        default=None,
        metavar="N",
        help="cell budget per source and question; a source whose grid is larger is not analysed there, "
        "said in the report, and --check fails (default: 16,777,216)",
    )
    parser.add_argument(
        "--max-memory",
        type=_positive_int,
        default=None,
        metavar="MIB",
        help="budget in MiB for the arrays of one question's grids, estimated before they are built; a source "
        "over it is not analysed there, said in the report, and --check fails (default: 320)",
    )
    parser.add_argument(
        "--max-work",
        type=_positive_int,
        default=None,
        metavar="N",
        help="work budget of the whole analysis, in units of about one array operation per cell and claim, "
        "estimated before each step; a source or question over what is left is not analysed there, said in "
        "the report, and --check fails (default: 4,000,000,000, a few seconds)",
    )
    parser.add_argument(
        "--max-findings",
        type=_positive_int,
        default=None,
        metavar="N",
        help="conflicts built and reported, in report order; the rest are counted in a Truncated section, "
        "with a warning, and --check fails (default: 2,000)",
    )
    parser.add_argument(
        "--jobs",
        type=_positive_int,
        default=None,
        metavar="N",
        help="drugs analysed at once, each in its own process, or a one-drug project's questions (default: every "
        "core); the report is the same for any N, and a drug whose rulesets did not change comes from the cache",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="analyse the drugs on the workers of this Dask scheduler (e.g. tcp://host:8786) instead of local "
        "processes; needs the distributed extra, and the same Accord on every worker; the report is the same "
        "as a local run's, and a drug whose rulesets did not change still comes from the cache",
    )
    parser.add_argument(
        "--allow-not-analysed",
        action="append",
        default=[],
        metavar="SOURCE:QUESTION",
        help="with --check, a source left out of a question (over a budget) that does not fail the check; each "
        "allowance is printed, and one that no longer applies fails the check, so a waiver cannot outlive its reason "
        "(repeatable)",
    )
    parser.add_argument(
        "--format",
        choices=["text", "sarif", "github"],
        default="text",
        help="also print each conflict to stdout as SARIF 2.1.0 or GitHub annotations (default: text summary only)",
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


ORPHANS_LISTED = 5  # orphaned dispositions named on stderr; --verbose names all


def run(args: argparse.Namespace) -> int:
    from engine.commands._rulesets import valid_rulesets
    from engine.folders import REVIEWS, conflicts_folder
    from engine.report import disposition_problems, truncation_message
    from engine.review import ReviewsUnusable, load_reviews, write_report_with_reviews
    from engine.textsafe import escape_controls

    if not Path(args.rulesets).is_dir():
        print(f"accord: {escape_controls(str(args.rulesets))}: no such rulesets folder", file=sys.stderr)
        return 1
    drug = getattr(args, "drug", None)
    if drug is not None and args.out is None:
        print(
            "accord conflicts: --drug writes a report of one drug only: give --out DIR for it "
            "(the project's report in conflicts/ covers every drug)",
            file=sys.stderr,
        )
        return 2
    out = conflicts_folder(args.rulesets, args.out)  # the same folder accord review and the workbench use
    from engine.contenthash import cache_dir

    # unchanged files' diagnostics from the cache beside the report's (a formulary's thousands of rulesets)
    result = valid_rulesets(args.rulesets, cache=None if getattr(args, "no_cache", False) else cache_dir(out))
    if result is None:
        return 1
    from engine.commands._options import narrowed_to_drug

    narrowed = narrowed_to_drug(result, args)
    if narrowed is None:
        return 2
    rulesets = narrowed.rulesets
    reviews_path = Path(args.reviews) if args.reviews else out / REVIEWS
    reviews, diags = load_reviews(reviews_path)
    if diags:
        for d in diags:
            print(d.format(), file=sys.stderr)
        return 1
    from engine.analysis.model import MAX_BYTES, MAX_CELLS, MAX_FINDINGS, MAX_WORK
    from engine.commands._progress import progress

    max_cells = args.max_cells or MAX_CELLS
    max_bytes = (args.max_memory << 20) if getattr(args, "max_memory", None) else MAX_BYTES
    from engine.distributed import SchedulerUnusable  # Dask itself only when --scheduler is given
    from engine.drugreports import default_jobs
    from engine.reportcache import ProjectUnusable, cached_report, stale_report_files

    limits = {
        "max_cells": max_cells,
        "max_bytes": max_bytes,
        "max_findings": getattr(args, "max_findings", None) or MAX_FINDINGS,
        "max_work": getattr(args, "max_work", None) or MAX_WORK,
    }
    try:
        with progress(None, "Analysing regions", quiet=getattr(args, "quiet", False)) as bar:
            report, analysis = cached_report(
                args.rulesets,
                out,
                rulesets,
                reviews,
                limits,
                on_question=lambda q, total: bar.update(
                    completed=bar.completed + 1, total=total, description=f"Analysing {q}"
                ),
                use_cache=not getattr(args, "no_cache", False),
                drug=drug,
                jobs=getattr(args, "jobs", None) or default_jobs(),
                scheduler=getattr(args, "scheduler", None),
            )
    except ProjectUnusable as exc:
        for d in exc.diagnostics:
            print(d.format(), file=sys.stderr)
        return 1
    except SchedulerUnusable as exc:  # one line, never a traceback: the address is the user's
        print(f"accord conflicts: {exc}", file=sys.stderr)
        return 1
    for skipped in analysis.not_analysed:
        print(f"accord: warning: {skipped.message(max_cells)}", file=sys.stderr)
    for c in report.get("comparisons", []):
        if c["verdict"] == "not_supported":
            print(
                f"accord: warning: {c['claim']}: {c['question']} = {c['value']} is not supported by the labels of "
                f"{c['drug']} and {c['other']} ({c['reason'][:200]})",
                file=sys.stderr,
            )
    truncated = truncation_message(report)
    if truncated:
        print(f"accord: warning: {truncated}; raise the limit named to see them", file=sys.stderr)
    if args.format in ("sarif", "github"):
        from engine.output import emit_conflicts

        emit_conflicts(report["conflicts"], rulesets, args.format, sys.stdout)
    summary = report["summary"]
    orphans = report["orphaned_dispositions"]
    kinds = ", ".join(f"{n} {k}" for k, n in summary["by_kind"].items()) or "none"
    line = (
        f"accord: {summary['conflicts']} conflicts ({kinds}); {analysis.cells:,} cells "
        f"{'(unchanged inputs: the cached analysis)' if analysis.cached else f'in {analysis.seconds:.1f}s'}; "
        f"{len(summary['high_without_disposition'])} high-severity without a disposition; {len(orphans)} orphaned dispositions"
    )
    for entry in orphans if getattr(args, "verbose", False) else orphans[:ORPHANS_LISTED]:
        print(
            f"orphaned disposition {entry['id']}: its conflict no longer exists (kept in {reviews_path})",
            file=sys.stderr,
        )
    if len(orphans) > ORPHANS_LISTED and not getattr(args, "verbose", False):
        print(
            f"... and {len(orphans) - ORPHANS_LISTED} more orphaned dispositions (--verbose lists them; "
            "report.md has them all)",
            file=sys.stderr,
        )
    if args.check:
        # An analysis that could not run is not a clean bill, unless the check is told so by name, out loud.
        allowed = set(getattr(args, "allow_not_analysed", None) or [])
        for skipped in analysis.not_analysed:
            named = f"{skipped.source}:{skipped.question}"
            if named in allowed:
                print(f"accord: --check allows {named} not analysed (--allow-not-analysed)", file=sys.stderr)
        failed = any(f"{n.source}:{n.question}" not in allowed for n in analysis.not_analysed)
        for named in sorted(allowed - {f"{n.source}:{n.question}" for n in analysis.not_analysed}):
            print(f"accord: --check fails: --allow-not-analysed {named} no longer applies; remove it", file=sys.stderr)
            failed = True
        if truncated:  # conflicts cut from the report were never checked for a disposition
            print(f"accord: --check fails: {truncated}", file=sys.stderr)
            failed = True
        for problem in disposition_problems(report, str(reviews_path)):
            print(problem, file=sys.stderr)
            failed = True
        for name in stale_report_files(out, report, analysis):
            print(f"{out / name}: stale; regenerate with `accord conflicts` and commit it", file=sys.stderr)
            failed = True
        if getattr(args, "strict", False):
            pending = [
                i["id"]
                for i in report["conflicts"]
                if i["severity"] == "high" and i.get("disposition", {}).get("disposition") == "needs_expert"
            ]
            for cid in pending:
                print(
                    f"{cid}: high-severity, only triaged needs_expert (--strict wants a clinical decision)",
                    file=sys.stderr,
                )
            if pending:
                print(
                    f"accord: --strict: {len(pending)} high-severity conflicts await an expert's decision",
                    file=sys.stderr,
                )
                failed = True
        for item in report["conflicts"]:
            if item["severity"] == "high" and "review_again" in item:
                print(
                    f"{item['id']}: high-severity, its disposition judged claims that changed since "
                    f"({item['review_again']['reason']}); review it again with `accord review conflict {item['id']} ...`",
                    file=sys.stderr,
                )
                failed = True
            if item["severity"] == "high" and "disposition" not in item:
                print(
                    f"{item['id']}: high-severity {item['kind']} on {item['question']} ({', '.join(item['sources'])}) has no disposition; "
                    f"record one with `accord review conflict {item['id']} --disposition ... --reviewer NAME`",
                    file=sys.stderr,
                )
                failed = True
        print(line, file=sys.stderr)
        return 1 if failed else 0
    try:
        # reviews.yaml re-read under its lock: a disposition recorded while the analysis ran is kept
        changed, _ = write_report_with_reviews(out, report, reviews_path, analysis.charts, analysis.key)
    except ReviewsUnusable as exc:
        for d in exc.diagnostics:
            print(d.format(), file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"accord: cannot write the report in {out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(line, file=sys.stderr)
    print(f"accord: {_changed_text(out, changed)}", file=sys.stderr)
    return 0


def _changed_text(out: Path, changed: list[str]) -> str:
    """The files rewritten, the band charts counted rather than listed (a report has hundreds)."""
    from engine.reportcharts import CHARTS_DIR

    if not changed:
        return "report unchanged"
    charts = [n for n in changed if n.startswith(f"{CHARTS_DIR}/")]
    named = [str(out / n) for n in changed if n not in charts]
    if charts:
        named.append(f"{len(charts)} band chart{'s' if len(charts) != 1 else ''} in {out / CHARTS_DIR}")
    return ", ".join(named)
