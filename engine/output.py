"""Output formats shared by every subcommand: text, json, sarif, github and junit.

One finding is one `engine.diagnostics.Diagnostic` (file, line, column, code,
message, severity); each format renders the same list its own way:

* text    `PATH:LINE:COL: error[CODE]: message`, coloured only on a terminal
          and never when NO_COLOR is set (https://no-color.org);
* json    the command's own payload (see each command);
* sarif   a SARIF 2.1.0 log (OASIS), rules generated from CODES, for
          GitHub code scanning and editors;
* github  GitHub Actions workflow commands (`::error file=...::message`),
          which annotate the pull request diff;
* junit   JUnit XML for `accord test`, one testcase per patient expectation.

Pure standard library; nothing here imports the rest of the engine except the
diagnostic registry. Each function renders to the stream it is given: the
commands (engine/commands/) pass sys.stdout, and declare --format there
(engine.commands._options).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from engine import __version__
from engine.diagnostics import CODES, Diagnostic, Severity
from engine.reportdata import ConflictData, disposition_text, severity_rank
from engine.textsafe import escape_controls, escape_json_text

FORMATS = ("text", "json", "sarif", "github")
SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://accord-workbench.github.io/"
SRCROOT = "%SRCROOT%"


# ---------------------------------------------------------------- colour

_COLOURS = {"red": "31", "yellow": "33", "green": "32", "bold": "1", "dim": "2", "cyan": "36"}


def use_color(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set to a non-empty value."""
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR", ""):
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def paint(text: str, colour: str, enabled: bool) -> str:
    """`text` wrapped in an ANSI colour when enabled, else unchanged."""
    if not enabled or colour not in _COLOURS:
        return text
    return f"\x1b[{_COLOURS[colour]}m{text}\x1b[0m"


SEVERITY_COLOURS = {"error": "red", "warning": "yellow"}


def format_text(diagnostic: Diagnostic, color: bool = False) -> str:
    """Diagnostic.format(), with the severity coloured when `color`; identical text otherwise."""
    if not color:
        return diagnostic.format()
    where = f" (at {escape_controls(diagnostic.pointer)})" if diagnostic.pointer else ""
    severity = paint(
        f"{diagnostic.severity}[{diagnostic.code}]", SEVERITY_COLOURS.get(diagnostic.severity, "bold"), True
    )
    location = paint(f"{escape_controls(diagnostic.path)}:{diagnostic.line}:{diagnostic.col}:", "bold", True)
    return f"{location} {severity}: {escape_controls(diagnostic.message)}{where}"


# ---------------------------------------------------------------- SARIF


@dataclass(frozen=True)
class Rule:
    """SARIF rule metadata: id, short name, description and default level."""

    id: str
    name: str
    description: str
    level: str = "error"


def rules_from_codes(codes: Mapping[str, tuple[str, str]] = CODES) -> list[Rule]:
    """One SARIF rule per diagnostic code; W-codes default to warning, the rest to error."""
    return [
        Rule(code, name, text, "warning" if code.startswith("W") else "error") for code, (name, text) in codes.items()
    ]


def artifact_uri(path: str, base: str | os.PathLike[str] | None = None) -> str:
    """`path` as a relative, percent-encoded URI reference against `base` (default: cwd)."""
    base_path = Path(base if base is not None else os.getcwd()).resolve()
    target = Path(path)
    if not target.is_absolute():
        target = Path(os.getcwd()) / target
    try:
        # the folder resolved, not the file: a link's target is never named in the output
        relative = os.path.relpath(Path(os.path.realpath(target.parent)) / target.name, base_path)
    except ValueError:  # another drive on Windows
        relative = str(target)
    return quote(Path(relative).as_posix(), safe="/-._~")


def _level(severity: str) -> str:
    return {"error": "error", "warning": "warning"}.get(severity, "note")


