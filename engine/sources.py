"""Register a new source, and replace a source's text saying exactly what the change touches.

`add_source` copies a file (text, Markdown or HTML, engine.extract) into
`sources/<id>.txt`, writes `<id>.yaml` with the source block (sha256 computed,
`retrieved` today unless given, `extracted_from` when the text is not the file
byte for byte) and an empty claim list, and validates it; a refused id, an
existing source, or a binary, empty or oversized file raise SourceError before
anything is written, and a failed write or validation removes what was written.

`plan_update` reads the new text and re-anchors every claim's quote and every
exclusion (engine.anchoring: exact, moved, fuzzy, lost), lists the sentences
that are new and neither claimed nor excluded, and, unless asked not to, runs the
conflict analysis before and after (engine.report.fresh_report with the
project's settings and reviews) to say which findings appear and disappear and
which dispositions must be reviewed again. Nothing is written: `apply_update`
writes the plan, refusing when a quote was lost (unless allowed) or either file
changed since it was planned. The ruleset is edited in place (engine.yamltext
scalars at the nodes' offsets), so comments and layout stay; a claim whose words
changed goes back to `submitted` with a note saying why, and a claim whose quote
was found with the same words and context gets `verified` set to the day.
"""

from __future__ import annotations

import copy
import datetime as _dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.anchoring import EXACT, FUZZY, LOST, MOVED, Anchoring, anchor
from engine.atomic import FileStamp, changed_since, write_atomic
from engine.coverage import UNREVIEWED, Sentence, coverage_of_text, split_sentences
from engine.diagnostics import Diagnostic
from engine.extract import Extracted, NotText, extract
from engine.model import Provenance, Ruleset
from engine.provenance import CONTEXT, inside, sha256_text
from engine.safefile import MAX_BYTES, FileRefused, read_project_file
from engine.yamltext import (
    UnwritableText,
    is_json_path,
    json_block,
    json_indent_unit,
    line_end,
    line_start,
    plain_or_quoted,
    quoted,
)

if TYPE_CHECKING:
    from engine.loader import Document
    from engine.reportdata import Report

MAX_ID = 100  # characters of a source id: it names two files
NOTE_MAX = 5000  # the claim schema's note maxLength


class SourceError(ValueError):
    """Why a source cannot be added or updated; the message names the file or id and says what to do."""


# ---------------------------------------------------------------- shared


def id_problem(source_id: str) -> str | None:
    """Why `source_id` cannot be a source id (the ruleset schema's pattern), or None."""
    from engine.contract import schema_json

    pattern = schema_json("ruleset")["properties"]["source"]["properties"]["id"]["pattern"]
    if not isinstance(source_id, str) or not source_id:
        return "a source id is required"
    if len(source_id) > MAX_ID:
        return f"a source id has at most {MAX_ID} characters"
    if not re.search(pattern, source_id):
        return (
            f"{quoted(source_id, 'the id')} is not a source id: lower-case letters, digits and '-', starting with a "
            "letter or digit (for example nhs-baricitinib)"
        )
    return None


def check_date(date: str | None, what: str = "the date") -> str:
    """`date` (YYYY-MM-DD, a calendar date) or today; SourceError otherwise."""
    if date is None:
        return _dt.date.today().isoformat()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", date):
        raise SourceError(f"{what} must be YYYY-MM-DD, not {quoted(date, what)}")
    try:
        _dt.date.fromisoformat(date)
    except ValueError:
        raise SourceError(f"{what} {date} is not a calendar date") from None
    return date


def read_input(path: str | os.PathLike[str], encoding: str | None = None) -> Extracted:
    """The text of a file handed in as a source (a regular file, at most the loader's limit), or SourceError."""
    shown = quoted(os.fspath(path), "the path")
    real = os.path.realpath(path)
    try:
        data = read_project_file(real, root=os.path.dirname(real), max_bytes=MAX_BYTES)
    except FileRefused as exc:
        raise SourceError(f"{shown}: {exc.message}") from None
    try:
        extracted, _title = extract(data, os.fspath(path), encoding)
    except NotText as exc:
        raise SourceError(f"{shown}: {exc}") from None
    return extracted


