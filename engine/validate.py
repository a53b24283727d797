"""Validate rulesets and patient files: schema, rule semantics, ids and provenance.

The order of checks mirrors how a reader understands a file: can it be read
(loader), is it shaped right (JSON Schema from schema/), does each rule mean
something (engine.rules), are ids unique, and does every quote still sit in
its source text. Every finding is a located Diagnostic; nothing raises.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.contract import Vocabulary, validator, vocabulary
from engine.diagnostics import Diagnostic, has_errors
from engine.gcpause import gc_paused
from engine.loader import Document, LoadError, load_file, read_text
from engine.meaning.questions import cardinality, qualifier_problems
from engine.model import Patient, Provenance, Ruleset, value_key
from engine.provenance import context_matches, inside, is_anchored, offset_problems, reanchor, sha256_text
from engine.range_warnings import range_diagnostics, relation_diagnostics
from engine.rules import MAX_RULESET_OPERATIONS, check_rule, operation_count, total_problem
from engine.textsafe import EXCERPT, clip, escape_controls, excerpt
from engine.values import number_problems
from engine.verification import age_diagnostics

if TYPE_CHECKING:
    from engine.validationcache import ValidationCache

DATA_SUFFIXES = (".yaml", ".yml", ".json")
MAX_PER_FILE = 200  # diagnostics reported one by one per file; the rest are counted (E011)
RESERVED_EXPECTATIONS = ("silent", "indeterminate")


@dataclass
class ValidationResult:
    """Everything `accord validate` learned: findings, plus the documents that loaded cleanly."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    rulesets: list[Ruleset] = field(default_factory=list)
    patients: list[Patient] = field(default_factory=list)
    files: int = 0
    broken: dict[str, str] = field(default_factory=dict)  # source id -> path of its ruleset with errors

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)

    def ruleset(self, source_id: str) -> Ruleset | None:
        return next((r for r in self.rulesets if r.source_id == source_id), None)


# ---------------------------------------------------------------- schema


def most_specific(error: Any) -> Any:
    """For anyOf/oneOf failures, the deepest branch error: it names the field that is wrong."""
    leaves = []
    stack = [error]
    while stack:
        current = stack.pop()
        if current.context:
            stack.extend(current.context)
        else:
            leaves.append(current)
    if not leaves:
        return error
    return max(enumerate(leaves), key=lambda pair: (len(pair[1].absolute_path), pair[1].validator != "type", -pair[0]))[
        1
    ]


def schema_diagnostics(doc: Document, schema_name: str, limit: int | None = None) -> list[Diagnostic]:
    """JSON Schema findings for a document, each located at the offending node.

    With `limit`, stops after limit + 1 findings (the caller says "at least"):
    jsonschema finds errors lazily, so 2.5 million bad claims cost no more
    than two hundred.
    """
    out: list[Diagnostic] = []
    for error in validator(schema_name).iter_errors(doc.data):
        if limit is not None and len(out) > limit:
            break
        # A schema may word its own failure (ajv-errors' errorMessage): better than the branch errors of a oneOf.
        worded = error.schema.get("errorMessage") if isinstance(error.schema, dict) else None
        error = error if isinstance(worded, str) else most_specific(error)
        parts = tuple(error.absolute_path)
        message = worded if isinstance(worded, str) else _shorten_instance(error.message, error.instance)
        on_key = False
        if isinstance(worded, str):
            pass
        elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = list(error.schema.get("properties", {}))
            extra = [k for k in error.instance if k not in known]
            if extra:
                parts = parts + (extra[0],)
                on_key = True
                hint = vocabulary().suggest(extra[0], known)
                message = f"unexpected property {excerpt(extra[0])}{hint}; allowed: {', '.join(known)}"
        elif len(message) > 300:
            message = message[:300] + "..."
        out.append(doc.diagnostic(parts, "E100", message, on_key=on_key))
    return out


