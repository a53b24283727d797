"""The contract in schema/, loaded once: JSON Schema validators and the vocabulary.

Everything that checks a shape goes through the files in schema/; this module
only loads them, wires up cross-file $refs locally (never over the network)
and presents the vocabulary as typed objects.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from engine.diagnostics import Diagnostic
from schema import SCHEMA_DIR

SCHEMA_FILES = {
    "ruleset": "ruleset.schema.json",
    "claim": "claim.schema.json",
    "rule": "rule.schema.json",
    "patient": "patient.schema.json",
    "reviews": "reviews.schema.json",
    "vocabulary": "vocabulary.schema.json",
    "report": "report.schema.json",
    "relations": "relations.schema.json",
    "shapes": "shapes.schema.json",
    "links": "links.schema.json",
    "project": "project.schema.json",
}

# The vocabulary is four files read as one: vocabulary.yaml (facts and questions), relations.yaml
# (how facts follow from each other), shapes.yaml (how a question's answers combine and relate) and
# links.yaml (answers of different questions that must agree). engine.meaning reads the last three.
VOCABULARY_PARTS = ("relations", "shapes", "links")


@cache
def schema_json(name: str) -> dict[str, Any]:
    """The parsed JSON Schema file `name` (a key of SCHEMA_FILES or a file name)."""
    filename = SCHEMA_FILES.get(name, name)
    with open(SCHEMA_DIR / filename, encoding="utf-8") as handle:
        schema = json.load(handle)
    if not isinstance(schema, dict):
        raise TypeError(f"{SCHEMA_DIR / filename}: a JSON Schema is an object, not {type(schema).__name__}")
    return schema


@cache
def _schema_resources() -> tuple[tuple[str, dict[str, Any]], ...]:
    """Every contract schema as ($id, contents), for cross-file $refs resolved locally."""
    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], contents))
    return tuple(resources)


@cache
def _registry() -> Any:
    from referencing import Registry, Resource

    return Registry().with_resources((uri, Resource.from_contents(contents)) for uri, contents in _schema_resources())


@cache
def _rs_registry() -> Any:
    import jsonschema_rs

    return jsonschema_rs.Registry([(uri, strict_integers(contents)) for uri, contents in _schema_resources()])


class ContractValidator:
    """A Draft 2020-12 validator that answers "valid?" fast and explains "why not?" well.

    jsonschema-rs (compiled Rust) decides validity about 200x faster than the
    `jsonschema` package on a 1,000-claim ruleset; only an instance it rejects
    is handed to `jsonschema`, whose error objects (paths, anyOf context) the
    diagnostics are built from. Valid files, the common case, never pay for
    the slow walk, and never import `jsonschema` at all. Any instance the fast
    validator cannot take (integers beyond 64 bits, for one) goes the slow way.
    Both count only real ints as integers (1.0 is not one): jsonschema through
    its type checker, jsonschema-rs through the STRICT_INTEGER keyword.
    """

    def __init__(self, schema: dict[str, Any], contract: bool = True) -> None:
        self.schema = schema
        self._contract = contract
        self._fast: Any = None
        self._slow: Any = None
        try:
            import jsonschema_rs

            kwargs = {"registry": _rs_registry()} if contract else {}
            self._fast = jsonschema_rs.Draft202012Validator(
                strict_integers(schema), keywords={STRICT_INTEGER: _StrictInteger}, **kwargs
            )
        except Exception:  # noqa: BLE001 - no wheel for this platform, or a schema it rejects: use jsonschema alone
            self._fast = None

    def _detailed(self) -> Any:
        if self._slow is None:
            kwargs = {"registry": _registry()} if self._contract else {}
            self._slow = _strict_integer_validator()(self.schema, **kwargs)
        return self._slow

    def _fast_allowed(self, instance: Any) -> bool:
        return self._fast is not None

    def is_valid(self, instance: Any) -> bool:
        """jsonschema's verdict; jsonschema-rs only short-cuts the "valid" answer.

        A rejection is confirmed by jsonschema, so the two can never differ
        where jsonschema-rs is stricter (it refuses non-finite numbers, which
        the loader refuses anyway).
        """
        if self._fast_allowed(instance):
            try:
                if self._fast.is_valid(instance):
                    return True
            except Exception:  # noqa: BLE001 - a value the Rust side cannot represent
                pass
        return bool(self._detailed().is_valid(instance))

    def iter_errors(self, instance: Any) -> Iterator[Any]:
        """jsonschema.ValidationError objects; none without touching jsonschema when valid."""
        if self._fast_allowed(instance):
            try:
                if self._fast.is_valid(instance):
                    return iter(())
            except Exception:  # noqa: BLE001 - fall through to the reference validator
                pass
        errors: Iterator[Any] = self._detailed().iter_errors(instance)  # jsonschema ships no types
        return errors


@cache
def _strict_integer_validator() -> Any:
    """Draft 2020-12 where `integer` means a real int: JSON Schema admits 1.0, but
    `every_days: 1.0` and `every_days: 1` would then be two different answers."""
    from jsonschema import Draft202012Validator, validators

    checker = Draft202012Validator.TYPE_CHECKER.redefine("integer", lambda _checker, value: type(value) is int)
    return validators.extend(Draft202012Validator, type_checker=checker)


STRICT_INTEGER = "x-accord-strict-integer"


class _StrictInteger:
    """jsonschema-rs keyword added beside every `"type": "integer"`: refuses a float (1.0),
    as the strict jsonschema validator does, so the two agree on every instance."""

    def __init__(self, _parent: Any, value: Any, _path: Any) -> None:
        self.on = bool(value)

    def validate(self, instance: Any) -> None:
        if self.on and type(instance) is float:
            raise ValueError(f"{instance!r} is not an integer (write it without a fraction)")


def strict_integers(schema: Any) -> Any:
    """A copy of `schema` with STRICT_INTEGER next to each `type` that allows integers (and not numbers)."""
    if isinstance(schema, list):
        return [strict_integers(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {
        key: (value if key in ("enum", "const", "default", "examples") else strict_integers(value))
        for key, value in schema.items()
    }
    kind = schema.get("type")
    kinds = kind if isinstance(kind, list) else [kind]
    if "integer" in kinds and "number" not in kinds:
        out[STRICT_INTEGER] = True
    return out


@cache
def validator(name: str) -> ContractValidator:
    """A Draft 2020-12 validator for one of the contract's schemas, refs resolved locally."""
    return ContractValidator(schema_json(name))