def _existing(folder: Path, source_id: str) -> Path | None:
    for candidate in (
        folder / f"{source_id}.yaml",
        folder / f"{source_id}.yml",
        folder / f"{source_id}.json",
        folder / "sources" / f"{source_id}.txt",
    ):
        if candidate.exists() or candidate.is_symlink():
            return candidate
    return None


# ---------------------------------------------------------------- add


@dataclass
class AddedSource:
    ruleset_path: Path
    text_path: Path
    extracted: Extracted
    title: str
    diagnostics: list[Diagnostic] = field(default_factory=list)  # warnings of the new ruleset (no errors)


def source_yaml(block: dict[str, Any], schema_ref: str | None) -> str:
    """The new ruleset's text: the source block one key a line, every string quoted, an empty claim list."""
    lines = [f"# yaml-language-server: $schema={schema_ref}"] if schema_ref else []
    lines += ["accord: 1", "source:"]
    for key, value in block.items():
        rendered = plain_or_quoted(value, key) if key in ("id", "kind", "text", "sha256") else quoted(value, key)
        lines.append(f"  {key}: {rendered}")
    lines.append("claims: []")
    return "\n".join(lines) + "\n"


def add_source(
    rulesets_dir: str | os.PathLike[str],
    input_path: str | os.PathLike[str],
    source_id: str,
    *,
    title: str | None = None,
    url: str | None = None,
    retrieved: str | None = None,
    kind: str | None = None,
    encoding: str | None = None,
) -> AddedSource:
    """Register `input_path` as source `source_id` in `rulesets_dir` (see the module docstring)."""
    from engine.contract import schema_json, validator
    from engine.filelock import locked
    from engine.loader import LoadError, load_file, load_text
    from engine.validate import validate_ruleset_document

    folder = Path(rulesets_dir)
    if not folder.is_dir():
        raise SourceError(f"{quoted(os.fspath(folder), 'the folder')}: no such rulesets folder")
    problem = id_problem(source_id)
    if problem:
        raise SourceError(problem)
    taken = _existing(folder, source_id)
    if taken is not None:
        raise SourceError(f"source {source_id} exists already ({taken}); to replace its text: accord source update")
    kinds = schema_json("ruleset")["properties"]["source"]["properties"]["kind"]["enum"]
    if kind is not None and kind not in kinds:
        raise SourceError(f"kind must be one of {', '.join(kinds)}, not {quoted(kind, 'the kind')}")
    retrieved = check_date(retrieved, "the retrieved date")
    shown = quoted(os.fspath(input_path), "the path")
    real = os.path.realpath(input_path)
    try:
        data = read_project_file(real, root=os.path.dirname(real), max_bytes=MAX_BYTES)
        extracted, found_title = extract(data, os.fspath(input_path), encoding)
    except FileRefused as exc:
        raise SourceError(f"{shown}: {exc.message}") from None
    except NotText as exc:
        raise SourceError(f"{shown}: {exc}") from None
    chosen_title = (title if title is not None else found_title).strip() or source_id
    block: dict[str, Any] = {"id": source_id, "title": chosen_title}
    if kind:
        block["kind"] = kind
    if url:
        block["url"] = url
    block["retrieved"] = retrieved
    block["text"] = f"sources/{source_id}.txt"
    block["sha256"] = sha256_text(extracted.text)
    origin = extracted.extracted_from()
    if origin:
        block["extracted_from"] = origin
    schema_file = folder.resolve().parent / "schema" / "ruleset.schema.json"
    try:
        text = source_yaml(block, "../schema/ruleset.schema.json" if schema_file.is_file() else None)
    except UnwritableText as exc:
        raise SourceError(str(exc)) from None
    ruleset_path = folder / f"{source_id}.yaml"
    text_path = folder / "sources" / f"{source_id}.txt"
    doc = load_text(text, str(ruleset_path))  # the schema first: a title or url it refuses is said before writing
    errors = [
        f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message[:200]}"
        for e in validator("ruleset").iter_errors(doc.data)
    ]
    if errors:
        raise SourceError("the source block would not be valid: " + "; ".join(errors))
    (folder / "sources").mkdir(exist_ok=True)
    if not inside(folder, text_path.parent):
        raise SourceError(f"{folder / 'sources'} resolves outside the rulesets folder; nothing was written")
    with locked(ruleset_path):
        taken = _existing(folder, source_id)
        if taken is not None:  # someone registered it meanwhile
            raise SourceError(f"source {source_id} exists already ({taken})")
        written: list[Path] = []
        try:
            write_atomic(text_path, extracted.text)
            written.append(text_path)
            write_atomic(ruleset_path, text)
            written.append(ruleset_path)
            try:
                loaded = load_file(ruleset_path, root=folder)
            except LoadError as exc:
                raise SourceError(exc.diagnostic.format()) from None
            ruleset, found = validate_ruleset_document(loaded)
            if ruleset is None:
                raise SourceError("the new ruleset does not validate: " + "; ".join(d.format() for d in found))
        except BaseException:
            for path in written:
                try:
                    path.unlink()
                except OSError:
                    pass
            raise
    return AddedSource(ruleset_path, text_path, extracted, chosen_title, found)


