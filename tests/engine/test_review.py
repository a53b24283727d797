"""Review workflow: allowed transitions, targeted ruleset edits, history, dispositions and orphans."""

from __future__ import annotations

import pytest

from engine import cli
from engine.reportdata import orphaned
from engine.review import (
    TRANSITIONS,
    ReviewError,
    allowed,
    change_claim_status,
    load_reviews,
    record_disposition,
    save_reviews,
)

TEXT = "Alpha says one thing. Beta says another."


def test_transitions_defined_once():
    assert allowed("draft", "submitted") and allowed("submitted", "under_review")
    assert allowed("under_review", "approved") and allowed("under_review", "rejected")
    assert allowed("approved", "under_review") and allowed("rejected", "under_review")
    assert not allowed("draft", "approved") and not allowed("submitted", "approved")
    assert set(TRANSITIONS) == {"draft", "submitted", "under_review", "approved", "rejected"}


def test_claim_status_edit_is_targeted_and_recorded(tmp_path, ruleset_writer):
    path = ruleset_writer(
        "alpha",
        TEXT,
        [
            {"id": "alpha/one", "question": "initiation", "value": "recommended", "status": "submitted"},
            {"id": "alpha/two", "question": "initiation", "value": "recommended", "status": "submitted"},
        ],
    )
    original = "# reviewers: keep this comment\n" + path.read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    reviews = tmp_path / "conflicts" / "reviews.yaml"
    change_claim_status(tmp_path, reviews, "alpha/two", "under_review", "ana", "checking the label", "2026-01-02")
    edited = path.read_text(encoding="utf-8")
    assert edited.startswith("# reviewers: keep this comment\n")
    assert edited.count("status: under_review") == 1
    assert edited.replace("status: under_review", "status: submitted") == original
    data, diags = load_reviews(reviews)
    assert not diags
    assert data["claims"]["alpha/two"] == [
        {
            "from": "submitted",
            "status": "under_review",
            "reviewer": "ana",
            "date": "2026-01-02",
            "note": "checking the label",
        }
    ]
    with pytest.raises(ReviewError, match="can move to approved, rejected"):
        change_claim_status(tmp_path, reviews, "alpha/two", "draft", "ana", "no", "2026-01-02")
    with pytest.raises(ReviewError, match="note"):
        change_claim_status(tmp_path, reviews, "alpha/two", "approved", "ana", " ", "2026-01-02")
    with pytest.raises(ReviewError, match="no claim"):
        change_claim_status(tmp_path, reviews, "alpha/none", "approved", "ana", "x", "2026-01-02")
    change_claim_status(tmp_path, reviews, "alpha/two", "approved", "bo", "matches the label", "2026-01-03")
    assert [s["status"] for s in load_reviews(reviews)[0]["claims"]["alpha/two"]] == ["under_review", "approved"]


def test_cli_claim_review(tmp_path, ruleset_writer, capsys):
    ruleset_writer(
        "alpha", TEXT, [{"id": "alpha/one", "question": "initiation", "value": "recommended", "status": "draft"}]
    )
    base = ["review", "--rulesets", str(tmp_path), "--out", str(tmp_path / "c")]
    assert cli.main(base + ["claim", "alpha/one", "--status", "approved", "--reviewer", "a", "--note", "n"]) == 1
    assert "can move to submitted" in capsys.readouterr().err
    assert cli.main(base + ["claim", "alpha/one", "--status", "submitted", "--reviewer", "a", "--note", "ready"]) == 0
    assert "status: submitted" in (tmp_path / "alpha.yaml").read_text(encoding="utf-8")


def test_dispositions_and_orphans(tmp_path):
    data = {"accord": 1, "conflicts": {}, "claims": {}}
    record_disposition(
        data,
        "C-0000000001",
        "source_correct",
        "ana",
        "label wins",
        source="beta",
        date="2026-01-01",
        conflict_sources=["alpha", "beta"],
    )
    record_disposition(data, "C-0000000002", "needs_expert", "ana", date="2026-01-01")
    with pytest.raises(ReviewError):
        record_disposition(data, "C-0000000003", "source_correct", "ana")
    with pytest.raises(ReviewError):
        record_disposition(
            data, "C-0000000003", "source_correct", "ana", source="zeta", conflict_sources=["alpha", "beta"]
        )
    path = tmp_path / "reviews.yaml"
    assert save_reviews(path, data) and not save_reviews(path, data)
    loaded, diags = load_reviews(path)
    assert not diags and loaded["conflicts"]["C-0000000001"]["disposition"] == {"source_correct": "beta"}
    assert [cid for cid, _ in orphaned(loaded, {"C-0000000002"})] == ["C-0000000001"]


