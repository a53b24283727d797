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
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from engine.contract import Fact, Vocabulary, vocabulary

UCUM = "http://unitsofmeasure.org"
MAX_BUNDLE_BYTES = 20 * 1024 * 1024

# Unit conversion: fact unit (UCUM) -> {given UCUM unit: factor}; value_in_fact_unit = value * factor.
# Only exact, dimension-preserving factors; anything else is reported.
UNIT_FACTORS: dict[str, dict[str, float]] = {
    "mg/dL": {"mg/dL": 1.0, "mg/L": 0.1, "g/L": 100.0, "g/dL": 1000.0},
    "g/dL": {"g/dL": 1.0, "g/L": 0.1, "mg/dL": 0.001, "mg/mL": 0.1},
    "10*9/L": {"10*9/L": 1.0, "10*3/uL": 1.0, "10*3/mm3": 1.0, "/nL": 1.0, "10*6/mL": 1.0, "/uL": 1e-3, "/mm3": 1e-3, "10*6/L": 1e-3},
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


@dataclass(frozen=True)
class Note:
    """A finding of the mapping: `warning` (something was not used) or `info` (how a fact was obtained)."""

    level: str
    resource: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.resource}: {self.message}" if self.resource else f"{self.level}: {self.message}"

    def to_json(self) -> dict[str, str]:
        return {"level": self.level, "resource": self.resource, "message": self.message}


def is_bundle(data: Any) -> bool:
    return isinstance(data, dict) and data.get("resourceType") == "Bundle"


def looks_like_bundle(path: str | Path) -> bool:
    """True when the file is JSON whose resourceType is Bundle (cheap sniff, no FHIR import)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return head.lstrip()[:1] == b"{" and re.search(rb'"resourceType"\s*:\s*"Bundle"', head) is not None


def _models() -> Any:
    try:
        from fhir.resources import R4B  # fhir.resources >= 7 keeps R4-compatible models under R4B
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise FhirError("reading FHIR needs the fhir extra: pip install 'accord[fhir]'") from exc
    return R4B


def _load(source: str | Path | dict[str, Any]) -> dict[str, Any]:
    if not isinstance(source, (str, Path)):
        data = source
    else:
        path = Path(source)
        try:
            if path.stat().st_size > MAX_BUNDLE_BYTES:
                raise FhirError(f"{path}: file is larger than {MAX_BUNDLE_BYTES // (1024 * 1024)} MiB")
            text = path.read_text(encoding="utf-8")
        except FhirError:
            raise
        except UnicodeDecodeError:
            raise FhirError(f"{path}: not valid UTF-8") from None
        except OSError as exc:
            raise FhirError(f"{path}: {exc.strerror or exc}") from None
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise FhirError(f"{path}: not valid JSON: {exc}") from None
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


def _parse_date(value: Any) -> tuple[date, date] | None:
    """(earliest, latest) day a FHIR date/dateTime may mean; partial dates give a range."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value.date(), value.date()
    if isinstance(value, date):
        return value, value
    if isinstance(value, str):
        m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?(?:T.*)?", value)
        if not m:
            return None
        year, month, day = int(m[1]), m[2], m[3]
        if day:
            d = date(year, int(month), int(day))
            return d, d
        if month:
            mo = int(month)
            last = (date(year + (mo == 12), mo % 12 + 1, 1) - date(year, mo, 1)).days
            return date(year, mo, 1), date(year, mo, last)
        return date(year, 1, 1), date(year, 12, 31)
    return None


