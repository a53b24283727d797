"""The report, reviews and findings as types: what crosses from the engine to the CLI and the workbench.

schema/report.schema.json and schema/reviews.schema.json are the contract the
files are checked against; these TypedDicts say the same thing to the type
checker, so a reader that probes a key the report does not have is a type
error instead of a silent `None`. tests/engine/test_reportdata.py walks each
schema beside its TypedDict and fails when either changes without the other.

No `from __future__ import annotations` here: TypedDict decides which keys are
NotRequired from the evaluated annotations.
"""

from typing import Any, Literal, NotRequired, TypedDict, get_args

Severity = Literal["high", "medium", "low"]
Kind = Literal[
    "between_sources",
    "within_source",
    "boundary",
    "gap",
    "precision",
    "deviates_from_reference",
    "label_difference",
    "omission",
]
Status = Literal["draft", "submitted", "under_review", "approved", "rejected"]
AnswerStatus = Literal["answered", "conflicting", "indeterminate", "silent"]
PlainDisposition = Literal["all_wrong", "not_a_conflict", "needs_expert"]

SEVERITIES: tuple[Severity, ...] = get_args(Severity)
"""Most severe first: the one severity order (the vocabulary's and the report's enum; a test holds all three equal)."""
SEVERITY_RANK: dict[str, int] = {name: rank for rank, name in enumerate(SEVERITIES)}


def severity_rank(severity: str) -> int:
    """Sort key of a severity: high first; anything unknown after every known one."""
    return SEVERITY_RANK.get(severity, len(SEVERITIES))


# ---------------------------------------------------------------- reviews (conflicts/reviews.yaml)


class SourceCorrect(TypedDict):
    source_correct: str


DispositionValue = PlainDisposition | SourceCorrect


class EarlierDisposition(TypedDict):
    """A disposition that was replaced: one item of DispositionEntry.history (without a history of its own)."""

    disposition: DispositionValue
    reviewer: str
    date: str
    note: NotRequired[str]
    replaced_by: NotRequired[str]  # who recorded the disposition that replaced it


class DispositionEntry(TypedDict):
    """One conflict's disposition, in reviews.yaml and copied onto the conflict in the report.

    The top-level fields are the current disposition; `history` the earlier ones, oldest first.
    """

    disposition: DispositionValue
    reviewer: str
    date: str
    note: NotRequired[str]
    history: NotRequired[list[EarlierDisposition]]
    migrated_from: NotRequired[list[str]]  # conflict ids a reviews.yaml migration mapped to this one
    judged: NotRequired[dict[str, str]]  # claim id -> fingerprint when recorded (engine.fingerprint)
    migration: NotRequired[str]  # what that migration did


# One step of a claim's review history; "from" (the status it left, absent in hand-written histories) is a
# keyword, so the functional form is the only way to name the key.
ReviewStep = TypedDict(
    "ReviewStep",
    {
        "from": NotRequired[Status],
        "status": Status,
        "reviewer": str,
        "date": str,
        "note": NotRequired[str],
        "self_approved": NotRequired[Literal[True]],  # approved by the person who submitted it (--self-approve)
    },
)


class Reviews(TypedDict):
    """reviews.yaml. Every key may be absent in the file; engine.review.load_reviews fills all three."""

    accord: NotRequired[Literal[1]]
    conflicts: NotRequired[dict[str, DispositionEntry]]
    claims: NotRequired[dict[str, list[ReviewStep]]]


# ---------------------------------------------------------------- findings (conflicts in report.json)


class ValueGroupData(TypedDict):
    value: Any
    claims: list[str]
    qualifiers: NotRequired[dict[str, str]]


class AnswerData(TypedDict):
    """engine.evaluate.Answer.to_json(): one source's answer at the witness."""

    source: str
    question: str
    status: AnswerStatus
    values: list[ValueGroupData]
    missing: list[str]
    errors: NotRequired[list[str]]
    subsumed: NotRequired[list[ValueGroupData]]