def test_orphaned_disposition_kept_and_reported(tmp_path, ruleset_writer, capsys):
    ruleset_writer("alpha", TEXT, [{"question": "initiation", "value": "recommended", "when": True}])
    out = tmp_path / "conflicts"
    out.mkdir()
    data = {"accord": 1, "conflicts": {}, "claims": {}}
    record_disposition(data, "C-00000000ff", "all_wrong", "ana", date="2026-01-01")
    save_reviews(out / "reviews.yaml", data)
    assert cli.main(["conflicts", "--rulesets", str(tmp_path), "--out", str(out)]) == 0
    assert "orphaned disposition C-00000000ff" in capsys.readouterr().err
    assert "C-00000000ff" in (out / "report.md").read_text(encoding="utf-8")
    assert "C-00000000ff" in (out / "reviews.yaml").read_text(encoding="utf-8")
    assert cli.main(["review", "list", "--out", str(out)]) == 0
    assert "orphaned" in capsys.readouterr().out


def test_saved_reviews_are_schema_valid_and_bad_dispositions_refused(tmp_path):
    """Moved from the former engine.reviewlog tests: what the workbench writes through engine.review."""
    from engine.contract import validator
    from engine.loader import load_file

    data, diags = load_reviews(tmp_path / "missing.yaml")
    assert not diags and data == {"accord": 1, "conflicts": {}, "claims": {}}
    record_disposition(
        data, "C-00000000c1", "source_correct", "ana", note="label wins", source="lucius-label", date="2025-01-02"
    )
    record_disposition(data, "C-00000000c2", "needs_expert", "ana", date="2025-01-02")
    with pytest.raises(ReviewError):
        record_disposition(data, "C-00000000c3", "maybe", "ana")
    with pytest.raises(ReviewError):
        record_disposition(data, "C-00000000c3", "needs_expert", " ")
    path = tmp_path / "conflicts" / "reviews.yaml"
    save_reviews(path, data)
    written = load_file(path).data
    assert not list(validator("reviews").iter_errors(written))
    assert written["conflicts"]["C-00000000c1"] == {
        "disposition": {"source_correct": "lucius-label"},
        "reviewer": "ana",
        "date": "2025-01-02",
        "note": "label wins",
    }
    assert set(written["conflicts"]) == {"C-00000000c1", "C-00000000c2"}


def test_four_eyes_and_configured_identity(tmp_path, capsys, monkeypatch):
    """The submitter cannot approve (unless --self-approve, recorded); no reviewer configured refuses."""
    from engine import cli
    from engine.review import load_reviews
    from tests.conftest import write_ruleset

    rulesets = tmp_path / "rulesets"
    write_ruleset(
        rulesets,
        "alpha",
        "Alpha says one thing.",
        [{"id": "alpha/c0", "question": "initiation", "value": "recommended", "status": "draft"}],
    )
    out = tmp_path / "conflicts"

    def step(status, *extra):
        return cli.main(
            [
                "review",
                "--rulesets",
                str(rulesets),
                "--out",
                str(out),
                "claim",
                "alpha/c0",
                "--status",
                status,
                "--note",
                "n",
                *extra,
            ]
        )

    monkeypatch.setenv("ACCORD_REVIEWER", "ana")
    assert step("submitted") == 0 and "reviewer ana (from ACCORD_REVIEWER)" in capsys.readouterr().err
    assert step("under_review", "--reviewer", "bo") == 0
    assert step("approved") == 1 and "four eyes" in capsys.readouterr().err  # ana submitted it
    assert step("approved", "--self-approve") == 0
    reviews, _ = load_reviews(out / "reviews.yaml")
    last = reviews["claims"]["alpha/c0"][-1]
    assert last["status"] == "approved" and last["self_approved"] is True and last["reviewer"] == "ana"
    monkeypatch.delenv("ACCORD_REVIEWER")
    monkeypatch.setenv("PATH", str(tmp_path / "no-git"))  # no git either: nobody is named
    code = cli.main(
        [
            "review",
            "--rulesets",
            str(rulesets),
            "--out",
            str(out),
            "conflict",
            "C-0123456789",
            "--disposition",
            "needs_expert",
        ]
    )
    assert code == 2 and "no reviewer is configured" in capsys.readouterr().err
