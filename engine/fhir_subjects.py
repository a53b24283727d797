"""Whose is this Observation? The Patients of a Bundle and the references that name them.

A Bundle may hold several patients; a resource belongs to the one its
`subject` reference names, never to whoever happens to be first or newest.
References resolve as FHIR says: an absolute URL or `urn:uuid:` matches an
entry's fullUrl exactly; a relative `Patient/<id>` matches the Patient with
that id (a trailing `/_history/<v>` is ignored). Anything else (no subject,
a Group, an unknown id) resolves to nobody, and the caller reports it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_RELATIVE = re.compile(r"Patient/([A-Za-z0-9\-.]{1,64})")
_HISTORY = re.compile(r"/_history/[^/]*\Z")
MAX_LISTED = 10


def shown(text: str, limit: int = 80) -> str:
    """repr() of user text, cut short: control characters escaped, never a wall of text."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


@dataclass
class Subject:
    """One Patient entry: how references name it, where it sits, its raw data and (once chosen) its parsed model."""

    id: str | None
    full_url: str | None
    pointer: str
    model_class: Any = None
    raw: dict[str, Any] = field(default_factory=dict)
    model: Any | None = None  # set once this Patient is chosen and validated (None: invalid)

    @property
    def label(self) -> str:
        if self.id:
            return f"Patient/{self.id}"
        return self.full_url or f"{self.pointer} Patient"


@dataclass
class Subjects:
    """The Bundle's Patients, indexed by id and by fullUrl."""

    patients: list[Subject] = field(default_factory=list)
    by_id: dict[str, Subject] = field(default_factory=dict)
    by_url: dict[str, Subject] = field(default_factory=dict)

    def add(self, raw: dict[str, Any], full_url: Any, pointer: str, model_class: Any) -> None:
        """Register a Patient; ValueError when its id or fullUrl is already taken (attribution would be ambiguous)."""
        rid = raw.get("id")
        subject = Subject(
            rid if isinstance(rid, str) and FHIR_ID.fullmatch(rid) else None,
            full_url if isinstance(full_url, str) and full_url.strip() else None,
            pointer,
            model_class,
            raw,
        )
        if subject.id and subject.id in self.by_id:
            raise ValueError(
                f"Patient id {shown(subject.id)} appears twice (at {self.by_id[subject.id].pointer} and {pointer}): "
                "its resources cannot be attributed"
            )
        if subject.full_url and subject.full_url in self.by_url:
            raise ValueError(
                f"fullUrl {shown(subject.full_url)} appears twice (at {self.by_url[subject.full_url].pointer} and {pointer})"
            )
        self.patients.append(subject)
        if subject.id:
            self.by_id[subject.id] = subject
        if subject.full_url:
            self.by_url[subject.full_url] = subject

    def resolve(self, reference: Any) -> Subject | None:
        """The Patient a reference string names, or None."""
        if not isinstance(reference, str):
            return None
        ref = _HISTORY.sub("", reference.strip())
        if ref in self.by_url:
            return self.by_url[ref]
        if "://" in ref or ref.startswith("urn:"):
            return None  # absolute: only an entry's fullUrl can name it
        m = _RELATIVE.fullmatch(ref)
        return self.by_id.get(m[1]) if m else None

    def listing(self) -> str:
        names = [p.label for p in self.patients[:MAX_LISTED]]
        more = f" and {len(self.patients) - MAX_LISTED} more" if len(self.patients) > MAX_LISTED else ""
        return ", ".join(shown(n) for n in names) + more

    def choose(self, patient_id: str | None) -> Subject:
        """The patient to read: the one given by --patient-id, or the only one; ValueError otherwise."""
        if not self.patients:
            raise ValueError("the bundle has no Patient resource: its observations cannot be attributed to anyone")
        if patient_id is not None:
            wanted = patient_id[len("Patient/") :] if patient_id.startswith("Patient/") else patient_id
            hit = self.by_id.get(wanted) or self.by_url.get(patient_id)
            if hit is None:
                raise ValueError(f"no Patient {shown(patient_id)} in the bundle; it holds {self.listing()}")
            return hit
        if len(self.patients) > 1:
            ids = [p.id for p in self.patients if p.id]
            hint = f" (for example --patient-id {ids[0]})" if ids else ""
            raise ValueError(
                f"the bundle holds {len(self.patients)} patients ({self.listing()}): choose one with --patient-id{hint}"
            )
        return self.patients[0]
