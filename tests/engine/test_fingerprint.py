"""Decisions that stay decided (engine/fingerprint.py): a disposition survives unrelated edits, not edits to what it judged."""

from __future__ import annotations

import json

from engine import cli
from engine.review import load_reviews
from tests.conftest import write_ruleset
from tests.engine.test_findings import ONE, TEXT, TWO, egfr


def project(rs, when=None, quote=None, extra=()):
    alpha = {"question": "dose", "value": TWO, "when": when or egfr(">=", 30)}
    if quote:
        alpha["quote"] = quote
    write_ruleset(rs, "alpha", TEXT, [alpha, *extra])
    write_ruleset(rs, "beta", TEXT, [{"question": "dose", "value": ONE, "when": egfr(">=", 0)}])


def analyse(rs, out, *more):
    return cli.main(["conflicts", "--rulesets", str(rs), "--out", str(out), "-q", *more])


def finding(out):
    (item,) = json.loads((out / "report.json").read_text(encoding="utf-8"))["conflicts"]
    return item


def test_a_disposition_survives_unrelated_edits_but_not_an_edit_to_a_claim_it_judged(tmp_path, capsys):
    rs, out = tmp_path / "rs", tmp_path / "conflicts"
    project(rs)
    assert analyse(rs, out) == 0
    fid = finding(out)["id"]
    args = ["review", "--rulesets", str(rs), "--out", str(out), "conflict", fid, "--disposition", "all_wrong"]
    assert cli.main([*args, "--reviewer", "ana"]) == 0
    reviews, _ = load_reviews(out / "reviews.yaml")
    judged = reviews["conflicts"][fid]["judged"]
    assert set(judged) == {"alpha/c0", "beta/c0"} and all(len(v) == 12 for v in judged.values())
    assert analyse(rs, out, "--check") == 0

    project(rs, extra=[{"question": "route", "value": "oral", "when": True}])  # another claim, another question
    assert analyse(rs, out) == 0 and analyse(rs, out, "--check") == 0 and "review_again" not in finding(out)

    project(rs, quote="Beta says another")  # the judged claim's quote changed: same finding, decision stale
    assert analyse(rs, out) == 0
    item = finding(out)
    assert item["id"] == fid and item["review_again"]["claims"] == ["alpha/c0"]
    assert "quote, value or rule changed" in item["review_again"]["reason"]
    capsys.readouterr()
    assert analyse(rs, out, "--check") == 1
    assert f"{fid}: high-severity, its disposition judged claims that changed" in capsys.readouterr().err

    assert cli.main([*args, "--reviewer", "bo"]) == 0  # reviewed again: it stands again
    assert analyse(rs, out, "--check") == 0 and "review_again" not in finding(out)
    assert load_reviews(out / "reviews.yaml")[0]["conflicts"][fid]["history"][0]["reviewer"] == "ana"

    project(rs, when=egfr(">=", 40), quote="Beta says another")  # the rule changed
    assert analyse(rs, out) == 0 and finding(out)["review_again"]["claims"] == ["alpha/c0"]


def test_a_disposition_recorded_before_fingerprints_is_never_flagged(tmp_path):
    rs, out = tmp_path / "rs", tmp_path / "conflicts"
    project(rs)
    assert analyse(rs, out) == 0
    fid = finding(out)["id"]
    (out / "reviews.yaml").write_text(
        f"accord: 1\nconflicts:\n  {fid}:\n    disposition: needs_expert\n    reviewer: ana\n    date: 2026-01-01\n",
        encoding="utf-8",
    )
    project(rs, quote="Beta says another")
    assert analyse(rs, out) == 0 and analyse(rs, out, "--check") == 0 and "review_again" not in finding(out)
