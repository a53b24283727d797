"""The report cache (engine/reportcache.py): a hit equals a full run, any changed input is a miss, a bad entry is no error."""

from __future__ import annotations

import shutil

from engine import cli
from engine.report import render_json
from engine.reportcache import base_key, cached_report, drug_key
from engine.validate import validate_paths
from tests.engine.test_findings import ONE, TEXT, TWO, egfr

LIMITS = {"max_cells": 1_000_000, "max_bytes": 1 << 30, "max_findings": 2000, "max_work": 4_000_000_000}


def corpus(folder, value=TWO):
    from tests.conftest import write_ruleset

    write_ruleset(folder, "alpha", TEXT, [{"question": "dose", "value": value, "when": egfr(">=", 30)}])
    write_ruleset(folder, "beta", TEXT, [{"question": "dose", "value": ONE, "when": egfr(">=", 0)}])


def run(rs, out, reviews=None, use_cache=True, jobs=1):
    rulesets = validate_paths([rs], check_patients=False).rulesets
    return cached_report(rs, out, rulesets, reviews or {}, LIMITS, use_cache=use_cache, jobs=jobs)


def cache_key(rs, limits, drug="baricitinib"):
    """The key of one drug's entry, as cached_report computes it."""
    from engine.drugs import by_drug

    rulesets = by_drug(validate_paths([rs], check_patients=False).rulesets).get(drug, [])
    return drug_key(base_key(rs, limits), rs, drug, rulesets)


def test_a_hit_equals_a_full_run_and_dispositions_apply_without_reanalysis(tmp_path):
    rs, out = tmp_path / "rs", tmp_path / "out"
    corpus(rs)
    first, how = run(rs, out)
    assert not how.cached and (out / ".cache" / ".gitignore").exists()
    again, how = run(rs, out)
    assert how.cached and render_json(again) == render_json(first)
    (finding,) = first["conflicts"]
    entry = {"disposition": "needs_expert", "reviewer": "ana", "date": "2026-01-01"}
    reviewed, how = run(rs, out, {"conflicts": {finding["id"]: entry}})
    assert how.cached and reviewed["conflicts"][0]["disposition"] == entry
    assert render_json(reviewed) == render_json(run(rs, out, {"conflicts": {finding["id"]: entry}}, use_cache=False)[0])


def test_any_changed_input_is_a_miss_never_a_stale_report(tmp_path, monkeypatch):
    rs, out = tmp_path / "rs", tmp_path / "out"
    corpus(rs)
    key = cache_key(rs, LIMITS)
    run(rs, out)
    corpus(rs, value={"mg": 4, "every_days": 1})  # one value changed in one ruleset
    assert cache_key(rs, LIMITS) != key
    changed, how = run(rs, out)
    assert not how.cached and "4 mg once daily" in changed["conflicts"][0]["description"]
    assert render_json(changed) == render_json(run(rs, out, use_cache=False)[0])
    assert len(list((out / ".cache").glob("drug-*.json"))) == 1  # one entry per drug of the report folder
    assert cache_key(rs, {**LIMITS, "max_findings": 7}) != cache_key(rs, LIMITS)
    from engine.contract import vocabulary_dir

    copy = tmp_path / "schema"
    shutil.copytree(vocabulary_dir(), copy)
    monkeypatch.setenv("ACCORD_SCHEMA_DIR", str(copy))
    before = cache_key(rs, LIMITS)
    (copy / "vocabulary.yaml").write_text((copy / "vocabulary.yaml").read_text() + "\n# edited\n")
    assert cache_key(rs, LIMITS) != before  # the vocabulary is an input


def test_a_broken_cache_entry_is_a_miss_and_the_cli_can_skip_the_cache(tmp_path, capsys):
    rs, out = tmp_path / "rs", tmp_path / "out"
    corpus(rs)
    run(rs, out)
    for entry in (out / ".cache").glob("drug-*.json"):
        entry.write_text('{"key": "x", "report": [', encoding="utf-8")
    report, how = run(rs, out)
    assert not how.cached and report["conflicts"]
    assert cli.main(["conflicts", "--rulesets", str(rs), "--out", str(out)]) == 0  # its own limits: a miss
    assert "cached analysis" not in capsys.readouterr().err
    assert cli.main(["conflicts", "--rulesets", str(rs), "--out", str(out)]) == 0
    assert "cached analysis" in capsys.readouterr().err
    assert cli.main(["conflicts", "--rulesets", str(rs), "--out", str(out), "--no-cache"]) == 0
    assert "cached analysis" not in capsys.readouterr().err


