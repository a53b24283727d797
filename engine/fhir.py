"""FHIR R4 patients: map a Bundle (Patient, Observations, Conditions) to vocabulary facts.

    facts, notes = facts_from_bundle("bundle.json", as_of="2024-05-01")

Every code comes from schema/vocabulary.yaml, never from this file: a fact's
`codes` (LOINC for observations, SNOMED CT for conditions) say which
resources measure it, and `value_codes` say which coded value means which
enum value (indication) or true/false (pregnancy status). Quantities are
converted to the fact's UCUM unit with the factors below; a unit without a
known factor is reported, never guessed. Anything that maps to no fact is
listed in the notes as a warning, with the resource, the code and the unit.

Resources are parsed with the `fhir.resources` models (R4B, wire-compatible
with R4 for Patient, Observation and Condition): install `accord[fhir]`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from engine.contract import Fact, Vocabulary, vocabulary
from engine.fhir_dates import completed_years, full_date, instants, parse_date
from engine.fhir_subjects import MAX_LISTED, Subject, Subjects, shown
from engine.safefile import FileRefused, read_project_file
from engine.values import canonical

UCUM = "http://unitsofmeasure.org"
MAX_BUNDLE_BYTES = 5 * 1024 * 1024  # engine.loader.MAX_BYTES: parsing and validating more takes over 5 s

# Unit conversion: fact unit (UCUM) -> {given UCUM unit: factor}; value_in_fact_unit = value * factor.
# Only exact, dimension-preserving factors; anything else is reported.
UNIT_FACTORS: dict[str, dict[str, float]] = {
    "mg/dL": {"mg/dL": 1.0, "mg/L": 0.1, "g/L": 100.0, "g/dL": 1000.0},
    "g/dL": {"g/dL": 1.0, "g/L": 0.1, "mg/dL": 0.001, "mg/mL": 0.1},
    "10*9/L": {
        "10*9/L": 1.0,
        "10*3/uL": 1.0,
        "10*3/mm3": 1.0,
        "/nL": 1.0,
        "10*6/mL": 1.0,
        "/uL": 1e-3,
        "/mm3": 1e-3,
        "10*6/L": 1e-3,
    },
    "kg": {"kg": 1.0, "g": 1e-3, "[lb_av]": 0.45359237, "[oz_av]": 0.028349523125},
    "mL/min": {"mL/min": 1.0, "mL/s": 60.0, "L/h": 1000.0 / 60.0, "L/d": 1000.0 / 1440.0},
    "mL/min/{1.73_m2}": {"mL/min/{1.73_m2}": 1.0, "mL/min/1.73.m2": 1.0, "mL/s/{1.73_m2}": 60.0},
    "a": {"a": 1.0, "mo": 1.0 / 12.0},
    "mo": {"mo": 1.0, "a": 12.0, "wk": 7.0 / 30.4375, "d": 1.0 / 30.4375},
}

# Molar concentrations need the substance's molar mass, so the factor is keyed by the fact's name:
# - creatinine: 1 mg/dL = 88.42 umol/L (113.12 g/mol);
# - haemoglobin, reported in mmol/L by laboratories in the Netherlands and Scandinavia, is counted
#   per haem-carrying monomer (16,114.5 g/mol): 1 mmol/L = 1.61145 g/dL (the usual 0.6206 the other way).
MOLAR_FACTORS: dict[str, dict[str, float]] = {
    "serum_creatinine_mg_dl": {"umol/L": 1 / 88.42, "mmol/L": 1000 / 88.42},
    "hemoglobin_g_dl": {"mmol/L": 1.61145},
}

INACTIVE_CONDITION = {"inactive", "resolved", "remission"}
UNUSABLE_STATUS = {"entered-in-error", "cancelled", "registered"}


class FhirError(ValueError):
    """The input is not a usable FHIR Bundle (one line, no traceback)."""


_CONTROL = re.compile("[\\x00-\\x1f\\x7f-\\x9f]")


def escape_controls(text: str) -> str:
    """Control characters (newline, ESC, C1) as \\xNN, so user text cannot drive the terminal or forge lines."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text)