# ---------------------------------------------------------------- update: the plan


@dataclass(frozen=True)
class QuoteChange:
    """One claim's (or exclusion's) quote in the new text."""

    kind: str  # claim or exclusion
    id: str  # claim id, or "excluded[i]"
    index: int
    anchoring: Anchoring
    old_start: int
    old_end: int
    old_exact: str
    new_exact: str

    @property
    def state(self) -> str:
        return self.anchoring.state

    def to_json(self) -> dict[str, Any]:
        a = self.anchoring
        out: dict[str, Any] = {
            "kind": self.kind,
            "id": self.id,
            "state": a.state,
            "old": {"start": self.old_start, "end": self.old_end, "exact": self.old_exact},
        }
        if a.state != LOST:
            out["new"] = {"start": a.start, "end": a.end, "exact": self.new_exact}
            out["context_same"] = a.context_same
        if a.state in (FUZZY, LOST):
            out["similarity"] = a.similarity
        return out


@dataclass
class ConflictDiff:
    """Findings of the conflict analysis before and after the new text."""

    appeared: list[dict[str, Any]] = field(default_factory=list)
    disappeared: list[dict[str, Any]] = field(default_factory=list)
    review_again: list[dict[str, Any]] = field(default_factory=list)  # dispositions to review again after
    skipped: str = ""  # why the analysis was not run

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "appeared": self.appeared,
            "disappeared": self.disappeared,
            "review_again": self.review_again,
        }
        if self.skipped:
            out["skipped"] = self.skipped
        return out


@dataclass
class UpdatePlan:
    """Everything `accord source update` would do, before it does it."""

    source_id: str
    ruleset_path: Path
    text_path: Path
    old_text: str
    extracted: Extracted
    date: str
    changes: list[QuoteChange]
    new_sentences: list[Sentence]
    conflicts: ConflictDiff
    new_ruleset_text: str
    ruleset_stamp: FileStamp | None
    text_stamp: FileStamp | None

    @property
    def new_text(self) -> str:
        return self.extracted.text

    @property
    def same_text(self) -> bool:
        return self.old_text == self.new_text

    def count(self, state: str, kind: str = "claim") -> int:
        return sum(c.state == state and c.kind == kind for c in self.changes)

    @property
    def lost(self) -> list[QuoteChange]:
        return [c for c in self.changes if c.state == LOST]

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source_id,
            "ruleset": str(self.ruleset_path),
            "text": str(self.text_path),
            "same_text": self.same_text,
            "sha256": {"old": sha256_text(self.old_text), "new": sha256_text(self.new_text)},
            "extracted_from": self.extracted.extracted_from(),
            "date": self.date,
            "counts": {
                state: {"claims": self.count(state), "exclusions": self.count(state, "exclusion")}
                for state in (EXACT, MOVED, FUZZY, LOST)
            },
            "quotes": [
                c.to_json()
                for c in self.changes
                if c.state != EXACT or (c.kind == "claim" and not c.anchoring.context_same)
            ],
            "new_sentences": [s.to_json() for s in self.new_sentences],
            "conflicts": self.conflicts.to_json(),
        }


