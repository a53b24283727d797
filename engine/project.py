"""A project's own settings (accord.yaml beside the rulesets folder): severity per question, for now.

The vocabulary gives every question a default severity; a team may gate on other questions
than the vocabulary's authors did. accord.yaml (schema/project.schema.json) overrides a
question's severity; the report says which settings it used (`configuration`), and the cache
key includes the file, so a changed setting is a fresh analysis. A broken file is E610 at its
line and column, never a silent default.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.diagnostics import Diagnostic

if TYPE_CHECKING:
    from engine.contract import Vocabulary

PROJECT_FILE = "accord.yaml"


def default_max_age() -> int:
    """verification.max_age_days when accord.yaml does not set it: the schema's default (the contract says it)."""
    from engine.contract import schema_json

    field_schema = schema_json("project")["properties"]["verification"]["properties"]["max_age_days"]
    return int(field_schema["default"])


@dataclass(frozen=True)
class Project:
    """The settings read, where from, and the file's sha256 (empty when there is no file)."""

    path: Path | None = None
    sha256: str = ""
    severity: dict[str, str] = field(default_factory=dict)
    max_age_days: int | None = None  # verification.max_age_days (None: the schema's default); older warn (W406)

    def max_age(self) -> int:
        """Days a claim's last verification may be old before accord validate warns (W406)."""
        return self.max_age_days if self.max_age_days is not None else default_max_age()

    def configuration(self) -> dict[str, Any]:
        """What report.json records: the file and its overrides, or that the vocabulary's defaults were used."""
        if self.path is None:
            return {"severity": "vocabulary defaults (no accord.yaml)"}
        return {"file": self.path.name, "sha256": self.sha256, "severity": dict(sorted(self.severity.items()))}

    def apply(self, vocab: Vocabulary) -> Vocabulary:
        """The vocabulary with each overridden question's severity."""
        if not self.severity:
            return vocab
        questions = {
            name: replace(q, severity=self.severity.get(name, q.severity)) for name, q in vocab.questions.items()
        }
        return replace(vocab, questions=questions)


def project_file(rulesets_dir: str | os.PathLike[str]) -> Path:
    return Path(rulesets_dir).resolve().parent / PROJECT_FILE


def load_project(rulesets_dir: str | os.PathLike[str], vocab: Vocabulary) -> tuple[Project, list[Diagnostic]]:
    """accord.yaml beside the rulesets folder, checked against its schema and the vocabulary's questions."""
    from engine.contract import validator
    from engine.loader import LoadError, load_file, pointer

    path = project_file(rulesets_dir)
    if not path.exists():
        return Project(), []
    shown = str(Path(os.path.relpath(path)) if not os.path.isabs(str(rulesets_dir)) else path)
    try:
        doc = load_file(path, root=path.parent)
    except LoadError as exc:
        return Project(), [exc.diagnostic]
    out: list[Diagnostic] = []
    for error in validator("project").iter_errors(doc.data):
        parts = tuple(error.absolute_path)
        span = doc.locate(parts)
        out.append(Diagnostic(shown, span.line, span.col, "E610", error.message[:200], pointer=pointer(parts)))
    if out:
        return Project(), out
    severity = dict((doc.data or {}).get("severity") or {})
    for name in sorted(severity):
        if name not in vocab.questions:
            span = doc.locate(("severity", name))
            out.append(
                Diagnostic(
                    shown,
                    span.line,
                    span.col,
                    "E610",
                    f"severity names question {name!r}, which the vocabulary does not have{vocab.suggest(name, list(vocab.questions))}",
                    pointer=pointer(("severity", name)),
                )
            )
    if out:
        return Project(), out
    verification = (doc.data or {}).get("verification") or {}
    max_age = verification.get("max_age_days")
    return Project(path, hashlib.sha256(path.read_bytes()).hexdigest(), severity, max_age), []
