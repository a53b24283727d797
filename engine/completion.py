"""What completes the word at the cursor in a claim's YAML, and the range it replaces.

The claim editor asks this on F2: the partial word at the cursor is found
with its [start, end) range, the text before it says what kind of name
belongs there, and the candidates are filtered by the partial word. The
editor replaces the range with the chosen candidate's text, so a half-typed
`{"var": "preg` becomes `{"var": "pregnant"`, never `{"var": "preg{"var": ...`.

Contexts, from the text before the word:
  inside `{"var": "`                    -> fact names
  after `{"x": ...}, ` where x is an enum (or boolean) fact -> its values
  after `{` (an operation's key)        -> the rule language's operators
  after `question: `                    -> question names
  after `value: `                       -> the question's answers (words, and an example of every form)
  anywhere else                         -> facts, as `{"var": "name"}`
Names come from the vocabulary and the rule language (engine.jsonlogic), never from a list here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_WORD = re.compile(r"[A-Za-z0-9_.\-]")
_OP_CHARS = re.compile(r"[A-Za-z0-9_<>=!?:%*/+\-]")
_NAME = r"[A-Za-z0-9_.\-]+"
_KEY = r"[\"']?{key}[\"']?\s*:\s*"

_VAR_OPEN = re.compile(r"[\"']?var[\"']?\s*:\s*(?:\[\s*)?([\"']?)\Z")
_COMPARED = re.compile(
    r"\{\s*[\"']?var[\"']?\s*:\s*[\"'](" + _NAME + r")[\"']\s*\}\s*,\s*"
    r"(?:\[\s*(?:(?:[\"'][^\"'\n]*[\"']|[A-Za-z0-9_.\-]+)\s*,\s*)*)?([\"']?)\Z"
)
_OPERATION_KEY = re.compile(r"\{\s*([\"']?)\Z")
_QUESTION_AT = re.compile(r"(?:^|\n)[ \t]*" + _KEY.format(key="question") + r"([\"']?)\Z")
_VALUE_AT = re.compile(r"(?:^|\n)[ \t]*" + _KEY.format(key="value") + r"([\"']?)\Z")
_QUESTION_OF = re.compile(r"(?m)^[ \t]*" + _KEY.format(key="question") + r"[\"']?(" + _NAME + r")")

# The operators most rules use, offered first (the rest of the rule language follows).
_COMMON_OPS = ("==", "!=", "<", "<=", ">", ">=", "in", "and", "or", "!", "var")
_OP_HELP = {
    "==": "equals",
    "!=": "differs from",
    "<": "less than (three arguments: a band with open ends)",
    "<=": "at most (three arguments: a band with closed ends)",
    ">": "more than",
    ">=": "at least",
    "in": "is one of a list",
    "and": "all of",
    "or": "any of",
    "!": "not",
    "var": "a patient fact",
}


@dataclass(frozen=True)
class Candidate:
    """One completion: `text` replaces the partial word; `label` and `detail` are shown in the list."""

    text: str
    label: str
    kind: str
    detail: str = ""


@dataclass(frozen=True)
class Completion:
    """The partial word at the cursor ([start, end) offsets into the text), its context and the candidates."""

    context: str
    prefix: str
    start: int
    end: int
    candidates: list[Candidate]


def offset_of(text: str, row: int, col: int) -> int:
    """The character offset of (0-based row, column) in `text` (clamped to the line)."""
    lines = text.split("\n")
    row = max(0, min(row, len(lines) - 1))
    return sum(len(line) + 1 for line in lines[:row]) + max(0, min(col, len(lines[row])))


def location_of(text: str, offset: int) -> tuple[int, int]:
    """(0-based row, column) of a character offset."""
    before = text[:offset]
    return before.count("\n"), offset - (before.rfind("\n") + 1)


def _span(text: str, offset: int, chars: re.Pattern[str]) -> tuple[int, int]:
    start = offset
    while start > 0 and chars.match(text[start - 1]):
        start -= 1
    end = offset
    while end < len(text) and chars.match(text[end]):
        end += 1
    return start, end


def _ranked(prefix: str, items: list[Candidate], key: str = "label") -> list[Candidate]:
    """Those whose name starts with the prefix, then those containing it (case-insensitive), in their order."""
    p = prefix.lower()
    if not p:
        return items
    starts = [c for c in items if getattr(c, key).lower().startswith(p)]
    contains = [c for c in items if p in getattr(c, key).lower() and c not in starts]
    return starts + contains


def _closed(name: str, quote: str, after: str) -> str:
    """The name inside the quote that was opened (closing it when nothing closes it yet), or JSON-quoted."""
    if not quote:
        return json.dumps(name, ensure_ascii=False)
    return name if after.startswith(quote) else name + quote


def _fact_detail(fact: Any) -> str:
    detail = str(fact.type) + (f" ({fact.unit})" if fact.unit else "")
    if fact.values:
        detail += " [" + ", ".join(fact.values) + "]"
    return detail + (f": {fact.description}" if fact.description else "")


def _operators(quote: str, after: str) -> list[Candidate]:
    from engine.jsonlogic.closures import STANDARD_OPERATIONS

    names = [op for op in _COMMON_OPS if op in STANDARD_OPERATIONS]
    names += sorted(op for op in STANDARD_OPERATIONS if op not in names)
    return [Candidate(_closed(op, quote, after), op, "operator", _OP_HELP.get(op, "")) for op in names]


def complete(text: str, offset: int, vocab: Any) -> Completion:
    """The completion at `offset` in a claim's YAML text (see the module docstring for the contexts)."""
    offset = max(0, min(offset, len(text)))
    start, end = _span(text, offset, _WORD)
    before, after = text[:start], text[end:]
    prefix = text[start:offset]

    found = _VAR_OPEN.search(before)
    if found:
        quote = found.group(1)
        facts = [
            Candidate(_closed(f.name, quote, after), f.name, "fact", _fact_detail(f)) for f in vocab.facts.values()
        ]
        return Completion("fact", prefix, start, end, _ranked(prefix, facts))

    found = _COMPARED.search(before)
    if found and found.group(1) in vocab.facts:
        fact = vocab.facts[found.group(1)]
        quote = found.group(2)
        if fact.values:
            values = [Candidate(_closed(v, quote, after), v, "value", f"a value of {fact.name}") for v in fact.values]
            return Completion("fact value", prefix, start, end, _ranked(prefix, values))
        if fact.type == "boolean" and not quote:
            values = [Candidate(v, v, "value", f"{fact.name} is {v}") for v in ("true", "false")]
            return Completion("fact value", prefix, start, end, _ranked(prefix, values))

    op_start, op_end = _span(text, offset, _OP_CHARS)
    found = _OPERATION_KEY.search(text[:op_start])
    if found and not _VAR_OPEN.search(text[:op_start]):
        quote = found.group(1)
        op_prefix = text[op_start:offset]
        return Completion("operator", op_prefix, op_start, op_end, _ranked(op_prefix, _operators(quote, text[op_end:])))

    found = _QUESTION_AT.search(before)
    if found:
        quote = found.group(1)
        questions = [
            Candidate(
                _closed(q.name, quote, after) if quote else q.name,
                q.name,
                "question",
                " ".join(str(q.description).split()),
            )
            for q in vocab.questions.values()
        ]
        return Completion("question", prefix, start, end, _ranked(prefix, questions))

    found = _VALUE_AT.search(before)
    if found:
        return Completion("value", prefix, start, end, _ranked(prefix, _answers(text, found.group(1), after, vocab)))

    facts = [Candidate(json.dumps({"var": f.name}), f.name, "fact", _fact_detail(f)) for f in vocab.facts.values()]
    return Completion("any", prefix, start, end, _ranked(prefix, facts))


def _answers(text: str, quote: str, after: str, vocab: Any) -> list[Candidate]:
    """The words the claim's question allows, then an example of each of its other forms (engine.valueforms)."""
    from engine.valueforms import flow_yaml, value_forms

    named = _QUESTION_OF.search(text)
    question = named.group(1) if named else ""
    out: list[Candidate] = []
    for form in value_forms(question, vocab):
        for word in form.words:
            text_ = _closed(str(word), quote, after) if quote else flow_yaml(word)
            out.append(Candidate(text_, str(word), "answer", f"an answer to {question}"))
        if not form.words and form.example is not None and not quote:
            detail = f"{form.title}: {form.description}" if form.description else form.title
            out.append(Candidate(form.example_text, form.example_text, "form", detail))
    return out
