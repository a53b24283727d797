"""Edit one claim of a ruleset file by targeted text changes (the TUI's claim editor uses this).

The file text stays the source of truth: a claim is cut out as a YAML
snippet, edited, checked on its own (through the ordinary ruleset
validation) and spliced back at the same place, so comments, key order and
formatting of everything else are untouched. No third-party imports
beyond the engine's own.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from engine.diagnostics import Diagnostic
from engine.loader import Document, LoadError, load_text, pointer
from engine.model import Claim, Provenance
from engine.yamltext import (
    UnwritableText,
    is_json_path,
    json_block,
    json_indent_unit,
    line_indent,
    plain_or_quoted,
    quoted,
    reads_back,
)

STATUSES = ("draft", "submitted", "under_review", "approved", "rejected")


def slugify(text: str, limit: int = 40) -> str:
    """'The usual adult dose is 2 mg' -> 'the-usual-adult-dose-is-2-mg' (claim id slug)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0] or slug[:limit]
    return slug or "claim"


def unique_id(source_id: str, slug: str, taken: set[str]) -> str:
    base = f"{source_id}/{slug}"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _q(value: Any) -> str:
    """A one-line JSON/YAML flow scalar that reads back as exactly `value` (engine.yamltext.quoted)."""
    return quoted(value)


