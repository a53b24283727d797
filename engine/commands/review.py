"""`accord review`: record conflict dispositions and claim review steps in conflicts/reviews.yaml."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

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
    h = sub.add_parser("history", help="show a conflict's disposition and the earlier ones it replaced")
    h.add_argument("id", help="conflict id, e.g. C-0123456789")
    h.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="output format: text (latest first) or json (history oldest first, as in reviews.yaml) (default: text)",
    )
    h.set_defaults(date=None)
    m = sub.add_parser(
        "migrate",
        help="move dispositions recorded under old per-region conflict ids to the findings that contain them",
    )
    m.add_argument("--dry-run", action="store_true", help="say what would move; write nothing")
    m.set_defaults(date=None)
    w = sub.add_parser(
        "witness",
        help="save a finding's witness as a test patient, each source's current answer expected (accord test guards it)",
    )
    w.add_argument("id", help="finding id, e.g. C-0123456789")
    w.add_argument("--region", type=int, default=1, metavar="N", help="which region's witness, 1 = the largest")
    w.add_argument("--patient-id", metavar="ID", help="the patient's id (default: witness-<finding id>)")
    w.set_defaults(date=None)
    for p in (c, k):
        p.add_argument("--date", help="date of the step, YYYY-MM-DD (default: today)")
    for p in (c, k, lst, h, m, w):
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
        print("accord review: choose an action: conflict, claim, list, history, migrate or witness", file=sys.stderr)
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
            args.id = _finding_of(args.id, out)
            if args.id is None:
                return 2
            # engine.review.save_disposition checks every argument, then the report and reviews.yaml under the lock
            recorded = save_disposition(
                reviews_path, args.id, args.disposition, args.reviewer, args.note, args.source, args.date
            )
            what = f"{args.id}: {args.disposition}{' ' + args.source if args.source else ''}"
            if not recorded.changed:
                print(
                    f"{what}: unchanged, {_safe(args.reviewer)} already recorded this disposition and note "
                    f"on {recorded.entry['date']} (nothing written to {_safe(str(reviews_path))})"
                )
                return 0
            earlier = len(recorded.entry.get("history", []))
            kept = (
                f"; {'the disposition it replaces is' if earlier == 1 else f'{earlier} earlier dispositions are'} kept in its history"
                if earlier
                else ""
            )
            print(f"{what} (recorded in {_safe(str(reviews_path))}{kept})")
            return 0
        if args.action == "history":
            return _history(args.id, args.format, out, reviews_path)
        if args.action == "witness":
            return _witness(args, out)
        if args.action == "migrate":
            from engine.review import migrate_folder

            result = migrate_folder(out, reviews_path, dry_run=args.dry_run)
            for line in result.lines():
                print(_safe(line))
            verb = "would move" if args.dry_run else "moved"
            print(
                f"accord: {verb} {len(result.old_ids)} dispositions to {len(result.moved)} findings"
                + ("" if args.dry_run or not result.moved else f" (written to {_safe(str(reviews_path))})"),
                file=sys.stderr,
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
                n = len(entry.get("history", []))
                changes = f" ({n} earlier: accord review history {cid})" if n else ""
                print(
                    f"{cid}: {disposition_text(entry['disposition'])} by {entry['reviewer']} on {entry['date']}{changes}{mark}"
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


def _witness(args: argparse.Namespace, out: Path) -> int:
    """`accord review witness ID`: the finding's witness saved as rulesets/patients/<id>.yaml."""
    from engine.commands._rulesets import valid_rulesets
    from engine.review import find_conflict, load_report
    from engine.witnesspatient import WitnessError, save_witness_patient, witness_patient

    report = load_report(out)
    found = find_conflict(report, args.id) if report is not None else None
    if found is None:
        print(f"accord review: no finding {_safe(args.id)} in {_safe(str(out / 'report.json'))}", file=sys.stderr)
        return 2
    result = valid_rulesets(args.rulesets)
    if result is None:
        return 1
    try:
        patient = witness_patient(found, result.rulesets, args.region, args.patient_id)
        path = save_witness_patient(args.rulesets, patient)
    except WitnessError as exc:
        print(f"accord review: {_safe(str(exc))}", file=sys.stderr)
        return 2
    print(
        f"{_safe(str(path))}: the witness of {found['id']} with each source's answer expected; `accord test` guards it"
    )
    return 0


