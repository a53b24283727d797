"""Disposition history (issue 16 item 9): a changed disposition keeps the one it replaces, like claim review steps.

reviews.yaml keeps the current disposition in the entry's top-level fields and
the earlier ones in `history`, oldest first; recording the same disposition and
note again by the same reviewer is a no-op that says so; `accord review history`
shows it all; report.json carries the history; 8 parallel writers on one id all
end up in the entry.
"""

from __future__ import annotations

import copy
import json
import multiprocessing as mp
from pathlib import Path

import pytest

from engine import cli
from engine.report import refresh_dispositions, write_report
from engine.review import (
    ReviewError,
    disposition_history,
    load_report,
    load_reviews,
    record_disposition,
    reviews_problems,
    reviews_text,
    save_disposition,
)

ROOT = Path(__file__).resolve().parents[2]
CID = "C-00000000a1"


def _reviews() -> dict:
    return {"accord": 1, "conflicts": {}, "claims": {}}


def test_a_new_disposition_keeps_the_old_one_in_its_history() -> None:
    data = _reviews()
    first = record_disposition(data, CID, "needs_expert", "ana", "ask pharmacy", date="2026-01-01")
    assert "history" not in first
    second = record_disposition(data, CID, "all_wrong", "bo", date="2026-01-02")
    assert second == {
        "disposition": "all_wrong",
        "reviewer": "bo",
        "date": "2026-01-02",
        "history": [
            {
                "disposition": "needs_expert",
                "reviewer": "ana",
                "date": "2026-01-01",
                "note": "ask pharmacy",
                "replaced_by": "bo",
            }
        ],
    }
    third = record_disposition(data, CID, "source_correct", "ana", "label", source="lucius", date="2026-01-03")
    assert [h["disposition"] for h in third["history"]] == ["needs_expert", "all_wrong"]  # oldest first
    assert all("history" not in h for h in third["history"])  # an earlier entry never nests its own history
    assert third["history"][1]["replaced_by"] == "ana"
    assert data["conflicts"][CID] is third
    assert [(h["date"], h["reviewer"]) for h in disposition_history(third)] == [
        ("2026-01-03", "ana"),
        ("2026-01-02", "bo"),
        ("2026-01-01", "ana"),
    ]
    assert reviews_problems(data) == []
    reviews_text(data)  # writable and reads back


def test_the_same_disposition_and_note_by_the_same_reviewer_is_a_no_op() -> None:
    data = _reviews()
    first = record_disposition(data, CID, "needs_expert", "ana", "why", date="2026-01-01")
    again = record_disposition(data, CID, "needs_expert", "ana", "why", date="2026-02-01")
    assert again is first and again["date"] == "2026-01-01" and "history" not in again
    # any difference is a change: the note, the reviewer, the source
    assert "history" in record_disposition(data, CID, "needs_expert", "ana", "other reason", date="2026-01-02")
    assert len(record_disposition(data, CID, "needs_expert", "bo", "other reason")["history"]) == 2
    record_disposition(data, CID, "source_correct", "bo", source="a", date="2026-01-03")
    assert len(record_disposition(data, CID, "source_correct", "bo", source="b")["history"]) == 4
    assert len(record_disposition(data, CID, "source_correct", "bo", source="b")["history"]) == 4