class CitationData(TypedDict):
    """Where a reference's claim stands in the official document (engine.model.Citation)."""

    document: str
    version: str
    section: str
    table: NotRequired[str]
    locator: NotRequired[str]
    read_in: NotRequired[str]


class ConflictClaim(TypedDict):
    id: str
    source: str
    value: Any
    status: Status
    quote: str
    start: int
    end: int
    citation: NotRequired[CitationData]  # a reference's claim
    fingerprint: NotRequired[str]  # what a disposition judged (engine.fingerprint)


class Constraint(TypedDict):
    fact: str
    text: str
    low: NotRequired[float]
    high: NotRequired[float]
    low_inclusive: NotRequired[bool]
    high_inclusive: NotRequired[bool]
    values: NotRequired[list[str | bool]]


class Region(TypedDict):
    text: str
    words: NotRequired[str]  # the constraints in a reviewer's words (engine.words)
    box: bool
    cells: int
    note: NotRequired[str]
    constraints: list[Constraint]


class Witness(TypedDict):
    facts: dict[str, float | str | bool]


class LinkData(TypedDict):
    """A cross-question link (schema/links.yaml) a within-source conflict breaks."""

    id: str
    message: str


class ConflictData(TypedDict):
    """One conflict of the report (a finding, located, described and with its witness)."""

    id: str
    kind: Kind
    question: str
    severity: Severity
    sources: list[str]
    description: str
    claims: list[ConflictClaim]
    region: Region
    witness: Witness
    answers: list[AnswerData]
    notes: list[str]
    fact: NotRequired[str]
    threshold: NotRequired[float]
    questions: NotRequired[list[str]]  # a broken cross-question link: both questions
    link: NotRequired[LinkData]
    reference: NotRequired[str]  # a deviates_from_reference conflict's reference source
    regions: NotRequired[list["RegionEntry"]]  # every region of the finding's cause (engine.findings)
    charts: NotRequired[list[str]]  # its band-chart SVG files, relative to the report (engine.reportcharts)
    suggestion: NotRequired["GapSuggestionData"]  # a gap finding: the claim that would close it (engine.gapfill)
    sides: NotRequired[list["Side"]]
    silent: NotRequired[str]  # an omission: the source that does not address the fact
    unaddressed: NotRequired[list[str]]
    contains: NotRequired[list[list[str]]]  # a within-source conflict: [inner, outer] claims, one band inside the other
    disposition: NotRequired[DispositionEntry]
    review_again: NotRequired["ReviewAgain"]  # the disposition judged claims that changed since


class ReviewAgain(TypedDict):
    claims: list[str]
    reason: str


class RegionEntry(TypedDict):
    """One region of a finding, with the id it had as a conflict of its own (dispositions recorded under it)."""

    id: str
    region: Region
    witness: Witness
    answers: list[AnswerData]
    description: str


class Side(TypedDict):
    """One source's side of a finding's cause: the claims that give it and what it says."""

    source: str
    claims: list[str]
    says: NotRequired[str]


class CoverageRow(TypedDict):
    """Per question: each source's claims on it (0 where it is silent)."""

    question: str
    claims: dict[str, int]


# ---------------------------------------------------------------- the report (conflicts/report.json)


class SourceAnalysed(TypedDict):
    id: str
    title: str
    claims: int
    drug: NotRequired[str]  # engine.drugs.drug_of
    role: NotRequired[Literal["reference"]]
    jurisdiction: NotRequired[str]
    version: NotRequired[str]


class ReferenceAgreement(TypedDict):
    """Per ordinary source and reference: how its claims compare (engine.reference.agreement)."""

    source: str
    reference: str
    agree: int
    deviate: int
    other_label: int
    not_covered: int
    undetermined: int


class QuestionAnalysed(TypedDict):
    question: str
    facts: list[str]
    sources: list[str]
    cells: int
    drug: NotRequired[str]  # several drugs in the project: whose sources (engine.drugs.merge_analyses)
    constraints: NotRequired[list[str]]  # ids of the vocabulary constraints applied to its cells
    links: NotRequired[list[str]]  # ids of the cross-question links checked from it