def _finding_of(cid: str, out: Path) -> str | None:
    """The finding a disposition goes to: `cid` itself, or the one finding whose regions hold it (an id from
    before findings were grouped by cause), said so; None (after saying why) when several hold it."""
    from engine.review import load_report

    report = load_report(out)
    if report is None or any(c["id"] == cid for c in report["conflicts"]):
        return cid
    holders = [c["id"] for c in report["conflicts"] if any(r["id"] == cid for r in c.get("regions", []))]
    if len(holders) == 1:
        print(
            f"accord review: {cid} is a region of finding {holders[0]}; recording the disposition there",
            file=sys.stderr,
        )
        return holders[0]
    if holders:
        print(
            f"accord review: {cid} is a region of {len(holders)} findings ({', '.join(holders)}): choose one of them",
            file=sys.stderr,
        )
        return None
    return cid


def _history(cid: str, fmt: str, out: Path, reviews_path: Path) -> int:
    """`accord review history ID`: the disposition and its history; 2 when the id is neither reviewed nor reported."""
    import json

    from engine.reportdata import disposition_text
    from engine.review import ReviewsUnusable, disposition_history, find_conflict, load_report, load_reviews

    if not re.fullmatch(r"C-[0-9a-f]{10}", cid):
        print(f"accord review: {_safe(cid)!r} is not a conflict id (C- and 10 hex digits)", file=sys.stderr)
        return 2
    reviews, diags = load_reviews(reviews_path)
    if diags:
        raise ReviewsUnusable(diags)
    report = load_report(out)
    entry = (reviews.get("conflicts") or {}).get(cid)
    in_report = report is not None and find_conflict(report, cid) is not None
    if entry is None and not in_report:
        why = (
            f"{cid} is neither a conflict in {out / 'report.json'} nor has a disposition in {reviews_path}"
            if report is not None
            else f"{cid} has no disposition in {reviews_path} (and there is no {out / 'report.json'})"
        )
        print(f"accord review: unknown conflict: {_safe(why)}", file=sys.stderr)
        return 2
    orphaned = None if report is None else not in_report
    if fmt == "json":
        doc: dict[str, Any] = {"id": cid, "disposition": None, "history": [], "orphaned": orphaned}
        if entry is not None:
            doc["disposition"] = {k: v for k, v in entry.items() if k not in ("history", "migrated_from", "migration")}
            doc["history"] = entry.get("history", [])
            for key in ("migrated_from", "migration"):
                if key in entry:
                    doc[key] = entry[key]
        print(json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True))
        return 0
    if entry is None:
        print(f"{cid}: no disposition yet")
        return 0
    mark = "  [orphaned: conflict no longer exists]" if orphaned else ""
    print(
        f"{cid}: {_safe(disposition_text(entry['disposition']))} by {_safe(entry['reviewer'])} on {entry['date']}{mark}"
    )
    steps = disposition_history(entry)
    for i, step in enumerate(steps):
        label = "now    " if i == 0 else "earlier"
        note = f": {_safe(step['note'])}" if step.get("note") else ""
        print(
            f"  {label}  {step['date']}  {_safe(step['reviewer'])}  {_safe(disposition_text(step['disposition']))}{note}"
        )
    if len(steps) == 1:
        print("  (no earlier dispositions)")
    if entry.get("migrated_from"):
        why = f": {_safe(entry['migration'])}" if entry.get("migration") else ""
        print(f"  migrated from {', '.join(entry['migrated_from'])}{why}")
    return 0


def _safe(text: str) -> str:
    """Text for the terminal: control characters and undecodable bytes shown escaped, never sent raw."""
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in text)
