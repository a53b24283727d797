"""The memo of rendered findings (engine/fragmentmemo.py): the same files with or without it, reused, never stale."""

from __future__ import annotations

import json

from engine.fragmentmemo import FragmentMemo
from engine.report import render_markdown, write_report
from engine.reporthtml import render_html
from tests.engine.test_reportcache import run, two_drugs


def report_of(tmp_path):
    rs, out = tmp_path / "rs", tmp_path / "out"
    two_drugs(rs)
    report, how = run(rs, out)
    assert report["conflicts"], "the corpus must have findings for this test to mean anything"
    return report, how, out


def test_a_memo_gives_the_same_text_and_the_second_run_renders_nothing(tmp_path):
    report, _, out = report_of(tmp_path)
    plain_md, plain_html = render_markdown(report), render_html(report)
    first = FragmentMemo(out / ".cache", "k")
    assert render_markdown(report, first) == plain_md and render_html(report, None, first) == plain_html
    assert first.hits == 0 and first.misses == 2 * len(report["conflicts"])
    first.save()
    again = FragmentMemo(out / ".cache", "k")
    rendered: list[str] = []
    import engine.report as rep

    real = rep._render_conflict
    rep._render_conflict = lambda item: rendered.append(item["id"]) or real(item)  # type: ignore[assignment]
    try:
        assert render_markdown(report, again) == plain_md and render_html(report, None, again) == plain_html
    finally:
        rep._render_conflict = real  # type: ignore[assignment]
    assert rendered == [] and again.misses == 0 and again.hits == 2 * len(report["conflicts"])


def test_a_changed_finding_or_namespace_is_a_miss(tmp_path):
    report, _, out = report_of(tmp_path)
    memo = FragmentMemo(out / ".cache", "k")
    render_markdown(report, memo)
    memo.save()
    changed = json.loads(json.dumps(report))
    changed["conflicts"][0]["disposition"] = {"disposition": "needs_expert", "reviewer": "ana", "date": "2026-01-01"}
    memo = FragmentMemo(out / ".cache", "k")
    assert render_markdown(changed, memo) == render_markdown(changed)
    assert memo.misses == 1 and memo.hits == len(report["conflicts"]) - 1
    other = FragmentMemo(out / ".cache", "another engine")  # the namespace is the engine and contract's key
    render_markdown(report, other)
    assert other.hits == 0


def test_a_broken_shard_is_a_miss_never_an_error_and_unused_entries_go(tmp_path):
    report, _, out = report_of(tmp_path)
    memo = FragmentMemo(out / ".cache", "k")
    render_html(report, None, memo)
    memo.save()
    shards = sorted((out / ".cache").glob("fragments-*.json"))
    assert shards
    shards[0].write_text("{not json", encoding="utf-8")
    if len(shards) > 1:
        shards[1].write_text(json.dumps({"x": 1, "y": ["z"]}), encoding="utf-8")
    memo = FragmentMemo(out / ".cache", "k")
    assert render_html(report, None, memo) == render_html(report)
    assert memo.misses >= 1
    memo.save()
    (out / ".cache" / "fragments-zz.json").write_text("{}", encoding="utf-8")  # a shard no finding uses now
    memo = FragmentMemo(out / ".cache", "k")
    render_html(report, None, memo)
    memo.save()
    assert not (out / ".cache" / "fragments-zz.json").exists()
    for shard in (out / ".cache").glob("fragments-*.json"):
        assert all(isinstance(v, str) for v in json.loads(shard.read_text(encoding="utf-8")).values())


def test_written_files_are_the_same_with_the_memo(tmp_path):
    report, how, out = report_of(tmp_path)
    plain, memoed = tmp_path / "plain", tmp_path / "memoed"
    write_report(plain, report, how.charts)
    assert how.key
    for _ in range(2):  # the second time every finding comes from the memo
        write_report(memoed, report, how.charts, how.key)
    for name in ("report.json", "report.md", "report.html"):
        assert (memoed / name).read_bytes() == (plain / name).read_bytes()
    assert list((memoed / ".cache").glob("fragments-*.json"))  # kept in the written report's cache
