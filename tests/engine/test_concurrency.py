"""Parallel writers lose nothing: dispositions and claim review steps from many processes all land (engine.filelock)."""

from __future__ import annotations

import copy
import json
import multiprocessing as mp
from pathlib import Path

import pytest

from engine import cli
from engine.loader import load_file
from engine.report import refresh_dispositions, write_report
from engine.review import load_reviews

ROOT = Path(__file__).resolve().parents[2]
WRITERS, EACH = 8, 8


def small_report(out: Path, n: int) -> list[str]:
    """A schema-valid report of `n` conflicts cloned from the bundled one (small, so 80 rewrites stay fast)."""
    report = json.loads((ROOT / "conflicts" / "report.json").read_text(encoding="utf-8"))
    template = report["conflicts"][0]
    template.pop("disposition", None)
    report["conflicts"] = [dict(copy.deepcopy(template), id=f"C-{i:010x}") for i in range(n)]
    report = refresh_dispositions(report, {"conflicts": {}})
    out.mkdir(parents=True, exist_ok=True)
    write_report(out, report)
    return [c["id"] for c in report["conflicts"]]


def _dispose(job: tuple[str, list[str], int]) -> list[int]:
    out, ids, n = job
    return [
        cli.main(
            [
                "review",
                "--out",
                out,
                "conflict",
                cid,
                "--disposition",
                "needs_expert",
                "--reviewer",
                f"writer-{n}",
                "--note",
                f"from writer {n}",
                "--date",
                "2026-01-01",
            ]
        )
        for cid in ids
    ]


def _pool() -> mp.pool.Pool:
    if "fork" not in mp.get_all_start_methods():
        pytest.skip("needs fork")
    return mp.get_context("fork").Pool(WRITERS)


def test_parallel_dispositions_all_recorded(tmp_path, capsys):
    """8 processes x 8 dispositions into one reviews.yaml (no report: only the reviews read-modify-write races)."""
    out = tmp_path / "conflicts"
    ids = [f"C-{i:010x}" for i in range(WRITERS * EACH)]
    jobs = [(str(out), ids[i * EACH : (i + 1) * EACH], i) for i in range(WRITERS)]
    with _pool() as pool:
        codes = pool.map(_dispose, jobs)
    assert codes == [[0] * EACH] * WRITERS
    reviews, diags = load_reviews(out / "reviews.yaml")
    assert not diags
    assert {cid: e["reviewer"] for cid, e in reviews["conflicts"].items()} == {
        cid: f"writer-{i // EACH}" for i, cid in enumerate(ids)
    }


def test_parallel_dispositions_all_in_the_report(tmp_path, capsys):
    """With a report beside reviews.yaml, its copies follow every write: none is overwritten by a stale rendering."""
    out = tmp_path / "conflicts"
    ids = small_report(out, WRITERS * 2)
    with _pool() as pool:
        codes = pool.map(_dispose, [(str(out), ids[i * 2 : (i + 1) * 2], i) for i in range(WRITERS)])
    assert codes == [[0, 0]] * WRITERS
    expected = {cid: f"writer-{i // 2}" for i, cid in enumerate(ids)}
    assert {cid: e["reviewer"] for cid, e in load_reviews(out / "reviews.yaml")[0]["conflicts"].items()} == expected
    report = load_file(out / "report.json").data
    assert {c["id"]: c["disposition"]["reviewer"] for c in report["conflicts"]} == expected


def _step(job: tuple[str, str, str]) -> list[int]:
    folder, claim_id, out = job
    codes = []
    for status in ("submitted", "under_review", "approved"):
        codes.append(
            cli.main(
                [
                    "review",
                    "--rulesets",
                    folder,
                    "--out",
                    out,
                    "claim",
                    claim_id,
                    "--status",
                    status,
                    "--reviewer",
                    "bo" if status == "approved" else "ana",  # four eyes: not the submitter
                    "--note",
                    f"{claim_id} to {status}",
                    "--date",
                    "2026-01-01",
                ]
            )
        )
    return codes


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_parallel_claim_steps_on_one_ruleset_all_recorded(tmp_path, ruleset_writer, suffix, capsys):
    text = "Alpha says one thing. Beta says another."
    claims = [
        {"id": f"alpha/c{i}", "question": "initiation", "value": "recommended", "status": "draft"}
        for i in range(WRITERS)
    ]
    path = ruleset_writer("alpha", text, claims)
    if suffix == ".json":
        data = load_file(path).data
        path.unlink()
        path = path.with_suffix(".json")
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    out = tmp_path / "conflicts"
    with _pool() as pool:
        codes = pool.map(_step, [(str(tmp_path), f"alpha/c{i}", str(out)) for i in range(WRITERS)])
    assert codes == [[0, 0, 0]] * WRITERS
    if suffix == ".json":
        json.loads(path.read_text(encoding="utf-8"))  # still JSON
    statuses = {c["id"]: c["status"] for c in load_file(path).data["claims"]}
    assert statuses == {f"alpha/c{i}": "approved" for i in range(WRITERS)}
    reviews, diags = load_reviews(out / "reviews.yaml")
    assert not diags
    assert {k: [s["status"] for s in v] for k, v in reviews["claims"].items()} == {
        f"alpha/c{i}": ["submitted", "under_review", "approved"] for i in range(WRITERS)
    }