class ConstraintApplied(TypedDict):
    """A vocabulary constraint region analysis applied (schema/relations.yaml, engine.meaning.facts)."""

    id: str
    message: str
    definition: str


class NotAnalysed(TypedDict):
    question: str
    source: str
    cells: int
    facts: list[str]
    claims: NotRequired[int]
    reason: NotRequired[str]


class AnalysisData(TypedDict):
    cells_evaluated: int
    questions: list[QuestionAnalysed]
    notes: list[str]
    max_cells: NotRequired[int]
    not_analysed: NotRequired[list[NotAnalysed]]
    constraints: NotRequired[list[ConstraintApplied]]


class Summary(TypedDict):
    conflicts: int
    by_severity: dict[str, int]
    by_kind: dict[str, int]
    by_question: dict[str, int]
    high_without_disposition: list[str]
    review_again: NotRequired[list[str]]  # findings whose disposition judged claims that changed since
    references: NotRequired[list[ReferenceAgreement]]


class Truncated(TypedDict):
    conflicts_found: int
    conflicts_reported: int
    max_findings: NotRequired[int]
    max_report_bytes: NotRequired[int]
    max_work: NotRequired[int]
    dispositions_not_shown: NotRequired[list[str]]


class OrphanedDisposition(DispositionEntry):
    """A disposition whose conflict no longer exists: its id and the entry from reviews.yaml."""

    id: str


class Configuration(TypedDict):
    """The project settings a report used (accord.yaml), or that it used the vocabulary's defaults."""

    file: NotRequired[str]
    sha256: NotRequired[str]
    severity: NotRequired[str | dict[str, Severity]]


class GapCandidate(TypedDict):
    value: Any
    from_claim: str


class GapSuggestionData(TypedDict):
    """The claim that would close a gap finding (engine.gapfill.GapSuggestion.to_json)."""

    question: str
    fact: str
    low: float
    low_inclusive: bool
    high: float
    high_inclusive: bool
    text: str
    when: Any
    candidates: list[GapCandidate]
    ending: list[str]
    beginning: list[str]


class ComparisonEvidence(TypedDict):
    """A reference claim a comparison was checked against (engine.crossdrug.Evidence.to_json)."""

    drug: str
    claim: str
    source: str
    question: str
    value: Any
    citation: str


class ComparisonData(TypedDict):
    """A claim comparing the drug with another, checked against both drugs' labels (engine.crossdrug)."""

    claim: str
    source: str
    drug: str
    other: str
    question: str
    value: Any
    verdict: Literal["supported_by_labels", "not_supported", "labels_silent"]
    reason: str
    checked: dict[str, list[ComparisonEvidence]]


class Report(TypedDict):
    """report.json as `accord conflicts` writes it."""

    accord: Literal[1]
    coverage: NotRequired[list[CoverageRow]]  # which sources address which questions
    configuration: NotRequired["Configuration"]  # the project settings the report used (engine.project)
    sources: list[SourceAnalysed]
    analysis: AnalysisData
    summary: Summary
    conflicts: list[ConflictData]
    precision_notes: NotRequired[list[ConflictData]]  # compatible answers, one more precise: never a conflict
    label_differences: NotRequired[list[ConflictData]]  # the official labels differ: never a source's error
    truncated: NotRequired[Truncated]
    comparisons: NotRequired[list[ComparisonData]]  # claims comparing drugs, checked against both labels
    orphaned_dispositions: list[OrphanedDisposition]


# ---------------------------------------------------------------- reading the data (report and review both need these)


def disposition_text(value: DispositionValue) -> str:
    """A disposition in words: 'source_correct: NAME' or the plain kind."""
    if isinstance(value, dict) and "source_correct" in value:
        return f"source_correct: {value['source_correct']}"
    return str(value)


def orphaned(data: Reviews, conflict_ids: set[str]) -> list[tuple[str, DispositionEntry]]:
    """Dispositions whose conflict no longer exists (kept, reported)."""
    return sorted((cid, entry) for cid, entry in (data.get("conflicts") or {}).items() if cid not in conflict_ids)
