"""Widget ids built from data (claim ids, source ids, choice keys) go through `widget_id`.

Textual accepts only letters, digits, `_` and `-` in an id (and no leading
digit); a claim id like `dr-oracle/oat3-dose` raises BadIdentifier when the
widget is built, which used to close the workbench. Data never becomes an id
directly: `widget_id` keeps a safe key readable (`choice-mine`), turns any
other key into a sanitised stem plus a hash of the whole key, and with
`taken` never hands out the same id twice in one container.
"""

from __future__ import annotations

import hashlib
import re

_SAFE_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
_SAFE_PREFIX = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def widget_id(prefix: str, key: str, taken: set[str] | None = None) -> str:
    """A valid, deterministic Textual id for `key` under `prefix` (a constant like "choice")."""
    if not _SAFE_PREFIX.fullmatch(prefix):
        raise ValueError(f"widget id prefix must be a constant identifier, not {prefix!r}")
    text = str(key)
    if _SAFE_KEY.fullmatch(text):
        candidate = f"{prefix}-{text}"
    else:
        stem = _UNSAFE.sub("-", text).strip("-")[:32]
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        candidate = f"{prefix}-{stem}-x{digest}" if stem else f"{prefix}-x{digest}"
    if taken is not None:
        unique, n = candidate, 2
        while unique in taken:
            unique, n = f"{candidate}-{n}", n + 1
        taken.add(unique)
        candidate = unique
    return candidate