def _shorten_instance(message: str, instance: Any) -> str:
    """jsonschema quotes the whole offending value; quote a short, escaped excerpt of it instead."""
    if isinstance(instance, (bool, int, float)) or instance is None:
        return message
    if isinstance(instance, str) and len(instance) <= EXCERPT and instance == escape_controls(instance):
        return message
    whole = repr(instance) if not isinstance(instance, (dict, list)) or len(message) < 100_000 else None
    if whole and whole in message:
        return message.replace(whole, excerpt(instance), 1)
    return clip(escape_controls(message), 300)


def capped(doc: Document, diags: list[Diagnostic], stopped: bool) -> list[Diagnostic]:
    """At most MAX_PER_FILE diagnostics of one file, errors first, then one line counting the rest.

    Errors are kept before warnings (they are what blocks; 200 redundant-claim warnings must not hide
    one), and the kept ones are reported in file order. The count is E011, an error, when the rest
    holds an error or checking stopped early (`stopped`: the count is a lower bound and says so);
    W011, a warning, when the rest is only warnings.
    """
    if len(diags) <= MAX_PER_FILE and not stopped:
        return diags
    ordered = sorted(diags, key=lambda d: (d.severity != "error", d))
    kept, rest = sorted(ordered[:MAX_PER_FILE]), sorted(ordered[MAX_PER_FILE:])
    if not rest:
        return kept
    first = rest[0]
    if stopped:
        message = f"more than {MAX_PER_FILE} problems in this file: the first {MAX_PER_FILE} are reported and checking stopped there"
    elif any(d.severity == "error" for d in rest):
        message = f"... and {len(rest):,} more problems in this file ({MAX_PER_FILE} are reported one by one)"
    else:
        message = f"... and {len(rest):,} more warnings in this file ({MAX_PER_FILE} are reported one by one)"
        return kept + [Diagnostic(doc.path, first.line, first.col, "W011", message, "warning", first.pointer)]
    return kept + [Diagnostic(doc.path, first.line, first.col, "E011", message, "error", first.pointer)]


# ---------------------------------------------------------------- rulesets


