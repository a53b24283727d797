"""Content hashes for the caches (engine.reportcache, engine.validationcache): what a cached result depends on.

Both caches key an entry by the sha256 of every input that can change it, so an entry can never be
stale. The contract (schema/ and the vocabulary) and the engine's own code are inputs of both; each
cache adds its own (the rulesets, a file's text, limits, library versions). Reading an entry back is
the same for both: a file that is missing, a symbolic link, oversized or not JSON is a miss.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

ENGINE_DIR = Path(__file__).resolve().parent
CACHE_DIR_ENV = "ACCORD_CACHE_DIR"
SECRET_ENV = "ACCORD_SECRET_FILE"  # where the machine's cache secret lives (default: the user's cache folder)

Add = Callable[[str, bytes], None]


def files(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """Every file under `folder` with one of `suffixes`, sorted, bytecode caches left out."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in suffixes and "__pycache__" not in p.parts)


def adder(h: Any) -> Add:
    """`add(label, data)` feeding a hash: label and length first, so no two inputs can run into each other."""

    def add(label: str, data: bytes) -> None:
        h.update(label.encode("utf-8") + b"\0" + len(data).to_bytes(8, "big") + data)

    return add


def add_contract_and_code(add: Add) -> None:
    """The schema files, the vocabulary's files and the engine's code, each by path and bytes; and this
    machine's secret (machine_secret), so an entry written anywhere else is never a hit."""
    from engine.contract import vocabulary_dir
    from schema import SCHEMA_DIR

    add("machine-secret", machine_secret())
    for label, folder in (("schema/", Path(SCHEMA_DIR)), ("vocabulary/", Path(vocabulary_dir()))):
        for p in files(folder, (".json", ".yaml", ".yml")):
            add(label + p.relative_to(folder).as_posix(), p.read_bytes())
    for p in files(ENGINE_DIR, (".py",)):
        add("engine/" + p.relative_to(ENGINE_DIR).as_posix(), p.read_bytes())


def read_json(path: Path, max_bytes: int) -> Any:
    """A cache entry's JSON, or None when it is missing, a symbolic link, over `max_bytes` or unreadable."""
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size > max_bytes:
            return None
        return parse_json(path.read_bytes())
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return None


def parse_json(data: bytes) -> Any:
    """json.loads of UTF-8 bytes, by orjson when it can (3x faster on a drug's cached report; an update of
    500 drugs reads 500 of them). orjson reads an integer past 64 bits as a float, and refuses NaN: a
    hostile ruleset can put either in a report, so a text with a run of 19 digits or one orjson refuses
    goes to json, and the data is json's either way."""
    try:
        import orjson
    except ImportError:  # an install without the speed-up
        return json.loads(data.decode("utf-8"))
    if _LONG_DIGITS not in data.translate(_DIGITS_ONLY):  # bytes.translate and `in`: 20x a regex search
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return json.loads(data.decode("utf-8"))


_DIGITS_ONLY = bytes(ord("0") if chr(b).isdigit() and b < 128 else ord(" ") for b in range(256))
_LONG_DIGITS = b"0" * 19


def cache_dir(out: str | os.PathLike[str]) -> Path:
    """A report folder's cache folder: OUT/.cache, or $ACCORD_CACHE_DIR."""
    override = os.environ.get(CACHE_DIR_ENV)
    return Path(override) if override else Path(out) / ".cache"


_SECRET: list[bytes] = []


def secret_path() -> Path:
    """$ACCORD_SECRET_FILE, else $XDG_CACHE_HOME/accord/secret, else ~/.cache/accord/secret: outside any project."""
    override = os.environ.get(SECRET_ENV)
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "accord" / "secret"


def machine_secret() -> bytes:
    """32 random bytes kept for this user on this machine (created on first use, mode 0600).

    Cache entries live in the project (OUT/.cache), where a pull request can commit a forged one: a
    validation entry saying "no diagnostics" for a broken ruleset would pass `accord validate` in CI.
    Every key includes this secret, which never leaves the machine, so such an entry is only a miss.
    Where it cannot be read or written, a secret of this process alone: every run misses, never trusts."""
    if _SECRET:
        return _SECRET[0]
    path = secret_path()
    secret = _read_secret(path)
    if secret is None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(os.urandom(32))
        except FileExistsError:
            pass  # another process made it first: read theirs
        except OSError:
            pass
        secret = _read_secret(path)
    _SECRET.append(secret if secret is not None else os.urandom(32))
    return _SECRET[0]


def _read_secret(path: Path) -> bytes | None:
    try:
        if path.is_symlink() or not path.is_file():
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return data if len(data) == 32 else None