def test_a_migrated_entry_keeps_its_migration_across_changes() -> None:
    data = _reviews()
    data["conflicts"][CID] = {
        "disposition": "needs_expert",
        "reviewer": "ana",
        "date": "2026-01-01",
        "migrated_from": ["C-00000000b1", "C-00000000b2"],
        "migration": "C-00000000b1 and C-00000000b2 are one finding now; C-00000000b1's disposition kept",
    }
    assert reviews_problems(data) == []
    entry = record_disposition(data, CID, "all_wrong", "bo", date="2026-01-02")
    assert entry["migrated_from"] == ["C-00000000b1", "C-00000000b2"]
    assert entry["migration"].startswith("C-00000000b1 and")
    assert set(entry["history"][0]) == {"disposition", "reviewer", "date", "replaced_by"}
    assert reviews_problems(data) == []


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda e: e["history"][0].update(extra=1), "/conflicts/C-00000000a1/history/0"),
        (lambda e: e["history"][0].update(history=[]), "/conflicts/C-00000000a1/history/0"),
        (lambda e: e["history"][0].update(replaced_by="a|b"), "/conflicts/C-00000000a1/history/0/replaced_by"),
        (lambda e: e["history"][0].pop("date"), "/conflicts/C-00000000a1/history/0"),
        (lambda e: e.update(migrated_from=["X-1"]), "/conflicts/C-00000000a1/migrated_from/0"),
        (lambda e: e.update(migrated_from=[]), "/conflicts/C-00000000a1/migrated_from"),
        (lambda e: e.update(migration="two\nlines"), "/conflicts/C-00000000a1/migration"),
    ],
)
def test_the_schema_refuses_a_malformed_history(change, where) -> None:
    data = _reviews()
    record_disposition(data, CID, "needs_expert", "ana", date="2026-01-01")
    record_disposition(data, CID, "all_wrong", "bo", date="2026-01-02")
    bad = copy.deepcopy(data)
    change(bad["conflicts"][CID])
    problems = reviews_problems(bad)
    assert problems and problems[0].startswith(where + ":"), problems
    with pytest.raises(ReviewError):
        reviews_text(bad)


def small_report(out: Path, ids: list[str]) -> None:
    """A schema-valid report holding conflicts `ids`, cloned from the bundled report's first conflict."""
    report = json.loads((ROOT / "conflicts" / "report.json").read_text(encoding="utf-8"))
    template = report["conflicts"][0]
    template.pop("disposition", None)
    report["conflicts"] = [dict(copy.deepcopy(template), id=cid) for cid in ids]
    out.mkdir(parents=True, exist_ok=True)
    write_report(out, refresh_dispositions(report, {"conflicts": {}}))


def test_save_says_when_nothing_changed_and_the_report_carries_the_history(tmp_path) -> None:
    out = tmp_path / "conflicts"
    small_report(out, [CID])
    path = out / "reviews.yaml"
    assert save_disposition(path, CID, "needs_expert", "ana", "why", date="2026-01-01").changed
    before = path.read_bytes()
    repeat = save_disposition(path, CID, "needs_expert", "ana", "why", date="2026-03-01")
    assert not repeat.changed and repeat.entry["date"] == "2026-01-01"
    assert path.read_bytes() == before
    recorded = save_disposition(path, CID, "all_wrong", "bo", date="2026-01-02")
    assert recorded.changed and recorded.entry["history"][0]["reviewer"] == "ana"
    report = load_report(out)  # schema-checked
    assert report is not None
    copied = report["conflicts"][0]["disposition"]
    assert copied == recorded.entry
    assert "history" in json.loads((out / "report.json").read_text(encoding="utf-8"))["conflicts"][0]["disposition"]
    # an orphan keeps its history too
    small_report(out, ["C-00000000ff"])
    report = refresh_dispositions(json.loads((out / "report.json").read_text(encoding="utf-8")), recorded.reviews)
    write_report(out, report)
    orphan = load_report(out)["orphaned_dispositions"][0]  # type: ignore[index]
    assert orphan["id"] == CID and orphan["history"] == recorded.entry["history"]


def _cli(*args: str) -> int:
    return cli.main(["review", *args])


