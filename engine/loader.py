"""Load YAML or JSON as untrusted input, keeping file:line:column for every node.

Rulesets, patients and reviews come from people and tools we do not control.
The loader builds plain JSON-compatible data from the YAML event stream with
an explicit stack (no recursion, so nesting cannot exhaust the interpreter),
and rejects with a located diagnostic: oversized files, invalid UTF-8,
syntax errors, duplicate keys, anchors/aliases/merge keys, tags, multiple
documents and nesting deeper than a limit. Plain scalars resolve by the
YAML 1.2 core schema (so `no` stays a string and `010` is ten), never to
dates or Python objects.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml import events as ev

from engine.diagnostics import Diagnostic, Severity
from engine.gcpause import gc_paused
from engine.safefile import FileRefused, read_project_file
from engine.textsafe import clip, excerpt

# libyaml's parser (when PyYAML was built with it) emits the same events and marks
# as the pure-Python one, ten times faster; the builder below is unchanged.
EVENT_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64

Parts = tuple[str | int, ...]


@dataclass(frozen=True)
class Span:
    """Where a node sits: 1-based line and column, and 0-based character offsets."""

    line: int
    col: int
    start: int
    end: int


@dataclass
class Document:
    """Parsed data plus the location of every node, addressed by JSON-pointer parts.

    A JSON file parsed by the fast path (load_text) has no spans yet; they are
    found from the YAML event stream the first time anything asks for one,
    which for a valid file is usually never.
    """

    path: str
    text: str
    data: Any
    _spans: dict[Parts, Span] | None = field(default=None, repr=False)
    _key_spans: dict[Parts, Span] | None = field(default=None, repr=False)
    _steps: Iterator[None] | None = field(default=None, repr=False)
    _open: list[_Frame] = field(default_factory=list, repr=False)
    _builder: _Builder | None = field(default=None, repr=False)

    @property
    def spans(self) -> dict[Parts, Span]:
        self._reach(None)
        assert self._spans is not None  # _reach builds them first
        return self._spans

    @property
    def key_spans(self) -> dict[Parts, Span]:
        self._reach(None)
        assert self._key_spans is not None  # _reach builds them first
        return self._key_spans

    def _reach(self, parts: Parts | None, keys: bool = False, opened: bool = False) -> None:
        """Find spans from the event stream until `parts` (or the node closing round it) is seen.

        None reads to the end. Stopping early keeps locating the first few
        problems of a 5 MB file cheap: the spans of the rest are never built.
        With `opened`, a container that has begun is far enough (its start is known).
        """
        builder = self._builder
        if builder is not None and builder.skipped and self._inside_skipped(parts, builder.skipped):
            self._spans = None  # a node passed over is asked for: read again, skipping nothing before it
        if self._spans is None:
            builder = self._builder = _Builder(self.text, self.path, MAX_DEPTH)
            self._spans, self._key_spans = builder.spans, builder.key_spans
            self._steps = builder.steps()
            self._open = builder.stack
        if builder is not None:
            builder.target = parts
        if self._steps is None:
            return
        spans, table = self._spans, (self._key_spans if keys else self._spans)
        assert spans is not None and table is not None
        try:
            if parts is None:
                for _ in self._steps:
                    pass
            else:
                prefixes = [parts[:k] for k in range(len(parts))]
                stack = self._open
                while parts not in table and not any(p in spans for p in prefixes):
                    if opened and any(frame.parts == parts for frame in stack):
                        return
                    next(self._steps)
        except StopIteration:
            pass
        except LoadError:  # JSON that libyaml will not read (a key over 1,024 characters): locate at the top
            pass
        else:
            if parts is not None:
                return
        self._steps = None
        spans.setdefault((), Span(1, 1, 0, len(self.text)))

    @staticmethod
    def _inside_skipped(parts: Parts | None, skipped: set[Parts]) -> bool:
        """Whether `parts` (None: every node) needs spans inside a container that was passed over."""
        if parts is None:
            return True
        return any(parts[:k] in skipped for k in range(1, len(parts) + 1)) and parts not in skipped

    def locate(self, parts: Parts) -> Span:
        """The span of the deepest existing node on the path (the parent when a key is missing)."""
        parts = tuple(parts)
        self._reach(parts)
        spans = self._spans
        assert spans is not None
        while parts and parts not in spans:
            parts = parts[:-1]
        return spans.get(parts, Span(1, 1, 0, 0))

    def diagnostic(
        self, parts: Parts, code: str, message: str, severity: Severity = "error", on_key: bool = False
    ) -> Diagnostic:
        """A diagnostic located at the node `parts` points to (or its key)."""
        parts = tuple(parts)
        line_col = None
        if on_key:
            self._reach(parts, keys=True)
            span = self._key_spans.get(parts) if self._key_spans is not None else None
            line_col = (span.line, span.col) if span else None
        if line_col is None:
            self._reach(parts, opened=True)
            frame = next((f for f in self._open if f.parts == parts), None) if self._steps is not None else None
            if frame is not None:  # still open: where it starts is all a diagnostic needs
                mark = frame.event.start_mark
                line_col = (mark.line + 1, mark.column + 1)
            else:
                span = self.locate(parts)
                line_col = (span.line, span.col)
        return Diagnostic(self.path, line_col[0], line_col[1], code, message, severity, pointer(parts))


class LoadError(Exception):
    """Raised with the diagnostic that explains why a file could not be loaded."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.format())
        self.diagnostic = diagnostic


