"""Typed views of validated documents: rulesets, claims, provenance, patients.

Built only after validation, so the rest of the engine can trust their shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from engine.loader import Document
from engine.rules import facts_used
from engine.values import canonical


def value_key(value: Any) -> str:
    """Canonical text of a value, so {mg: 2, every_days: 1} equals {every_days: 1, mg: 2.0}.

    Every place that groups or compares answers keys them here (engine.values.canonical).
    """
    return json.dumps(canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# Between a value's key and its qualifiers' in an answer key (value_key text never holds a raw newline).
QUALIFIER_SEP = "\n"


def answer_key(value: Any, qualifiers: dict[str, str] | None = None) -> str:
    """The key one claim's answer is grouped and compared by: its value, and its qualifiers when it has any.

    Two claims with the same value under different qualifiers (approved in the US,
    approved in the EU) are two answers; engine.meaning.questions decides how they compare.
    """
    key = value_key(value)
    return key + QUALIFIER_SEP + value_key(qualifiers) if qualifiers else key


def citation_place(section: str, table: str = "", locator: str = "") -> str:
    """Where in a document a cited fact stands: '§2.2 Recommended Dosage, Table 1, row 2'."""
    return ", ".join(p for p in (f"§{section}", table, locator) if p)


@dataclass(frozen=True)
class Citation:
    """Where a reference source's claim stands in the official document (its text is not bundled)."""

    document: str
    version: str
    section: str
    table: str = ""
    locator: str = ""
    read_in: str = ""

    def text(self) -> str:
        """'Olumiant USPI, Revised 06/2022, §2.2 Recommended Dosage, Table 1': shown where a quote would be."""
        return f"{self.document}, {self.version}, {citation_place(self.section, self.table, self.locator)}"

    def to_json(self) -> dict[str, Any]:
        out = {"document": self.document, "version": self.version, "section": self.section}
        out.update(
            {k: v for k, v in (("table", self.table), ("locator", self.locator), ("read_in", self.read_in)) if v}
        )
        return out