def validate_ruleset_document(
    doc: Document, vocab: Vocabulary | None = None, check_source: bool = True
) -> tuple[Ruleset | None, list[Diagnostic]]:
    """Check one ruleset document; return the Ruleset when it has no errors."""
    vocab = vocab or vocabulary()
    diags = schema_diagnostics(doc, "ruleset", MAX_PER_FILE)
    stopped = len(diags) > MAX_PER_FILE
    data = doc.data if isinstance(doc.data, dict) else {}
    claims = data.get("claims") if isinstance(data.get("claims"), list) else []
    source = data.get("source") if isinstance(data.get("source"), dict) else {}
    source_id = source.get("id") if isinstance(source.get("id"), str) else None

    rule_problem_claims: set[int] = set()
    seen: dict[str, int] = {}
    total = 0  # operations of the claims' rules so far, each counted once (E208 and E209)
    crossed: int | None = None  # the claim whose rule took the total over MAX_RULESET_OPERATIONS
    for i, claim in enumerate(claims):
        if len(diags) > MAX_PER_FILE:
            stopped = True
            break
        if not isinstance(claim, dict):
            continue
        here = ("claims", i)
        if "when" in claim:
            counted = operation_count(claim["when"])  # stops at MAX_OPERATIONS + 1
            total += counted
            if crossed is None and total > MAX_RULESET_OPERATIONS:
                crossed = i  # counting goes on (cheap) so E209 says the total; checking stops
            if crossed is None:
                for rel, code, message in check_rule(claim["when"], vocab, counted=counted):
                    diags.append(doc.diagnostic(here + ("when",) + rel, code, message))
                    rule_problem_claims.add(i)
        question = claim.get("question")
        if isinstance(question, str):
            q = vocab.questions.get(question)
            if q is None:
                diags.append(
                    doc.diagnostic(
                        here + ("question",),
                        "E210",
                        f"unknown question {excerpt(question)}{vocab.suggest(question, list(vocab.questions))}",
                    )
                )
            elif "value" in claim:
                diags.extend(
                    _value_diagnostics(doc, here + ("value",), q.value_validator, claim["value"], question, "E211")
                )
            if q is not None and "qualifiers" in claim:  # as the question's shape declares them (schema/shapes.yaml)
                for rel, on_key, message in qualifier_problems(question, claim["qualifiers"], vocab):
                    diags.append(doc.diagnostic(here + ("qualifiers", *rel), "E214", message, on_key=on_key))
        claim_id = claim.get("id")
        if isinstance(claim_id, str):
            if claim_id in seen:
                first = doc.locate(("claims", seen[claim_id], "id"))
                diags.append(
                    doc.diagnostic(
                        here + ("id",), "E300", f"duplicate claim id {claim_id!r} (first at line {first.line})"
                    )
                )
            else:
                seen[claim_id] = i
            if source_id and not claim_id.startswith(source_id + "/"):
                diags.append(
                    doc.diagnostic(here + ("id",), "E301", f"claim id {claim_id!r} must start with '{source_id}/'")
                )
    if crossed is not None:
        diags.append(doc.diagnostic(("claims", crossed, "when"), "E209", total_problem(total, at_least=stopped) or ""))
    # The rule checker explains a bad `when` better than the schema's anyOf, and E404 an offset
    # written 0.0 better than "0.0 is not of type 'integer'".
    offsets = [
        doc.diagnostic(parts, "E404", message)
        for parts, message in offset_problems(doc.data)
        if _is_whole_float(doc.data, parts)
    ]
    at_offsets = {d.pointer for d in offsets}
    diags = [
        d
        for d in diags
        if not (d.code == "E100" and (_in_when(d.pointer, rule_problem_claims) or d.pointer in at_offsets))
    ]
    diags.extend(offsets)

    if source_id and doc.path not in ("<string>",):
        stem = Path(doc.path).stem
        if stem != source_id and not doc.path.startswith("<"):
            diags.append(
                doc.diagnostic(
                    ("source", "id"),
                    "E302",
                    f"source id {source_id!r} does not match the file name {Path(doc.path).name!r}",
                )
            )

    if has_errors(diags):
        return None, capped(doc, diags, stopped)
    ruleset = Ruleset.from_document(doc)
    from engine.claimchecks import claim_checks

    diags.extend(claim_checks(ruleset, vocab))  # E215, W216, W303: conditions that never or always hold, repeats
    diags.extend(check_provenance_forms(ruleset))
    if check_source and ruleset.text_path:
        diags.extend(check_provenance(ruleset))
    return (None if has_errors(diags) else ruleset), capped(doc, diags, False)


def _is_whole_float(data: Any, parts: tuple[Any, ...]) -> bool:
    for part in parts:
        data = data[part]
    return type(data) is float and data.is_integer()


def _in_when(pointer: str, claims: set[int]) -> bool:
    parts = pointer.split("/")
    return (
        len(parts) > 3
        and parts[1] == "claims"
        and parts[3] == "when"
        and parts[2].isdigit()
        and int(parts[2]) in claims
    )


def _value_diagnostics(
    doc: Document, parts: tuple[Any, ...], value_validator: Any, value: Any, question: str, code: str
) -> list[Diagnostic]:
    too_big = [
        doc.diagnostic(parts + rel, "E207", f"not a usable answer to {question!r}: {message}")
        for rel, message in number_problems(value)
    ]
    if too_big:  # before the schema: its messages would try to print the number
        return too_big[:MAX_PER_FILE]
    error = next(iter(sorted(value_validator.iter_errors(value), key=lambda e: list(e.absolute_path))), None)
    if error is None:
        return []
    error = most_specific(error)
    return [
        doc.diagnostic(
            parts + tuple(error.absolute_path),
            code,
            f"not a valid answer to {question!r}: {_shorten_instance(error.message, error.instance)}",
        )
    ]


