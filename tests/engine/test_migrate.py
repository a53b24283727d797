"""Dispositions under old per-region ids move to the findings that contain them; none is lost (engine/migrate.py)."""

from __future__ import annotations

from engine import cli
from engine.migrate import disposition_of, migrate, migrated_reviews, with_migrated
from engine.review import load_reviews
from tests.engine.test_findings import FOUR, ONE, TEXT, TWO, egfr


def entry(who: str, date: str, note: str = "") -> dict:
    out = {"disposition": "needs_expert", "reviewer": who, "date": date}
    return {**out, "note": note} if note else out


FINDINGS = [
    {"id": "C-00000000f1", "regions": [{"id": "C-000000000a"}, {"id": "C-000000000b"}]},
    {"id": "C-00000000f2", "regions": [{"id": "C-000000000b"}, {"id": "C-000000000c"}]},
    {"id": "C-00000000f3", "regions": [{"id": "C-000000000d"}]},
]


def test_several_old_ids_give_one_current_and_a_history_oldest_first():
    old = {"C-000000000a": entry("ana", "2026-01-01", "first"), "C-000000000b": entry("bo", "2026-02-01", "second")}
    result = migrate(old, FINDINGS)
    f1 = result.entries["C-00000000f1"]
    assert f1["reviewer"] == "bo" and f1["note"] == "second"  # the newest is current
    assert f1["history"] == [entry("ana", "2026-01-01", "first")]
    assert f1["migrated_from"] == ["C-000000000a", "C-000000000b"] and "grouped by cause" in f1["migration"]
    # an old id in two findings (a region where two causes meet) gives both of them its disposition
    assert result.entries["C-00000000f2"]["reviewer"] == "bo" and "history" not in result.entries["C-00000000f2"]
    assert "C-00000000f3" not in result.entries


def test_a_finding_decided_under_its_own_id_keeps_that_decision():
    old = {"C-00000000f1": entry("cy", "2026-03-01"), "C-000000000a": entry("ana", "2026-04-01")}
    assert with_migrated(old, FINDINGS)["C-00000000f1"]["reviewer"] == "cy"
    assert disposition_of(FINDINGS[0], old)["reviewer"] == "cy"
    assert disposition_of(FINDINGS[2], old) is None


def test_the_rewritten_file_loses_nothing():
    old = {
        "C-000000000a": entry("ana", "2026-01-01"),
        "C-000000000c": entry("bo", "2026-01-02"),
        "C-00000000ff": entry("orphan", "2025-01-01"),  # neither a finding nor a region: kept as it is
    }
    kept, result = migrated_reviews(old, FINDINGS)
    assert set(kept) == {"C-00000000f1", "C-00000000f2", "C-00000000ff"}
    assert result.old_ids == {"C-000000000a", "C-000000000c"}
    people = {kept[k]["reviewer"] for k in kept} | {h["reviewer"] for k in kept for h in kept[k].get("history", [])}
    assert {"ana", "bo", "orphan"} <= people


def test_accord_review_migrate_moves_the_bundled_kind_of_file(tmp_path, ruleset_writer, capsys):
    rs = tmp_path / "rs"
    from tests.conftest import write_ruleset

    write_ruleset(
        rs,
        "alpha",
        TEXT,
        [
            {"question": "dose", "value": TWO, "when": egfr(">=", 30)},
            {"question": "dose", "value": FOUR, "when": {"and": [egfr(">=", 30), egfr("<", 60)]}},
        ],
    )
    write_ruleset(rs, "beta", TEXT, [{"question": "dose", "value": ONE, "when": egfr(">=", 0)}])
    out = tmp_path / "conflicts"
    assert cli.main(["conflicts", "--rulesets", str(rs), "--out", str(out), "-q"]) == 0
    import json

    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    finding = next(c for c in report["conflicts"] if len(c.get("regions", [])) == 2)
    old_ids = [r["id"] for r in finding["regions"]]
    (out / "reviews.yaml").write_text(
        "accord: 1\nconflicts:\n"
        + "".join(
            f"  {old}:\n    disposition: needs_expert\n    reviewer: ana\n    date: 2026-01-0{i + 1}\n"
            for i, old in enumerate(old_ids)
        ),
        encoding="utf-8",
    )
    before = (out / "reviews.yaml").read_bytes()
    capsys.readouterr()
    assert cli.main(["review", "--out", str(out), "--rulesets", str(rs), "migrate", "--dry-run"]) == 0
    said = capsys.readouterr()
    assert f"{finding['id']}: took the dispositions of" in said.out and "would move 2" in said.err
    assert (out / "reviews.yaml").read_bytes() == before  # a dry run writes nothing
    assert cli.main(["review", "--out", str(out), "--rulesets", str(rs), "migrate"]) == 0
    reviews, _ = load_reviews(out / "reviews.yaml")
    moved = reviews["conflicts"][finding["id"]]
    assert moved["date"] == "2026-01-02" and len(moved["history"]) == 1 and moved["migrated_from"] == sorted(old_ids)
    assert not set(old_ids) & set(reviews["conflicts"])
    assert cli.main(["conflicts", "--rulesets", str(rs), "--out", str(out), "-q"]) == 0
    fresh = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert next(c for c in fresh["conflicts"] if c["id"] == finding["id"])["disposition"] == moved
    assert fresh["orphaned_dispositions"] == []
    # an old id given to `accord review conflict` records on its finding, saying so
    capsys.readouterr()
    code = cli.main(
        [
            "review",
            "--out",
            str(out),
            "--rulesets",
            str(rs),
            "conflict",
            old_ids[0],
            "--disposition",
            "all_wrong",
            "--reviewer",
            "bo",
        ]
    )
    assert code == 0 and f"is a region of finding {finding['id']}" in capsys.readouterr().err
    reviews, _ = load_reviews(out / "reviews.yaml")
    assert reviews["conflicts"][finding["id"]]["disposition"] == "all_wrong"