@dataclass(frozen=True)
class Note:
    """A finding of the mapping: `warning` (something was not used) or `info` (how a fact was obtained).

    `pointer` is the JSON pointer of the resource (or field) in the Bundle file.
    """

    level: str
    resource: str
    message: str
    pointer: str = ""

    def __str__(self) -> str:
        where = f" (at {self.pointer})" if self.pointer else ""
        text = (
            f"{self.level}: {self.resource}: {self.message}{where}"
            if self.resource
            else f"{self.level}: {self.message}{where}"
        )
        return escape_controls(text)

    def to_json(self) -> dict[str, str]:
        return {"level": self.level, "resource": self.resource, "message": self.message, "pointer": self.pointer}


def is_bundle(data: Any) -> bool:
    return isinstance(data, dict) and data.get("resourceType") == "Bundle"


def looks_like_bundle(path: str | Path) -> bool:
    """True when the file is JSON whose resourceType is Bundle (cheap sniff, no FHIR import).

    Read through engine.safefile like every project file: a FIFO or device is
    never opened for reading (it would block), a link out of the file's folder
    is not followed. A refused file is not a bundle; loading it as a patient
    then says why, located.
    """
    try:
        head = read_project_file(path, max_bytes=MAX_BUNDLE_BYTES)[:4096]
    except FileRefused:
        return False
    return head.lstrip()[:1] == b"{" and re.search(rb'"resourceType"\s*:\s*"Bundle"', head) is not None


def _models() -> Any:
    try:
        from fhir.resources import R4B  # fhir.resources >= 7 keeps R4-compatible models under R4B
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise FhirError("reading FHIR needs the fhir extra: pip install 'accord[fhir]'") from exc
    return R4B


def _load(source: str | Path | dict[str, Any]) -> dict[str, Any]:
    """The Bundle as data. Files go through engine.loader, the one loading path for untrusted
    data: size limit, strict UTF-8, duplicate keys, NaN/Infinity and nesting refused, located."""
    if not isinstance(source, (str, Path)):
        data = source
    else:
        from engine.loader import LoadError, load_file

        try:
            data = load_file(source, max_bytes=MAX_BUNDLE_BYTES).data
        except LoadError as exc:
            raise FhirError(exc.diagnostic.format()) from None
        except (OSError, ValueError) as exc:  # defensive: the loader reports these itself
            raise FhirError(f"{source}: cannot read: {exc}") from None
    if not is_bundle(data):
        kind = data.get("resourceType") if isinstance(data, dict) else type(data).__name__
        raise FhirError(f"expected a FHIR Bundle, got {kind!r}")
    return data