def test_cli_history_text_and_json(tmp_path, capsys) -> None:
    out = str(tmp_path / "conflicts")
    small_report(Path(out), [CID, "C-00000000a2"])
    src = load_report(Path(out))["conflicts"][0]["sources"][0]  # type: ignore[index]
    common = ["--out", out, "conflict", CID, "--reviewer"]
    assert _cli(*common, "ana", "--disposition", "needs_expert", "--note", "ask", "--date", "2026-01-01") == 0
    assert _cli(*common, "ana", "--disposition", "needs_expert", "--note", "ask", "--date", "2026-01-05") == 0
    assert "unchanged" in capsys.readouterr().out
    assert _cli(*common, "bo", "--disposition", "source_correct", "--source", src, "--date", "2026-01-02") == 0
    assert "kept in its history" in capsys.readouterr().out

    assert _cli("--out", out, "history", CID) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{CID}: source_correct: {src} by bo on 2026-01-02"
    assert lines[1].split() == ["now", "2026-01-02", "bo", "source_correct:", src]
    assert lines[2].split() == ["earlier", "2026-01-01", "ana", "needs_expert:", "ask"]
    assert len(lines) == 3

    assert _cli("--out", out, "history", CID, "--format", "json") == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["id"] == CID and doc["orphaned"] is False
    judged = doc["disposition"].pop("judged")  # the claims it judged, fingerprinted (engine.fingerprint)
    assert doc["disposition"] == {"disposition": {"source_correct": src}, "reviewer": "bo", "date": "2026-01-02"}
    assert judged and all(isinstance(v, str) and len(v) == 12 for v in judged.values())
    assert doc["history"] == [
        {"disposition": "needs_expert", "reviewer": "ana", "date": "2026-01-01", "note": "ask", "replaced_by": "bo"}
    ]

    assert _cli("--out", out, "list") == 0
    assert f"(1 earlier: accord review history {CID})" in capsys.readouterr().out

    assert _cli("--out", out, "history", "C-00000000a2") == 0  # in the report, not yet reviewed
    assert capsys.readouterr().out.strip() == "C-00000000a2: no disposition yet"
    assert _cli("--out", out, "history", "C-00000000a2", "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)["disposition"] is None

    assert _cli("--out", out, "history", "C-00000000ee") == 2
    err = capsys.readouterr().err
    assert "unknown conflict" in err and "C-00000000ee" in err
    assert _cli("--out", out, "history", "nonsense") == 2
    assert "not a conflict id" in capsys.readouterr().err


WRITERS = 8


def _dispose(job: tuple[str, int]) -> int:
    out, n = job
    kinds = ["needs_expert", "all_wrong", "not_a_conflict"]
    return cli.main(
        [
            "review",
            "--out",
            out,
            "conflict",
            CID,
            "--disposition",
            kinds[n % 3],
            "--reviewer",
            f"writer-{n}",
            "--note",
            f"from writer {n}",
            "--date",
            "2026-01-01",
        ]
    )


@pytest.mark.parametrize("with_report", [False, True], ids=["reviews-only", "with-report"])
def test_parallel_dispositions_on_one_id_all_kept(tmp_path, capsys, with_report) -> None:
    """8 processes record a disposition on the same conflict at once: each is the current one or in the history."""
    if "fork" not in mp.get_all_start_methods():
        pytest.skip("needs fork")
    out = tmp_path / "conflicts"
    if with_report:
        small_report(out, [CID])
    with mp.get_context("fork").Pool(WRITERS) as pool:
        codes = pool.map(_dispose, [(str(out), n) for n in range(WRITERS)])
    assert codes == [0] * WRITERS
    reviews, diags = load_reviews(out / "reviews.yaml")
    assert not diags
    entry = reviews["conflicts"][CID]
    everyone = [entry["reviewer"]] + [h["reviewer"] for h in entry["history"]]
    assert sorted(everyone) == sorted(f"writer-{n}" for n in range(WRITERS))
    assert [h["note"] for h in entry["history"]] == [f"from writer {h['reviewer'][7:]}" for h in entry["history"]]
    # each replaced entry names the reviewer who replaced it: the chain is unbroken
    chain = [h["reviewer"] for h in entry["history"]] + [entry["reviewer"]]
    assert [h["replaced_by"] for h in entry["history"]] == chain[1:]
    if with_report:
        report = load_report(out)
        assert report is not None and report["conflicts"][0]["disposition"] == entry