def check_provenance_forms(ruleset: Ruleset) -> list[Diagnostic]:
    """An ordinary source quotes its text (E407 on a citation); a reference without text cites (E408 on a quote).

    The labels' full text is not bundled, so a reference's claim may say where the fact stands
    instead; every other source is checked against the words it bundles, never a citation.
    """
    doc = ruleset.document
    assert doc is not None
    diags: list[Diagnostic] = []
    for claim in ruleset.claims:
        here = claim.parts + ("provenance",)
        if not claim.provenance.is_quote and not ruleset.is_reference:
            diags.append(
                doc.diagnostic(
                    here + ("citation",),
                    "E407",
                    "a claim of an ordinary source must quote its text (provenance: exact, start, end);"
                    " a citation is allowed only in a reference source (source.role: reference)",
                )
            )
        elif claim.provenance.is_quote and not ruleset.text_path:
            diags.append(
                doc.diagnostic(
                    here + ("exact",),
                    "E408",
                    "this reference source bundles no text (source.text), so a claim cannot quote it;"
                    " cite the document's section instead (provenance: citation: {section: ...})",
                )
            )
    return diags


def check_provenance(ruleset: Ruleset) -> list[Diagnostic]:
    """Quotes sit at their offsets in the source text; a changed text re-anchors them."""
    doc = ruleset.document
    assert doc is not None
    folder = Path(ruleset.path).parent
    text_path = ruleset.resolve_text_path()
    if not inside(folder, text_path):
        return [
            doc.diagnostic(
                ("source", "text"),
                "E400",
                f"source text {excerpt(ruleset.text_path)} must be inside the ruleset's folder",
            )
        ]
    try:
        text = read_text(text_path, root=folder)
    except LoadError as exc:
        return [
            doc.diagnostic(
                ("source", "text"), "E400", f"source text {excerpt(ruleset.text_path)}: {exc.diagnostic.message}"
            )
        ]
    except OSError as exc:
        return [
            doc.diagnostic(
                ("source", "text"), "E400", f"cannot read source text {ruleset.text_path!r}: {exc.strerror or exc}"
            )
        ]
    ruleset.source_text = text
    diags: list[Diagnostic] = []
    changed = sha256_text(text) != ruleset.sha256
    if changed:
        diags.append(
            doc.diagnostic(
                ("source", "sha256"),
                "E401",
                f"source text {ruleset.text_path!r} has changed since the ruleset was written (sha256 {sha256_text(text)[:12]}..., recorded {ruleset.sha256[:12]}...); quotes were re-anchored",
            )
        )
    for claim in ruleset.claims:
        if claim.provenance.is_quote:
            diags.extend(_check_quote(doc, text, claim.provenance, claim.parts + ("provenance",), changed))
    for i, excl in enumerate(ruleset.excluded):
        parts = ("excluded", i)
        if not 0 <= excl.start <= excl.end <= len(text):
            diags.append(
                doc.diagnostic(
                    parts, "E404", f"offsets {excl.start}..{excl.end} are outside the source text (length {len(text)})"
                )
            )
        elif excl.exact is not None and text[excl.start : excl.end] != excl.exact:
            diags.extend(_check_quote(doc, text, Provenance(excl.exact, excl.start, excl.end), parts, changed))
    return diags


def _check_quote(doc: Document, text: str, prov: Provenance, parts: tuple[Any, ...], changed: bool) -> list[Diagnostic]:
    if prov.end < prov.start or prov.end > len(text):
        found = reanchor(text, prov)
        where = f"; the quote occurs at start={found[0]}, end={found[1]}" if found else ""
        return [
            doc.diagnostic(
                parts + ("end",),
                "E404",
                f"offsets {prov.start}..{prov.end} are outside the source text (length {len(text)}){where}",
            )
        ]
    if is_anchored(text, prov):
        if not context_matches(text, prov):
            return [
                doc.diagnostic(
                    parts + ("prefix",),
                    "W405",
                    "quote is at its offsets but its prefix/suffix differ from the text around it",
                    "warning",
                )
            ]
        return []
    found = reanchor(text, prov)
    short = _short(prov.exact)
    if found is None:
        state = "lost: the source text changed and" if changed else "not found:"
        return [
            doc.diagnostic(parts + ("exact",), "E402", f"quote {short} {state} it does not occur in the source text")
        ]
    if changed:
        return [
            doc.diagnostic(
                parts + ("start",),
                "W403",
                f"quote {short} moved to start={found[0]}, end={found[1]} (was {prov.start}..{prov.end})",
                "warning",
            )
        ]
    return [
        doc.diagnostic(
            parts + ("start",),
            "E402",
            f"quote {short} is not at {prov.start}..{prov.end}; it occurs at start={found[0]}, end={found[1]}",
        )
    ]