def pointer(parts: Parts) -> str:
    """RFC 6901 JSON pointer for path parts."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def load_file(
    path: str | os.PathLike[str],
    max_bytes: int = MAX_BYTES,
    max_depth: int = MAX_DEPTH,
    root: str | os.PathLike[str] | None = None,
) -> Document:
    """Read and parse a YAML or JSON file; raise LoadError with a located diagnostic.

    The file must be a regular file inside `root` (default: the folder it is
    named in); see engine.safefile.
    """
    name = str(path)
    raw = _read(path, root, max_bytes)
    text = decode_utf8(raw, name)
    return load_text(text, name, max_depth=max_depth, as_json=name.lower().endswith(".json"))


def _read(path: str | os.PathLike[str], root: str | os.PathLike[str] | None, max_bytes: int) -> bytes:
    """engine.safefile's read, its refusal turned into a diagnostic at the top of the file."""
    try:
        return read_project_file(path, root, max_bytes)
    except FileRefused as exc:
        raise LoadError(Diagnostic(str(path), 1, 1, exc.code, exc.message)) from None


def decode_utf8(raw: bytes, name: str) -> str:
    """Decode strictly; on failure report the line and column of the first bad byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = raw[: exc.start].decode("utf-8", errors="replace")
        line = good.count("\n") + 1
        col = len(good) - (good.rfind("\n") + 1) + 1
        raise LoadError(
            Diagnostic(name, line, col, "E003", f"invalid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})")
        ) from None


def load_text(text: str, name: str = "<string>", max_depth: int = MAX_DEPTH, as_json: bool = False) -> Document:
    """Parse text already in memory (the TUI validates its buffer this way)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if as_json:
        fast = _load_json_fast(text, name, max_depth)
        if fast is not None:
            return fast
    try:
        data = _build_data(text, name, max_depth)
    except LoadError as exc:
        if as_json and exc.diagnostic.message.startswith(("YAML syntax error", "YAML error")):
            raise _json_syntax_error(text, name) or exc from None
        raise
    if as_json:
        _check_json_syntax(text, name)
    return Document(name, text, data)


class _NotPlainJSON(Exception):
    """The fast JSON path declines; the YAML event builder will explain the problem."""


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise _NotPlainJSON("duplicate key")
    return data