def value_validator(schema: dict[str, Any]) -> ContractValidator:
    """A validator for a free-standing schema (a question's `value`)."""
    return ContractValidator(schema, contract=False)


def allowed_operations() -> frozenset[str]:
    """Accord's JSON-Logic whitelist, read from schema/rule.schema.json (its single home)."""
    return frozenset(schema_json("rule")["$defs"]["operation"]["propertyNames"]["enum"])


@dataclass(frozen=True)
class Fact:
    """A patient fact a rule may read."""

    name: str
    type: str  # number | enum | boolean
    description: str
    unit: str | None = None
    range: tuple[float, float] | None = None
    values: tuple[str, ...] = ()
    measure: str | None = None
    derived: dict[str, Any] | None = None
    codes: tuple[dict[str, str], ...] = ()
    value_codes: dict[str, dict[str, str]] = field(default_factory=dict)
    typical: Any = None  # an ordinary adult's value (a number, false, an enum value): witnesses prefer it
    label: str | None = None  # as people write it (eGFR); engine.words.fact_label falls back to the name
    unit_label: str | None = None  # the unit as people write it (mL/min/1.73 m²); else `unit`
    # as source texts write the fact, its unit, bands and enum values (engine.suggest reads them)
    synonyms: tuple[str, ...] = ()
    unit_synonyms: tuple[str, ...] = ()
    band_words: dict[str, dict[str, float]] = field(default_factory=dict)
    value_synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Question:
    """A question a claim answers, with the JSON Schema its values must satisfy."""

    name: str
    kind: str  # patient | statement
    severity: str
    description: str
    value_schema: dict[str, Any]
    scale: tuple[str, ...] = ()

    @property
    def value_validator(self) -> Any:
        return _question_validator(self.name, self.schema_text)

    @cached_property
    def schema_text(self) -> str:
        """value_schema as canonical JSON, the validator's cache key: written once per question, not per claim
        (validation asked for it 20,000 times on a synthetic corpus). A str, so a vocabulary still pickles."""
        return json.dumps(self.value_schema, sort_keys=True)