def _short(text: str, limit: int = 60) -> str:
    one_line = " ".join(text.split())
    return repr(one_line if len(one_line) <= limit else one_line[: limit - 1] + "…")


# ---------------------------------------------------------------- patients


def validate_patient_document(
    doc: Document,
    vocab: Vocabulary | None = None,
    questions_by_source: dict[str, set[str]] | None = None,
    broken: Collection[str] = (),
) -> tuple[Patient | None, list[Diagnostic]]:
    """Check a patient file: schema, fact names and types, expectations.

    Expectations of a source in `broken` (its ruleset has errors) are not an
    unknown source: they are skipped, and validate_paths counts them (W503).
    """
    vocab = vocab or vocabulary()
    diags = schema_diagnostics(doc, "patient", MAX_PER_FILE)
    stopped = len(diags) > MAX_PER_FILE
    data = doc.data if isinstance(doc.data, dict) else {}
    facts = data.get("facts") if isinstance(data.get("facts"), dict) else {}
    for name, value in facts.items():
        if len(diags) > MAX_PER_FILE:
            stopped = True
            break
        parts = ("facts", name)
        fact = vocab.facts.get(name)
        if fact is None:
            diags.append(
                doc.diagnostic(parts, "E500", f"unknown fact {excerpt(name)}{vocab.suggest(name)}", on_key=True)
            )
        elif not _fact_value_ok(fact.type, fact.values, value):
            expected = {"number": "a number", "boolean": "true or false"}.get(
                fact.type, "one of " + ", ".join(fact.values)
            )
            diags.append(doc.diagnostic(parts, "E500", f"{name} must be {expected}, not {excerpt(value)}"))
    expected = data.get("expected") if isinstance(data.get("expected"), dict) else {}
    for source, answers in expected.items():
        if len(diags) > MAX_PER_FILE:
            stopped = True
            break
        if questions_by_source is not None and source not in questions_by_source and source not in broken:
            diags.append(
                doc.diagnostic(
                    ("expected", source),
                    "E501",
                    f"unknown source {excerpt(source)}{vocab.suggest(source, sorted(questions_by_source))}",
                    on_key=True,
                )
            )
        if not isinstance(answers, dict):
            continue
        for question, value in answers.items():
            parts = ("expected", source, question)
            q = vocab.questions.get(question)
            if q is None:
                diags.append(
                    doc.diagnostic(
                        parts,
                        "E501",
                        f"unknown question {excerpt(question)}{vocab.suggest(question, list(vocab.questions))}",
                        on_key=True,
                    )
                )
                continue
            if value in RESERVED_EXPECTATIONS:
                continue
            if isinstance(value, list):  # exactly these values: only where the question's answers accumulate
                if cardinality(question, vocab) != "many":
                    diags.append(
                        doc.diagnostic(
                            parts,
                            "E501",
                            f"a list of values is expected only of a question whose answers accumulate "
                            f"(cardinality many in schema/shapes.yaml); {question} has one answer: give one value",
                        )
                    )
                    continue
                if not value:
                    diags.append(doc.diagnostic(parts, "E501", "an empty list: expect 'silent' for no answer"))
                    continue
                seen: set[str] = set()
                for j, item in enumerate(value):
                    diags.extend(_value_diagnostics(doc, parts + (j,), q.value_validator, item, question, "E501"))
                    key = value_key(item)
                    if key in seen:
                        diags.append(doc.diagnostic(parts + (j,), "E501", f"{excerpt(key)} is listed twice"))
                    seen.add(key)
                continue
            if isinstance(value, dict) and "conflicting" in value and isinstance(value["conflicting"], list):
                for j, item in enumerate(value["conflicting"]):
                    diags.extend(
                        _value_diagnostics(doc, parts + ("conflicting", j), q.value_validator, item, question, "E501")
                    )
                continue
            diags.extend(_value_diagnostics(doc, parts, q.value_validator, value, question, "E501"))
    diags = capped(doc, diags, stopped)
    if has_errors(diags):
        return None, diags
    diags.extend(range_diagnostics(doc, vocab))  # W502: values the vocabulary's ranges refuse (engine.patient_ranges)
    diags.extend(relation_diagnostics(doc, vocab))  # W504: relations of schema/relations.yaml the facts break
    return Patient.from_document(doc), diags


