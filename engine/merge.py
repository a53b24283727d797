"""Claim-by-claim three-way merge of a ruleset file: "keep mine" without reverting someone else's change.

An editor loaded the file (`base`), the user changed it (`mine`), and
meanwhile someone else wrote it (`theirs`, on disk now). Writing `mine`
whole would silently undo their change. Instead each claim (by id) and the
rest of the file (header, excluded spans: everything outside `claims`) is
merged on its own: a part changed on one side only takes that side; a part
changed on both sides to different texts is a clash, reported and never
written. The merged text is re-parsed and checked against the expected
claims before it is offered, so a merge that cannot be done by targeted
splices (flow-style lists, duplicate ids, unparsable text) is refused
rather than guessed. Pure: no file access, no third-party imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.claimedit import claim_snippet, locate_claim, splice_claim
from engine.loader import Document, LoadError, load_text

OUTSIDE = "(outside the claims)"


@dataclass
class Merge:
    """The merged file text (None when it could not be merged) and what stands in the way."""

    text: str | None
    clashes: list[str] = field(default_factory=list)  # claim ids (or OUTSIDE) changed differently on both sides
    problem: str | None = None  # why no merge was attempted (unparsable, duplicate ids, ...)
    taken_from_disk: list[str] = field(default_factory=list)  # claims (or OUTSIDE) whose on-disk change is kept

    @property
    def clean(self) -> bool:
        return self.text is not None and not self.clashes and self.problem is None


def _claims(doc: Document) -> dict[str, str] | None:
    """claim id -> its YAML snippet; None when ids are missing, not strings or repeated."""
    claims = doc.data.get("claims") if isinstance(doc.data, dict) else None
    if claims is None:
        return {}
    if not isinstance(claims, list):
        return None
    out: dict[str, str] = {}
    for i, claim in enumerate(claims):
        cid = claim.get("id") if isinstance(claim, dict) else None
        if not isinstance(cid, str) or cid in out or ("claims", i) not in doc.spans:
            return None
        out[cid] = claim_snippet(doc, i)
    return out


def _outside(doc: Document) -> str:
    """The file text with every claim's text cut out: what the claims merge does not cover."""
    claims = doc.data.get("claims") if isinstance(doc.data, dict) else None
    text = doc.text
    for i in reversed(range(len(claims) if isinstance(claims, list) else 0)):
        start, end = _item_span(doc, i)
        text = text[:start] + text[end:]
    return text


def _item_span(doc: Document, index: int) -> tuple[int, int]:
    """[start, end) of claim `index`'s whole `- ` item: from its line's start through its last line's newline."""
    loc = locate_claim(doc, index)
    text = doc.text
    start = text.rfind("\n", 0, loc.start) + 1
    end = loc.end + 1 if text[loc.end : loc.end + 1] == "\n" else loc.end
    return start, end


def _index(doc: Document, claim_id: str) -> int | None:
    claims = doc.data.get("claims") if isinstance(doc.data, dict) else None
    for i, claim in enumerate(claims if isinstance(claims, list) else []):
        if isinstance(claim, dict) and claim.get("id") == claim_id:
            return i
    return None


def _remove(doc: Document, index: int) -> str:
    """The text without claim `index` (its whole `- ` item, block style)."""
    start, end = _item_span(doc, index)
    return doc.text[:start] + doc.text[end:]


def _apply(onto: str, path: str, changes: dict[str, str | None]) -> str:
    """`onto` with each claim in `changes` replaced (or appended; None removes it), one targeted splice at a time."""
    text = onto
    for cid, snippet in changes.items():
        doc = load_text(text, path)
        index = _index(doc, cid)
        if snippet is None:
            if index is not None:
                text = _remove(doc, index)
        else:
            text = splice_claim(doc, snippet, index)
    return text


