"""`accord review`: record conflict dispositions and claim review steps in conflicts/reviews.yaml."""

from __future__ import annotations

import argparse
import re
import sys

HELP = "Review conflicts (dispositions) and claims (draft -> submitted -> under_review -> approved | rejected)."
EXAMPLE = "accord review conflict C-0123456789 --disposition source_correct --source lucius-label --reviewer ana --note 'label wins'"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="report folder holding reviews.yaml (default: conflicts/ beside the rulesets folder, else inside it)",
    )
    parser.add_argument("--rulesets", default="rulesets", metavar="DIR", help="rulesets folder (default: rulesets)")
    sub = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    c = sub.add_parser("conflict", help="record a disposition for a conflict id")
    c.add_argument("id", help="conflict id, e.g. C-0123456789")
    c.add_argument(
        "--disposition", required=True, choices=["source_correct", "all_wrong", "not_a_conflict", "needs_expert"]
    )
    c.add_argument("--source", help="the source that is correct (with source_correct)")
    c.add_argument(
        "--reviewer", help="who decides (default: ACCORD_REVIEWER, else git config user.name; never a silent default)"
    )
    c.add_argument("--note", default="")
    k = sub.add_parser("claim", help="move a claim to a new review status")
    k.add_argument("id", help="claim id, e.g. jak-blog/calc-egfr-30-49")
    k.add_argument("--status", required=True, choices=["draft", "submitted", "under_review", "approved", "rejected"])
    k.add_argument("--reviewer", help="who takes the step (default: ACCORD_REVIEWER, else git config user.name)")
    k.add_argument(
        "--self-approve",
        action="store_true",
        help="approve a claim you submitted yourself (a one-person team): recorded in the step as self_approved",
    )
    k.add_argument("--note", required=True)
    lst = sub.add_parser("list", help="list dispositions (orphaned ones marked) and claim review histories")
    lst.set_defaults(date=None)
    for p in (c, k):
        p.add_argument("--date", help="date of the step, YYYY-MM-DD (default: today)")
    for p in (c, k, lst):
        p.add_argument(
            "--out",
            default=argparse.SUPPRESS,
            metavar="DIR",
            help="report folder holding reviews.yaml (default: conflicts/ beside the rulesets folder, else inside it)",
        )
        p.add_argument(
            "--rulesets", default=argparse.SUPPRESS, metavar="DIR", help="rulesets folder (default: rulesets)"
        )


def run(args: argparse.Namespace) -> int:
    """Check everything (date, names, ids, the report) before writing anything; locked read-modify-write."""
    from engine.folders import REVIEWS, conflicts_folder
    from engine.reportdata import disposition_text, orphaned
    from engine.review import (
        ReviewError,
        ReviewsUnusable,
        change_claim_status,
        check_date,
        load_report,
        load_reviews,
        save_disposition,
    )
    from engine.yamltext import UnwritableText

    if args.action is None:
        print("accord review: choose an action: conflict, claim or list", file=sys.stderr)
        return 2
    out = conflicts_folder(args.rulesets, args.out)
    reviews_path = out / REVIEWS
    if args.action in ("claim", "conflict"):
        from engine.identity import NO_IDENTITY, reviewer_identity

        who = reviewer_identity(args.reviewer)
        if who is None:
            print(f"accord review: {NO_IDENTITY}", file=sys.stderr)
            return 2
        if who.origin != "--reviewer":
            print(f"accord review: reviewer {_safe(who.name)} (from {who.origin})", file=sys.stderr)
        args.reviewer = who.name
    try:
        if getattr(args, "date", None) is not None:
            check_date(args.date)
        if args.action == "claim":
            step = change_claim_status(
                args.rulesets,
                reviews_path,
                args.id,
                args.status,
                args.reviewer,
                args.note,
                args.date,
                self_approve=args.self_approve,
            )
            print(
                f"{_safe(args.id)}: {step['from']} -> {step['status']} (recorded in {_safe(str(reviews_path))}); "
                "run `accord conflicts` to refresh the report"
            )
            return 0
        if args.action == "conflict":
            if not re.fullmatch(r"C-[0-9a-f]{10}", args.id):
                print(f"accord review: {_safe(args.id)!r} is not a conflict id (C- and 10 hex digits)", file=sys.stderr)
                return 2
            # engine.review.save_disposition checks every argument, then the report and reviews.yaml under the lock
            save_disposition(reviews_path, args.id, args.disposition, args.reviewer, args.note, args.source, args.date)
            print(
                f"{args.id}: {args.disposition}{' ' + args.source if args.source else ''} (recorded in {_safe(str(reviews_path))})"
            )
            return 0
        report = load_report(out)
        reviews, diags = load_reviews(reviews_path)
        if diags:
            raise ReviewsUnusable(diags)
        known = {c["id"]: c for c in report["conflicts"]} if report else {}
        if args.action == "list":
            for cid, entry in sorted((reviews.get("conflicts") or {}).items()):
                mark = "" if not report or cid in known else "  [orphaned: conflict no longer exists]"
                print(
                    f"{cid}: {disposition_text(entry['disposition'])} by {entry['reviewer']} on {entry['date']}{mark}"
                )
            for claim, steps in sorted((reviews.get("claims") or {}).items()):
                for s in steps:
                    print(
                        f"{claim}: {s.get('from', '?')} -> {s['status']} by {s['reviewer']} on {s['date']}: {s.get('note', '')}"
                    )
            if report:
                n = len(orphaned(reviews, set(known)))
                print(f"accord: {len(reviews.get('conflicts') or {})} dispositions ({n} orphaned)", file=sys.stderr)
            return 0
        print(f"accord review: unknown action {_safe(str(args.action))}", file=sys.stderr)
        return 2
    except ReviewsUnusable as exc:
        for d in exc.diagnostics:
            print(d.format(), file=sys.stderr)
        return 1
    except (ReviewError, UnwritableText) as exc:
        print(f"accord review: {_safe(str(exc))}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"accord review: cannot write: {_safe(str(exc.strerror or exc))}", file=sys.stderr)
        return 1


def _safe(text: str) -> str:
    """Text for the terminal: control characters and undecodable bytes shown escaped, never sent raw."""
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in text)