@cache
def _question_validator(_name: str, schema_text: str) -> Any:
    return value_validator(json.loads(schema_text))


@dataclass(frozen=True)
class Vocabulary:
    facts: dict[str, Fact]
    questions: dict[str, Question]
    drug: str | None = None
    # schema/relations.yaml, shapes.yaml, links.yaml as loaded and validated; engine.meaning reads them
    relations: dict[str, Any] = field(default_factory=dict)
    shapes: dict[str, Any] = field(default_factory=dict)
    links: dict[str, Any] = field(default_factory=dict)

    def suggest(self, name: str, names: list[str] | None = None) -> str:
        """' (did you mean 'egfr'?)' for a near-miss, else ''."""
        pool = names if names is not None else list(self.facts)
        close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
        return f" (did you mean {close[0]!r}?)" if close else ""

    def allowed_values(self, question: str) -> list[Any]:
        """Enumerable answers of a question (for pickers); regimens are open-ended."""
        schema = self.questions[question].value_schema
        values: list[Any] = list(schema.get("enum", []))
        for option in schema.get("oneOf", []):
            values.extend(option.get("enum", []))
        return values


def vocabulary_from_data(
    data: dict[str, Any],
    relations: dict[str, Any] | None = None,
    shapes: dict[str, Any] | None = None,
    links: dict[str, Any] | None = None,
) -> Vocabulary:
    """A Vocabulary from already-validated data (tests build variants this way)."""
    facts = {
        name: Fact(
            name=name,
            type=spec["type"],
            description=spec.get("description", ""),
            unit=spec.get("unit"),
            range=tuple(spec["range"]) if "range" in spec else None,
            values=tuple(spec.get("values", ())),
            measure=spec.get("measure"),
            derived=spec.get("derived"),
            codes=tuple(spec.get("codes", ())),
            value_codes=dict(spec.get("value_codes", {})),
            typical=spec.get("typical"),
            label=spec.get("label"),
            unit_label=spec.get("unit_label"),
            synonyms=tuple(spec.get("synonyms", ())),
            unit_synonyms=tuple(spec.get("unit_synonyms", ())),
            band_words=dict(spec.get("band_words", {})),
            value_synonyms={k: tuple(v) for k, v in spec.get("value_synonyms", {}).items()},
        )
        for name, spec in data["facts"].items()
    }
    questions = {
        name: Question(
            name=name,
            kind=spec["kind"],
            severity=spec["severity"],
            description=spec.get("description", ""),
            value_schema=spec["value"],
            scale=tuple(spec.get("scale", ())),
        )
        for name, spec in data["questions"].items()
    }
    return Vocabulary(facts, questions, data.get("drug"), relations or {}, shapes or {}, links or {})


SCHEMA_DIR_VARIABLE = "ACCORD_SCHEMA_DIR"
VOCABULARY_CODE = "E600"


def vocabulary_dir() -> Path:
    """The folder the vocabulary's four YAML files are read from: $ACCORD_SCHEMA_DIR when set, else schema/.

    The override lets a test (or an author trying a changed vocabulary) run every command on a copy of
    schema/; the JSON Schemas that check the files are always the bundled ones.
    """
    override = os.environ.get(SCHEMA_DIR_VARIABLE)
    return Path(override) if override else SCHEMA_DIR