def _fact_value_ok(kind: str, values: tuple[str, ...], value: Any) -> bool:
    if kind == "number":
        return (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and value == value
            and abs(value) != float("inf")
        )
    if kind == "boolean":
        return isinstance(value, bool)
    return value in values


# ---------------------------------------------------------------- folders


def discover(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Path], list[Diagnostic]]:
    """Split the given files and folders into ruleset files and patient files.

    A folder contributes its top-level *.yaml/*.yml/*.json as rulesets and
    everything under its patients/ folder as patients. A file named directly
    is a patient when it sits in a patients/ folder or holds `facts:`.
    """
    rulesets, patients, diags = discover_rooted(paths)
    return [p for p, _ in rulesets], [p for p, _ in patients], diags


Rooted = list[tuple[Path, Path]]


def discover_rooted(paths: Iterable[str | os.PathLike[str]]) -> tuple[Rooted, Rooted, list[Diagnostic]]:
    """discover(), each file paired with its project folder: the folder named on the command
    line it was found under, or the folder a file named directly sits in (see engine.safefile).

    Entries that are not folders are listed even when they are not regular
    files (a FIFO, a dangling link), so that loading refuses them with a
    located error instead of skipping them without a word.
    """
    rulesets: Rooted = []
    patients: Rooted = []
    diags: list[Diagnostic] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            rulesets.extend(
                (p, path) for p in sorted(p for p in path.iterdir() if p.suffix in DATA_SUFFIXES and not p.is_dir())
            )
            pdir = path / "patients"
            if pdir.is_dir():
                patients.extend(
                    (p, path)
                    for p in sorted(p for p in pdir.rglob("*") if p.suffix in DATA_SUFFIXES and not p.is_dir())
                )
        elif path.exists() or path.is_symlink():
            (patients if path.parent.name == "patients" else rulesets).append((path, path.parent))
        else:
            diags.append(Diagnostic(str(path), 1, 1, "E001", "no such file or folder"))
    return rulesets, patients, diags


def _load_counted(
    path: Path, root: Path, result: ValidationResult, cache: ValidationCache | None = None
) -> Document | None:
    """Load one file for validate_paths, counting it and recording why it would not load."""
    result.files += 1
    try:
        return cache.load(path, root) if cache is not None else load_file(path, root=root)
    except LoadError as exc:
        result.diagnostics.append(exc.diagnostic)
        return None


def _source_ids(path: Path, doc: Document | None) -> set[str]:
    """The source ids a ruleset file with errors may define: its stem (E302), and its source.id."""
    ids = {path.stem}
    data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
    source = data.get("source")
    if isinstance(source, dict) and isinstance(source.get("id"), str):
        ids.add(source["id"])
    return ids


def _skipped_notes(result: ValidationResult, skipped: dict[str, dict[str, int]]) -> list[Diagnostic]:
    """One W503 per ruleset with errors whose source patients expect answers from."""
    notes = []
    for source, patients in sorted(skipped.items()):
        count = sum(patients.values())
        message = (
            f"{count} expectation{'s' * (count != 1)} of {len(patients)} patient{'s' * (len(patients) != 1)} "
            f"on source {excerpt(source)} skipped: this ruleset has errors"
        )
        notes.append(Diagnostic(result.broken[source], 1, 1, "W503", message, "warning"))
    return notes


