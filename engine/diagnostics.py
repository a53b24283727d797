"""Diagnostics: one located finding (file, line, column, JSON pointer, code, message).

Modelled on jsonschema's error objects: data, not strings, so the CLI, the
TUI, SARIF and GitHub annotations all render the same finding their own way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from engine.textsafe import clip, escape_controls

Severity = Literal["error", "warning"]
MAX_MESSAGE = 400

# code -> (short name, explanation). The single registry of diagnostic codes;
# docs and SARIF rule metadata are generated from it.
CODES: dict[str, tuple[str, str]] = {
    "E001": (
        "unreadable-file",
        "The file cannot be read (missing, a directory, not a regular file such as a FIFO or device, or permission denied).",
    ),
    "E002": ("file-too-large", "The file is larger than the size limit for untrusted input."),
    "E003": ("invalid-utf8", "The file is not valid UTF-8 text."),
    "E004": ("syntax-error", "The file is not well-formed YAML or JSON."),
    "E005": ("duplicate-key", "A mapping has the same key twice; YAML would silently keep the last one."),
    "E006": (
        "alias-or-anchor",
        "YAML anchors, aliases and merge keys are not allowed (they enable alias bombs and hide content).",
    ),
    "E007": ("custom-tag", "YAML tags are not allowed; plain JSON-compatible data only."),
    "E008": ("too-deep", "Nesting is deeper than the limit."),
    "E009": ("multiple-documents", "A file must hold exactly one YAML document."),
    "E010": (
        "outside-project",
        "The file resolves (through a symbolic link) outside the project folder, so it is not read.",
    ),
    "E011": ("too-many-problems", "A file has more problems than are reported one by one; checking it stopped there."),
    "W011": (
        "too-many-warnings",
        "A file has more warnings than are reported one by one (and no error among those not reported): they are counted.",
    ),
    "E100": ("schema", "The document does not match its JSON Schema in schema/."),
    "E200": ("unknown-operation", "The rule uses an operation outside Accord's JSON-Logic whitelist."),
    "E201": ("unknown-fact", "A var names no fact of schema/vocabulary.yaml."),
    "E202": ("type-mismatch", "An operation's arguments have the wrong type for the facts involved."),
    "E203": ("value-outside-enum", "An enum fact is compared with a value it cannot take."),
    "E204": ("bad-var", "A var must be a literal fact name (no computed names, paths or defaults)."),
    "E205": ("bad-arity", "An operation has the wrong number of arguments."),
    "E206": ("division-by-zero", "A division or modulo by the literal zero."),
    "E207": (
        "number-out-of-range",
        "A number in a rule or a value is beyond float range (about 1.8e308) or not finite.",
    ),
    "E208": (
        "rule-too-large",
        "A rule has more than 1,000 operations (engine.rules.MAX_OPERATIONS); it is refused before it is checked or evaluated.",
    ),
    "E209": (
        "ruleset-too-large",
        "The rules of one ruleset's claims have more than 40,000 operations in all (engine.rules.MAX_RULESET_OPERATIONS); "
        "it is refused at the claim that crosses the limit, and no rule after it is checked.",
    ),
    "E210": ("unknown-question", "The claim answers a question the vocabulary does not define."),
    "E211": ("bad-value", "The claim's value is not a valid answer to its question."),
    "E214": (
        "unknown-qualifier",
        "A claim's qualifier is not one its question's shape declares in schema/shapes.yaml, or its value is not allowed there.",
    ),
    "E215": (
        "impossible-condition",
        "No patient inside the vocabulary's ranges and relations (schema/relations.yaml) satisfies the claim's `when` "
        "(`egfr > 50 and egfr < 30`, `age_years > 150`), so the claim never applies. Decided on the cells region "
        "analysis uses (engine.analysis.satisfy); a condition it cannot decide exactly and cheaply is not checked.",
    ),
    "W216": (
        "always-true-condition",
        "Every patient the vocabulary allows satisfies the claim's `when` (`egfr >= 0` over egfr's range 0 to 200), "
        "although it is not the literal `true`: the claim applies to everyone, so a threshold is probably wrong.",
    ),
    "E300": ("duplicate-claim-id", "Two claims share an id."),
    "E301": ("claim-id-source", "A claim id must start with its ruleset's source id."),
    "E302": ("source-id-filename", "A ruleset's source id must match its file name."),
    "W303": (
        "redundant-claim",
        "Within one source and question, every patient a claim applies to is also covered by another claim giving the "
        "same value and qualifiers (a duplicate when both cover the same patients): one of them can go. Both claims "
        "and both quotes are named. Inside another claim with a different value, it is a within-source conflict that "
        "`accord conflicts` reports (one band contains the other).",
    ),
    "E400": ("source-text-missing", "The source text named by the ruleset cannot be read."),
    "E401": ("source-changed", "The source text's sha256 differs from the one recorded in the ruleset."),
    "E402": ("quote-mismatch", "The quote is not at its offsets and could not be re-anchored."),
    "W403": ("quote-moved", "The quote was found elsewhere in the changed source text; its offsets need updating."),
    "E404": ("bad-offsets", "Offsets are out of range or end before start."),
    "E407": (
        "citation-in-ordinary-source",
        "A claim of an ordinary source cites instead of quoting; only a reference source may cite.",
    ),
    "E408": (
        "quote-without-text",
        "A reference source that bundles no text has a claim that quotes; it must cite a section.",
    ),
    "W405": ("context-mismatch", "The quote is at its offsets but its prefix or suffix differs from the text."),
    "W406": (
        "verification-stale",
        "A claim was last verified against its source (its verified date, else the source's retrieved date) longer ago "
        "than accord.yaml's verification.max_age_days (default 365), or before the text it quotes was retrieved.",
    ),
    "W409": (
        "retrieval-unknown-or-old",
        "The source does not say when its text was retrieved although its claims say when they were verified, or it "
        "was retrieved longer before their newest verification than verification.max_age_days: retrieve it again.",
    ),
    "E500": ("patient-fact", "A patient fact is unknown or has the wrong type."),
    "E501": (
        "patient-expectation",
        "A patient's expectation names an unknown source or question, or an invalid value.",
    ),
    "W502": (
        "patient-fact-range",
        "A patient value (given or derived) is outside the vocabulary's range or not finite; it is treated as missing, never evaluated.",
    ),
    "W503": (
        "expectations-skipped",
        "Patients' expectations of a source whose ruleset has errors were not checked; fix the ruleset's errors first.",
    ),
    "W504": (
        "patient-fact-relation",
        "A patient's facts break a relation of schema/relations.yaml: a given value contradicts what a cited definition derives, an implication (if true, then false) or a constraint (eGFR and CrCl too far apart, exclusive facts). The given value is still used.",
    ),
    "E610": (
        "broken-project-settings",
        "accord.yaml (the project's settings beside the rulesets folder) breaks schema/project.schema.json, or names a "
        "question the vocabulary lacks. Commands that read it stop until it is fixed.",
    ),
    "E600": (
        "broken-vocabulary",
        "A file of the vocabulary (schema/vocabulary.yaml, relations.yaml, shapes.yaml, links.yaml, or their copies in "
        "$ACCORD_SCHEMA_DIR) breaks its JSON Schema, or names a fact, question or value the vocabulary lacks, or holds "
        "relations that cannot hold together (a cycle, a contradiction). Every command stops with this until it is fixed; "
        "a YAML problem in those files keeps its own code (E004 and the others).",
    ),
}


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A single located finding; sorts by file, then position."""

    path: str
    line: int
    col: int
    code: str
    message: str
    severity: Severity = "error"
    pointer: str = ""
    extra: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        # A message quotes user content (keys, values, schema instances): bound it whoever built it.
        if len(self.message) > MAX_MESSAGE:
            object.__setattr__(self, "message", clip(self.message, MAX_MESSAGE))

    @property
    def name(self) -> str:
        return CODES.get(self.code, (self.code, ""))[0]

    def format(self) -> str:
        """`PATH:LINE:COL: error[CODE]: message`, the compiler-style line editors understand.

        Control characters of the path, message and pointer are escaped: the
        line is one line, and nothing in it talks to the terminal.
        """
        where = f" (at {escape_controls(self.pointer)})" if self.pointer else ""
        return f"{escape_controls(self.path)}:{self.line}:{self.col}: {self.severity}[{self.code}]: {escape_controls(self.message)}{where}"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["name"] = self.name
        data.pop("extra")
        data.update(dict(self.extra))
        return data


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diagnostics)
