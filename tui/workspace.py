"""What the workbench knows about a rulesets folder: a snapshot built by the engine.

Loading runs in a worker thread; every fact here comes from an engine call
(validate_paths, coverage, evaluate, the conflict report). The TUI reads
these snapshots and never validates or evaluates on its own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from engine.reportdata import Reviews

if TYPE_CHECKING:
    from engine.diagnostics import Diagnostic
    from engine.model import Claim, Patient, Ruleset
    from engine.reportdata import ConflictData, NotAnalysed


@dataclass
class RulesetEntry:
    """One ruleset file as the first screen lists it."""

    path: Path
    source_id: str
    title: str
    claims: int
    errors: int
    warnings: int
    ruleset: Ruleset | None = None  # when valid
    diagnostics: list[Diagnostic] = field(default_factory=list)
    coverage: dict[str, int] | None = None
    role: str = "ordinary"  # or "reference": an official label (source.role)
    jurisdiction: str = ""
    drug: str = ""  # the ruleset's drug (engine.drugs.drug_of), or its raw `drug` when it does not load

    @property
    def role_text(self) -> str:
        """'reference US' for an official label, '' for an ordinary source."""
        return f"reference {self.jurisdiction}".strip() if self.role == "reference" else ""

    @property
    def state(self) -> str:
        if self.errors:
            return "invalid"
        if self.warnings:
            return "warnings"
        return "valid"


@dataclass
class Workspace:
    folder: Path
    entries: list[RulesetEntry] = field(default_factory=list)
    patients: list[Patient] = field(default_factory=list)
    other_diagnostics: list[Diagnostic] = field(default_factory=list)
    conflicts: list[ConflictData] = field(default_factory=list)
    conflicts_path: Path | None = None
    conflicts_problem: str | None = (
        None  # why report.json could not be used (unreadable, not schema/report.schema.json)
    )
    not_analysed: list[NotAnalysed] = field(
        default_factory=list
    )  # report.json analysis.not_analysed: conflicts there are unknown
    reviews: Reviews = field(default_factory=Reviews)
    source_drugs: dict[str, str] = field(default_factory=dict)  # report.json sources: id -> drug

    def finding_drug(self, item: ConflictData) -> str:
        """The drug a finding is about (sources are compared only within a drug: its first source's)."""
        return self.source_drugs.get(item["sources"][0], "") if item["sources"] else ""

    @property
    def rulesets(self) -> list[Ruleset]:
        return [e.ruleset for e in self.entries if e.ruleset is not None]

    def entry(self, source_id: str) -> RulesetEntry | None:
        return next((e for e in self.entries if e.source_id == source_id), None)

    def entry_for_claim(self, claim_id: str) -> RulesetEntry | None:
        return self.entry(claim_id.split("/", 1)[0])

    def claim(self, claim_id: str) -> Claim | None:
        entry = self.entry_for_claim(claim_id)
        if entry is None or entry.ruleset is None:
            return None
        return next((c for c in entry.ruleset.claims if c.id == claim_id), None)

    @property
    def totals(self) -> tuple[int, int, int]:
        return (
            sum(e.claims for e in self.entries),
            sum(e.errors for e in self.entries),
            sum(e.warnings for e in self.entries),
        )


def conflicts_folder(folder: Path) -> Path:
    """The project's conflicts/ folder by the rule `accord conflicts` and `accord review` use (engine.folders)."""
    from engine.folders import conflicts_folder as engine_conflicts_folder

    return engine_conflicts_folder(folder)


def load_workspace(folder: str | os.PathLike[str]) -> Workspace:
    """Validate the folder with the engine and gather what every screen shows."""
    from engine.coverage import coverage
    from engine.drugs import drug_of
    from engine.loader import LoadError, load_file
    from engine.validate import discover, validate_paths

    folder = Path(folder)
    result = validate_paths([folder])
    ws = Workspace(folder)
    ruleset_files, _patients, _ = discover([folder])
    by_path: dict[str, list[Diagnostic]] = {}
    for d in result.diagnostics:
        by_path.setdefault(str(Path(d.path)), []).append(d)
    valid = {str(Path(r.path)): r for r in result.rulesets}
    for path in ruleset_files:
        key = str(path)
        diags = by_path.pop(key, [])
        ruleset = valid.get(key)
        source_id, title, claims = path.stem, "", 0
        role, jurisdiction, drug = "ordinary", "", ""
        if ruleset is not None:
            source_id, title, claims = ruleset.source_id, ruleset.title, len(ruleset.claims)
            role, jurisdiction = ruleset.role, ruleset.jurisdiction
            drug = drug_of(ruleset)
        else:
            try:
                data = load_file(path).data
            except LoadError:
                data = None
            if isinstance(data, dict):
                if "facts" in data and "claims" not in data:
                    continue  # a patient file at the top level
                source = data.get("source")
                if not isinstance(source, dict):
                    source = {}
                source_id = str(source.get("id") or path.stem)
                title = str(source.get("title") or "")
                claims = len(data["claims"]) if isinstance(data.get("claims"), list) else 0
                role = "reference" if source.get("role") == "reference" else "ordinary"
                jurisdiction = str(source.get("jurisdiction") or "")
                drug = str(data.get("drug") or "")[:100]
        errors = sum(d.severity == "error" for d in diags)
        entry = RulesetEntry(path, source_id, title, claims, errors, len(diags) - errors, ruleset, diags)
        entry.role, entry.jurisdiction, entry.drug = role, jurisdiction, drug
        if ruleset is not None and ruleset.text_path:  # a reference that cites the label has no text to cover
            try:
                entry.coverage = coverage(ruleset).counts()
            except OSError:
                entry.coverage = None
        ws.entries.append(entry)
    ws.other_diagnostics = [d for ds in by_path.values() for d in ds]
    ws.patients = list(result.patients)
    load_conflicts(ws)
    return ws


def load_conflicts(ws: Workspace) -> None:
    """Read conflicts/report.json (written by `accord conflicts`) and conflicts/reviews.yaml."""
    folder = conflicts_folder(ws.folder)
    report = folder / "report.json"
    ws.conflicts_path = report
    ws.conflicts = []
    ws.conflicts_problem = None
    ws.not_analysed = []
    ws.source_drugs = {}
    from engine.review import ReviewError, load_report, load_reviews

    try:
        # The engine reads it (engine.safefile: a regular file inside the folder) and holds it to
        # schema/report.schema.json, so every field the screens read is certain; a problem is located.
        data = load_report(folder)
    except ReviewError as exc:
        ws.conflicts_problem = str(exc)
    else:
        if data is not None:
            ws.conflicts = list(data["conflicts"])
            ws.not_analysed = list(data["analysis"].get("not_analysed", []))
            ws.source_drugs = {s["id"]: s.get("drug", "") for s in data.get("sources", [])}
    ws.reviews, _problems = load_reviews(folder / "reviews.yaml")
