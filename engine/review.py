"""Review workflow: conflict dispositions and claim review steps, recorded in conflicts/reviews.yaml.

Claim status moves draft -> submitted -> under_review -> approved | rejected,
and approved/rejected -> under_review for a re-review. TRANSITIONS below is the
single definition of what is allowed. Every step is appended to reviews.yaml
(`claims: {claim-id: [{from, status, reviewer, date, note}]}`) and the
claim's `status:` in its ruleset file is changed by a targeted replacement at
the node's character offsets (engine.claimedit), so comments, ordering and
formatting of the ruleset stay as they were. Files are written atomically.

A disposition (`{source_correct: <id>}`, all_wrong, not_a_conflict,
needs_expert) is kept by conflict id. When the conflict disappears the
disposition is orphaned: kept, and reported, never dropped. Recording a new
disposition on a conflict that has one keeps the old one: it is appended to the
entry's `history` (oldest first, without its own history, `replaced_by` the new
reviewer), so a disposition's changes are kept like claim review steps.
Recording the same disposition and note again by the same reviewer changes
nothing (save_disposition says so).
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, cast

from engine.atomic import write_atomic
from engine.diagnostics import Diagnostic
from engine.filelock import locked
from engine.fingerprint import judged_of
from engine.folders import REVIEWS
from engine.loader import LoadError, load_file
from engine.reportdata import (
    ConflictData,
    DispositionEntry,
    DispositionValue,
    EarlierDisposition,
    Report,
    Reviews,
    ReviewStep,
    Status,
)
from engine.yamltext import UnwritableText, check_text, dump_block, reads_back

if TYPE_CHECKING:
    from engine.migrate import Migration

T = TypeVar("T")
REPORT_MAX_BYTES = 64 * 1024 * 1024

STATUSES = ("draft", "submitted", "under_review", "approved", "rejected")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "draft": ("submitted",),
    "submitted": ("under_review",),
    "under_review": ("approved", "rejected"),
    "approved": ("under_review",),
    "rejected": ("under_review",),
}
DISPOSITIONS = ("source_correct", "all_wrong", "not_a_conflict", "needs_expert")
CONFLICT_ID = re.compile(r"C-[0-9a-f]{10}")


class ReviewError(ValueError):
    """A review step that is not allowed or cannot be recorded; the message says why."""


class ReviewsUnusable(ReviewError):
    """reviews.yaml cannot be read or does not match its schema: `diagnostics` locate each problem."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(d.format() for d in diagnostics))
        self.diagnostics = diagnostics


# Reviewer names and notes end up in report.md and terminal output: one line, no control characters,
# and (names) none of the characters that make Markdown or HTML structure. schema/reviews.schema.json says the same.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")
_NAME_MARKUP = re.compile(r"[<>|`\[\]\\*]")
MAX_REVIEWER = 100
MAX_NOTE = 2000


def check_reviewer(reviewer: str) -> str:
    """The reviewer name, or ReviewError saying what is wrong with it (before anything is written)."""
    if not isinstance(reviewer, str) or not reviewer.strip():
        raise ReviewError("a reviewer name is required")
    try:
        check_text(reviewer, "the reviewer name")
    except UnwritableText as exc:
        raise ReviewError(str(exc)) from None
    if _CONTROL.search(reviewer):
        raise ReviewError("the reviewer name must be one line without control characters")
    if _NAME_MARKUP.search(reviewer):
        raise ReviewError("the reviewer name must not contain < > | ` [ ] \\ or * (it is shown in report.md)")
    if reviewer != reviewer.strip():
        raise ReviewError("the reviewer name must not start or end with spaces")
    if len(reviewer) > MAX_REVIEWER:
        raise ReviewError(f"the reviewer name is longer than {MAX_REVIEWER} characters")
    return reviewer


def check_note(note: str) -> str:
    """The note, or ReviewError: one line, no control characters, at most MAX_NOTE characters."""
    try:
        check_text(note, "the note")
    except UnwritableText as exc:
        raise ReviewError(str(exc)) from None
    if _CONTROL.search(note):
        raise ReviewError("the note must be one line without control characters (no newlines or tabs)")
    if len(note) > MAX_NOTE:
        raise ReviewError(f"the note is longer than {MAX_NOTE} characters")
    return note


