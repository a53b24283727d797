"""Dispositions recorded before findings were grouped by cause, moved to the findings that contain them.

Up to report format 1.1 every region was a conflict of its own, and reviewers recorded a
disposition per region id. A finding now holds every region of one cause, and each region
keeps the id it had (`regions[].id` in report.json). A disposition under such an old id
belongs to the finding containing it: `accord conflicts` and `accord review` attach it
there at once, and `accord review migrate` rewrites conflicts/reviews.yaml so the file
says so too. Nothing is dropped: when several old ids land on one finding, the newest
is its current disposition and the others go into its history, oldest first; an old id
in several findings (a region where two causes meet) gives each of them the disposition.
A disposition whose id is neither a finding's nor a region's stays where it was (orphaned,
reported as before).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from engine.reportdata import DispositionEntry, EarlierDisposition


@dataclass
class Migration:
    """What a migration did: finding id -> the old ids it took, and the entries it wrote."""

    moved: dict[str, list[str]] = field(default_factory=dict)
    entries: dict[str, DispositionEntry] = field(default_factory=dict)

    @property
    def old_ids(self) -> set[str]:
        return {old for olds in self.moved.values() for old in olds}

    def lines(self) -> list[str]:
        out = []
        for fid in sorted(self.moved):
            olds = self.moved[fid]
            out.append(
                f"{fid}: took the disposition{'s' if len(olds) > 1 else ''} of {', '.join(olds)}"
                + (f" (newest current, {len(olds) - 1} in history)" if len(olds) > 1 else "")
            )
        return out


def _earlier(entry: Mapping[str, Any]) -> EarlierDisposition:
    out: dict[str, Any] = {k: entry[k] for k in ("disposition", "reviewer", "date", "note") if k in entry}
    return cast(EarlierDisposition, out)


def _newest_first(ids: Iterable[str], dispositions: Mapping[str, DispositionEntry]) -> list[str]:
    return sorted(ids, key=lambda i: (str(dispositions[i].get("date", "")), i), reverse=True)


def migrate(dispositions: Mapping[str, DispositionEntry], findings: Iterable[Mapping[str, Any]]) -> Migration:
    """The entries findings take from dispositions recorded under their regions' old ids."""
    result = Migration()
    for finding in findings:
        fid = finding["id"]
        if fid in dispositions:
            continue  # decided as a finding already: old region ids do not override it
        olds = sorted({r["id"] for r in finding.get("regions", []) if r["id"] in dispositions and r["id"] != fid})
        if not olds:
            continue
        order = _newest_first(olds, dispositions)
        current = dispositions[order[0]]
        entry = cast(DispositionEntry, {k: v for k, v in current.items() if k not in ("migrated_from", "migration")})
        history: list[EarlierDisposition] = []
        for earlier in [h for old in reversed(order) for h in dispositions[old].get("history", [])] + [
            _earlier(dispositions[old]) for old in reversed(order[1:])
        ]:
            if earlier != _earlier(entry) and earlier not in history:  # the same decision recorded twice is one
                history.append(earlier)
        if history:
            entry["history"] = history
        entry["migrated_from"] = olds
        entry["migration"] = (
            "findings grouped by cause: this finding contains the region"
            + ("s " if len(olds) > 1 else " ")
            + ", ".join(olds)
            + (", the newest disposition is current" if len(olds) > 1 else "")
        )
        result.moved[fid] = olds
        result.entries[fid] = entry
    return result


def with_migrated(
    dispositions: Mapping[str, DispositionEntry], findings: Iterable[Mapping[str, Any]]
) -> dict[str, DispositionEntry]:
    """Every finding's disposition: its own, else the one its regions' old ids carry (migrated in memory)."""
    found = list(findings)
    out = {f["id"]: dispositions[f["id"]] for f in found if f["id"] in dispositions}
    out.update(migrate(dispositions, found).entries)
    return out


def migrated_reviews(
    dispositions: Mapping[str, DispositionEntry], findings: Iterable[Mapping[str, Any]]
) -> tuple[dict[str, DispositionEntry], Migration]:
    """reviews.yaml's conflicts after the migration: old ids that moved are gone, everything else kept."""
    result = migrate(dispositions, findings)
    gone = result.old_ids
    kept = {cid: entry for cid, entry in dispositions.items() if cid not in gone or cid in result.entries}
    kept.update(result.entries)
    return dict(sorted(kept.items())), result


def disposition_of(finding: Mapping[str, Any], dispositions: Mapping[str, DispositionEntry]) -> DispositionEntry | None:
    """One finding's live disposition: under its id, else the one its regions' old ids carry (not yet migrated)."""
    if finding["id"] in dispositions:
        return dispositions[finding["id"]]
    return migrate(dispositions, [finding]).entries.get(finding["id"])