def two_drugs(folder, tofa_value=TWO):
    from tests.conftest import write_ruleset

    corpus(folder)
    write_ruleset(folder, "tofa-a", TEXT, [{"question": "dose", "value": tofa_value, "when": True}], drug="tofacitinib")
    write_ruleset(folder, "tofa-b", TEXT, [{"question": "dose", "value": ONE, "when": True}], drug="tofacitinib")


def test_an_edit_reanalyses_only_its_drug_and_equals_a_full_run(tmp_path, monkeypatch):
    import engine.drugreports as dr

    rs, out = tmp_path / "rs", tmp_path / "out"
    two_drugs(rs)
    analysed: list[str] = []
    real = dr.analyse_drug
    monkeypatch.setattr(dr, "analyse_drug", lambda drug, *a, **k: analysed.append(drug) or real(drug, *a, **k))
    first, how = run(rs, out)
    assert sorted(analysed) == ["baricitinib", "tofacitinib"] and not how.cached
    assert len(list((out / ".cache").glob("drug-*.json"))) == 2
    analysed.clear()
    two_drugs(rs, tofa_value={"mg": 5, "every_days": 1})  # one tofacitinib ruleset edited
    changed, how = run(rs, out)
    assert analysed == ["tofacitinib"] and not how.cached
    assert render_json(changed) == render_json(run(rs, out, use_cache=False)[0])
    assert render_json(changed) != render_json(first)
    assert len(list((out / ".cache").glob("drug-*.json"))) == 2  # the old tofacitinib entry is gone
    analysed.clear()
    (rs / "patients").mkdir()
    (rs / "patients" / "p.yaml").write_text("id: p\nfacts: {egfr: 40}\n", encoding="utf-8")
    assert run(rs, out)[1].cached and analysed == []  # a patient is no input of the analysis


def test_any_number_of_jobs_gives_the_same_report(tmp_path):
    rs = tmp_path / "rs"
    two_drugs(rs)
    one, _ = run(rs, tmp_path / "one", use_cache=False)
    two, how = run(rs, tmp_path / "two", use_cache=False, jobs=2)  # two spawned workers, one per drug
    assert render_json(two) == render_json(one) and how.charts
    drugs = [q["drug"] for q in one["analysis"]["questions"]]
    assert drugs == sorted(drugs) == ["baricitinib", "tofacitinib"]


def test_check_remembers_what_a_report_renders_to_and_still_sees_any_edit(tmp_path, capsys):
    rs, out = tmp_path / "rs", tmp_path / "out"
    corpus(rs)
    assert cli.main(["conflicts", "--rulesets", str(rs), "--out", str(out), "-q"]) == 0
    (finding,) = run(rs, out)[0]["conflicts"]
    from engine.review import save_disposition

    save_disposition(out / "reviews.yaml", finding["id"], "needs_expert", "ana", date="2026-01-01")
    check = ["conflicts", "--rulesets", str(rs), "--out", str(out), "--check", "-q"]
    assert cli.main(check) == 0
    (memo,) = (out / ".cache").glob("rendered-*.json")
    assert cli.main(check) == 0  # from the memo: the same verdict
    md = out / "report.md"
    md.write_text(md.read_text(encoding="utf-8") + " ", encoding="utf-8")
    capsys.readouterr()
    assert cli.main(check) == 1 and "report.md: stale" in capsys.readouterr().err
    assert cli.main(["conflicts", "--rulesets", str(rs), "--out", str(out), "-q"]) == 0
    memo.write_text('{"report.md": 1', encoding="utf-8")  # a broken memo is a miss, never an error
    assert cli.main(check) == 0
    save_disposition(out / "reviews.yaml", finding["id"], "not_a_conflict", "ana", date="2026-01-02")
    assert cli.main(check) == 0  # another disposition, another memo: the files refreshed with it are current
    (out / "report.html").unlink()
    capsys.readouterr()
    assert cli.main(check) == 1 and "report.html: stale" in capsys.readouterr().err
