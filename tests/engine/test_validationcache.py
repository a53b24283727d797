"""The validation cache (engine/validationcache.py): a hit equals a miss, any changed input is a miss, a broken
cache is a miss and never an error, and deleting it changes nothing but the time."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from engine import cli
from engine.validate import validate_paths
from engine.validationcache import FILE_NAME, ValidationCache

REPO = Path(__file__).resolve().parents[2]


def project(tmp_path: Path) -> Path:
    """The bundled rulesets (several drugs, texts, references, patients) in a folder of the test's own."""
    rs = tmp_path / "rulesets"
    shutil.copytree(REPO / "rulesets", rs)
    return rs


def small_project(tmp_path: Path) -> Path:
    """Two drugs (the workbench fixture's baricitinib sources and tofacitinib's label), quick to analyse."""
    rs = tmp_path / "rulesets"
    shutil.copytree(REPO / "tests" / "tui" / "fixtures" / "rulesets", rs)
    shutil.copy(REPO / "rulesets" / "xeljanz-us-pi.yaml", rs)
    return rs


def run(rs: Path, cache_dir: Path) -> tuple[ValidationCache, object]:
    cache = ValidationCache(cache_dir)
    result = validate_paths([rs], check_patients=True, cache=cache)
    cache.save()
    return cache, result


def same(a, b) -> None:
    """Two validation results say the same: diagnostics (with their extras), rulesets, claims, source texts."""
    assert a.diagnostics == b.diagnostics
    assert [d.extra for d in a.diagnostics] == [d.extra for d in b.diagnostics]
    assert [r.path for r in a.rulesets] == [r.path for r in b.rulesets]
    for x, y in zip(a.rulesets, b.rulesets):
        assert x.claims == y.claims and x.drug == y.drug and x.source_text == y.source_text
    assert a.broken == b.broken and a.files == b.files and len(a.patients) == len(b.patients)


def test_a_hit_equals_a_miss_and_equals_no_cache(tmp_path):
    rs = project(tmp_path)
    bare = validate_paths([rs], check_patients=True)
    first, missed = run(rs, tmp_path / "cache")
    assert first.misses == len(bare.rulesets) and first.hits == 0
    second, hit = run(rs, tmp_path / "cache")
    assert second.hits == len(bare.rulesets) and second.misses == 0
    same(missed, bare)
    same(hit, bare)
    assert any(r.source_text for r in hit.rulesets)  # texts are read as check_provenance leaves them


def test_a_file_with_warnings_or_errors_gets_the_same_diagnostics_from_the_cache(tmp_path):
    rs = project(tmp_path)
    path = rs / "minimal-medicine.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("question: dose", "question: dosage", 1), encoding="utf-8")  # E210
    bare = validate_paths([rs], check_patients=True)
    assert not bare.ok and str(path) in bare.broken.values()
    _, missed = run(rs, tmp_path / "cache")
    cache, hit = run(rs, tmp_path / "cache")
    assert cache.misses == 0
    same(missed, bare)
    same(hit, bare)