@dataclass(frozen=True)
class Provenance:
    """W3C Web Annotation TextQuoteSelector + TextPositionSelector, or a reference's citation.

    A cited claim has no offsets: `exact` holds the citation's text (so every place that shows
    a quote shows where the fact stands) and `citation` says it is not a quote.
    """

    exact: str
    start: int
    end: int
    prefix: str = ""
    suffix: str = ""
    citation: Citation | None = None

    @property
    def is_quote(self) -> bool:
        return self.citation is None

    @classmethod
    def from_json(cls, data: dict[str, Any], source: dict[str, Any] | None = None) -> Provenance:
        cited = data.get("citation")
        if isinstance(cited, dict) and "exact" not in data:
            src = source or {}
            citation = Citation(
                str(src.get("document") or src.get("title") or src.get("id") or ""),
                str(src.get("version") or ""),
                cited["section"],
                cited.get("table", ""),
                cited.get("locator", ""),
                cited.get("read_in", ""),
            )
            return cls(citation.text(), 0, 0, citation=citation)
        return cls(data["exact"], data["start"], data["end"], data.get("prefix", ""), data.get("suffix", ""))

    def to_json(self) -> dict[str, Any]:
        if self.citation is not None:
            return {"citation": self.citation.to_json()}
        return {"exact": self.exact, "prefix": self.prefix, "suffix": self.suffix, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Claim:
    """One checkable statement of a source: for patients matching `when`, `question` is `value`."""

    id: str
    source: str
    question: str
    value: Any
    when: Any
    provenance: Provenance
    status: str
    note: str = ""
    index: int = 0  # position in the ruleset's claims list, for locating it in the file
    qualifiers: dict[str, str] = field(default_factory=dict)  # e.g. {jurisdiction: US}, as schema/shapes.yaml declares
    verified: str = ""  # YYYY-MM-DD it was last checked against its source; "" means the source's retrieved date

    @property
    def parts(self) -> tuple[Any, ...]:
        return ("claims", self.index)

    # Computed once per claim: analysis asks for these for every cell class of every source.
    @cached_property
    def facts(self) -> tuple[str, ...]:
        """The facts `when` reads, in first-use order."""
        return tuple(facts_used(self.when))

    @cached_property
    def test(self) -> Any:
        """`when` compiled (engine.jsonlogic, accord semantics): call it with a patient's facts."""
        from engine.jsonlogic import compiler

        return compiler("accord").compile(self.when)

    @cached_property
    def value_key(self) -> str:
        """The key the claim's answer is grouped by: canonical `value`, with its qualifiers when it has any (answer_key)."""
        return answer_key(self.value, self.qualifiers)

    def __getstate__(self) -> dict[str, Any]:
        """For a worker process: the fields and cached values, without the compiled `test` (a closure, which
        cannot be pickled: it is compiled again where it is needed)."""
        state = dict(self.__dict__)
        state.pop("test", None)
        return state


@dataclass(frozen=True)
class Exclusion:
    start: int
    end: int
    reason: str
    exact: str | None = None
    note: str = ""


@dataclass
class Ruleset:
    """A source's claims, its verbatim text and where everything sits in the file."""

    path: str
    source_id: str
    title: str
    text_path: str
    sha256: str
    claims: list[Claim]
    excluded: list[Exclusion] = field(default_factory=list)
    document: Document | None = None
    source_text: str | None = None
    kind: str = "other"
    url: str | None = None
    role: str = "ordinary"  # or "reference": an official label the others are judged against
    jurisdiction: str = ""  # a reference's (US, EU)
    version: str = ""  # a reference's version or revision date
    retrieved: str = ""  # YYYY-MM-DD the text was captured (source.retrieved), "" when not recorded
    drug: str = ""  # the top-level `drug` (lower-case INN); "" = the vocabulary's (engine.drugs.drug_of)

    @property
    def is_reference(self) -> bool:
        return self.role == "reference"

    def claims_for(self, question: str) -> list[Claim]:
        return [c for c in self.claims if c.question == question]

    @property
    def questions(self) -> list[str]:
        return sorted({c.question for c in self.claims})

    @classmethod
    def from_document(cls, doc: Document) -> Ruleset:
        data = doc.data
        source = data["source"]
        claims = [
            Claim(
                id=c["id"],
                source=source["id"],
                question=c["question"],
                value=c["value"],
                when=c["when"],
                provenance=Provenance.from_json(c["provenance"], source),
                status=c["status"],
                note=c.get("note", ""),
                index=i,
                qualifiers=dict(c.get("qualifiers", {})),
                verified=c.get("verified", ""),
            )
            for i, c in enumerate(data.get("claims", []))
        ]
        excluded = [
            Exclusion(e["start"], e["end"], e["reason"], e.get("exact"), e.get("note", ""))
            for e in data.get("excluded", [])
        ]
        return cls(
            path=doc.path,
            source_id=source["id"],
            title=source["title"],
            text_path=source.get("text", ""),
            sha256=source.get("sha256", ""),
            claims=claims,
            excluded=excluded,
            document=doc,
            kind=source.get("kind", "other"),
            url=source.get("url"),
            role=source.get("role", "ordinary"),
            jurisdiction=source.get("jurisdiction", ""),
            version=source.get("version", ""),
            retrieved=source.get("retrieved", ""),
            drug=data.get("drug", "") if isinstance(data.get("drug"), str) else "",
        )

    def resolve_text_path(self) -> Path:
        return Path(self.path).parent / self.text_path


@dataclass(frozen=True)
class Patient:
    """A test patient: facts (missing ones are unknown) and expected answers per source and question."""

    id: str
    facts: dict[str, Any]
    expected: dict[str, dict[str, Any]] = field(default_factory=dict)
    description: str = ""
    path: str = ""
    document: Document | None = None

    @classmethod
    def from_document(cls, doc: Document) -> Patient:
        data = doc.data
        return cls(
            data["id"],
            dict(data.get("facts", {})),
            dict(data.get("expected", {})),
            data.get("description", ""),
            doc.path,
            doc,
        )