def validate_paths(
    paths: Iterable[str | os.PathLike[str]], check_patients: bool = True, cache: ValidationCache | None = None
) -> ValidationResult:
    """Validate every ruleset (and patient) under `paths`, cross-checking ids across files.

    `cache` (engine.validationcache): each file's own diagnostics from it when the file is unchanged."""
    with gc_paused():  # builds large acyclic trees: see engine.gcpause
        return _validate_paths(paths, check_patients, cache)


def _validate_paths(
    paths: Iterable[str | os.PathLike[str]], check_patients: bool, cache: ValidationCache | None = None
) -> ValidationResult:
    vocab = vocabulary()
    paths = list(paths)
    ruleset_files, patient_files, diags = discover_rooted(paths)
    result = ValidationResult(diagnostics=diags)
    from engine.project import Project, load_project

    projects: dict[Path, Project] = {}  # folder -> its settings (verification.max_age_days for W406/W409)
    for folder in {Path(p).resolve() for p in paths if Path(p).is_dir()}:  # the project's accord.yaml (E610)
        projects[folder], found_settings = load_project(folder, vocab)
        result.diagnostics.extend(found_settings)
    claim_homes: dict[str, str] = {}
    defined: set[str] = set()  # source ids of result.rulesets (a scan of them per file was quadratic)
    for path, root in ruleset_files:
        doc = _load_counted(path, root, result, cache)
        if doc is not None and isinstance(doc.data, dict) and "facts" in doc.data and "claims" not in doc.data:
            patient_files.append((path, root))
            result.files -= 1
            continue
        check = cache.validate if cache is not None else validate_ruleset_document
        ruleset, found = check(doc, vocab) if doc is not None else (None, [])
        result.diagnostics.extend(found)
        if ruleset is None:
            for source_id in _source_ids(path, doc):
                result.broken.setdefault(source_id, str(path))
            continue
        for claim in ruleset.claims:
            home = claim_homes.setdefault(claim.id, ruleset.path)
            if home != ruleset.path:
                result.diagnostics.append(
                    doc.diagnostic(claim.parts + ("id",), "E300", f"claim id {claim.id!r} is also used in {home}")
                )
        if ruleset.source_id in defined:
            result.diagnostics.append(
                doc.diagnostic(("source", "id"), "E300", f"source {ruleset.source_id!r} is defined twice")
            )
            continue
        result.rulesets.append(ruleset)
        defined.add(ruleset.source_id)
        folder = Path(root).resolve()
        if folder not in projects:  # a file named directly: its folder's settings (their errors are not its own)
            projects[folder] = load_project(folder, vocab)[0]
        result.diagnostics.extend(age_diagnostics(ruleset, projects[folder].max_age()))  # W406, W409
    if check_patients:
        questions = {r.source_id: set(r.questions) for r in result.rulesets} if result.rulesets else None
        seen_ids: dict[str, str] = {}
        broken = {s: p for s, p in result.broken.items() if s not in defined}
        result.broken = broken
        skipped: dict[str, dict[str, int]] = {}
        for path, root in patient_files:
            doc = _load_counted(path, root, result)
            if doc is None:
                continue
            patient, found = validate_patient_document(doc, vocab, questions, broken)
            result.diagnostics.extend(found)
            expected = doc.data.get("expected") if isinstance(doc.data, dict) else None
            for source in broken.keys() & (expected.keys() if isinstance(expected, dict) else set()):
                answers = expected[source]
                skipped.setdefault(source, {})[str(path)] = len(answers) if isinstance(answers, dict) else 1
            if patient is None:
                continue
            if patient.id in seen_ids:
                result.diagnostics.append(
                    doc.diagnostic(("id",), "E300", f"patient id {patient.id!r} is also used in {seen_ids[patient.id]}")
                )
                continue
            seen_ids[patient.id] = patient.path
            result.patients.append(patient)
        result.diagnostics.extend(_skipped_notes(result, skipped))
    result.diagnostics.sort()
    return result


def load_patient(path: str | os.PathLike[str]) -> tuple[Patient | None, list[Diagnostic]]:
    """Load and check one patient file (for `accord eval`)."""
    try:
        doc = load_file(path)
    except LoadError as exc:
        return None, [exc.diagnostic]
    return validate_patient_document(doc)