def _ruleset_of(folder: Path, source_id: str) -> tuple[Ruleset, list[Ruleset], Any]:
    """The source's valid ruleset, every valid ruleset of the folder, and the validation result; else SourceError."""
    from engine.validate import validate_paths

    result = validate_paths([folder], check_patients=False)
    ruleset = result.ruleset(source_id)
    if ruleset is None:
        if source_id in result.broken:
            errors = [
                d.format() for d in result.diagnostics if d.severity == "error" and d.path == result.broken[source_id]
            ]
            raise SourceError(
                f"the ruleset of {source_id} has errors; fix them first (accord validate): " + "; ".join(errors[:5])
            )
        raise SourceError(f"no source {source_id} in {folder} (accord source add registers one)")
    if not ruleset.text_path or ruleset.source_text is None:
        raise SourceError(f"{source_id} bundles no source text (a reference that cites the label): nothing to update")
    return ruleset, result.rulesets, result


def _changes(ruleset: Ruleset, old_text: str, new_text: str) -> list[QuoteChange]:
    sentences = split_sentences(new_text)
    out: list[QuoteChange] = []
    for claim in ruleset.claims:
        prov = claim.provenance
        if not prov.is_quote:
            continue
        a = anchor(new_text, prov, sentences)
        out.append(
            QuoteChange("claim", claim.id, claim.index, a, prov.start, prov.end, prov.exact, a.exact_in(new_text))
        )
    for i, excl in enumerate(ruleset.excluded):
        exact = excl.exact if excl.exact is not None else old_text[excl.start : excl.end]
        prov = Provenance(
            exact,
            excl.start,
            excl.end,
            old_text[max(0, excl.start - CONTEXT) : excl.start],
            old_text[excl.end : excl.end + CONTEXT],
        )
        a = anchor(new_text, prov, sentences)
        out.append(QuoteChange("exclusion", f"excluded[{i}]", i, a, excl.start, excl.end, exact, a.exact_in(new_text)))
    return out


def _new_sentences(old_text: str, new_text: str, changes: list[QuoteChange]) -> list[Sentence]:
    """Sentences of the new text that neither a claim nor an exclusion covers and that the old text did not have."""
    claimed = [(c.anchoring.start, c.anchoring.end) for c in changes if c.kind == "claim" and c.state != LOST]
    excluded = [(c.anchoring.start, c.anchoring.end) for c in changes if c.kind == "exclusion" and c.state != LOST]
    cov = coverage_of_text(
        new_text,
        [(a, b) for a, b in claimed if a is not None and b is not None],
        [(a, b) for a, b in excluded if a is not None and b is not None],
    )
    old = {s.text for s in split_sentences(old_text)}
    return [s for s, st in zip(cov.sentences, cov.status) if st == UNREVIEWED and s.text not in old]


def _clip_note(note: str) -> str:
    return note if len(note) <= NOTE_MAX else note[: NOTE_MAX - 1] + "…"


def _short(text: str, limit: int = 80) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