def sarif_result(
    diagnostic: Diagnostic,
    rule_index: Mapping[str, int],
    base: str | os.PathLike[str] | None = None,
    properties: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One SARIF result for a diagnostic, located at its file, line and column."""
    result: dict[str, Any] = {
        "ruleId": diagnostic.code,
        "level": _level(diagnostic.severity),
        "message": {"text": diagnostic.message or diagnostic.name},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(diagnostic.path, base), "uriBaseId": SRCROOT},
                    "region": {"startLine": max(1, int(diagnostic.line)), "startColumn": max(1, int(diagnostic.col))},
                }
            }
        ],
    }
    if diagnostic.code in rule_index:
        result["ruleIndex"] = rule_index[diagnostic.code]
    props: dict[str, Any] = {}
    if diagnostic.pointer:
        props["pointer"] = diagnostic.pointer
    props.update(dict(diagnostic.extra))
    props.update(properties or {})
    if props:
        result["properties"] = props
    return result


def sarif_log(
    diagnostics: Iterable[Diagnostic],
    base: str | os.PathLike[str] | None = None,
    rules: Iterable[Rule] | None = None,
    properties: Iterable[Mapping[str, Any] | None] | None = None,
) -> dict[str, Any]:
    """A complete SARIF 2.1.0 log with one run of the accord tool.

    `rules` defaults to every code of engine.diagnostics.CODES; commands with
    findings of their own (conflicts) pass extra rules. `properties` gives
    optional per-result property bags, parallel to `diagnostics`.
    """
    rule_list = list(rules) if rules is not None else rules_from_codes()
    rule_index = {rule.id: i for i, rule in enumerate(rule_list)}
    diags = list(diagnostics)
    props = list(properties) if properties is not None else [None] * len(diags)
    base_path = Path(base if base is not None else os.getcwd()).resolve()
    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "accord",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [
                            {
                                "id": rule.id,
                                "name": _pascal(rule.name),
                                "shortDescription": {"text": rule.description},
                                "fullDescription": {"text": f"{rule.id} {rule.name}: {rule.description}"},
                                "defaultConfiguration": {"level": rule.level},
                            }
                            for rule in rule_list
                        ],
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": base_path.as_uri().rstrip("/") + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": [sarif_result(d, rule_index, base_path, p) for d, p in zip(diags, props)],
            }
        ],
    }


def _pascal(name: str) -> str:
    """'unknown-fact' -> 'UnknownFact' (SARIF recommends PascalCase rule names)."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_\s]+", name) if part) or name


def json_text(data: Any, indent: int | None = 2) -> str:
    """JSON for the terminal or a file: never NaN or Infinity (not JSON; they become null), and
    DEL, C1 and bidi characters as \\u escapes (the same data, nothing the terminal obeys)."""
    try:
        text = json.dumps(data, indent=indent, ensure_ascii=False, allow_nan=False)
    except ValueError:
        text = json.dumps(finite(data), indent=indent, ensure_ascii=False, allow_nan=False)
    return escape_json_text(text)