def merge_ruleset(base: str, mine: str, theirs: str, path: str = "<ruleset>") -> Merge:
    """Merge `mine` (base + the editor's changes) with `theirs` (base + someone else's), claim by claim."""
    if mine == theirs or mine == base:
        return Merge(theirs)
    if theirs == base:
        return Merge(mine)
    try:
        docs = [load_text(t, path) for t in (base, mine, theirs)]
    except LoadError as exc:
        return Merge(
            None, problem=f"cannot be merged claim by claim: {exc.diagnostic.message} (line {exc.diagnostic.line})"
        )
    maps = [_claims(d) for d in docs]
    if any(m is None for m in maps):
        return Merge(
            None,
            problem="cannot be merged claim by claim: a claims list that is not a list of claims with distinct ids",
        )
    b, m, t = maps
    assert b is not None and m is not None and t is not None
    merged: dict[str, str | None] = {}
    clashes: list[str] = []
    from_disk: list[str] = []
    for cid in list(dict.fromkeys([*t, *m, *b])):
        bv, mv, tv = b.get(cid), m.get(cid), t.get(cid)
        if mv == bv:
            merged[cid] = tv
            if tv != bv:
                from_disk.append(cid)
        elif tv == bv or tv == mv:
            merged[cid] = mv
        else:
            clashes.append(cid)
            merged[cid] = tv  # never written while the clash stands; kept so the check below sees the disk's side
    outside = [_outside(d) for d in docs]
    mine_outside_changed = outside[1] != outside[0]
    theirs_outside_changed = outside[2] != outside[0]
    if mine_outside_changed and theirs_outside_changed and outside[1] != outside[2]:
        clashes.append(OUTSIDE)
    if clashes:
        return Merge(None, clashes, taken_from_disk=from_disk)
    # Start from the side whose text outside the claims is the one to keep, then splice the other side's claims in.
    if mine_outside_changed and not theirs_outside_changed:
        start_text, start_map = mine, m
    else:
        start_text, start_map = theirs, t
        if theirs_outside_changed:
            from_disk.append(OUTSIDE)
    changes = {cid: snip for cid, snip in merged.items() if start_map.get(cid) != snip}
    try:
        text = _apply(start_text, path, changes)
        result = load_text(text, path)
    except (LoadError, KeyError, ValueError) as exc:
        return Merge(None, problem=f"cannot be merged claim by claim: {exc}")
    got = _claims(result)
    want = {cid: snip for cid, snip in merged.items() if snip is not None}
    if got is None or got != want or _outside(result) != _outside(docs[1] if start_text is mine else docs[2]):
        return Merge(
            None, problem="cannot be merged claim by claim: the targeted changes did not give the expected file"
        )
    return Merge(text, taken_from_disk=from_disk)


_MISSING = object()


def merge_facts(
    base: dict[str, object], mine: dict[str, object], theirs: dict[str, object]
) -> tuple[dict[str, object], list[str]]:
    """A patient's facts, three ways: (merged facts, names changed differently on both sides).

    A fact changed (or removed) on one side only takes that side; on both
    sides to different values it is a clash and keeps the disk's value in the
    merged facts, which the caller must not write while clashes remain.
    """
    merged: dict[str, object] = {}
    clashes: list[str] = []
    for name in dict.fromkeys([*theirs, *mine, *base]):
        b, m, t = base.get(name, _MISSING), mine.get(name, _MISSING), theirs.get(name, _MISSING)
        if _same(m, b):
            value = t
        elif _same(t, b) or _same(t, m):
            value = m
        else:
            clashes.append(name)
            value = t
        if value is not _MISSING:
            merged[name] = value
    return merged, clashes


def _same(a: object, b: object) -> bool:
    """Equal as written in a file: 1, 1.0 and True are three different edits (Python's == says they are one)."""
    import json

    if a is _MISSING or b is _MISSING:
        return a is b
    return json.dumps(a, sort_keys=True, default=repr) == json.dumps(b, sort_keys=True, default=repr)