def _new_data(ruleset: Ruleset, changes: list[QuoteChange], extracted: Extracted, date: str, retrieved: str) -> Any:
    """The ruleset's data as it will be after the update."""
    assert ruleset.document is not None
    data = copy.deepcopy(ruleset.document.data)
    source = data["source"]
    source["sha256"] = sha256_text(extracted.text)
    source["retrieved"] = retrieved
    origin = extracted.extracted_from()
    if origin:
        source["extracted_from"] = origin
    else:
        source.pop("extracted_from", None)
    text = extracted.text
    for change in changes:
        a = change.anchoring
        if change.kind == "exclusion":
            item = data["excluded"][change.index]
            if a.state == LOST or a.start is None or a.end is None:
                continue
            item["start"], item["end"] = a.start, a.end
            if "exact" in item:
                item["exact"] = text[a.start : a.end]
            continue
        claim = data["claims"][change.index]
        prov = claim["provenance"]
        if a.state == LOST or a.start is None or a.end is None:
            why = f"Source update {date}: the quote {_short(change.old_exact)!r} is no longer in the source text"
            if claim.get("status") != "draft":
                claim["status"] = "submitted"
            claim["note"] = _clip_note((claim.get("note", "") + " " + why + "; re-quote or remove the claim.").strip())
            continue
        fresh = Provenance(
            text[a.start : a.end],
            a.start,
            a.end,
            text[max(0, a.start - CONTEXT) : a.start],
            text[a.end : a.end + CONTEXT],
        )
        prov["start"], prov["end"] = fresh.start, fresh.end
        if "prefix" in prov or fresh.prefix:
            prov["prefix"] = fresh.prefix
        if "suffix" in prov or fresh.suffix:
            prov["suffix"] = fresh.suffix
        if a.state == FUZZY:
            prov["exact"] = fresh.exact
            if claim.get("status") != "draft":
                claim["status"] = "submitted"
            why = (
                f"Source update {date}: the quote changed from {_short(change.old_exact)!r} to "
                f"{_short(fresh.exact)!r} ({round(100 * a.similarity)}% alike); check the reading again."
            )
            claim["note"] = _clip_note((claim.get("note", "") + " " + why).strip())
        elif a.context_same:
            claim["verified"] = date
    return data


def plan_update(
    rulesets_dir: str | os.PathLike[str],
    source_id: str,
    new_path: str | os.PathLike[str],
    *,
    retrieved: str | None = None,
    encoding: str | None = None,
    analyse_conflicts: bool = True,
    today: str | None = None,
    on_question: Callable[[str, int], None] | None = None,
) -> UpdatePlan:
    """What replacing the source's text by `new_path` does (see the module docstring); writes nothing."""
    folder = Path(rulesets_dir)
    if not folder.is_dir():
        raise SourceError(f"{quoted(os.fspath(folder), 'the folder')}: no such rulesets folder")
    problem = id_problem(source_id)
    if problem:
        raise SourceError(problem)
    date = check_date(today, "the date")
    retrieved = check_date(retrieved or date, "the retrieved date")
    ruleset, rulesets, _result = _ruleset_of(folder, source_id)
    old_text = ruleset.source_text or ""
    ruleset_stamp = FileStamp.of(ruleset.path)
    text_path = ruleset.resolve_text_path()
    text_stamp = FileStamp.of(text_path)
    extracted = read_input(new_path, encoding)
    changes = _changes(ruleset, old_text, extracted.text)
    new_sentences = _new_sentences(old_text, extracted.text, changes)
    data = _new_data(ruleset, changes, extracted, date, retrieved)
    assert ruleset.document is not None
    new_text = edited_text(ruleset.document, data)
    diff = ConflictDiff()
    if analyse_conflicts:
        diff = conflict_diff(folder, rulesets, ruleset, new_text, extracted.text, on_question)
    else:
        diff.skipped = "not analysed (--no-conflicts)"
    return UpdatePlan(
        source_id,
        Path(ruleset.path),
        text_path,
        old_text,
        extracted,
        date,
        changes,
        new_sentences,
        diff,
        new_text,
        ruleset_stamp,
        text_stamp,
    )


# ---------------------------------------------------------------- update: conflicts before and after