def check_date(date: str | None) -> str:
    """`date` (YYYY-MM-DD, a real calendar date) or today; ReviewError otherwise."""
    if date is None:
        return today()
    if not isinstance(date, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", date):
        raise ReviewError(f"the date must be YYYY-MM-DD, not {date!r}")
    try:
        _dt.date.fromisoformat(date)
    except ValueError:
        raise ReviewError(f"{date} is not a calendar date") from None
    return date


def allowed(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, ())


def today() -> str:
    return _dt.date.today().isoformat()


def empty_reviews() -> Reviews:
    return {"accord": 1, "conflicts": {}, "claims": {}}


def load_reviews(path: str | os.PathLike[str]) -> tuple[Reviews, list[Diagnostic]]:
    """reviews.yaml as data (empty when the file does not exist) and any problems with it."""
    from engine.contract import validator
    from engine.validate import schema_diagnostics

    if not Path(path).exists():
        return empty_reviews(), []
    try:
        doc = load_file(path)
    except LoadError as exc:
        return empty_reviews(), [exc.diagnostic]
    if doc.data is None:
        return empty_reviews(), []
    diags = schema_diagnostics(doc, "reviews") if validator("reviews") else []
    if diags:
        return empty_reviews(), diags
    data = empty_reviews()
    data.update(cast(Reviews, doc.data))  # schema-valid: the types hold
    data.setdefault("conflicts", {})
    data.setdefault("claims", {})
    return data, []


def dump_reviews(data: Reviews) -> str:
    """Deterministic YAML: sorted keys, block style, every string quoted unless it is a plain word (engine.yamltext)."""

    def entry(item: Any) -> Any:
        return _sorted_entry(item)

    ordered = {
        "accord": 1,
        "claims": {
            k: [entry(s) for s in v] if isinstance(v, list) else v
            for k, v in sorted((data.get("claims") or {}).items())
        },
        "conflicts": {k: entry(v) for k, v in sorted((data.get("conflicts") or {}).items())},
    }
    return dump_block(ordered)


def reviews_problems(data: Reviews) -> list[str]:
    """What makes `data` not a valid reviews.yaml, each with its JSON pointer (empty when valid)."""
    from engine.contract import validator
    from engine.loader import pointer

    out = []
    for error in validator("reviews").iter_errors(data):
        where = pointer(tuple(error.absolute_path)) or "/"
        out.append(f"{where}: {error.message[:200]}")
    return out


def reviews_text(data: Reviews) -> str:
    """The reviews.yaml text for `data`, checked: schema-valid and reads back as exactly `data`; ReviewError otherwise."""
    problems = reviews_problems(data)
    if problems:
        raise ReviewError("not recorded: " + "; ".join(problems[:3]))
    try:
        text = dump_reviews(data)
    except UnwritableText as exc:
        raise ReviewError(f"not recorded: {exc}") from None
    expected: Reviews = {"accord": 1, "claims": data.get("claims") or {}, "conflicts": data.get("conflicts") or {}}
    if not reads_back(text, _sorted_like(expected)):
        raise ReviewError("not recorded: reviews.yaml would not read back as what was recorded")
    return text


def _sorted_entry(item: Any) -> Any:
    """A conflict entry or review step with sorted keys, and so each item of its history."""
    if not isinstance(item, dict):
        return item
    return {
        k: [_sorted_entry(i) for i in v] if k == "history" and isinstance(v, list) else v
        for k, v in sorted(item.items())
    }


def _sorted_like(data: Reviews) -> dict[str, Any]:
    def entry(item: Any) -> Any:
        return _sorted_entry(item)

    return {
        "accord": 1,
        "claims": {k: [entry(s) for s in v] for k, v in sorted(data["claims"].items())},
        "conflicts": {k: entry(v) for k, v in sorted(data["conflicts"].items())},
    }


def save_reviews(path: str | os.PathLike[str], data: Reviews) -> bool:
    """Write reviews.yaml atomically, only when its bytes change. True when written.

    Writes `data` as given: a caller that read the file earlier should use
    update_reviews, which re-reads it under the lock.
    """
    text = reviews_text(data)
    p = Path(path)
    if p.exists() and p.read_text(encoding="utf-8") == text:
        return False
    p.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(p, text)
    return True


def update_reviews(path: str | os.PathLike[str], change: Callable[[Reviews], T]) -> tuple[T, Reviews]:
    """Read-modify-write of reviews.yaml under its lock: re-read, `change(data)`, check, write. (result, data).

    Nothing is written when `change` raises or the result would not be a
    valid reviews.yaml that reads back identically.
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with locked(p):
        data = _reviews_or_raise(p)
        result = change(data)
        save_reviews(p, data)
        return result, data


def _reviews_or_raise(path: Path) -> Reviews:
    data, diags = load_reviews(path)
    if diags:
        raise ReviewsUnusable(diags)
    return data


def load_report(folder: str | os.PathLike[str]) -> Report | None:
    """The folder's report.json, checked against schema/report.schema.json; None when there is none.

    ReviewError (file, line:col or JSON pointer) when it cannot be read or does
    not match the contract: a tampered report is refused before anything is written.
    """
    from engine.contract import validator
    from engine.validate import schema_diagnostics

    path = Path(folder) / "report.json"
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ReviewError(f"{path}:1:1: cannot read file: {exc.strerror or exc}") from None
    key = (os.path.abspath(path), st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)
    if key in _checked_reports:  # the same file, already checked (before the lock, then under it)
        return _checked_reports[key]
    try:
        doc = load_file(path, max_bytes=REPORT_MAX_BYTES)
    except LoadError as exc:
        raise ReviewError(exc.diagnostic.format()) from None
    if not isinstance(doc.data, dict) or validator("report").is_valid(doc.data) is False:
        diags = schema_diagnostics(doc, "report")
        if diags or not isinstance(doc.data, dict):
            shown = "; ".join(d.format() for d in diags[:3]) or f"{path}:1:1: not a report"
            raise ReviewError(
                f"{path} does not match schema/report.schema.json (run `accord conflicts` to rewrite it): {shown}"
            )
    report = cast(Report, doc.data)  # schema-valid: the types hold
    _checked_reports.clear()
    _checked_reports[key] = report
    return report


_checked_reports: dict[tuple[Any, ...], Report] = {}


def report_or_problem(folder: str | os.PathLike[str]) -> tuple[Report | None, str | None]:
    """load_report for readers that show rather than refuse (the workbench): (report, None), (None, why), or (None, None) when absent.

    The report is checked against its schema here, in the engine, so no
    screen parses report.json itself or reads a key the contract does not promise.
    """
    try:
        return load_report(folder), None
    except ReviewError as exc:
        return None, str(exc)


def _refreshed_report_files(folder: Path, report: Report, reviews: Reviews) -> dict[str, str]:
    """report.json and report.md with the dispositions from `reviews`, rendered before anything is written."""
    from engine.report import refresh_dispositions, rendered

    try:
        return rendered(refresh_dispositions(report, reviews), out_dir=folder)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise ReviewError(
            f"{folder / 'report.json'} cannot be refreshed ({type(exc).__name__}: {str(exc)[:80]}); "
            "run `accord conflicts` to rewrite it"
        ) from None


class Recorded(NamedTuple):
    """What save_disposition did: the conflict's entry now, all reviews, and whether anything changed."""

    entry: DispositionEntry
    reviews: Reviews
    changed: bool  # False: the same disposition and note by the same reviewer was already recorded


def save_disposition(
    path: str | os.PathLike[str],
    conflict: str,
    kind: str,
    reviewer: str,
    note: str = "",
    source: str | None = None,
    date: str | None = None,
    conflict_sources: list[str] | None = None,
    refresh_report: bool = True,
) -> Recorded:
    """Record one disposition in reviews.yaml at `path` and refresh the report beside it: the one disposition flow.

    `accord review conflict` and the workbench's conflicts screen both call
    this. The arguments are checked first; then, under reviews.yaml's lock,
    the report (if any, with `refresh_report`) and reviews.yaml are re-read and
    checked, the conflict must be in the report and `source` one of its
    sources, and only then are reviews.yaml and the report's copies of the
    dispositions written: two concurrent reviewers never leave a report
    missing the other's disposition. A disposition the conflict already has is
    kept in the entry's history (record_disposition). Recorded(entry, all
    reviews, changed): `changed` is False when the same disposition and note by
    the same reviewer was already the current one (nothing recorded).
    """
    check_disposition(conflict, kind, reviewer, note, source, date)
    p = Path(path)
    folder = p.parent
    folder.mkdir(parents=True, exist_ok=True)
    with locked(p):
        report = load_report(folder) if refresh_report else None
        data = _reviews_or_raise(p)
        sources = conflict_sources
        found = None
        if report is not None:
            found = find_conflict(report, conflict)
            if found is None:
                raise ReviewError(f"no conflict {conflict} in {folder / 'report.json'}; run `accord conflicts` first")
            sources = found["sources"]
        before = (data.get("conflicts") or {}).get(conflict)
        entry = record_disposition(data, conflict, kind, reviewer, note, source, date, sources)
        judged = judged_of(found) if found is not None else {}
        if judged and entry.get("judged") != judged:  # what this decision judged (engine.fingerprint)
            entry = cast(DispositionEntry, {**entry, "judged": judged})
            data.setdefault("conflicts", {})[conflict] = entry
        text = reviews_text(data)
        files = _refreshed_report_files(folder, report, data) if report is not None else {}
        if not (p.exists() and p.read_text(encoding="utf-8") == text):
            write_atomic(p, text)
        from engine.report import write_if_changed

        for name, body in files.items():
            write_if_changed(folder / name, body)
    return Recorded(entry, data, entry is not before)


def write_report_with_reviews(
    folder: str | os.PathLike[str],
    report: Report,
    reviews_path: str | os.PathLike[str] | None = None,
    charts: Mapping[str, str] | None = None,
    memo_key: str = "",
) -> tuple[list[str], Report]:
    """Write an analysed report with the dispositions reviews.yaml holds now, under its lock; (changed files, report).
    `memo_key`: engine.report.write_report's (the report cache's key, so findings rendered before are reused).

    The analysis takes a while and its copy of the reviews is as old as its
    start: a disposition recorded meanwhile is in the file, not in the copy.
    Re-reading under the lock save_disposition takes means the report written
    never drops it. ReviewsUnusable (located) when reviews.yaml is broken:
    then nothing is written.
    """
    from engine.report import refresh_dispositions, write_report

    out = Path(folder)
    p = Path(reviews_path) if reviews_path is not None else out / REVIEWS
    p.parent.mkdir(parents=True, exist_ok=True)
    with locked(p):
        reviews = _reviews_or_raise(p)
        fresh = refresh_dispositions(report, reviews)
        out.mkdir(parents=True, exist_ok=True)
        changed = write_report(out, fresh, charts, memo_key)
    return changed, fresh


def find_conflict(report: Report, conflict: str) -> ConflictData | None:
    """The report's conflict with id `conflict`, or None."""
    return next((c for c in report["conflicts"] if c["id"] == conflict), None)


def check_disposition(
    conflict: str, kind: str, reviewer: str, note: str = "", source: str | None = None, date: str | None = None
) -> str:
    """Every argument of a disposition checked before any file is read: the date (today when None), or ReviewError."""
    date = check_date(date)
    if not isinstance(conflict, str) or not CONFLICT_ID.fullmatch(conflict):
        raise ReviewError(f"{conflict!r} is not a conflict id (C- and 10 hex digits)")
    check_reviewer(reviewer)
    check_note(note)
    disposition_value(kind, source)
    return date


def disposition_value(kind: str, source: str | None) -> DispositionValue:
    if kind not in DISPOSITIONS:
        raise ReviewError(f"unknown disposition {kind!r}; one of {', '.join(DISPOSITIONS)}")
    if kind == "source_correct":
        if not source:
            raise ReviewError("disposition source_correct needs --source SOURCE")
        if not isinstance(source, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", source):
            raise ReviewError(f"{source!r} is not a source id (lower-case letters, digits and -)")
        return {"source_correct": source}
    if source:
        raise ReviewError(f"--source is only for source_correct, not {kind}")
    return cast(DispositionValue, kind)


def record_disposition(
    data: Reviews,
    conflict: str,
    kind: str,
    reviewer: str,
    note: str = "",
    source: str | None = None,
    date: str | None = None,
    conflict_sources: list[str] | None = None,
) -> DispositionEntry:
    """Set the disposition of a conflict in `data` (reviews) and return the entry (every field checked first).

    A disposition the conflict already had is appended to the new entry's
    `history` (its own history left out; `replaced_by` the new reviewer), and
    `migrated_from`/`migration` stay with the entry. When the current entry is
    already this disposition and note by this reviewer (repeats), nothing
    changes and that same entry object is returned.
    """
    check_reviewer(reviewer)
    check_note(note)
    date = check_date(date)
    if not isinstance(conflict, str) or not CONFLICT_ID.fullmatch(conflict):
        raise ReviewError(f"{conflict!r} is not a conflict id (C- and 10 hex digits)")
    value = disposition_value(kind, source)
    if source and conflict_sources is not None and source not in conflict_sources:
        raise ReviewError(f"source {source!r} is not one of the conflict's sources ({', '.join(conflict_sources)})")
    conflicts = data.setdefault("conflicts", {})
    old = conflicts.get(conflict)
    if old is not None and repeats(old, value, reviewer, note):
        return old
    entry: DispositionEntry = {"disposition": value, "reviewer": reviewer, "date": date}
    if note:
        entry["note"] = note
    if old is not None:
        entry["history"] = [*old.get("history", []), earlier(old, replaced_by=reviewer)]
        if "migrated_from" in old:
            entry["migrated_from"] = list(old["migrated_from"])
        if "migration" in old:
            entry["migration"] = old["migration"]
    conflicts[conflict] = entry
    return entry


def repeats(entry: DispositionEntry, value: DispositionValue, reviewer: str, note: str = "") -> bool:
    """True when `entry` already is disposition `value` with `note` by `reviewer` (recording it again changes nothing)."""
    return entry["disposition"] == value and entry["reviewer"] == reviewer and entry.get("note", "") == note


def earlier(entry: DispositionEntry, replaced_by: str | None = None) -> EarlierDisposition:
    """`entry` as an item of a history: its disposition, reviewer, date and note, without its own history."""
    out: EarlierDisposition = {
        "disposition": entry["disposition"],
        "reviewer": entry["reviewer"],
        "date": entry["date"],
    }
    if "note" in entry:
        out["note"] = entry["note"]
    if replaced_by is not None:
        out["replaced_by"] = replaced_by
    return out


def disposition_history(entry: DispositionEntry) -> list[EarlierDisposition]:
    """Every disposition of a conflict, latest first: the current one (without replaced_by), then its history."""
    return [earlier(entry), *reversed(entry.get("history", []))]


# ---------------------------------------------------------------- claims


def find_claim(rulesets_dir: str | os.PathLike[str], claim_id: str) -> tuple[Path, Any, int]:
    """(ruleset path, document, claim index) of the claim, searching the folder's ruleset files."""
    from engine.claimedit import claim_index

    folder = Path(rulesets_dir)
    if not folder.is_dir():
        raise ReviewError(f"{folder}: no such rulesets folder")
    source = claim_id.split("/", 1)[0]
    candidates = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml", ".json") and p.is_file())
    candidates.sort(key=lambda p: p.stem != source)
    for path in candidates:
        try:
            doc = load_file(path)
        except LoadError:
            continue
        if not isinstance(doc.data, dict) or "claims" not in doc.data:
            continue
        index = claim_index(doc, claim_id)
        if index is not None:
            return path, doc, index
    raise ReviewError(f"no claim {claim_id!r} in {folder}")


def _submitter(steps: list[ReviewStep]) -> str | None:
    """Who last moved the claim to submitted, if its history says."""
    for step in reversed(steps):
        if step.get("status") == "submitted":
            return str(step.get("reviewer", "")) or None
    return None


def change_claim_status(
    rulesets_dir: str | os.PathLike[str],
    reviews_path: str | os.PathLike[str],
    claim_id: str,
    status: str,
    reviewer: str,
    note: str,
    date: str | None = None,
    self_approve: bool = False,
) -> ReviewStep:
    """Move a claim to `status`: check the transition, edit the ruleset in place, append the step.

    Four eyes: the reviewer who submitted a claim cannot approve it, unless `self_approve` (a
    one-person team) says so, and the step records it.

    Holds the ruleset's lock, then reviews.yaml's (always in that order), and
    re-reads both under them, so concurrent steps are serialised and none is
    lost. Everything is checked before either file is written; if reviews.yaml
    cannot be written the ruleset is put back as it was.
    """
    from engine.claimedit import claim_index, set_claim_status

    if status not in STATUSES:
        raise ReviewError(f"unknown status {status!r}; one of {', '.join(STATUSES)}")
    check_reviewer(reviewer)
    if not isinstance(note, str) or not note.strip():
        raise ReviewError("a note is required at every review step")
    check_note(note)
    date = check_date(date)
    path, _doc, _index = find_claim(rulesets_dir, claim_id)
    rpath = Path(reviews_path)
    rpath.parent.mkdir(parents=True, exist_ok=True)
    with locked(path), locked(rpath):
        try:
            doc = load_file(path)
        except LoadError as exc:
            raise ReviewError(exc.diagnostic.format()) from None
        index = claim_index(doc, claim_id)
        if index is None:
            raise ReviewError(
                f"no claim {claim_id!r} in {path} any more (it changed while this step was being recorded)"
            )
        current = doc.data["claims"][index].get("status")
        if not allowed(str(current), status):
            nexts = ", ".join(TRANSITIONS.get(str(current), ())) or "nothing"
            raise ReviewError(f"{claim_id} is {current}; it can move to {nexts}, not {status}")
        try:
            new_text = set_claim_status(doc, claim_id, status)
        except ValueError as exc:
            raise ReviewError(f"{path}: {exc}") from None
        data = _reviews_or_raise(rpath)
        submitter = _submitter(data.get("claims", {}).get(claim_id, []))
        own = status == "approved" and submitter is not None and submitter.casefold() == reviewer.casefold()
        if own and not self_approve:
            raise ReviewError(
                f"{reviewer} submitted {claim_id}; approving it needs another reviewer (four eyes). "
                "A one-person team may pass --self-approve, which the review step records"
            )
        step: ReviewStep = {
            "from": cast(Status, current),
            "status": cast(Status, status),
            "reviewer": reviewer,
            "date": date,
            "note": note,
        }
        if own:
            step["self_approved"] = True
        data.setdefault("claims", {}).setdefault(claim_id, []).append(step)
        text = reviews_text(data)
        write_atomic(path, new_text)
        try:
            if not (rpath.exists() and rpath.read_text(encoding="utf-8") == text):
                write_atomic(rpath, text)
        except OSError:
            write_atomic(path, doc.text)
            raise
    return step


def migrate_folder(
    folder: str | os.PathLike[str], reviews_path: str | os.PathLike[str], dry_run: bool = False
) -> Migration:
    """`accord review migrate`: reviews.yaml rewritten under its lock against the folder's report.json, and the
    report refreshed. With `dry_run` nothing is written. ReviewError when there is no report to map ids by."""
    from engine.migrate import migrated_reviews

    report = load_report(folder)
    if report is None:
        raise ReviewError(f"no report.json in {folder}: run `accord conflicts` first, then migrate")
    findings = report.get("conflicts", [])
    if dry_run:
        reviews, diags = load_reviews(reviews_path)
        if diags:
            raise ReviewError("; ".join(d.format() for d in diags))
        return migrated_reviews(reviews.get("conflicts") or {}, findings)[1]

    def change(data: Any) -> Migration:
        kept, result = migrated_reviews(data.get("conflicts") or {}, findings)
        data["conflicts"] = kept
        return result

    result, _ = update_reviews(reviews_path, change)
    write_report_with_reviews(folder, report, reviews_path)
    return result
