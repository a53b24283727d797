"""Hostile inputs of region analysis and the report: bounded before built, never a traceback, no injection.

Each case asserts the exact outcome with small budgets passed as parameters;
the full-size memory and time bounds are measured by benchmarks/hostile_analysis.py.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from jsonschema import Draft202012Validator

from benchmarks.hostile_analysis import combiner, many_conflicts, overlapping
from engine import cli
from engine.analysis.cells import lex_rows, popcount, row_claims
from engine.analysis.components import MAX_PAIRS, Cells, TooWide, combine
from engine.analysis.driver import analyse
from engine.analysis.model import FOLD_UNITS, QuestionAnalysis, grid_bytes
from engine.analysis.partition import numeric_partition, thresholds
from engine.conflicts import find_conflicts
from engine.contract import vocabulary
from engine.mdescape import code_span, md_cell, md_text
from engine.report import build_report, render_json, render_markdown
from engine.validate import validate_paths
from tests.conftest import REPO, write_ruleset

DATA = REPO / "tests" / "data" / "hostile" / "analysis"
HOSTILE = yaml.safe_load((DATA / "hostile-strings.yaml").read_text(encoding="utf-8"))
SCHEMA = json.loads((REPO / "schema" / "report.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _no_constraints(monkeypatch):
    """These cases calibrate budgets on egfr x crcl bands; the vocabulary's egfr-crcl constraint would drop
    the pairs it makes impossible (tests/engine/test_analysis_constraints.py covers that), so none applies here."""
    import engine.analysis.driver as driver
    import engine.analysis.linked as linked

    monkeypatch.setattr(driver, "constraints", lambda vocab: ())
    monkeypatch.setattr(linked, "constraints", lambda vocab: ())


def load(folder: Path):
    result = validate_paths([folder], check_patients=False)
    assert result.ok, [d.format() for d in result.diagnostics]
    return result.rulesets


# ---------------------------------------------------------------- bounded before built


def test_the_component_product_is_refused_before_any_pair_is_built():
    side = (frozenset(), frozenset())
    table = {((frozenset({f"v{i}"}), frozenset()),): Cells(1, {"egfr": {i}}, ({},), {"egfr": i}, 0) for i in range(300)}
    other = {((frozenset({f"w{i}"}), frozenset()),): Cells(1, {"crcl": {i}}, ({},), {"crcl": i}, 0) for i in range(300)}
    assert 300 * 300 > MAX_PAIRS
    with pytest.raises(TooWide, match="300 x 300 combinations"):
        combine([table, other], 1)
    with pytest.raises(TooWide, match="set entries"):  # the same product in bytes: 2 x 300 x 300 entries of 64 bytes
        combine([dict(list(table.items())[:200]), dict(list(other.items())[:200])], 1, max_bytes=1 << 20)
    assert len(combine([dict(list(table.items())[:20]), dict(list(other.items())[:20])], 1)) == 400
    assert side == (frozenset(), frozenset())


def test_independent_bands_over_the_byte_budget_are_not_analysed_and_said(tmp_path):
    combiner(tmp_path, 40)
    analysis = analyse(load(tmp_path), max_bytes=200_000)
    assert sorted((n.question, n.source) for n in analysis.not_analysed) == [("dose", "alpha"), ("dose", "beta")]
    assert all("MiB budget" in n.reason and "--max-memory" in n.message(1 << 24) for n in analysis.not_analysed)
    assert not analyse(load(tmp_path)).not_analysed  # the default budget holds it


def test_the_grid_budget_is_in_bytes_and_counts_every_grid_of_the_question(tmp_path, monkeypatch):
    combiner(tmp_path, 8)
    rulesets = load(tmp_path)
    monkeypatch.setattr(
        "engine.analysis.components.pays_off", lambda *a, **k: False
    )  # full grids: the path this budget guards
    cells = 9 * 9  # egfr and crcl, 4 bands each: 9 cells each
    need = grid_bytes(cells, 8)
    assert need == cells * 8 * (3 * 1 + 12)
    one = analyse(rulesets, max_bytes=need + 1)  # the first grid fits; with it held, the second does not
    assert [n.source for n in one.not_analysed] == ["beta"] and "over the 0 MiB budget" in one.not_analysed[0].reason
    assert not analyse(rulesets, max_bytes=4 * need).not_analysed


def test_findings_are_capped_truncated_said_and_check_fails(tmp_path, capsys):
    many_conflicts(tmp_path / "rs", 20)  # 10 crcl bands x 10 egfr bands, all values different: 100 conflicts
    rulesets = load(tmp_path / "rs")
    conflicts, analysis = find_conflicts(rulesets, max_findings=7)
    report = build_report(rulesets, conflicts, analysis, {})
    assert len(report["conflicts"]) == 7
    assert report["truncated"] == {
        "conflicts_found": 100,
        "conflicts_reported": 7,
        "max_findings": 7,
        "dispositions_not_shown": [],
    }
    assert not list(Draft202012Validator(SCHEMA).iter_errors(report))
    md = render_markdown(report)
    assert "## Truncated" in md and "7 of 100 conflicts" in md and "--max-findings 7" in md
    whole, _ = find_conflicts(rulesets)
    assert [c.id for c in conflicts] == [c.id for c in whole][:7]  # the first in report order, not an arbitrary seven

    out = tmp_path / "out"
    assert (
        cli.main(["conflicts", "--rulesets", str(tmp_path / "rs"), "--out", str(out), "--max-findings", "7", "-q"]) == 0
    )
    assert "warning: the report is truncated: 7 of 100" in capsys.readouterr().err
    assert (
        cli.main(
            ["conflicts", "--rulesets", str(tmp_path / "rs"), "--out", str(out), "--max-findings", "7", "--check", "-q"]
        )
        == 1
    )
    assert "--check fails: the report is truncated" in capsys.readouterr().err


def test_the_report_size_is_capped_too(tmp_path):
    many_conflicts(tmp_path, 8)  # 16 conflicts
    rulesets = load(tmp_path)
    conflicts, analysis = find_conflicts(rulesets)
    one = len(json.dumps(conflicts[0].to_json(), ensure_ascii=False))
    report = build_report(rulesets, conflicts, analysis, {}, max_report_bytes=3 * one + one // 2)
    assert (
        report["truncated"]["conflicts_found"] == 16 and report["truncated"]["max_report_bytes"] == 3 * one + one // 2
    )
    assert 1 <= report["truncated"]["conflicts_reported"] == len(report["conflicts"]) <= 4
    # a disposition of a cut conflict is not an orphan
    cut = conflicts[-1].id
    reviews = {"conflicts": {cut: {"disposition": "needs_expert", "reviewer": "ana", "date": "2026-01-01"}}}
    report = build_report(rulesets, conflicts, analysis, reviews, max_report_bytes=one + 1)
    assert report["orphaned_dispositions"] == [] and report["truncated"]["dispositions_not_shown"] == [cut]


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "rule",
    [
        {">=": [{"var": "egfr"}, 10**400]},
        {"<=": [0, {"var": "egfr"}, 10**400]},
        {">=": [{"*": [{"var": "egfr"}, 2]}, 10**400]},
        {"in": [{"var": "egfr"}, [10**400, 3]]},
        {"<": [{"*": [{"var": "egfr"}, 10**400]}, 5]},
    ],
)
def test_partition_never_raises_on_a_number_beyond_float_range(rule):
    cuts, notes = thresholds([rule], vocabulary())
    assert all(math.isfinite(t) for ts in cuts.values() for t in ts)
    assert notes and ("beyond float range" in notes[0] or "cannot cut" in notes[0])
    part = numeric_partition(vocabulary().facts["egfr"], [10**400, float("inf"), 30])
    assert part.thresholds == (30,)


def test_a_question_that_cannot_be_evaluated_is_not_analysed_not_a_traceback(tmp_path, monkeypatch):
    write_ruleset(
        tmp_path,
        "alpha",
        "One. Two.",
        [
            {
                "question": "dose",
                "value": {"mg": 1, "every_days": 1},
                "when": {">=": [{"var": "egfr"}, 30]},
                "quote": "One",
            }
        ],
    )
    rulesets = load(tmp_path)

    def overflow(*_args, **_kwargs):
        raise OverflowError("int too large to convert to float")

    monkeypatch.setattr("engine.analysis.driver.source_cells", overflow)
    monkeypatch.setattr("engine.analysis.components.pays_off", lambda *a, **k: False)
    [skipped] = analyse(rulesets).not_analysed
    assert (skipped.question, skipped.source) == ("dose", "alpha") and "OverflowError" in skipped.reason


# ---------------------------------------------------------------- escaping


def _structure(md: str) -> tuple[int, int, int]:
    lines = md.split("\n")
    return (sum(line.startswith("#") for line in lines), sum(line.startswith("|") for line in lines), len(lines))


@pytest.mark.parametrize("text", HOSTILE)
def test_escaping_keeps_one_line_and_opens_nothing(text):
    for out in (md_cell(text), md_text(text), code_span(text, in_table=True)):
        assert "\n" not in out and "\x1b" not in out and "\x00" not in out and "\u202e" not in out
    cell = md_cell(text)
    assert "<script" not in cell and "<!--" not in cell and "](" not in cell.replace("\\](", "")
    assert "|" not in cell.replace("\\|", "") and "`" not in cell.replace("\\`", "")
    assert not md_text(text).startswith(("#", ">", "1."))
    span = code_span(text)
    fence = span[: len(span) - len(span.lstrip("`"))]
    assert fence not in span[len(fence) : -len(fence)]  # no run inside closes the span early


def test_hostile_strings_in_rulesets_and_reviews_do_not_change_the_report_structure(tmp_path):
    text = (DATA / "hostile-source.txt").read_text(encoding="utf-8")
    quote = text.split(" end.")[0] + " end."
    write_ruleset(
        tmp_path,
        "alpha",
        text,
        [{"id": "alpha/one", "question": "dose", "value": {"mg": 2, "every_days": 1}, "quote": quote}],
    )
    write_ruleset(
        tmp_path,
        "beta",
        text,
        [{"id": "beta/one", "question": "dose", "value": {"mg": 1, "every_days": 1}, "quote": "Beta says another."}],
    )
    rulesets = load(tmp_path)
    conflicts, analysis = find_conflicts(rulesets)
    [cid] = [c.id for c in conflicts]
    plain = {
        "conflicts": {
            cid: {"disposition": "needs_expert", "reviewer": "ana", "date": "2026-01-01", "note": "fine"},
            "C-0000000000": {"disposition": "all_wrong", "reviewer": "bo", "date": "2026-01-01", "note": "gone"},
        }
    }
    baseline = _structure(render_markdown(build_report(rulesets, conflicts, analysis, plain)))
    for s in HOSTILE:
        hostile = {
            "conflicts": {
                cid: {"disposition": {"source_correct": s}, "reviewer": s, "date": s, "note": s},
                "C-0000000000": {"disposition": s, "reviewer": s, "date": s, "note": s},
            }
        }
        report = build_report(rulesets, conflicts, analysis, hostile)
        md = render_markdown(report)
        assert _structure(md) == baseline, s
        assert "<script" not in md and "<!--" not in md and "\x1b" not in md
        assert not re.search(r"(?<!\\)\]\(javascript", md)  # the link's `](` is escaped
        assert json.loads(render_json(report)) == json.loads(
            json.dumps(report)
        )  # valid JSON, control characters escaped
    report = build_report(rulesets, conflicts, analysis, plain)
    report["conflicts"][0]["witness"]["facts"]["egfr"] = float("nan")
    with pytest.raises(ValueError):
        render_json(report)  # never writes NaN


# ---------------------------------------------------------------- --check and dispositions


def test_check_fails_on_a_disposition_naming_a_source_not_in_the_conflict(tmp_path, capsys):
    write_ruleset(
        tmp_path / "rs",
        "alpha",
        "One. Two.",
        [{"question": "dose", "value": {"mg": 2, "every_days": 1}, "quote": "One"}],
    )
    write_ruleset(
        tmp_path / "rs",
        "beta",
        "One. Two.",
        [{"question": "dose", "value": {"mg": 1, "every_days": 1}, "quote": "One"}],
    )
    out = tmp_path / "out"
    assert cli.main(["conflicts", "--rulesets", str(tmp_path / "rs"), "--out", str(out), "-q"]) == 0
    [cid] = [c["id"] for c in json.loads((out / "report.json").read_text(encoding="utf-8"))["conflicts"]]
    for source, code in (("alpha", 0), ("no-such-source", 1)):
        (out / "reviews.yaml").write_text(
            yaml.safe_dump(
                {
                    "accord": 1,
                    "conflicts": {
                        cid: {"disposition": {"source_correct": source}, "reviewer": "ana", "date": "2026-01-01"}
                    },
                    "claims": {},
                }
            ),
            encoding="utf-8",
        )
        assert cli.main(["conflicts", "--rulesets", str(tmp_path / "rs"), "--out", str(out), "-q"]) == 0
        capsys.readouterr()
        assert cli.main(["conflicts", "--rulesets", str(tmp_path / "rs"), "--out", str(out), "--check", "-q"]) == code
        err = capsys.readouterr().err
        assert (
            f"{out / 'reviews.yaml'}: {cid}: source_correct: 'no-such-source' is not a source of this conflict" in err
        ) == bool(code)


def test_analysis_notes_are_capped_per_ruleset_with_a_count_of_the_rest():
    from engine.analysis.model import Analysis
    from engine.report import _capped_notes

    notes = [f"dose: alpha/c{i:02}: cannot cut egfr exactly" for i in range(30)] + [
        "dose: beta/c0: cannot cut crcl exactly"
    ]
    qa = QuestionAnalysis("dose", {}, {}, notes=notes, note_sources={n: n.split(": ")[1].split("/")[0] for n in notes})
    kept = _capped_notes(Analysis({"dose": qa}), limit=20)
    assert len(kept) == 22 and kept[-1] == "alpha: 10 more analysis notes not shown (at most 20 per ruleset)"
    assert "dose: beta/c0: cannot cut crcl exactly" in kept


def test_refreshing_dispositions_of_a_truncated_report_orphans_none_of_the_cut(tmp_path):
    from engine.report import refresh_dispositions

    many_conflicts(tmp_path, 8)
    rulesets = load(tmp_path)
    conflicts, analysis = find_conflicts(rulesets, max_findings=3)
    cut, shown = conflicts[0].id, conflicts[0].id
    whole, _ = find_conflicts(rulesets)
    cut = next(c.id for c in whole if c.id not in {x.id for x in conflicts})
    entry = {"disposition": "needs_expert", "reviewer": "ana", "date": "2026-01-01"}
    old = {"conflicts": {cut: entry, "C-0000000000": entry}}
    report = build_report(rulesets, conflicts, analysis, old)
    # A cut finding's id needs its witness, never built: an unknown id may be one of the cut, so none is orphaned.
    assert report["orphaned_dispositions"] == []
    assert report["truncated"]["dispositions_not_shown"] == sorted([cut, "C-0000000000"])
    refreshed = refresh_dispositions(report, {"conflicts": {**old["conflicts"], shown: entry}})
    assert refreshed["orphaned_dispositions"] == []
    assert refreshed["truncated"]["dispositions_not_shown"] == sorted([cut, "C-0000000000"])
    assert refreshed["conflicts"][0]["disposition"] == entry


# ---------------------------------------------------------------- work budget (time, deterministically)


def test_lex_rows_orders_and_groups_rows_as_np_unique_does():
    rng = np.random.default_rng(7)
    for _ in range(200):
        n, k = int(rng.integers(1, 300)), int(rng.integers(1, 6))
        high = int(rng.choice([2, 5, 1 << 40]))
        words = rng.integers(0, high, size=(n, k)).astype(np.uint64) << np.uint64(int(rng.integers(0, 20)))
        uniq, inverse = np.unique(words, axis=0, return_inverse=True)
        first, inv = lex_rows(list(words.T))
        assert (words[first] == uniq).all() and (inv == inverse.ravel()).all()
        small = rng.integers(0, 7, size=(n, k))
        uniq, inverse = np.unique(small, axis=0, return_inverse=True)
        first, inv = lex_rows(list(small.T), [7] * k)
        assert (small[first] == uniq).all() and (inv == inverse.ravel()).all()


def test_row_claims_reads_the_two_bits_of_every_claim():
    rng = np.random.default_rng(3)
    for _ in range(200):
        claims = int(rng.integers(1, 400))
        state = rng.integers(0, 3, size=claims)  # 0 no, 1 applies, 2 unknown
        words = np.zeros(max(1, (2 * claims + 63) // 64), dtype=np.uint64)
        for i, s in enumerate(state.tolist()):
            if s:
                bit = 2 * i + (s - 1)
                words[bit // 64] |= np.uint64(1) << np.uint64(bit % 64)
        applies, unknown = row_claims(words)
        assert applies == np.flatnonzero(state == 1).tolist()  # both readings: one int (few words), NumPy (many)
        assert unknown == np.flatnonzero(state == 2).tolist()
        assert popcount(words) == int((state > 0).sum())


def test_overlapping_claims_over_the_work_budget_are_not_analysed_and_said(tmp_path):
    overlapping(tmp_path, 60)  # every cell folds all the claims below it: 60 x 121 / 2 claim visits
    rulesets = load(tmp_path)
    whole = analyse(rulesets)
    assert not whole.not_analysed and whole.work > 60 * 60 * FOLD_UNITS // 2
    assert whole.work == analyse(rulesets).work  # counted, not timed: the same on every run and machine
    assert not analyse(rulesets, max_work=whole.work).not_analysed  # exactly enough is enough
    short = analyse(rulesets, max_work=whole.work - 1)
    [refused] = short.not_analysed
    assert (refused.question, refused.source, refused.claims) == ("dose", "alpha", 60)
    assert (
        refused.reason.startswith("folding its")
        and "work budget (" in refused.reason
        and "--max-work" in refused.reason
    )
    assert not short.questions["dose"].findings


def test_a_pair_over_the_work_budget_names_the_second_source(tmp_path):
    many_conflicts(tmp_path, 20)  # 10 x 10 distinct disagreements between alpha and beta
    rulesets = load(tmp_path)
    whole = analyse(rulesets, max_findings=2000)
    labels = analyse(rulesets, max_work=whole.work - 1, max_findings=2000)
    [refused] = labels.not_analysed
    assert refused.source == "beta" and refused.reason.startswith(
        "locating 100 regions of its disagreements with alpha"
    )
    few = analyse(rulesets, max_work=whole.work - 100 * 5000, max_findings=2000)
    assert [n.reason.split(" (")[0] for n in few.not_analysed] == ["comparing it with alpha"]
    assert not few.questions["dose"].findings


def test_the_work_budget_holds_questions_analysed_by_components(tmp_path, monkeypatch):
    combiner(tmp_path, 40)  # independent bands
    rulesets = load(tmp_path)
    monkeypatch.setattr(
        "engine.analysis.components.pays_off", lambda *a, **k: True
    )  # small grids would take the full-grid path
    assert analyse(rulesets).questions["dose"].method == "components"
    short = analyse(rulesets, max_work=1000)
    assert sorted(n.source for n in short.not_analysed) == ["alpha", "beta"]
    assert all(
        n.reason.startswith("the question's analysis by independent groups of facts stopped")
        for n in short.not_analysed
    )


def test_max_work_through_the_cli_warns_writes_not_analysed_and_check_fails(tmp_path, capsys):
    overlapping(tmp_path / "rs", 30)
    out = tmp_path / "out"
    args = ["conflicts", "--rulesets", str(tmp_path / "rs"), "--out", str(out), "-q"]
    assert cli.main(args + ["--max-work", "1,000"]) == 0
    err = capsys.readouterr().err
    assert (
        "warning: dose: alpha was not analysed: its grid of 60 cells for 30 claims needs about" in err
        and "--max-work" in err
    )
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## Not analysed" in md and "work budget (1,000); raise it with --max-work" in md
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert not list(Draft202012Validator(SCHEMA).iter_errors(report))
    assert cli.main(args + ["--max-work", "1000", "--check"]) == 1
    assert cli.main(args) == 0 and "## Not analysed" not in (out / "report.md").read_text(encoding="utf-8")
    capsys.readouterr()
    with pytest.raises(SystemExit):
        cli.main(args + ["--max-work", "0"])


def test_witnesses_over_what_the_analysis_left_of_the_work_budget_are_truncated(tmp_path):
    many_conflicts(tmp_path, 20)  # 100 conflicts, each witness of crcl and egfr over 10 + 10 claims
    rulesets = load(tmp_path)
    whole, analysis = find_conflicts(rulesets)
    assert len(whole) == 100 and analysis.truncated is None
    per_witness = (1 + 2) * 20 * 1000  # (1 + facts tried) x claims of both sources x WITNESS_UNITS
    conflicts, cut = find_conflicts(rulesets, max_work=analysis.work + 7 * per_witness)
    assert [c.id for c in conflicts] == [c.id for c in whole][:7]  # the first in report order
    report = build_report(rulesets, conflicts, cut, {})
    assert report["truncated"] == {
        "conflicts_found": 100,
        "conflicts_reported": 7,
        "max_work": analysis.work + 7 * per_witness,
        "dispositions_not_shown": [],
    }
    assert not list(Draft202012Validator(SCHEMA).iter_errors(report))
    assert "--max-work" in render_markdown(report) and not cut.not_analysed