def _finding(item: Any) -> dict[str, Any]:
    return {
        "id": item.get("id"),
        "kind": item.get("kind"),
        "question": item.get("question"),
        "claims": sorted(c.get("id") for c in item.get("claims", []) if isinstance(c, dict)),
        "disposition": item.get("disposition", {}).get("disposition")
        if isinstance(item.get("disposition"), dict)
        else None,
    }


def conflict_diff(
    folder: Path,
    rulesets: list[Ruleset],
    ruleset: Ruleset,
    new_ruleset_text: str,
    new_source_text: str,
    on_question: Callable[[str, int], None] | None = None,
) -> ConflictDiff:
    """The conflict analysis with the old and the new ruleset: findings that appear, disappear or need review again."""
    from engine.contract import vocabulary
    from engine.folders import REVIEWS, conflicts_folder
    from engine.loader import LoadError, load_text
    from engine.project import load_project
    from engine.report import fresh_report
    from engine.review import load_reviews
    from engine.validate import validate_ruleset_document

    vocab = vocabulary()
    project, problems = load_project(folder, vocab)
    if problems:
        return ConflictDiff(skipped="accord.yaml has errors: " + "; ".join(d.format() for d in problems[:3]))
    reviews, diags = load_reviews(conflicts_folder(folder) / REVIEWS)
    if diags:
        return ConflictDiff(skipped="reviews.yaml has errors: " + "; ".join(d.format() for d in diags[:3]))
    try:
        doc = load_text(new_ruleset_text, ruleset.path, as_json=is_json_path(ruleset.path))
    except LoadError as exc:
        return ConflictDiff(skipped=f"the updated ruleset does not load: {exc.diagnostic.format()}")
    after, found = validate_ruleset_document(doc, vocab, check_source=False)
    if after is None:
        return ConflictDiff(skipped="the updated ruleset has errors: " + "; ".join(d.format() for d in found[:3]))
    after.source_text = new_source_text
    applied = project.apply(vocab)
    config = project.configuration()

    def report(with_rulesets: list[Ruleset]) -> Report:
        return fresh_report(with_rulesets, reviews, vocab=applied, configuration=config, on_question=on_question)[0]

    before_report = report(rulesets)
    after_report = report([after if r.source_id == ruleset.source_id else r for r in rulesets])
    before = {c["id"]: c for c in before_report.get("conflicts", [])}
    now = {c["id"]: c for c in after_report.get("conflicts", [])}
    out = ConflictDiff()
    out.appeared = [_finding(now[cid]) for cid in sorted(now.keys() - before.keys())]
    out.disappeared = [_finding(before[cid]) for cid in sorted(before.keys() - now.keys())]
    for cid in sorted(now):
        again = now[cid].get("review_again")
        earlier = before.get(cid)
        if again and not (earlier is not None and earlier.get("review_again")):
            out.review_again.append({**_finding(now[cid]), "reason": again.get("reason", "")})
    return out


# ---------------------------------------------------------------- update: editing the file in place


_MISSING = object()


def _get(data: Any, parts: tuple[Any, ...]) -> Any:
    for part in parts:
        if isinstance(data, dict):
            if part not in data:
                return _MISSING
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return _MISSING
    return data