def test_any_changed_input_is_a_miss(tmp_path):
    rs = project(tmp_path)
    run(rs, tmp_path / "cache")
    ruleset = rs / "jak-blog.yaml"
    ruleset.write_text(ruleset.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    cache, result = run(rs, tmp_path / "cache")
    assert cache.misses == 1
    same(result, validate_paths([rs], check_patients=True))
    # the source text: its change is an E401 (re-anchored), which the cache must not hide
    text = next(p for p in (rs / "sources").iterdir() if p.name.startswith("jak-blog"))
    text.write_text(text.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    cache, result = run(rs, tmp_path / "cache")
    assert cache.misses == 1 and any(d.code == "E401" for d in result.diagnostics)
    same(result, validate_paths([rs], check_patients=True))
    # the same bytes at another path: the diagnostics name the path
    moved = tmp_path / "moved"
    shutil.copytree(rs, moved)
    cache, result = run(moved, tmp_path / "cache")
    assert cache.hits == 0
    same(result, validate_paths([moved], check_patients=True))
    # the contract or the engine: every entry is another key
    cache = ValidationCache(tmp_path / "cache")
    cache.contract = "another engine"
    validate_paths([moved], cache=cache)
    assert cache.hits == 0


def test_the_vocabulary_is_an_input(tmp_path, monkeypatch):
    from engine.contract import vocabulary_dir

    before = ValidationCache(tmp_path / "cache").contract
    copy = tmp_path / "schema"
    shutil.copytree(vocabulary_dir(), copy)
    monkeypatch.setenv("ACCORD_SCHEMA_DIR", str(copy))
    (copy / "vocabulary.yaml").write_text((copy / "vocabulary.yaml").read_text() + "\n# edited\n")
    assert ValidationCache(tmp_path / "cache").contract != before


def test_a_broken_cache_is_a_miss_never_an_error(tmp_path):
    rs = project(tmp_path)
    bare = validate_paths([rs], check_patients=True)
    folder = tmp_path / "cache"
    run(rs, folder)
    entries = json.loads((folder / FILE_NAME).read_text(encoding="utf-8"))["entries"]
    broken_entries = {
        key: [["x", "not a line", 1, "E1", "m", "error", "", []]]
        if i % 3 == 0
        else {"not": "a list"}
        if i % 3 == 1
        else [[1]]
        for i, key in enumerate(entries)
    }
    for content in (
        '{"version": 1, "entries": [',  # cut short
        "\0\1\2",
        json.dumps([1, 2]),
        json.dumps({"version": 99, "entries": entries}),  # another format
        json.dumps({"version": 1, "entries": broken_entries}),  # entries of the wrong shape
    ):
        (folder / FILE_NAME).write_text(content, encoding="utf-8")
        cache, result = run(rs, folder)
        assert cache.hits == 0
        same(result, bare)
    (folder / FILE_NAME).unlink()  # safe to delete
    cache, result = run(rs, folder)
    assert cache.hits == 0 and (folder / FILE_NAME).is_file()
    same(result, bare)
    (folder / FILE_NAME).unlink()
    (folder / FILE_NAME).mkdir()  # cannot be written: no cache, no error
    cache, result = run(rs, folder)
    same(result, bare)


def test_an_unreadable_source_text_is_never_cached(tmp_path):
    rs = project(tmp_path)
    text = next(p for p in (rs / "sources").iterdir() if p.name.startswith("jak-blog"))
    text.unlink()
    text.mkdir()  # a directory where the text should be: E400, said every time
    for _ in range(2):
        cache, result = run(rs, tmp_path / "cache")
        assert any(d.code == "E400" for d in result.diagnostics)
        assert cache.misses >= 1
    same(result, validate_paths([rs], check_patients=True))


def test_conflicts_uses_it_and_writes_the_same_report(tmp_path):
    rs = small_project(tmp_path)
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    assert cli.main(["conflicts", "--rulesets", str(rs), "--out", str(out), "-q", "--jobs", "1"]) == 0
    assert (out / ".cache" / FILE_NAME).is_file()
    assert cli.main(["conflicts", "--rulesets", str(rs), "--out", str(out), "-q", "--jobs", "1"]) == 0
    assert cli.main(["conflicts", "--rulesets", str(rs), "--out", str(fresh), "-q", "--no-cache", "--jobs", "1"]) == 0
    assert not (fresh / ".cache" / FILE_NAME).exists()  # --no-cache: neither cache is read or written
    assert (out / "report.json").read_bytes() == (fresh / "report.json").read_bytes()


def test_accord_validate_reuses_the_project_cache_and_says_the_same(tmp_path, capsys):
    rs = project(tmp_path)
    out = tmp_path / "conflicts"
    assert cli.main(["validate", str(rs), "--format", "json"]) == 0
    fresh = json.loads(capsys.readouterr().out)
    assert not out.exists()  # no report folder: nothing is created for the cache
    out.mkdir()
    assert cli.main(["validate", str(rs), "--format", "json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert (out / ".cache" / FILE_NAME).is_file()  # written beside the report, where accord conflicts keeps its own
    assert cli.main(["validate", str(rs), "--format", "json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert fresh == first == again and fresh["warnings"] > 0  # a hit says what a miss says, warnings included
    assert cli.main(["validate", str(rs), "--format", "json", "--no-cache"]) == 0
    assert json.loads(capsys.readouterr().out) == fresh


def test_a_json_ruleset_that_loaded_plainly_loads_again_without_the_checks_and_the_same_data(tmp_path, monkeypatch):
    import engine.loader as loader
    import engine.validationcache as vc
    from tests.conftest import write_ruleset

    rs = tmp_path / "rs"
    write_ruleset(rs, "alpha", "Take 2 mg.", [{"question": "dose", "value": {"mg": 2, "every_days": 1}, "when": True}])
    path = rs / "alpha.yaml"
    data = __import__("yaml").safe_load(path.read_text(encoding="utf-8"))
    (rs / "alpha.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    path.unlink()
    first = ValidationCache(tmp_path / "cache")
    want = validate_paths([rs], check_patients=False, cache=first)
    assert want.ok and first.plain_used
    first.save()
    calls: list[str] = []
    monkeypatch.setattr(vc, "plain_json", lambda *a: calls.append("checked") or loader.plain_json(*a))
    again = ValidationCache(tmp_path / "cache")
    got = validate_paths([rs], check_patients=False, cache=again)
    assert calls == [] and got.rulesets[0].document.data == want.rulesets[0].document.data
    assert [r.claims for r in got.rulesets] == [r.claims for r in want.rulesets]
    # the same bytes with a duplicate key are another text: checked, and refused as the loader refuses it
    text = (rs / "alpha.json").read_text(encoding="utf-8")
    (rs / "alpha.json").write_text(text.replace('"claims"', '"drug": "x", "drug": "y", "claims"', 1), encoding="utf-8")
    third = ValidationCache(tmp_path / "cache")
    bad = validate_paths([rs], check_patients=False, cache=third)
    assert calls == ["checked"] and not bad.ok