def finite(data: Any) -> Any:
    """`data` with every non-finite float (NaN, Infinity) replaced by None."""
    if isinstance(data, float):
        return data if data == data and data not in (float("inf"), float("-inf")) else None
    if isinstance(data, dict):
        return {k: finite(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [finite(v) for v in data]
    return data


def dump_json(data: Any, stream: TextIO) -> None:
    stream.write(json_text(data) + "\n")


# ---------------------------------------------------------------- GitHub Actions


def escape_data(text: str) -> str:
    """Escape a workflow command's message: % then CR and LF (then any other control character, as text)."""
    return escape_controls(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    """Escape a workflow command's property value: as data, plus ':' and ','."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(diagnostic: Diagnostic, title: str | None = None) -> str:
    """`::error file=PATH,line=L,col=C,title=CODE::message` for one diagnostic."""
    command = {"error": "error", "warning": "warning"}.get(diagnostic.severity, "notice")
    props = [
        f"file={escape_property(diagnostic.path)}",
        f"line={int(diagnostic.line)}",
        f"col={int(diagnostic.col)}",
        f"title={escape_property(title if title is not None else diagnostic.code)}",
    ]
    where = f" (at {diagnostic.pointer})" if diagnostic.pointer else ""
    return f"::{command} {','.join(props)}::{escape_data(diagnostic.message + where)}"


# ---------------------------------------------------------------- JUnit XML

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Drop characters XML 1.0 cannot carry at all (escaping is ElementTree's job)."""
    return _XML_INVALID.sub("\ufffd", text)


@dataclass
class TestCase:
    """One JUnit testcase: a patient expectation (classname: patient, name: source/question)."""

    __test__ = False  # not a pytest class

    classname: str
    name: str
    failure: str | None = None
    details: str = ""
    file: str = ""
    line: int = 0
    time: float = 0.0
    skipped: str | None = None
    error: str | None = None


@dataclass
class TestSuite:
    __test__ = False

    name: str
    cases: list[TestCase] = field(default_factory=list)
    time: float = 0.0


def junit_xml(suites: Iterable[TestSuite], name: str = "accord test", time: float | None = None) -> str:
    """A JUnit XML document (the widely read Ant/Jenkins/GitHub dialect) for the suites."""
    import xml.etree.ElementTree as ET

    suites = list(suites)
    root = ET.Element("testsuites", name=xml_safe(name))
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total_time = 0.0
    for suite in suites:
        counts = {
            "tests": len(suite.cases),
            "failures": sum(c.failure is not None for c in suite.cases),
            "errors": sum(c.error is not None for c in suite.cases),
            "skipped": sum(c.skipped is not None for c in suite.cases),
        }
        element = ET.SubElement(
            root,
            "testsuite",
            {"name": xml_safe(suite.name), "time": f"{suite.time:.3f}", **{k: str(v) for k, v in counts.items()}},
        )
        for case in suite.cases:
            attrs = {"classname": xml_safe(case.classname), "name": xml_safe(case.name), "time": f"{case.time:.3f}"}
            if case.file:
                attrs["file"] = xml_safe(case.file)
            if case.line:
                attrs["line"] = str(case.line)
            tc = ET.SubElement(element, "testcase", attrs)
            if case.failure is not None:
                failure = ET.SubElement(tc, "failure", message=xml_safe(case.failure), type="expectation")
                failure.text = xml_safe(case.details or case.failure)
            if case.error is not None:
                error = ET.SubElement(tc, "error", message=xml_safe(case.error), type="error")
                error.text = xml_safe(case.error)
            if case.skipped is not None:
                ET.SubElement(tc, "skipped", message=xml_safe(case.skipped))
        for key in totals:
            totals[key] += counts[key]
        total_time += suite.time
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{total_time if time is None else time:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# ---------------------------------------------------------------- diagnostics, any format


def emit_diagnostics(
    diagnostics: list[Diagnostic], fmt: str, stream: TextIO, base: str | os.PathLike[str] | None = None
) -> None:
    """Write diagnostics in text, sarif or github format (json payloads are the command's own)."""
    if fmt == "sarif":
        dump_json(sarif_log(diagnostics, base), stream)
    elif fmt == "github":
        for diagnostic in diagnostics:
            stream.write(github_annotation(diagnostic) + "\n")
    else:
        color = use_color(stream)
        for diagnostic in diagnostics:
            stream.write(format_text(diagnostic, color) + "\n")


# ---------------------------------------------------------------- accord test reports

EXPECTATION_RULE = Rule(
    "expectation-failed",
    "expectation-failed",
    "A test patient's expected answer differs from what the source's claims give.",
    "error",
)


def _expectation_locator() -> Any:
    """Located (line, col) of patients' expectations, loading each patient file once."""
    from engine.loader import LoadError, load_file

    cache: dict[str, Any] = {}

    def locate(path: str, parts: tuple[Any, ...]) -> tuple[int, int]:
        if path not in cache:
            try:
                cache[path] = load_file(path)
            except (LoadError, OSError):
                cache[path] = None
        doc = cache[path]
        if doc is None:
            return 1, 1
        span = doc.key_spans.get(parts) or doc.locate(parts)
        return span.line, span.col

    return locate


def expectation_diagnostics(report: Any) -> list[Diagnostic]:
    """Validation errors plus one located diagnostic per failed expectation of an `accord test` report."""
    locate = _expectation_locator()
    out = list(report.diagnostics)
    for o in report.failed:
        line, col = locate(o.path, ("expected", o.source, o.question))
        message = f"{o.patient}: {o.source} {o.question}: expected {o.describe_expected()}, got {o.describe_actual()}"
        out.append(
            Diagnostic(o.path, line, col, EXPECTATION_RULE.id, message, "error", f"/expected/{o.source}/{o.question}")
        )
    return out


def junit_from_test_report(report: Any, duration: float = 0.0) -> str:
    """JUnit XML for an `accord test` report: one testsuite per patient, one testcase per expectation."""
    locate = _expectation_locator()
    suites: dict[str, TestSuite] = {}
    for o in report.outcomes:
        suite = suites.setdefault(o.path, TestSuite(o.patient))
        line, _col = locate(o.path, ("expected", o.source, o.question))
        case = TestCase(classname=f"patients.{o.patient}", name=f"{o.source} {o.question}", file=o.path, line=line)
        if getattr(o, "skipped", False):
            case.skipped = o.message
        elif not o.passed:
            case.failure = f"expected {o.describe_expected()}, got {o.describe_actual()}"
            case.details = f"{o.path}:{line}: {o.patient}: {o.source} {o.question}\n{case.failure}"
        suite.cases.append(case)
    ordered = list(suites.values())
    if report.diagnostics:
        ordered.insert(
            0,
            TestSuite(
                "validation",
                [
                    TestCase("validation", f"{d.path}:{d.line}:{d.col}", error=d.format(), file=d.path, line=d.line)
                    for d in report.diagnostics
                ],
            ),
        )
    return junit_xml(ordered, time=duration)


def emit_test_report(report: Any, fmt: str, stream: TextIO, duration: float = 0.0) -> None:
    """`accord test` in sarif, github or junit format."""
    if fmt == "junit":
        stream.write(junit_from_test_report(report, duration))
        return
    diagnostics = expectation_diagnostics(report)
    if fmt == "sarif":
        dump_json(sarif_log(diagnostics, rules=rules_from_codes() + [EXPECTATION_RULE]), stream)
    else:
        for diagnostic in diagnostics:
            stream.write(github_annotation(diagnostic) + "\n")


# ---------------------------------------------------------------- accord conflicts

CONFLICT_RULES = [
    Rule(
        "deviates_from_reference",
        "deviates-from-reference",
        "An ordinary source answers differently from an official label (a reference source), and no other label agrees with it there.",
        "warning",
    ),
    Rule(
        "between_sources",
        "between-sources",
        "Two sources both answer the question for the same patients, with different values.",
        "warning",
    ),
    Rule(
        "within_source",
        "within-source",
        "One source's applicable claims give different answers for the same patients.",
        "warning",
    ),
    Rule(
        "gap",
        "gap",
        "A source's bands along a numeric fact leave a hole: claims end just below a range and others begin just above it.",
        "warning",
    ),
    Rule(
        "omission",
        "omission",
        "One source's answer comes from claims on a fact the other source never addresses: the other is silent "
        "on it, not contradicting (a severity step below the question's).",
        "warning",
    ),
    Rule(
        "boundary",
        "boundary",
        "Two sources use the same threshold but disagree on which side the threshold value itself belongs to.",
        "warning",
    ),
]


def _conflict_level(severity: str) -> Severity:
    """A conflict's annotation level: the most severe (high) is an error, the rest warnings."""
    return "error" if severity_rank(severity) == 0 else "warning"


def conflict_diagnostics(
    conflicts: Iterable[ConflictData], rulesets: Iterable[Any]
) -> tuple[list[Diagnostic], list[dict[str, Any]]]:
    """One diagnostic per conflict, located at its first involved claim, and a SARIF property bag for each.

    `conflicts` are report.json conflicts (engine.reportdata.ConflictData,
    checked against schema/report.schema.json); `rulesets` are
    engine.model.Ruleset, used to find each claim's file and line.
    """
    homes: dict[str, tuple[str, int, int]] = {}
    for ruleset in rulesets:
        doc = getattr(ruleset, "document", None)
        for claim in ruleset.claims:
            span = doc.locate(claim.parts + ("id",)) if doc is not None else None
            homes[claim.id] = (ruleset.path, span.line if span else 1, span.col if span else 1)
    diagnostics: list[Diagnostic] = []
    bags: list[dict[str, Any]] = []
    for conflict in conflicts:
        claims = [c for c in dict.fromkeys(claim["id"] for claim in conflict["claims"]) if c]
        kind, cid, question = conflict["kind"], conflict["id"], conflict["question"]
        path, line, col = next((homes[c] for c in claims if c in homes), ("rulesets", 1, 1))
        message = f"{kind.replace('_', ' ')} conflict {cid} on {question}".strip()
        if conflict["description"]:
            message += f": {conflict['description']}"
        if claims:
            message += f" (claims {', '.join(claims)})"
        diagnostics.append(Diagnostic(path, line, col, kind, message, _conflict_level(conflict["severity"])))
        bag: dict[str, Any] = {"conflictId": cid, "question": question, "claims": claims}
        if "disposition" in conflict and "review_again" not in conflict:  # a stale decision needs action again
            bag["disposition"] = conflict["disposition"]
        if "review_again" in conflict:
            bag["reviewAgain"] = conflict["review_again"]["reason"]
        bags.append(bag)
    return diagnostics, bags


def emit_conflicts(conflicts: Iterable[ConflictData], rulesets: Iterable[Any], fmt: str, stream: TextIO) -> None:
    """`accord conflicts` in sarif or github format: each conflict at the first involved claim's file and line.

    Only conflicts that need action are annotated as errors or warnings: a conflict with a recorded
    disposition is a SARIF note with a suppression (underReview for needs_expert, accepted otherwise,
    justified by the reviewer's note), and is left out of GitHub annotations, so a passing pull request
    shows no wall of ::error lines.
    """
    diagnostics, bags = conflict_diagnostics(conflicts, rulesets)
    if fmt == "sarif":
        log = sarif_log(diagnostics, rules=CONFLICT_RULES, properties=bags)
        for result, bag in zip(log["runs"][0]["results"], bags):
            decided = bag.get("disposition")
            if isinstance(decided, dict):
                result["level"] = "note"
                value = decided.get("disposition")
                status = "underReview" if value == "needs_expert" else "accepted"
                why = f"{disposition_text(value) if value is not None else 'decided'} by {decided.get('reviewer', '')}"
                if decided.get("note"):
                    why += f": {decided['note']}"
                result["suppressions"] = [{"kind": "external", "status": status, "justification": why[:1000]}]
        dump_json(log, stream)
    else:
        for diagnostic, bag in zip(diagnostics, bags):
            if "disposition" in bag:
                continue  # decided: nothing to act on in the pull request
            stream.write(github_annotation(diagnostic, title=f"{diagnostic.code} {bag['conflictId']}".strip()) + "\n")