def _edits(doc: Document, new: Any) -> list[tuple[int, int, str]]:
    """(start, end, replacement) text edits turning doc.data into `new`, for the keys an update changes."""
    edits: list[tuple[int, int, str]] = []
    text = doc.text

    def set_key(parts: tuple[Any, ...], after_key: str) -> None:
        old_value, new_value = _get(doc.data, parts), _get(new, parts)
        if old_value == new_value and (old_value is _MISSING or type(old_value) is type(new_value)):
            return
        rendered = "" if new_value is _MISSING else _render(new_value)
        if old_value is not _MISSING:
            span = doc.spans[parts]
            if new_value is _MISSING:  # the key's whole line (one-line values only: checked by reading back)
                key = doc.key_spans[parts]
                edits.append(
                    (
                        line_start(text, key.start),
                        line_end(text, span.end - 1 if span.end > span.start else span.end),
                        "",
                    )
                )
            else:
                edits.append((span.start, span.end, rendered))
            return
        anchor_parts = parts[:-1] + (after_key,)
        key = doc.key_spans[anchor_parts]
        value = doc.spans[anchor_parts]
        indent = " " * (key.col - 1)
        at = line_end(text, value.end - 1 if value.end > value.start else value.end)
        line = f"{indent}{parts[-1]}: {rendered}\n"
        if at == len(text) and not text.endswith("\n"):
            line = "\n" + line[:-1]
        edits.append((at, at, line))

    set_key(("source", "sha256"), "text")
    set_key(("source", "retrieved"), "sha256")
    set_key(("source", "extracted_from"), "sha256")
    for i in range(len(new.get("claims", []))):
        for key in ("start", "end", "exact", "prefix", "suffix"):
            set_key(("claims", i, "provenance", key), "end" if key != "end" else "start")
        set_key(("claims", i, "status"), "id")
        set_key(("claims", i, "note"), "status")
        set_key(("claims", i, "verified"), "status")
    for i, _item in enumerate(new.get("excluded", []) or []):
        for key in ("start", "end", "exact"):
            set_key(("excluded", i, key), "end" if key != "end" else "start")
    return edits


def _render(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value in ("draft", "submitted", "under_review", "approved", "rejected"):
        return value
    return quoted(value)


def edited_text(doc: Document, new: Any) -> str:
    """The file's text with the update's changes made in place (JSON files are written whole); reads back as `new`."""
    if is_json_path(doc.path):
        unit = json_indent_unit(doc.text)
        text = json_block(new, unit, "", "the ruleset") + ("\n" if doc.text.endswith("\n") else "")
    else:
        text = doc.text
        edits = _edits(doc, new)
        # several inserts at one place keep their order
        for start, end, rendered in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
            text = text[:start] + rendered + text[end:]
    if not _reads_back_as(text, new, doc.path):
        raise SourceError(
            f"{doc.path}: the update cannot be written in place (an unusual layout of the file); nothing was written"
        )
    return text


def _reads_back_as(text: str, data: Any, name: str) -> bool:
    """Whether `text` loads as `data`, keys in any order (an inserted key sits where it reads best), types kept."""
    import json

    from engine.loader import LoadError, load_text

    try:
        got = load_text(text, name, as_json=is_json_path(name)).data
    except LoadError:
        return False

    def canon(value: Any) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)

    return canon(got) == canon(data)


# ---------------------------------------------------------------- update: writing


def apply_update(plan: UpdatePlan, allow_lost: bool = False) -> None:
    """Write the plan's source text and ruleset; SourceError (nothing written) when it cannot be done safely."""
    from engine.filelock import locked

    if plan.lost and not allow_lost:
        names = ", ".join(c.id for c in plan.lost[:10])
        raise SourceError(
            f"{len(plan.lost)} quote{'s' * (len(plan.lost) != 1)} no longer in the new text ({names}); nothing was "
            "written. Re-quote or remove them first, or pass --allow-lost to write anyway (accord validate then "
            "reports them as E402)"
        )
    with locked(plan.ruleset_path), locked(plan.text_path):
        for path, stamp in ((plan.ruleset_path, plan.ruleset_stamp), (plan.text_path, plan.text_stamp)):
            if changed_since(path, stamp):
                raise SourceError(f"{path} changed since the update was planned; nothing was written. Run it again")
        if not inside(plan.ruleset_path.parent, plan.text_path):
            raise SourceError(f"{plan.text_path} resolves outside the rulesets folder; nothing was written")
        old_text = plan.old_text
        write_atomic(plan.text_path, plan.new_text)
        try:
            write_atomic(plan.ruleset_path, plan.new_ruleset_text)
        except BaseException:
            write_atomic(plan.text_path, old_text)  # put the old text back: the pair stays consistent
            raise
