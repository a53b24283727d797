"""Rendered pieces of report.md and report.html, remembered between runs by the sha256 of what they are made of.

A formulary's report has thousands of findings, and an incremental `accord conflicts` (one ruleset
edited) changes a few of them; rendering every finding's Markdown and HTML again was a second of
pure Python per hundred drugs. Each finding's piece is a pure function of the finding's report.json
entry (its disposition included), its band charts and the renderer's own code, so it is kept under
the sha256 of all of them (the code through the namespace: engine.reportcache.base_key, which
covers the engine and the contract). An entry can never be stale; the memo is safe to delete.

The pieces live in 256 shard files (`fragments-XX.json` in the report cache, by the key's first
byte), so a run that changes a few findings rewrites a few small files, not one the size of the
report. A shard is read the first time a key falls in it; when a run renders the whole report,
entries it did not use are dropped.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from engine.atomic import write_atomic
from engine.contenthash import cache_dir, read_json

MAX_SHARD_BYTES = 64 << 20


class Memo(Protocol):
    def __call__(self, kind: str, parts: Any, render: Callable[[], str]) -> str: ...


def no_memo(kind: str, parts: Any, render: Callable[[], str]) -> str:
    """Render every time (the workbench, tests, a report without a cache)."""
    return render()


def canonical(parts: Any) -> bytes:
    """The same bytes for the same JSON data (sorted keys), fast: orjson, else the json module."""
    try:
        import orjson

        return orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)
    except (ImportError, TypeError):  # past 64-bit integers, non-string keys: the json module's spelling
        return json.dumps(parts, sort_keys=True, ensure_ascii=False, default=repr).encode("utf-8", "surrogatepass")


class FragmentMemo:
    """`memo(kind, parts, render)`: render()'s text, from the memo when `parts` (JSON data) were rendered before."""

    def __init__(self, folder: str | os.PathLike[str] | None, namespace: str) -> None:
        self.folder = Path(folder) if folder is not None else None  # None: render every time, keep nothing
        self.namespace = namespace.encode()
        self._loaded: dict[str, dict[str, str]] = {}  # shard -> entries read from disk
        self._used: dict[str, dict[str, str]] = {}  # shard -> entries this run used or made
        self.hits = 0
        self.misses = 0

    def __call__(self, kind: str, parts: Any, render: Callable[[], str]) -> str:
        if self.folder is None:
            return render()
        key = hashlib.sha256(self.namespace + b"\0" + kind.encode() + b"\0" + canonical(parts)).hexdigest()
        shard = key[:2]
        if shard not in self._loaded:
            self._loaded[shard] = self._read(shard)
            self._used[shard] = {}
        text = self._loaded[shard].get(key)
        if text is None:
            self.misses += 1
            text = render()
        else:
            self.hits += 1
        self._used[shard][key] = text
        return text

    def _path(self, shard: str) -> Path:
        assert self.folder is not None  # only a memo with a folder reads or writes shards
        return self.folder / f"fragments-{shard}.json"

    def _read(self, shard: str) -> dict[str, str]:
        data = read_json(self._path(shard), MAX_SHARD_BYTES)
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}

    def save(self, complete: bool = True) -> None:
        """Write the shards whose entries changed; `complete` (the whole report was rendered): drop what it did
        not use, whole shards included. A memo that cannot be written is no memo, not an error."""
        if self.folder is None:
            return
        try:
            for shard, used in self._used.items():
                kept = used if complete else {**self._loaded.get(shard, {}), **used}
                if kept != self._loaded.get(shard):
                    self.folder.mkdir(parents=True, exist_ok=True)
                    write_atomic(self._path(shard), json.dumps(kept, ensure_ascii=False, sort_keys=True))
            if complete:
                for old in self.folder.glob("fragments-*.json"):
                    if old.name.removeprefix("fragments-").removesuffix(".json") not in self._used:
                        old.unlink(missing_ok=True)
        except (OSError, ValueError):
            pass


def report_memo(out_dir: str | os.PathLike[str], key: str) -> FragmentMemo:
    """The memo in `out_dir`'s report cache under `key` (engine.reportcache.base_key); without a key, one that
    renders every time and keeps nothing."""
    return FragmentMemo(cache_dir(out_dir) if key else None, key)
