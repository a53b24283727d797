"""Each ruleset file's validation diagnostics, cached by the content of everything they depend on.

`accord conflicts` validates every ruleset before analysing it. On a formulary (hundreds of drugs,
thousands of rulesets) checking the rules, the claim checks (engine.claimchecks) and the quotes of
unchanged files costs more than re-analysing the one drug whose ruleset changed. What
engine.validate.validate_ruleset_document says of a file is a pure function of the file's text, its
path, its source text, the contract (schema/, the vocabulary), the engine's code and the library
versions, so those diagnostics are cached under the sha256 of all of them; a hit loads the document
and builds its Ruleset as a miss does, and skips only the checking. The checks that read the clock or
look across files (verification age, W406/W409; duplicate ids) run afresh every time (engine.validate).

Loading is cached too, for .json rulesets: a text the C parser's plain-JSON path accepted (no
duplicate keys, NaN, odd characters or nesting past the limit: engine.loader.plain_json) is
remembered by its sha256, so the next run parses it without those checks, which were most of the
cost of loading a formulary's unchanged files.

A cache entry can never be stale (any changed byte is another key); a source text that cannot be read
is never cached (validated afresh); the cache is one file, safe to delete, and an unreadable, foreign
or malformed entry is a miss, never an error. Entries not used by a run are dropped when it saves.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.atomic import write_atomic
from engine.contenthash import add_contract_and_code, adder, parse_json
from engine.diagnostics import Diagnostic, has_errors
from engine.loader import Document, LoadError, load_file, load_text, plain_json, read_text

if TYPE_CHECKING:
    from engine.contract import Vocabulary
    from engine.model import Ruleset

FILE_NAME = "validation.json"
VERSION = 1
MAX_CACHE_BYTES = 64 << 20  # bigger than this: not ours, not read
LIBRARIES = ("jsonschema", "jsonschema-rs", "pyyaml", "numpy")  # their versions can change a diagnostic's words


def contract_key() -> str:
    """sha256 of the contract (schema/, the vocabulary), the engine's code and the versions a diagnostic depends on."""
    from importlib.metadata import PackageNotFoundError, version

    h = hashlib.sha256()
    add = adder(h)
    add_contract_and_code(add)
    versions = [sys.version]
    for name in LIBRARIES:
        try:
            versions.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            versions.append(f"{name} absent")
    add("versions", "\n".join(versions).encode())
    return h.hexdigest()


def _source_text(doc: Document) -> tuple[bool, str | None]:
    """(usable, text): the source text validation will read, read as it reads it; not usable when unreadable.

    `text` is None when the ruleset names no text (or the path is not a string: the schema says so)."""
    from engine.provenance import inside

    data = doc.data if isinstance(doc.data, dict) else {}
    source = data.get("source")
    named = source.get("text") if isinstance(source, dict) else None
    if not isinstance(named, str) or not named:
        return True, None
    folder = Path(doc.path).parent
    path = folder / named
    try:
        if not inside(folder, path):
            return False, None
        return True, read_text(path, root=folder)
    except (LoadError, OSError, ValueError):
        return False, None


def _entry_key(contract: str, doc: Document, text: str | None) -> str:
    h = hashlib.sha256()
    add = adder(h)
    add("version", str(VERSION).encode())
    add("contract", contract.encode())
    add("path", doc.path.encode("utf-8", "surrogateescape"))
    add("ruleset", doc.text.encode("utf-8", "surrogateescape"))
    add("text", b"\1" + text.encode("utf-8", "surrogateescape") if text is not None else b"\0")
    return h.hexdigest()


def _to_json(d: Diagnostic) -> list[Any]:
    return [d.path, d.line, d.col, d.code, d.message, d.severity, d.pointer, [list(x) for x in d.extra]]


def _from_json(item: Any) -> Diagnostic | None:
    if not isinstance(item, list) or len(item) != 8:
        return None
    path, line, col, code, message, severity, pointer, extra = item
    if not (
        isinstance(path, str)
        and type(line) is int
        and type(col) is int
        and isinstance(code, str)
        and isinstance(message, str)
        and severity in ("error", "warning")
        and isinstance(pointer, str)
        and isinstance(extra, list)
        and all(isinstance(x, list) and len(x) == 2 and all(isinstance(y, str) for y in x) for x in extra)
    ):
        return None
    return Diagnostic(path, line, col, code, message, severity, pointer, tuple((x[0], x[1]) for x in extra))