def _refuse_constant(name: str) -> Any:
    raise _NotPlainJSON(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999: the builder reports it, located
        raise _NotPlainJSON(text)
    return value


# Characters the fast path leaves to the builder: those YAML's reader refuses (E003; JSON
# lets DEL and C1 controls through) and YAML 1.1's extra line breaks (NEL, LS, PS), which
# fold inside quoted scalars and count as new lines.
_DECLINED = re.compile(
    "[^\\x09\\x0a\\x0d\\x20-\\x7e\\xa0-\\u2027\\u202a-\\ud7ff\\ue000-\\ufffd\\U00010000-\\U0010ffff]"
)


def plain_json(text: str, name: str = "<string>", max_depth: int = MAX_DEPTH) -> Document | None:
    """A .json text's Document by the C parser when it is plain JSON within the limits; None when the
    event builder must read it (load_text). engine.validationcache remembers which texts passed."""
    return _load_json_fast(text[1:] if text.startswith("\ufeff") else text, name, max_depth)


def _load_json_fast(text: str, name: str, max_depth: int) -> Document | None:
    """A .json file through the C json parser, 20x faster than building it from YAML events.

    It accepts exactly what the event builder would accept from plain JSON
    and gives the same data; anything it is not sure of (duplicate keys,
    NaN, control characters, surrogate escapes, nesting beyond the limit, a
    syntax error) returns None so the builder runs and reports it, located.
    """
    if _DECLINED.search(text) or "\\ud" in text.lower():
        return None
    try:
        data = json.loads(
            text, object_pairs_hook=_unique_pairs, parse_constant=_refuse_constant, parse_float=_finite_float
        )
    except (ValueError, RecursionError, _NotPlainJSON):
        return None
    if _deeper_than(data, max_depth):
        return None
    return Document(name, text, data)


def _deeper_than(data: Any, limit: int) -> bool:
    """Whether containers nest more than `limit` deep (iteratively, like the builder's own limit)."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _check_json_syntax(text: str, name: str) -> None:
    """A .json file must be JSON, not merely YAML that happens to parse (nor NaN/Infinity)."""
    try:
        json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise LoadError(Diagnostic(name, exc.lineno, exc.colno, "E004", f"invalid JSON: {exc.msg}")) from None
    except _NotPlainJSON as exc:
        found = re.search(rf"(?<![\w\"]){re.escape(str(exc))}(?![\w\"])", text)
        offset = found.start() if found else 0
        line = text.count("\n", 0, offset) + 1
        col = offset - (text.rfind("\n", 0, offset) + 1) + 1
        raise LoadError(Diagnostic(name, line, col, "E004", f"invalid JSON: {exc} is not a JSON number")) from None
    except RecursionError:  # pragma: no cover - depth is limited before this runs
        raise LoadError(Diagnostic(name, 1, 1, "E008", "nesting too deep")) from None


def _json_syntax_error(text: str, name: str) -> LoadError | None:
    """The JSON parser's located E004 for a .json file the YAML builder found malformed, or None.

    A .json file is read as JSON, so its syntax error is JSON's, at JSON's
    line and column (YAML reports the same slip elsewhere: a missing `]` at
    the next line's start). The builder's own refusals (E003 characters,
    E008 nesting, duplicate keys) keep coming first; when JSON accepts the
    text (a key libyaml will not read) or gives up (stack, integer digits),
    the YAML diagnostic stands.
    """
    try:
        _check_json_syntax(text, name)
    except LoadError as exc:
        return exc if exc.diagnostic.code == "E004" else None
    except (RecursionError, ValueError):  # too deep for json, or an integer past its digit limit: YAML's account stands
        return None
    return None


_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}


_CONSTANTS: dict[str, Any] = {**dict.fromkeys(_NULL), **dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}
_MISSING = object()
_NUMBER_START = frozenset("0123456789+-.")


def resolve_plain(value: str) -> Any:
    """YAML 1.2 core schema resolution of a plain scalar, JSON-compatible results only."""
    constant = _CONSTANTS.get(value, _MISSING)
    if constant is not _MISSING:
        return constant
    if value[0] not in _NUMBER_START:  # the common case, a word: no pattern to try
        return value
    if _INT.match(value):
        try:
            return int(value)
        except ValueError:  # more digits than Python converts safely
            return float(value)
    if _FLOAT.match(value):
        return float(value)
    return value


_DEPTH_WORDS = re.compile(r"nest|depth|recursion", re.IGNORECASE)


def _is_depth_limit(problem: str) -> bool:
    """A parser's message for its own nesting limit (libyaml: 'exceeded maximum nesting depth')."""
    return bool(_DEPTH_WORDS.search(problem or ""))


def _parser_error(exc: yaml.YAMLError, text: str, name: str, max_depth: int) -> LoadError:
    """A parser's exception as Accord's located diagnostic (E003 characters, E008 depth, E004 syntax)."""
    if isinstance(exc, yaml.reader.ReaderError):
        before = text[: exc.position]
        line = before.count("\n") + 1
        col = exc.position - (before.rfind("\n") + 1) + 1
        return LoadError(
            Diagnostic(name, line, col, "E003", f"control character {exc.character!r} is not allowed in text")
        )
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = exc.problem or exc.context or "syntax error"
        if _is_depth_limit(problem):  # libyaml's own limit (1,000 since PyYAML 6.0.4) stopped first
            return LoadError(Diagnostic(name, line, col, "E008", f"nesting is deeper than {max_depth} levels"))
        from engine.yamlerrors import locate  # where the mistake is, not where the parser stopped

        place = locate(exc, text)
        return LoadError(Diagnostic(name, place.line, place.col, "E004", f"YAML syntax error: {place.message}"))
    return LoadError(Diagnostic(name, 1, 1, "E004", f"YAML error: {exc}"))


def _span(event: Any, end_event: Any | None = None) -> Span:
    start = event.start_mark
    end = (end_event or event).end_mark
    return Span(start.line + 1, start.column + 1, start.index, end.index)


class _Frame:
    __slots__ = ("container", "parts", "key", "event")

    def __init__(self, container: Any, parts: Parts, event: Any):
        self.container = container
        self.parts = parts
        self.key: str | None = None
        self.event = event


class _Builder:
    """Builds data from parser events with an explicit stack."""

    def __init__(self, text: str, name: str, max_depth: int):
        self.text = text
        self.name = name
        self.max_depth = max_depth
        self.spans: dict[Parts, Span] = {}
        self.key_spans: dict[Parts, Span] = {}
        self.stack: list[_Frame] = []
        self.root: Any = None
        self.documents = 0
        self.target: Parts | None = None  # steps() passes over containers off the path to it
        self.skipped: set[Parts] = set()

    def fail(self, event_or_mark: Any, code: str, message: str) -> LoadError:
        mark = getattr(event_or_mark, "start_mark", event_or_mark)
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        return LoadError(Diagnostic(self.name, line, col, code, message))

    def build(self) -> Document:
        with gc_paused():  # the tree is acyclic: see engine.gcpause
            for _ in self.steps():
                pass
        self.spans.setdefault((), Span(1, 1, 0, len(self.text)))
        return Document(self.name, self.text, self.root, self.spans, self.key_spans)

    def steps(self) -> Iterator[None]:
        """Handle the events one by one, pausing after each (Document finds spans lazily this way).

        With a `target`, a container off the path to it is passed over by depth alone: only its
        own span is kept, and its parts are noted in `skipped` (Document rebuilds when a later
        question lands inside one). Locating /claims/40/when after 40 large rules then costs the
        parser's events, not a span per node.
        """
        starts, ends = (ev.MappingStartEvent, ev.SequenceStartEvent), (ev.MappingEndEvent, ev.SequenceEndEvent)
        try:
            events = yaml.parse(self.text, Loader=EVENT_LOADER)
            for event in events:
                target = self.target
                if target is not None and isinstance(event, starts) and self.stack:
                    parent = self.stack[-1]
                    if not (isinstance(parent.container, dict) and parent.key is None):
                        parts = self._child_parts(parent)
                        if parts != target[: len(parts)]:
                            depth, last = 1, event
                            for last in events:
                                kind = type(last)
                                if kind in starts:
                                    depth += 1
                                elif kind in ends:
                                    depth -= 1
                                    if not depth:
                                        break
                            self.spans[parts] = _span(event, last)
                            self.skipped.add(parts)
                            self._attach(parent, {} if isinstance(event, ev.MappingStartEvent) else [])
                            yield
                            continue
                self._step(event)
                yield
        except yaml.YAMLError as exc:
            raise _parser_error(exc, self.text, self.name, self.max_depth) from None
        except (RecursionError, MemoryError):  # a parser's own stack, whichever library stops first
            raise LoadError(
                Diagnostic(self.name, 1, 1, "E008", f"nesting is deeper than {self.max_depth} levels")
            ) from None

    def _step(self, event: Any) -> None:
        stack = self.stack
        if isinstance(event, ev.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise self.fail(event, "E009", "a file must contain exactly one YAML document")
            return
        if isinstance(event, (ev.StreamStartEvent, ev.StreamEndEvent, ev.DocumentEndEvent)):
            return
        if isinstance(event, ev.AliasEvent):
            raise self.fail(event, "E006", f"alias *{clip(event.anchor, 40)} is not allowed (no anchors or aliases)")
        if isinstance(event, (ev.MappingEndEvent, ev.SequenceEndEvent)):
            frame = stack.pop()
            self.spans[frame.parts] = _span(frame.event, event)
            return
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise self.fail(event, "E006", f"anchor &{clip(anchor, 40)} is not allowed (no anchors or aliases)")
        tag = getattr(event, "tag", None)
        if tag is not None:
            raise self.fail(event, "E007", f"tag {excerpt(tag)} is not allowed (plain data only)")
        parent = stack[-1] if stack else None
        if parent is not None and isinstance(parent.container, dict) and parent.key is None:
            self._take_key(parent, event)
            return
        parts = self._child_parts(parent)
        if isinstance(event, ev.ScalarEvent):
            value = resolve_plain(event.value) if event.implicit[0] and not event.style else event.value
            if isinstance(value, float) and not math.isfinite(value):
                raise self.fail(event, "E004", f"number {clip(event.value, 40)} is out of range (not a finite number)")
            self.spans[parts] = _span(event)
            self._attach(parent, value)
            if parent is None:
                self.root = value
            return
        if len(stack) >= self.max_depth:
            raise self.fail(event, "E008", f"nesting is deeper than {self.max_depth} levels")
        container: Any = {} if isinstance(event, ev.MappingStartEvent) else []
        self._attach(parent, container)
        if parent is None:
            self.root = container
        stack.append(_Frame(container, parts, event))

    def _take_key(self, frame: _Frame, event: Any) -> None:
        if not isinstance(event, ev.ScalarEvent):
            raise self.fail(event, "E004", "mapping keys must be plain strings, not collections")
        key = event.value
        if event.implicit[0] and not event.style:
            if key == "<<":
                raise self.fail(event, "E006", "merge keys (<<) are not allowed")
            resolved = resolve_plain(key)
            if not isinstance(resolved, str):
                raise self.fail(event, "E004", f"mapping key {excerpt(key)} must be a string; quote it")
        if key in frame.container:
            first = self.key_spans.get(frame.parts + (key,))
            where = f" (first at line {first.line})" if first else ""
            raise self.fail(event, "E005", f"duplicate key {excerpt(key)}{where}")
        frame.key = key
        self.key_spans[frame.parts + (key,)] = _span(event)

    @staticmethod
    def _child_parts(parent: _Frame | None) -> Parts:
        if parent is None:
            return ()
        if isinstance(parent.container, dict):
            assert parent.key is not None  # a mapping's value is attached after its key (_Builder._step)
            return parent.parts + (parent.key,)
        return parent.parts + (len(parent.container),)

    @staticmethod
    def _attach(parent: _Frame | None, value: Any) -> None:
        if parent is None:
            return
        if isinstance(parent.container, dict):
            parent.container[parent.key] = value
            parent.key = None
        else:
            parent.container.append(value)


_NO_KEY = object()


def _build_data(text: str, name: str, max_depth: int) -> Any:
    """The data of a YAML text, with exactly _Builder's checks and messages but no spans.

    Spans are most of the builder's cost (a tuple of parts and a Span per
    node); a Document finds them later, from the same events, only as far
    as a diagnostic needs. 5 MB of 2.5 M bad claims, `accord validate` CPU
    on a loaded 2-core machine: 19.8 s before, 5.9 s after, of which libyaml's
    events alone are ~3.5 s. Every refusal is raised here, located at its event.
    """
    try:
        with gc_paused():  # the tree is acyclic: see engine.gcpause
            return _events_to_data(yaml.parse(text, Loader=EVENT_LOADER), name, max_depth)
    except yaml.YAMLError as exc:
        raise _parser_error(exc, text, name, max_depth) from None
    except (RecursionError, MemoryError):  # a parser's own stack, whichever library stops first
        raise LoadError(Diagnostic(name, 1, 1, "E008", f"nesting is deeper than {max_depth} levels")) from None


def _refusal(name: str, event: Any, code: str, message: str) -> LoadError:
    mark = event.start_mark
    return LoadError(Diagnostic(name, mark.line + 1, mark.column + 1, code, message))


def _events_to_data(events: Iterator[Any], name: str, max_depth: int) -> Any:
    """One pass over the events with the open containers on an explicit stack (see _Builder._step)."""
    scalar, mapping_start, sequence_start = ev.ScalarEvent, ev.MappingStartEvent, ev.SequenceStartEvent
    ends = (ev.MappingEndEvent, ev.SequenceEndEvent)
    parents: list[tuple[Any, bool, Any, dict[str, Any]]] = []
    top: Any = None  # the innermost open container
    in_dict = False
    key: Any = _NO_KEY  # the key waiting for its value, when `top` is a mapping
    key_marks: dict[str, Any] = {}  # where each key of `top` was, for "first at line"
    resolved: dict[str, Any] = {}  # plain scalars seen before (numbers, words repeat a lot)
    root: Any = None
    documents = 0
    for event in events:
        kind = type(event)
        if kind is scalar:
            if event.anchor is not None or event.tag is not None:
                raise _property_refusal(name, event)
            raw = event.value
            plain = event.implicit[0] and not event.style
            if in_dict and key is _NO_KEY:
                _check_key(name, event, raw, plain, top, key_marks)
                key = raw
                key_marks[raw] = event.start_mark
                continue
            if plain:
                value = resolved.get(raw, _MISSING)
                if value is _MISSING:
                    value = resolve_plain(raw)
                    if value.__class__ is float and not math.isfinite(value):
                        raise _refusal(
                            name, event, "E004", f"number {clip(raw, 40)} is out of range (not a finite number)"
                        )
                    if len(resolved) < 4096:
                        resolved[raw] = value
            else:
                value = raw
            if in_dict:
                top[key] = value
                key = _NO_KEY
            elif top is not None:
                top.append(value)
            else:
                root = value
            continue
        if kind in ends:
            if parents:
                top, in_dict, key, key_marks = parents.pop()
            else:
                top, in_dict = None, False
            continue
        if kind is mapping_start or kind is sequence_start:
            if event.anchor is not None or event.tag is not None:
                raise _property_refusal(name, event)
            if in_dict and key is _NO_KEY:
                raise _refusal(name, event, "E004", "mapping keys must be plain strings, not collections")
            if len(parents) + (top is not None) >= max_depth:
                raise _refusal(name, event, "E008", f"nesting is deeper than {max_depth} levels")
            container: Any = {} if kind is mapping_start else []
            if top is None:
                root = container
            else:
                if in_dict:
                    top[key] = container
                else:
                    top.append(container)
                parents.append((top, in_dict, _NO_KEY, key_marks))
            top, in_dict, key = container, kind is mapping_start, _NO_KEY
            key_marks = {} if in_dict else key_marks
            continue
        if kind is ev.AliasEvent:
            raise _refusal(
                name, event, "E006", f"alias *{clip(event.anchor, 40)} is not allowed (no anchors or aliases)"
            )
        if kind is ev.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _refusal(name, event, "E009", "a file must contain exactly one YAML document")
    return root


def _property_refusal(name: str, event: Any) -> LoadError:
    """An anchor (E006) or a tag (E007) on a node, as _Builder reports them."""
    if event.anchor is not None:
        return _refusal(name, event, "E006", f"anchor &{clip(event.anchor, 40)} is not allowed (no anchors or aliases)")
    return _refusal(name, event, "E007", f"tag {excerpt(event.tag)} is not allowed (plain data only)")


def _check_key(name: str, event: Any, key: str, plain: bool, mapping: dict[str, Any], marks: dict[str, Any]) -> None:
    """A mapping key must be a string, not a merge key, and new (E004, E006, E005)."""
    if plain:
        if key == "<<":
            raise _refusal(name, event, "E006", "merge keys (<<) are not allowed")
        if not isinstance(resolve_plain(key), str):
            raise _refusal(name, event, "E004", f"mapping key {excerpt(key)} must be a string; quote it")
    if key in mapping:
        first = marks.get(key)
        where = f" (first at line {first.line + 1})" if first is not None else ""
        raise _refusal(name, event, "E005", f"duplicate key {excerpt(key)}{where}")


def read_text(
    path: str | os.PathLike[str], max_bytes: int = MAX_BYTES, root: str | os.PathLike[str] | None = None
) -> str:
    """Read a source text as UTF-8 exactly (no newline translation), with the same limits and containment."""
    return decode_utf8(_read(path, root, max_bytes), str(path))