class VocabularyError(ValueError):
    """The vocabulary's files are broken: `diagnostics` says where (file:line:col), one finding each."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(d.format() for d in diagnostics))
        self.diagnostics = diagnostics


def _shown(path: Path) -> str:
    """A path as the user can open it: relative to the working folder when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)
    return str(path) if relative.startswith("..") else relative


MAX_VOCABULARY_PROBLEMS = 20


def _schema_problems(name: str, data: Any) -> list[tuple[tuple[Any, ...], str]]:
    """JSON Schema errors of one vocabulary file as (path, message); a failing allOf's unevaluatedProperties
    error, which blames keys the schema judged, is dropped where a deeper error says the cause."""
    errors = sorted(validator(name).iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    paths = {tuple(e.absolute_path) for e in errors if e.validator != "unevaluatedProperties"}
    shown = [
        e
        for e in errors
        if e.validator != "unevaluatedProperties"
        or not any(p[: len(e.absolute_path)] == tuple(e.absolute_path) for p in paths)
    ]
    return [(tuple(e.absolute_path), e.message) for e in shown[:MAX_VOCABULARY_PROBLEMS]]


def located(doc: Any, problems: list[tuple[tuple[Any, ...], str]], what: str) -> list[Diagnostic]:
    """Each (path, message) as an E600 diagnostic at its node of `doc` (a loader Document)."""
    out = []
    for parts, message in problems[:MAX_VOCABULARY_PROBLEMS]:
        span = doc.locate(parts)
        pointer = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
        out.append(
            Diagnostic(doc.path, span.line, span.col, VOCABULARY_CODE, f"invalid {what}: {message}", "error", pointer)
        )
    return out


def read_vocabulary(directory: Path | None = None) -> tuple[Vocabulary | None, dict[str, Any], list[Diagnostic]]:
    """The vocabulary of `directory` (default: vocabulary_dir()), the loaded Documents of its files, and
    every problem a loader or a JSON Schema finds in them (the vocabulary is None then).

    Each file is read through the loader (syntax, duplicate keys, size: its own E0xx code) and validated
    against its JSON Schema (E600). What a schema cannot see (a relation naming an unknown fact, a shape
    or link naming an unknown value) engine.meaning.load checks, on the Documents kept here.
    """
    from engine.loader import LoadError, load_file

    folder = directory if directory is not None else vocabulary_dir()
    diagnostics: list[Diagnostic] = []
    docs: dict[str, Any] = {}
    for name in ("vocabulary", *VOCABULARY_PARTS):
        path = folder / f"{name}.yaml"
        if name != "vocabulary" and not path.exists():
            continue
        try:
            doc = load_file(_shown(path))
        except LoadError as exc:
            diagnostics.append(exc.diagnostic)
            continue
        found = located(doc, _schema_problems(name, doc.data), name)
        if found:
            diagnostics.extend(found)
            continue
        docs[name] = doc
    if diagnostics or "vocabulary" not in docs:
        return None, docs, diagnostics
    parts = (docs[name].data if name in docs else {} for name in ("vocabulary", *VOCABULARY_PARTS))
    return vocabulary_from_data(*parts), docs, diagnostics


_DOCUMENTS: dict[int, tuple[Vocabulary, dict[str, Any]]] = {}


def documents(vocab: Vocabulary) -> dict[str, Any]:
    """The loaded Documents `vocab` was read from, by part name ({} for a vocabulary built from data)."""
    hit = _DOCUMENTS.get(id(vocab))
    return hit[1] if hit is not None and hit[0] is vocab else {}


@cache
def vocabulary() -> Vocabulary:
    """The vocabulary (its four files, from vocabulary_dir()), each read by the loader and validated against
    its schema; VocabularyError (located diagnostics) when one is broken. engine.meaning.load.problems makes
    the checks a schema cannot, as every command does before it runs."""
    vocab, docs, diagnostics = read_vocabulary()
    if vocab is None:
        raise VocabularyError(diagnostics)
    _DOCUMENTS.clear()
    _DOCUMENTS[id(vocab)] = (vocab, docs)
    return vocab