class ValidationCache:
    """validate_ruleset_document with each file's diagnostics remembered in `folder`/validation.json.

    Use: `cache = ValidationCache(folder)`, `cache.validate(doc, vocab)` for each ruleset document (the
    vocabulary must be engine.contract.vocabulary(), the one the contract key covers), then `cache.save()`."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.path = Path(folder) / FILE_NAME
        self.contract = contract_key()
        self.entries, self.plain = self._read()
        self.used: dict[str, list[Any]] = {}
        self.plain_used: set[str] = set()
        self.hits = 0
        self.misses = 0

    def _read(self) -> tuple[dict[str, Any], set[str]]:
        try:
            if not self.path.is_file() or self.path.is_symlink() or self.path.stat().st_size > MAX_CACHE_BYTES:
                return {}, set()
            data = parse_json(self.path.read_bytes())
        except (OSError, ValueError, UnicodeDecodeError, RecursionError):
            return {}, set()
        if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("entries"), dict):
            return {}, set()
        entries: dict[str, Any] = data["entries"]
        plain = data.get("plain")
        return entries, {k for k in plain if isinstance(k, str)} if isinstance(plain, list) else set()

    def _plain_key(self, name: str, text: str) -> str:
        h = hashlib.sha256()
        add = adder(h)
        add("contract", self.contract.encode())  # the loader's code is in it: a changed check is another key
        add("path", name.encode("utf-8", "surrogateescape"))
        add("ruleset", text.encode("utf-8", "surrogateescape"))
        return h.hexdigest()

    def load(self, path: Path, root: Path) -> Document:
        """engine.loader.load_file(path, root=root); a .json text that passed the plain-JSON checks when it
        was last loaded is parsed without them (the same data: those checks only decline, never change it)."""
        name = str(path)
        if not name.lower().endswith(".json"):
            return load_file(path, root=root)
        text = read_text(path, root=root)  # the same containment, size limit and strict UTF-8 (LoadError)
        key = self._plain_key(name, text)
        body = text[1:] if text.startswith("\ufeff") else text
        if key in self.plain:
            try:
                data = parse_json(body.encode("utf-8"))  # json.loads' data, by orjson where it can (contenthash)
            except (ValueError, RecursionError):  # not the text the key says it is: load it as anyone would
                return load_text(text, name, as_json=True)
            self.plain_used.add(key)
            return Document(name, body, data)
        doc = plain_json(body, name)
        if doc is None:
            return load_text(text, name, as_json=True)
        self.plain_used.add(key)
        return doc

    def _hit(self, key: str) -> list[Diagnostic] | None:
        items = self.entries.get(key)
        if not isinstance(items, list):
            return None
        diags = [_from_json(item) for item in items]
        return None if any(d is None for d in diags) else [d for d in diags if d is not None]

    def validate(self, doc: Document, vocab: Vocabulary) -> tuple[Ruleset | None, list[Diagnostic]]:
        """What validate_ruleset_document(doc, vocab) returns, from the cache when the file's inputs are unchanged."""
        from engine.model import Ruleset
        from engine.validate import validate_ruleset_document

        usable, text = _source_text(doc)
        if not usable:  # an unreadable or escaping text: validation says why, every time
            self.misses += 1
            return validate_ruleset_document(doc, vocab)
        key = _entry_key(self.contract, doc, text)
        diags = self._hit(key)
        if diags is None:
            self.misses += 1
            ruleset, diags = validate_ruleset_document(doc, vocab)
            self.used[key] = [_to_json(d) for d in diags]
            return ruleset, diags
        self.hits += 1
        self.used[key] = self.entries[key]
        if has_errors(diags):
            return None, diags
        ruleset = Ruleset.from_document(doc)
        if ruleset.text_path and text is not None:
            ruleset.source_text = text  # as engine.validate.check_provenance leaves it
        return ruleset, diags

    def save(self) -> None:
        """Write this run's entries (only those used); a cache that cannot be written is no cache, not an error."""
        if self.used == self.entries and self.plain_used == self.plain:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            gitignore = self.path.parent / ".gitignore"
            if not gitignore.exists():
                write_atomic(gitignore, "# accord's caches: safe to delete, never commit\n*\n")
            write_atomic(
                self.path,
                json.dumps(
                    {"version": VERSION, "entries": self.used, "plain": sorted(self.plain_used)}, ensure_ascii=False
                ),
            )
        except (OSError, ValueError):
            pass