def _validation_detail(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    try:
        items = errors() if callable(errors) else []
    except Exception:  # noqa: BLE001 - only for the message
        items = []
    if items:
        parts = [f"{'.'.join(str(p) for p in e.get('loc', ())) or 'resource'}: {e.get('msg', '')}" for e in items[:3]]
        more = f" (+{len(items) - 3} more)" if len(items) > 3 else ""
        return "; ".join(parts) + more
    return str(exc).splitlines()[0][:300]


def _effective(resource: Any) -> tuple[str | None, tuple[datetime, datetime] | None]:
    """(the date as written, the UTC instants it may mean) of an Observation; (None, None) when undated."""
    for attr in ("effectiveDateTime", "effectiveInstant"):
        raw = getattr(resource, attr, None)
        if raw is not None:
            return str(raw), instants(raw)
    period = getattr(resource, "effectivePeriod", None)
    if period is not None and (period.end or period.start):
        raw = period.end or period.start
        return str(raw), instants(raw)
    raw = getattr(resource, "issued", None)
    if raw is not None:
        return str(raw), instants(raw)
    return None, None


def _codings(concept: Any) -> list[tuple[str, str, str]]:
    if concept is None:
        return []
    return [(c.system or "", c.code or "", c.display or "") for c in (concept.coding or []) if c.code]


def _describe(codings: list[tuple[str, str, str]], text: str | None = None) -> str:
    if not codings:
        return repr(text) if text else "no coding"
    return ", ".join(f"{s}|{c}" + (f" ({d})" if d else "") for s, c, d in codings)


class _Index:
    """(system, code) lookups built from the vocabulary."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self.fact_by_code: dict[tuple[str, str], Fact] = {}
        self.value_by_code: dict[tuple[str, str], tuple[Fact, Any]] = {}
        for fact in vocab.facts.values():
            for coding in fact.codes:
                self.fact_by_code.setdefault((coding["system"], coding["code"]), fact)
            for value, coding in fact.value_codes.items():
                self.value_by_code[(coding["system"], coding["code"])] = (fact, _typed(fact, value))

    def fact(self, codings: list[tuple[str, str, str]]) -> Fact | None:
        return next((self.fact_by_code[(s, c)] for s, c, _ in codings if (s, c) in self.fact_by_code), None)

    def value(self, codings: list[tuple[str, str, str]], fact: Fact | None = None) -> tuple[Fact, Any] | None:
        for s, c, _ in codings:
            hit = self.value_by_code.get((s, c))
            if hit and (fact is None or hit[0].name == fact.name):
                return hit
        return None


def _typed(fact: Fact, value: str) -> Any:
    if fact.type == "boolean":
        return {"true": True, "false": False}.get(str(value).lower(), value)
    return value


def convert(value: float, unit: str, fact: Fact) -> float | None:
    """`value` in `unit` expressed in the fact's unit, or None when no exact factor is known."""
    target = fact.unit or ""
    if unit == target:
        return value
    factor = UNIT_FACTORS.get(target, {}).get(unit)
    if factor is None:
        factor = MOLAR_FACTORS.get(fact.name, {}).get(unit)
    return None if factor is None else value * factor


def _short_number(value: Any) -> str:
    """A number as written, abbreviated when it runs to hundreds of digits."""
    text = str(value)
    return text if len(text) <= 32 else f"{text[:12]}… ({len(text)} characters)"


def _round(value: float) -> float:
    rounded = round(value, 4)
    return int(rounded) if rounded == int(rounded) and abs(rounded) < 1e15 else rounded


@dataclass
class _Reading:
    """One value for a fact, with the span of time it was taken in (None: undated)."""

    fact: str
    value: Any
    start: datetime | None
    end: datetime | None
    where: str
    how: str


@dataclass
class BundleFacts:
    """What a Bundle says about the chosen patient: facts, notes, and which Patient it was."""

    facts: dict[str, Any]
    notes: list[Note]
    patient: Subject
    patients: int


MAPPED = ("Observation", "Condition")
MAX_MAPPED_RESOURCES = 2_000  # validated resources per bundle: about 1 ms each in fhir.resources


def facts_from_bundle(
    source: str | Path | dict[str, Any],
    as_of: date | str | None = None,
    vocab: Vocabulary | None = None,
    patient_id: str | None = None,
) -> tuple[dict[str, Any], list[Note]]:
    """Facts of the vocabulary read from a FHIR R4 Bundle, and notes on what was used or left out.

    See read_bundle; this is its (facts, notes) pair.
    """
    read = read_bundle(source, as_of, vocab, patient_id)
    return read.facts, read.notes


def read_bundle(
    source: str | Path | dict[str, Any],
    as_of: date | str | None = None,
    vocab: Vocabulary | None = None,
    patient_id: str | None = None,
) -> BundleFacts:
    """The chosen patient's facts from a FHIR R4 Bundle, with notes on what was used or left out.

    `as_of` is the reference date for age (default: the latest Observation
    date of the patient, else today); pass it for reproducible results.
    Only resources whose `subject` names the chosen patient are read (one
    Patient: that one; several: `patient_id` picks, else FhirError listing
    them). Raises FhirError when the input is not a usable Bundle; problems in
    single resources become warnings, located by JSON pointer.
    """
    vocab = vocab or vocabulary()
    if isinstance(as_of, str):
        parsed = full_date(as_of)
        if parsed is None:
            raise FhirError(f"--as-of must be a real calendar date YYYY-MM-DD, not {shown(as_of)}")
        as_of = parsed
    data = _load(source)
    models = _models()
    index = _Index(vocab)
    notes: list[Note] = []

    entries = data.get("entry") or []
    if not isinstance(entries, list):
        raise FhirError("Bundle.entry must be a list (at /entry)")
    subjects, pending = _entries(entries, models, notes)
    try:
        chosen = subjects.choose(patient_id)
    except ValueError as exc:
        raise FhirError(str(exc)) from None
    chosen.model = _validated(chosen.model_class, chosen.raw, chosen.label, chosen.pointer, notes)  # only this one
    readings: list[_Reading] = []
    for where, pointer, kind, raw, model in _mine(pending, subjects, chosen, index, notes):

        def warn(at: str, message: str, ptr: str = pointer) -> None:
            notes.append(Note("warning", at, message, ptr))

        resource = _validated(model, raw, where, pointer, notes)
        if resource is None:
            continue
        if kind == "Observation":
            readings.extend(_observation(where, resource, index, warn))
        else:
            readings.extend(_condition(where, resource, index, warn))

    reference_note = ""
    if as_of is None:
        dated = [r.end.date() for r in readings if r.end is not None]
        if dated:
            as_of = max(dated)
            reference_note = (
                f"age computed as of {as_of.isoformat()}, the latest observation date (use --as-of to choose)"
            )
        else:
            as_of = date.today()
            reference_note = f"age computed as of today, {as_of.isoformat()}: the bundle has no dated observation (use --as-of for reproducible results)"

    def warn_patient(at: str, message: str, ptr: str = chosen.pointer) -> None:
        notes.append(Note("warning", at, message, ptr))

    if chosen.model is None:
        warn_patient(chosen.label, "the Patient resource is not valid FHIR R4: sex and age are unknown")
    else:
        readings.extend(_patient(chosen, as_of, vocab, warn_patient, reference_note, notes))
    facts = _decide(readings, vocab, notes)
    return BundleFacts(facts, notes, chosen, len(subjects.patients))


_Pending = tuple[str, str, str, dict[str, Any], Any]  # where, pointer, kind, raw resource, model class


def _entries(entries: list[Any], models: Any, notes: list[Note]) -> tuple[Subjects, list[_Pending]]:
    """The Patients (not yet validated) and the Observations and Conditions of the entries; the rest is noted."""
    subjects = Subjects()
    pending: list[_Pending] = []
    for i, entry in enumerate(entries):
        pointer = f"/entry/{i}/resource"
        raw = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(raw, dict):
            notes.append(Note("warning", f"entry[{i}]", "entry has no resource; ignored", f"/entry/{i}"))
            continue
        kind = raw.get("resourceType")
        rid = raw.get("id")
        where = f"{kind}/{rid}" if isinstance(kind, str) and isinstance(rid, str) and rid else f"entry[{i}] {kind}"
        try:
            model = models.get_fhir_model_class(str(kind))
        except (ValueError, KeyError, AttributeError):
            notes.append(Note("warning", where, f"unknown FHIR resource type {shown(str(kind))}; ignored", pointer))
            continue
        if kind == "Patient":
            try:
                subjects.add(raw, entry.get("fullUrl"), pointer, model)
            except ValueError as exc:
                raise FhirError(str(exc)) from None
        elif kind in MAPPED:
            pending.append((where, pointer, kind, raw, model))
        else:
            notes.append(Note("warning", where, f"{kind} resources are not mapped to facts; ignored", pointer))
    return subjects, pending


def _mine(
    pending: list[_Pending], subjects: Subjects, chosen: Subject, index: _Index, notes: list[Note]
) -> list[_Pending]:
    """The chosen patient's resources whose code maps to a fact, read from the raw data (validating costs ~1 ms each).

    Resources of another patient are an info note; without a subject, or for
    a subject the bundle does not hold, a warning. Too many is a FhirError.
    """
    mine: list[_Pending] = []
    for where, pointer, kind, raw, model in pending:
        subject = raw.get("subject")
        reference = subject.get("reference") if isinstance(subject, dict) else None
        owner = subjects.resolve(reference)
        if owner is not chosen:
            if owner is not None:
                notes.append(
                    Note("info", where, f"belongs to {owner.label}, not {chosen.label}; not used", pointer + "/subject")
                )
            elif reference is None:
                notes.append(
                    Note("warning", where, f"no subject reference: cannot tell whose {kind} it is; ignored", pointer)
                )
            else:
                notes.append(
                    Note(
                        "warning",
                        where,
                        f"subject {shown(str(reference))} is no Patient in the bundle; ignored",
                        pointer + "/subject/reference",
                    )
                )
            continue
        codings = _raw_codings(raw)
        if (
            codings is not None
            and index.fact(codings) is None
            and (kind == "Observation" or index.value(codings) is None)
        ):
            text = raw["code"].get("text") if isinstance(raw.get("code"), dict) else None
            notes.append(
                Note(
                    "warning",
                    where,
                    f"code {_describe(codings, text if isinstance(text, str) else None)} maps to no fact; ignored",
                    pointer,
                )
            )
            continue
        mine.append((where, pointer, kind, raw, model))
    if len(mine) > MAX_MAPPED_RESOURCES:
        raise FhirError(
            f"{chosen.label} has {len(mine):,} Observations and Conditions with mapped codes; the limit is "
            f"{MAX_MAPPED_RESOURCES:,}, which keeps reading a bundle under a few seconds (split the bundle, or keep the recent ones)"
        )
    return mine


def _validated(model: Any, raw: dict[str, Any], where: str, pointer: str, notes: list[Note]) -> Any | None:
    """The resource parsed by its fhir.resources model, or None with a warning saying why not."""
    try:
        return model.model_validate(raw)
    except Exception as exc:  # pydantic.ValidationError and friends: report, never crash
        notes.append(
            Note(
                "warning",
                where,
                f"not a valid FHIR R4 {raw.get('resourceType')}: {_validation_detail(exc)}; ignored",
                pointer,
            )
        )
        return None


def _raw_codings(raw: dict[str, Any]) -> list[tuple[str, str, str]] | None:
    """`code.coding` read from raw JSON, or None when it is not well-formed (the model then reports it)."""
    code = raw.get("code")
    if not isinstance(code, dict):
        return None
    coding = code.get("coding", [])
    if not isinstance(coding, list):
        return None
    out = []
    for c in coding:
        if not isinstance(c, dict):
            return None
        system, value, display = c.get("system", ""), c.get("code"), c.get("display", "")
        if not isinstance(system, str) or not isinstance(display, str) or not isinstance(value, (str, type(None))):
            return None
        if value:
            out.append((system, value, display))
    return out


def _latest(group: list[_Reading]) -> list[_Reading]:
    """The readings that may be the most recent: none of them is certainly older than another.

    Dated readings win over undated ones; a date without a time spans its
    whole day, so it ties with every reading of that day.
    """
    dated = [(r, r.start, r.end) for r in group if r.end is not None and r.start is not None]
    if not dated:
        return group
    newest_start = max(start for _r, start, _end in dated)
    return [r for r, _start, end in dated if end >= newest_start]


def _decide(readings: list[_Reading], vocab: Vocabulary, notes: list[Note]) -> dict[str, Any]:
    """One value per fact, or none with a warning when the readings that count disagree."""
    facts: dict[str, Any] = {}
    by_fact: dict[str, list[_Reading]] = {}
    for reading in readings:
        by_fact.setdefault(reading.fact, []).append(reading)
    for name, group in by_fact.items():
        fact = vocab.facts[name]
        candidates = _latest(group) if fact.type == "number" else group
        distinct = {json.dumps(canonical(r.value)) for r in candidates}  # 40 and 40.0 mL/min agree
        if len(distinct) > 1:
            listed = "; ".join(f"{json.dumps(r.value)} from {r.how}" for r in candidates[:MAX_LISTED])
            what = "readings of the same time disagree" if fact.type == "number" else "the resources disagree"
            notes.append(
                Note(
                    "warning",
                    candidates[0].where,
                    f"{name}: {what} ({listed}); left unknown, not decided by bundle order",
                )
            )
            continue
        chosen = candidates[-1]
        facts[name] = chosen.value
        shown_value = chosen.value if fact.type == "number" else json.dumps(chosen.value)
        extra = f" (latest of {len(group)})" if fact.type == "number" and len(group) > 1 else ""
        notes.append(Note("info", chosen.where, f"{name} = {shown_value} from {chosen.how}{extra}"))
    return facts


def _observation(where: str, obs: Any, index: _Index, warn: Any) -> Iterable[_Reading]:
    codings = _codings(obs.code)
    status = obs.status or ""
    if status in UNUSABLE_STATUS:
        warn(where, f"status {status!r}; ignored")
        return []
    fact = index.fact(codings)
    if fact is None:
        warn(where, f"code {_describe(codings, obs.code.text if obs.code else None)} maps to no fact; ignored")
        return []
    written, span = _effective(obs)
    if written is not None and span is None:
        warn(
            where, f"{fact.name}: effective date {shown(written)} is not a real date; ignored (its age cannot be told)"
        )
        return []
    start, end = span if span else (None, None)
    if fact.type == "number":
        quantity = obs.valueQuantity
        if quantity is None or quantity.value is None:
            reason = (
                "no value"
                if obs.dataAbsentReason is None
                else f"value absent ({_describe(_codings(obs.dataAbsentReason))})"
            )
            warn(where, f"{fact.name}: {reason}; ignored")
            return []
        if quantity.comparator:
            warn(
                where,
                f"{fact.name}: value {quantity.comparator}{quantity.value} is a bound, not a measurement; ignored",
            )
            return []
        unit = quantity.code if quantity.code else quantity.unit
        if quantity.code and quantity.system and quantity.system != UCUM:
            warn(where, f"{fact.name}: unit {quantity.code!r} is not UCUM (system {quantity.system}); ignored")
            return []
        if not unit:
            warn(where, f"{fact.name}: value {quantity.value} has no unit; ignored (never guessed)")
            return []
        number = float(quantity.value)
        converted = convert(number, unit, fact)
        if converted is None:
            warn(where, f"{fact.name}: unit {unit!r} cannot be converted to {fact.unit!r}; ignored")
            return []
        if not math.isfinite(converted):
            warn(
                where,
                f"{fact.name}: value {_short_number(quantity.value)} is beyond the range of a floating-point number; ignored",
            )
            return []
        how = f"{where} ({number:g} {unit})" if unit == fact.unit else f"{where} ({number:g} {unit} -> {fact.unit})"
        return [_Reading(fact.name, _round(converted), start, end, where, how)]
    if fact.type == "boolean":
        if obs.valueBoolean is not None:
            return [_Reading(fact.name, bool(obs.valueBoolean), start, end, where, where)]
        value_codings = _codings(obs.valueCodeableConcept)
        hit = index.value(value_codings, fact)
        if hit is not None:
            return [_Reading(fact.name, hit[1], start, end, where, f"{where} value {_describe(value_codings[:1])}")]
        warn(where, f"{fact.name}: value {_describe(value_codings)} maps to no value of the fact; ignored")
        return []
    value_codings = _codings(obs.valueCodeableConcept)
    hit = index.value(value_codings, fact)
    if hit is not None:
        return [_Reading(fact.name, hit[1], start, end, where, where)]
    warn(where, f"{fact.name}: value {_describe(value_codings)} maps to no value of the fact; ignored")
    return []


def _condition(where: str, condition: Any, index: _Index, warn: Any) -> Iterable[_Reading]:
    codings = _codings(condition.code)
    clinical = {c for _, c, _ in _codings(condition.clinicalStatus)}
    verification = {c for _, c, _ in _codings(condition.verificationStatus)}
    if "entered-in-error" in verification or "refuted" in verification:
        warn(where, f"verification status {', '.join(sorted(verification))}; ignored")
        return []
    value_hit = index.value(codings)
    fact = index.fact(codings)
    if value_hit is None and fact is None:
        warn(
            where,
            f"code {_describe(codings, condition.code.text if condition.code else None)} maps to no fact; ignored",
        )
        return []
    if clinical & INACTIVE_CONDITION:
        warn(where, f"clinical status {', '.join(sorted(clinical))}: not a current condition; ignored")
        return []
    span = instants(condition.recordedDate) if condition.recordedDate is not None else None
    start, end = span if span else (None, None)
    if value_hit is not None:
        target, value = value_hit
        return [_Reading(target.name, value, start, end, where, f"{where} ({_describe(codings[:1])})")]
    assert fact is not None
    if fact.type == "boolean":
        return [_Reading(fact.name, True, start, end, where, f"{where} ({_describe(codings[:1])})")]
    warn(where, f"code {_describe(codings)} names {fact.name} but gives no value; ignored")
    return []


def _patient(
    subject: Subject, as_of: date, vocab: Vocabulary, warn: Any, reference_note: str, notes: list[Note]
) -> Iterable[_Reading]:
    """sex and age_years of the chosen Patient; each date problem is a warning at its field.

    Ages are completed years on `as_of`. A partial birthDate (1980, 1980-05)
    gives an age only when every day it may mean gives the same one. A birth
    date after the reference date, or after today, gives no age.
    """
    patient, where, pointer = subject.model, subject.label, subject.pointer
    out: list[_Reading] = []
    if patient is None:  # not valid FHIR: the caller has said so, and reads nothing of it
        return out
    sex = vocab.facts.get("sex")
    gender = patient.gender
    if gender is None:
        warn(where, "no gender: sex is unknown")
    elif sex is not None and gender in sex.values:
        out.append(_Reading("sex", gender, None, None, where, f"{where} gender"))
    else:
        warn(
            where,
            f"gender {shown(str(gender))} does not map to sex ({', '.join(sex.values) if sex else 'no sex fact'}); sex is unknown",
            pointer + "/gender",
        )
    written = patient.birthDate
    birth = parse_date(written)
    at_birth = pointer + "/birthDate"
    today = date.today()
    if written is None:
        warn(where, "no birthDate: age_years is unknown")
    elif birth is None:
        warn(where, f"birthDate {shown(str(written))} is not a real date; age_years is unknown", at_birth)
    elif patient.deceasedBoolean or patient.deceasedDateTime:
        warn(where, "the patient is deceased; age_years is not computed")
    elif birth[0] > today:
        warn(
            where,
            f"birthDate {written} is in the future (today is {today.isoformat()}); age_years is unknown",
            at_birth,
        )
    elif birth[1] > as_of:
        after = "after" if birth[0] > as_of else "possibly after"
        warn(
            where,
            f"birthDate {written} is {after} the reference date {as_of.isoformat()}; age_years is unknown",
            at_birth,
        )
    else:
        oldest, youngest = completed_years(birth[0], as_of), completed_years(birth[1], as_of)
        if oldest != youngest:
            warn(
                where,
                f"birthDate {written} is partial: the age is {youngest} or {oldest} on {as_of.isoformat()}; age_years is unknown",
                at_birth,
            )
        else:
            day = instants(as_of)  # the age holds on the reference day: an Age Observation of that day must agree
            out.append(
                _Reading(
                    "age_years",
                    oldest,
                    day[0] if day else None,
                    day[1] if day else None,
                    where,
                    f"{where} birthDate {written} as of {as_of.isoformat()}",
                )
            )
            if reference_note:
                notes.append(Note("info", where, reference_note))
    return out


def bundle_patient(read: BundleFacts, bundle_path: str | Path) -> Any:
    """The engine.model.Patient a read Bundle stands for: named after the file (and the Patient id when it holds several)."""
    from engine.model import Patient

    name = Path(bundle_path).stem
    if read.patients > 1:
        name = f"{name}/{read.patient.id or read.patient.label}"
    return Patient(name, read.facts, path=str(bundle_path))