def completed_years(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _effective(resource: Any) -> date | None:
    for attr in ("effectiveDateTime", "effectiveInstant", "issued"):
        parsed = _parse_date(getattr(resource, attr, None))
        if parsed:
            return parsed[1]
    period = getattr(resource, "effectivePeriod", None)
    if period is not None:
        parsed = _parse_date(period.end) or _parse_date(period.start)
        if parsed:
            return parsed[1]
    return None


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


def _round(value: float) -> float:
    rounded = round(value, 4)
    return int(rounded) if rounded == int(rounded) and abs(rounded) < 1e15 else rounded


@dataclass
class _Reading:
    fact: str
    value: Any
    when: date | None
    where: str
    how: str


def facts_from_bundle(source: str | Path | dict[str, Any], as_of: date | str | None = None, vocab: Vocabulary | None = None) -> tuple[dict[str, Any], list[Note]]:
    """Facts of the vocabulary read from a FHIR R4 Bundle, and notes on what was used or left out.

    `as_of` is the reference date for age (default: the latest Observation
    date in the bundle, else today); pass it for reproducible results.
    Raises FhirError only when the input is not a Bundle at all; problems in
    single resources become warnings.
    """
    vocab = vocab or vocabulary()
    data = _load(source)
    models = _models()
    index = _Index(vocab)
    notes: list[Note] = []

    def warn(where: str, message: str) -> None:
        notes.append(Note("warning", where, message))

    if isinstance(as_of, str):
        parsed = _parse_date(as_of)
        if parsed is None or parsed[0] != parsed[1]:
            raise FhirError(f"--as-of must be a full date YYYY-MM-DD, not {as_of!r}")
        as_of = parsed[0]

    entries = data.get("entry") or []
    if not isinstance(entries, list):
        raise FhirError("Bundle.entry must be a list")
    resources: list[tuple[str, Any]] = []
    for i, entry in enumerate(entries):
        raw = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(raw, dict):
            warn(f"entry[{i}]", "entry has no resource; ignored")
            continue
        kind = raw.get("resourceType")
        where = f"{kind}/{raw.get('id')}" if raw.get("id") else f"entry[{i}] {kind}"
        try:
            model = models.get_fhir_model_class(str(kind))
        except (ValueError, KeyError, AttributeError):
            warn(where, f"unknown FHIR resource type {kind!r}; ignored")
            continue
        try:
            resource = model.model_validate(raw)
        except Exception as exc:  # pydantic.ValidationError and friends: report, never crash
            warn(where, f"not a valid FHIR R4 {kind}: {_validation_detail(exc)}; ignored")
            continue
        resources.append((where, resource))

    readings: list[_Reading] = []
    patient: tuple[str, Any] | None = None
    for where, resource in resources:
        kind = resource.get_resource_type()
        if kind == "Patient":
            if patient is not None:
                warn(where, f"a second Patient (first: {patient[0]}); ignored")
                continue
            patient = (where, resource)
        elif kind == "Observation":
            readings.extend(_observation(where, resource, index, warn))
        elif kind == "Condition":
            readings.extend(_condition(where, resource, index, warn))
        else:
            warn(where, f"{kind} resources are not mapped to facts; ignored")

    reference_note = ""
    if as_of is None:
        dated = [r.when for r in readings if r.when is not None]
        if dated:
            as_of = max(dated)
            reference_note = f"age computed as of {as_of.isoformat()}, the latest observation date (use --as-of to choose)"
        else:
            as_of = date.today()
            reference_note = f"age computed as of today, {as_of.isoformat()}: the bundle has no dated observation (use --as-of for reproducible results)"

    if patient is not None:
        readings.extend(_patient(patient[0], patient[1], as_of, vocab, warn, reference_note, notes))
    else:
        warn("Bundle", "no Patient resource: sex and age are unknown")

    facts: dict[str, Any] = {}
    by_fact: dict[str, list[_Reading]] = {}
    for reading in readings:
        by_fact.setdefault(reading.fact, []).append(reading)
    for name, group in by_fact.items():
        fact = vocab.facts[name]
        if fact.type == "number":
            # the most recent measurement wins; undated ones only when nothing is dated
            group.sort(key=lambda r: (r.when is not None, r.when or date.min))
            chosen = group[-1]
            facts[name] = chosen.value
            extra = f" (latest of {len(group)})" if len(group) > 1 else ""
            notes.append(Note("info", chosen.where, f"{name} = {chosen.value} from {chosen.how}{extra}"))
        else:
            distinct = {json.dumps(r.value) for r in group}
            if len(distinct) > 1:
                listed = ", ".join(f"{r.value} ({r.where})" for r in group)
                warn(group[0].where, f"{name} is ambiguous: {listed}; left unknown")
                continue
            facts[name] = group[0].value
            notes.append(Note("info", group[0].where, f"{name} = {json.dumps(group[0].value)} from {group[0].how}"))
    return facts, notes


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
    when = _effective(obs)
    if fact.type == "number":
        quantity = obs.valueQuantity
        if quantity is None or quantity.value is None:
            reason = "no value" if obs.dataAbsentReason is None else f"value absent ({_describe(_codings(obs.dataAbsentReason))})"
            warn(where, f"{fact.name}: {reason}; ignored")
            return []
        if quantity.comparator:
            warn(where, f"{fact.name}: value {quantity.comparator}{quantity.value} is a bound, not a measurement; ignored")
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
        how = f"{where} ({number:g} {unit})" if unit == fact.unit else f"{where} ({number:g} {unit} -> {fact.unit})"
        return [_Reading(fact.name, _round(converted), when, where, how)]
    if fact.type == "boolean":
        if obs.valueBoolean is not None:
            return [_Reading(fact.name, bool(obs.valueBoolean), when, where, where)]
        value_codings = _codings(obs.valueCodeableConcept)
        hit = index.value(value_codings, fact)
        if hit is not None:
            return [_Reading(fact.name, hit[1], when, where, f"{where} value {_describe(value_codings[:1])}")]
        warn(where, f"{fact.name}: value {_describe(value_codings)} maps to no value of the fact; ignored")
        return []
    value_codings = _codings(obs.valueCodeableConcept)
    hit = index.value(value_codings, fact)
    if hit is not None:
        return [_Reading(fact.name, hit[1], when, where, where)]
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
        warn(where, f"code {_describe(codings, condition.code.text if condition.code else None)} maps to no fact; ignored")
        return []
    if clinical & INACTIVE_CONDITION:
        warn(where, f"clinical status {', '.join(sorted(clinical))}: not a current condition; ignored")
        return []
    when = _parse_date(condition.recordedDate)
    day = when[1] if when else None
    if value_hit is not None:
        target, value = value_hit
        return [_Reading(target.name, value, day, where, f"{where} ({_describe(codings[:1])})")]
    assert fact is not None
    if fact.type == "boolean":
        return [_Reading(fact.name, True, day, where, f"{where} ({_describe(codings[:1])})")]
    warn(where, f"code {_describe(codings)} names {fact.name} but gives no value; ignored")
    return []


def _patient(where: str, patient: Any, as_of: date, vocab: Vocabulary, warn: Any, reference_note: str, notes: list[Note]) -> Iterable[_Reading]:
    out: list[_Reading] = []
    sex = vocab.facts.get("sex")
    gender = patient.gender
    if gender is None:
        warn(where, "no gender: sex is unknown")
    elif sex is not None and gender in sex.values:
        out.append(_Reading("sex", gender, None, where, f"{where} gender"))
    else:
        warn(where, f"gender {gender!r} does not map to sex ({', '.join(sex.values) if sex else 'no sex fact'}); sex is unknown")
    birth = _parse_date(patient.birthDate)
    if patient.birthDate is None:
        warn(where, "no birthDate: age_years is unknown")
    elif birth is None:
        warn(where, f"birthDate {patient.birthDate!r} is not a date; age_years is unknown")
    elif patient.deceasedBoolean or patient.deceasedDateTime:
        warn(where, "the patient is deceased; age_years is not computed")
    else:
        oldest, youngest = completed_years(birth[0], as_of), completed_years(birth[1], as_of)
        if birth[1] > as_of:
            warn(where, f"birthDate {patient.birthDate} is after the reference date {as_of.isoformat()}; age_years is unknown")
        elif oldest != youngest:
            warn(where, f"birthDate {patient.birthDate} is partial: the age is {youngest} or {oldest} on {as_of.isoformat()}; age_years is unknown")
        else:
            out.append(_Reading("age_years", oldest, as_of, where, f"{where} birthDate {patient.birthDate} as of {as_of.isoformat()}"))
            if reference_note:
                notes.append(Note("info", where, reference_note))
    return out


def load_bundle_inputs(bundle_path: str, rulesets_path: str, as_of: str | None = None, verbose: bool = False, quiet: bool = False) -> tuple[Any, Any] | None:
    """(patient, validation result) for commands taking --patient, when the file is a FHIR Bundle.

    Mapping warnings (each unmapped resource, code or unit) go to stderr unless
    `quiet`; how each fact was obtained too with `verbose`. None after a
    one-line error (not a Bundle, no fhir extra, invalid rulesets).
    """
    import sys

    from engine.commands._patients import report
    from engine.model import Patient
    from engine.validate import validate_paths

    try:
        facts, notes = facts_from_bundle(bundle_path, as_of=as_of)
    except FhirError as exc:
        print(f"accord: {exc}", file=sys.stderr)
        return None
    for note in notes:
        if (note.level == "warning" and not quiet) or verbose:
            print(f"{bundle_path}: {note}", file=sys.stderr)
    result = validate_paths([rulesets_path], check_patients=False)
    if not result.ok:
        report([d for d in result.diagnostics if d.severity == "error"])
        print(f"accord: the rulesets in {rulesets_path} have errors; run `accord validate {rulesets_path}`", file=sys.stderr)
        return None
    return Patient(Path(bundle_path).stem, facts, path=str(bundle_path)), result