def new_claim_snippet(claim_id: str, prov: Provenance, question: str = "", value: Any = None, when: Any = True) -> str:
    """YAML text of a new draft claim anchored at `prov` (quote, context and offsets from the selector)."""
    lines = [
        f"id: {plain_or_quoted(claim_id, 'the claim id')}",
        f"question: {plain_or_quoted(question, 'the question')}" if question else "question: ",
        f"value: {_q(value)}" if value is not None else "value: ",
        f"when: {_q(when)}",
        "provenance:",
        f"  exact: {_q(prov.exact)}",
        f"  prefix: {_q(prov.prefix)}",
        f"  suffix: {_q(prov.suffix)}",
        f"  start: {prov.start}",
        f"  end: {prov.end}",
        "status: draft",
    ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class ClaimLocation:
    """Where claim `index` sits in the file: [start, end) of its item text and its indentation."""

    index: int
    start: int
    end: int
    indent: int  # column of the mapping's first key (0-based)
    dash_indent: int  # column of the item's '-'


def locate_claim(doc: Document, index: int) -> ClaimLocation:
    span = doc.spans[("claims", index)]
    text = doc.text
    end = span.end
    # A block mapping ends where the next token starts: trim trailing blank lines and
    # comment lines so they stay with what follows.
    chunk = text[span.start : end]
    lines = chunk.split("\n")
    while len(lines) > 1 and (not lines[-1].strip() or lines[-1].lstrip().startswith("#")):
        lines.pop()
    chunk = "\n".join(lines).rstrip()
    line_start = text.rfind("\n", 0, span.start) + 1
    indent = span.start - line_start
    dash = text.rfind("-", line_start, span.start)
    dash_indent = dash - line_start if dash != -1 else max(0, indent - 2)
    return ClaimLocation(index, span.start, span.start + len(chunk), indent, dash_indent)


def claim_snippet(doc: Document, index: int) -> str:
    """The claim's YAML text, dedented so its keys start at column 0."""
    loc = locate_claim(doc, index)
    return _dedent(doc.text[loc.start : loc.end], loc.indent) + "\n"


def _dedent(text: str, indent: int) -> str:
    lines = text.split("\n")
    out = [lines[0]]
    for line in lines[1:]:
        out.append(line[indent:] if line[:indent].strip() == "" else line.lstrip())
    return "\n".join(out)


def _indent(text: str, indent: int) -> str:
    lines = text.rstrip("\n").split("\n")
    pad = " " * indent
    return "\n".join([lines[0]] + [(pad + line) if line.strip() else "" for line in lines[1:]])


def splice_claim(doc: Document, snippet: str, index: int | None) -> str:
    """The file text with claim `index` replaced by `snippet` (or appended when index is None).

    In a .json ruleset the claim is written as JSON in the file's indentation.
    """
    text = doc.text
    if is_json_path(doc.path):
        spliced = _splice_claim_json(doc, snippet, index)
        if spliced is not None:
            return spliced
    if index is not None:
        loc = locate_claim(doc, index)
        return text[: loc.start] + _indent(snippet, loc.indent) + text[loc.end :]
    claims = doc.data.get("claims") if isinstance(doc.data, dict) else None
    if isinstance(claims, list) and claims:
        last = locate_claim(doc, len(claims) - 1)
        pad = " " * last.dash_indent
        body = _indent(snippet, last.dash_indent + 2)
        return text[: last.end] + "\n" + pad + "- " + body + text[last.end :]
    # No claims yet: `claims: []` (or an empty value) becomes a block list.
    key = doc.key_spans.get(("claims",))
    if key is None:
        sep = "" if text.endswith("\n") or not text else "\n"
        return text + sep + "claims:\n  - " + _indent(snippet, 4) + "\n"
    value = doc.spans.get(("claims",))
    colon = text.index(":", key.end) + 1
    value_end = value.end if value is not None and value.start >= colon else colon
    return text[:colon] + "\n  - " + _indent(snippet, 4) + text[value_end:]


def _splice_claim_json(doc: Document, snippet: str, index: int | None) -> str | None:
    """splice_claim for a .json file; None when the snippet is not a readable mapping (nothing sensible to write)."""
    try:
        claim = load_text(snippet, doc.path).data
    except LoadError:
        return None
    if not isinstance(claim, dict) or not isinstance(doc.data, dict):
        return None
    text = doc.text
    unit = json_indent_unit(text)
    claims = doc.data.get("claims")
    if index is not None:
        span = doc.spans[("claims", index)]
        base = line_indent(text, span.start) if unit else ""
        return text[: span.start] + json_block(claim, unit, base, "the claim") + text[span.end :]
    if isinstance(claims, list) and claims:
        last = doc.spans[("claims", len(claims) - 1)]
        base = line_indent(text, last.start) if unit else ""
        return (
            text[: last.end]
            + (",\n" + base if unit else ", ")
            + json_block(claim, unit, base, "the claim")
            + text[last.end :]
        )
    new = dict(doc.data)
    new["claims"] = [claim]
    return json_block(new, unit, "", "the ruleset") + ("\n" if text.endswith("\n") else "")


def set_scalar(doc: Document, parts: tuple[Any, ...], value: Any) -> str:
    """The file text with the scalar at `parts` replaced by `value`: a plain word in YAML, always JSON in a .json file.

    The result is parsed again and must read as the old data with only that
    value changed; ValueError (UnwritableText) otherwise, nothing to write.
    """
    span = doc.spans[tuple(parts)]
    as_json = is_json_path(doc.path)
    rendered = _q(value) if as_json else plain_or_quoted(value)
    text = doc.text[: span.start] + rendered + doc.text[span.end :]
    expected = copy.deepcopy(doc.data)
    node = expected
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = value
    if not reads_back(text, expected, doc.path, as_json=as_json):
        raise UnwritableText(f"{doc.path}: setting {pointer(parts)} to {_q(value)} would not read back as that value")
    return text


def set_claim_status(doc: Document, claim_id: str, status: str) -> str:
    """The file text with one claim's status changed (nothing else touched)."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}; one of {', '.join(STATUSES)}")
    index = claim_index(doc, claim_id)
    if index is None:
        raise KeyError(claim_id)
    return set_scalar(doc, ("claims", index, "status"), status)


def claim_index(doc: Document, claim_id: str) -> int | None:
    claims = doc.data.get("claims") if isinstance(doc.data, dict) else None
    for i, claim in enumerate(claims or []):
        if isinstance(claim, dict) and claim.get("id") == claim_id:
            return i
    return None


@dataclass
class SnippetCheck:
    """Findings for an edited claim, located in the snippet (line 1 = its first line)."""

    diagnostics: list[Diagnostic]
    data: Any = None
    elsewhere: list[Diagnostic] | None = None

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)


def check_claim_snippet(snippet: str, doc: Document, index: int | None, path: str | None = None) -> SnippetCheck:
    """Validate one claim's YAML as part of its ruleset, quickly (only this claim is checked).

    The claim is wrapped in a one-claim ruleset with the real source header and
    checked by engine.validate (schema, rule, question, value, provenance);
    duplicate ids are checked against the other claims of the file. Located
    findings are mapped back to lines of the snippet.
    """
    from engine.validate import validate_ruleset_document

    name = path or doc.path
    try:
        snip_doc = load_text(snippet, name)
    except LoadError as exc:
        return SnippetCheck([exc.diagnostic])
    source = doc.data.get("source") if isinstance(doc.data, dict) else None
    header = "accord: 1\nsource: " + _q(source if isinstance(source, dict) else {}) + "\nclaims:\n  - "
    offset_lines = header.count("\n")
    wrapped = header + _indent(snippet, 4) + "\n"
    try:
        wdoc = load_text(wrapped, name)
    except LoadError as exc:
        d = exc.diagnostic
        return SnippetCheck([replace(d, line=max(1, d.line - offset_lines))])
    _ruleset, found = validate_ruleset_document(wdoc)
    mine: list[Diagnostic] = []
    elsewhere: list[Diagnostic] = []
    for d in found:
        if d.pointer.startswith("/claims/0"):
            mine.append(replace(d, line=d.line - offset_lines, col=max(1, d.col - 4)))
        elif d.code not in ("E302",):
            elsewhere.append(d)
    data = snip_doc.data
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        other = claim_index(doc, data["id"])
        if other is not None and other != index:
            span = snip_doc.spans.get(("id",))
            line, col = (span.line, span.col) if span else (1, 1)
            where = doc.locate(("claims", other, "id")).line
            mine.append(
                Diagnostic(
                    name,
                    line,
                    col,
                    "E300",
                    f"duplicate claim id {data['id']!r} (used at line {where} of the file)",
                    "error",
                    "/id",
                )
            )
    if not isinstance(data, dict):
        mine.append(
            Diagnostic(
                name, 1, 1, "E100", "a claim must be a mapping (id:, question:, value:, when:, provenance:, status:)"
            )
        )
    elif _ruleset is not None and _ruleset.claims and not any(d.severity == "error" for d in mine):
        mine += _redundant_here(_ruleset.claims[0], doc, index, snip_doc, name)
    mine.sort()
    return SnippetCheck(mine, data, elsewhere)


def _redundant_here(edited: Claim, doc: Document, index: int | None, snip_doc: Document, name: str) -> list[Diagnostic]:
    """W303 for the edited claim against the file's other claims (engine.claimchecks.redundancies_of), at its `when`."""
    from engine.claimchecks import redundancies_of
    from engine.contract import vocabulary
    from engine.model import Ruleset

    try:
        others = [c for c in Ruleset.from_document(doc).claims if c.index != index]
    except (KeyError, TypeError, ValueError, AttributeError):
        return []  # the file itself does not load as a ruleset: its own errors say so, not this claim's
    span = snip_doc.spans.get(("when",)) or snip_doc.spans.get(())
    line, col = (span.line, span.col) if span else (1, 1)
    return [
        Diagnostic(name, line, col, "W303", text, "warning", "/when")
        for text in redundancies_of(edited, others, vocabulary())
    ]


def read_document(path: str | Path) -> Document:
    from engine.loader import load_file

    return load_file(path)
