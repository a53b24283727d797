"""What `accord conflicts` wrote last time, so an unchanged report file is known without reading it back.

write_report compares each file with what it would write and leaves an equal one alone. A formulary's
report has thousands of band charts (7,500 at 500 drugs): reading every one back to compare cost a
fifth of an update where one drug changed. This keeps, in the report cache, each file's size, mtime
and the sha256 of the text written. A file whose size and mtime are still the recorded ones and whose
new text has the recorded digest is unchanged; anything else (edited, replaced, deleted, a manifest
missing, unreadable or from another machine) is compared by reading, as before.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from engine.atomic import write_atomic
from engine.contenthash import machine_secret, read_json

FILE_NAME = "written.json"
MAX_BYTES = 64 << 20
VERSION = 1


SMALL = 1 << 20  # larger files are compared by reading them: memcmp beats hashing, and they are few


def digest(sha256_hex: str) -> str:
    """A file's sha256 keyed by this machine's secret: a manifest made elsewhere never matches."""
    return hashlib.sha256(machine_secret() + sha256_hex.encode()).hexdigest()


class WrittenFiles:
    """The manifest of one report folder, kept in its cache folder (engine.contenthash.cache_dir)."""

    def __init__(self, out_dir: str | os.PathLike[str], cache: str | os.PathLike[str] | None) -> None:
        self.out_dir = Path(out_dir)
        self.path = Path(cache) / FILE_NAME if cache is not None else None
        data = read_json(self.path, MAX_BYTES) if self.path is not None else None
        ok = isinstance(data, dict) and data.get("version") == VERSION and isinstance(data.get("files"), dict)
        self.files: dict[str, list[object]] = data["files"] if ok else {}  # type: ignore[index]
        self.now: dict[str, list[object]] = {}

    def unchanged(self, name: str, data: bytes) -> bool:
        """Whether the file `name` holds `data`: from the manifest when its stat is the recorded one, else read."""
        path = self.out_dir / name
        try:
            st = os.stat(path)
        except OSError:
            return False
        if st.st_size != len(data):
            return False
        known = self.files.get(name)
        small = len(data) <= SMALL
        sha = hashlib.sha256(data).hexdigest() if small else ""
        if small and isinstance(known, list) and known == [st.st_size, st.st_mtime_ns, digest(sha)]:
            self.now[name] = known
            return True
        try:
            same = path.read_bytes() == data
        except OSError:
            return False
        if same and small:
            self.record(name, sha)
        return same

    def record(self, name: str, sha256_hex: str) -> None:
        """After writing `name` (its sha256, as engine.atomic.write_atomic returns it) or finding it unchanged."""
        if not sha256_hex:
            return
        try:
            st = os.stat(self.out_dir / name)
        except OSError:
            return
        self.now[name] = [st.st_size, st.st_mtime_ns, digest(sha256_hex)]

    def save(self) -> None:
        """Keep this run's entries only (a file no longer written is forgotten); a cache that cannot be written is none."""
        if self.path is None or self.now == self.files:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, json.dumps({"version": VERSION, "files": self.now}, sort_keys=True))
        except (OSError, ValueError):
            pass
