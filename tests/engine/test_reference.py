"""Sources judged against reference labels: deviations, label differences, agreement counts, cited claims."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.analysis.overlap import overlaps
from engine.contract import vocabulary
from engine.report import fresh_report, render_markdown
from engine.validate import validate_paths
from tests.conftest import dump_yaml, write_ruleset

RA = {"==": [{"var": "indication"}, "rheumatoid_arthritis"]}
TEXT = "Take 2 mg once daily. Take 3 mg once daily. Category C. With eGFR under 30 take 1 mg daily."


def band(lo: float | None, hi: float | None) -> dict[str, Any]:
    parts: list[Any] = [RA]
    if lo is not None:
        parts.append({">=": [{"var": "egfr"}, lo]})
    if hi is not None:
        parts.append({"<": [{"var": "egfr"}, hi]})
    return {"and": parts}


def reference(folder: Path, source_id: str, jurisdiction: str, claims: list[dict[str, Any]]) -> None:
    data = {
        "accord": 1,
        "source": {
            "id": source_id,
            "title": f"{jurisdiction} label",
            "role": "reference",
            "document": f"Label {jurisdiction}",
            "version": "Revised 06/2022",
            "jurisdiction": jurisdiction,
        },
        "claims": [
            {
                "id": f"{source_id}/c{i}",
                "status": "submitted",
                "provenance": {"citation": {"section": c.pop("section"), "table": "Table 1"}},
                **c,
            }
            for i, c in enumerate(claims)
        ],
    }
    (folder / f"{source_id}.yaml").write_text(dump_yaml(data), encoding="utf-8")


def corpus(folder: Path, page_dose: int = 2) -> list[Any]:
    """A page and two labels: US 2 mg, EU 4 mg for RA at eGFR >= 30; both not_recommended below 30."""
    write_ruleset(
        folder,
        "page",
        TEXT,
        [
            {
                "question": "dose",
                "value": {"mg": page_dose, "every_days": 1},
                "when": band(30, None),
                "quote": f"Take {page_dose} mg once daily",
            },
            {
                "question": "dose",
                "value": {"mg": 1, "every_days": 1},
                "when": band(None, 30),
                "quote": "With eGFR under 30 take 1 mg daily",
            },
            {"question": "pregnancy_category", "value": "C", "quote": "Category C"},
        ],
    )
    for sid, juris, mg in (("label-us", "US", 2), ("label-eu", "EU", 4)):
        reference(
            folder,
            sid,
            juris,
            [
                {"question": "dose", "value": {"mg": mg, "every_days": 1}, "when": band(30, None), "section": "2.2"},
                {"question": "dose", "value": "not_recommended", "when": band(None, 30), "section": "2.5"},
                {"question": "pregnancy_category", "value": "none", "when": True, "section": "8.1"},
            ],
        )
    result = validate_paths([folder])
    assert not [d for d in result.diagnostics if d.severity == "error"], [d.format() for d in result.diagnostics]
    return result.rulesets


def report_of(folder: Path, page_dose: int = 2) -> dict[str, Any]:
    report, _ = fresh_report(corpus(folder, page_dose), {})
    return report


def test_a_source_against_both_labels_deviates_with_the_citation_beside_its_quote(tmp_path):
    report = report_of(tmp_path)
    deviations = [c for c in report["conflicts"] if c["kind"] == "deviates_from_reference"]
    renal = [c for c in deviations if c["question"] == "dose"]
    assert {c["reference"] for c in renal} == {"label-us", "label-eu"}  # 1 mg below 30: both say not recommended
    for c in renal:
        cited = [x for x in c["claims"] if x["source"] == c["reference"]]
        assert cited and cited[0]["citation"]["section"] == "2.5" and "§2.5" in cited[0]["quote"]
        assert c["witness"]["facts"]["egfr"] < 30 and c["description"].startswith("page deviates from the reference")
    preg = [c for c in deviations if c["question"] == "pregnancy_category"]
    assert len(preg) == 2 and all(c["severity"] == "low" for c in preg)  # the vocabulary's severity


def test_a_source_that_follows_one_label_is_a_label_difference_not_an_error(tmp_path):
    report = report_of(tmp_path)  # the page's 2 mg is the US figure, the EU's is 4 mg
    assert not [
        c
        for c in report["conflicts"]
        if c["kind"] == "deviates_from_reference"
        and c["question"] == "dose"
        and any(x["value"] == {"mg": 2, "every_days": 1} for x in c["claims"])
    ]
    followed = [c for c in report["label_differences"] if "page" in c["sources"]]
    assert followed and "agrees with label-us" in followed[0]["description"]
    between_labels = [c for c in report["label_differences"] if set(c["sources"]) == {"label-us", "label-eu"}]
    assert between_labels and between_labels[0]["severity"] == "low"
    assert all(c["id"] not in report["summary"]["high_without_disposition"] for c in report["label_differences"])


def test_a_figure_neither_label_gives_deviates_from_both(tmp_path):
    report = report_of(tmp_path, page_dose=3)
    dose = {
        c["reference"]
        for c in report["conflicts"]
        if c["kind"] == "deviates_from_reference"
        and c["question"] == "dose"
        and any(x["value"] == {"mg": 3, "every_days": 1} for x in c["claims"])
    }
    assert dose == {"label-us", "label-eu"}


def test_agreement_counts_per_source_and_reference(tmp_path):
    rows = {(r["source"], r["reference"]): r for r in report_of(tmp_path)["summary"]["references"]}
    assert set(rows) == {("page", "label-us"), ("page", "label-eu")}  # references are not judged
    us, eu = rows[("page", "label-us")], rows[("page", "label-eu")]
    assert (us["agree"], us["deviate"], us["other_label"], us["not_covered"]) == (1, 2, 0, 0)
    assert (eu["agree"], eu["deviate"], eu["other_label"], eu["not_covered"]) == (0, 2, 1, 0)


def test_report_marks_references_and_renders_citations(tmp_path):
    report = report_of(tmp_path)
    sources = {s["id"]: s for s in report["sources"]}
    assert sources["label-us"]["role"] == "reference" and sources["label-us"]["jurisdiction"] == "US"
    assert "role" not in sources["page"]
    text = render_markdown(report)
    assert "### Against the references" in text and "## Label differences" in text
    assert "cited: Label US, Revised 06/2022, §2.5, Table 1" in text and "**Reference:** label-us" in text


def test_without_a_reference_the_report_keeps_its_shape(tmp_path):
    write_ruleset(tmp_path, "page", TEXT, [{"question": "pregnancy_category", "value": "C", "quote": "Category C"}])
    report, _ = fresh_report(validate_paths([tmp_path]).rulesets, {})
    assert "label_differences" not in report and "references" not in report["summary"]


def test_overlap_is_decided_on_feasible_cells():
    from engine.model import Claim, Provenance

    def claim(when: Any) -> Claim:
        return Claim("s/c", "s", "dose", "not_recommended", when, Provenance("q", 0, 1), "submitted")

    vocab = vocabulary()
    low = claim({"<": [{"var": "egfr"}, 30]})
    assert overlaps(low, [claim({"<": [{"var": "egfr"}, 45]})], vocab) is True
    assert overlaps(low, [claim({">=": [{"var": "egfr"}, 30]})], vocab) is False
    assert overlaps(low, [], vocab) is False
    # renal_impairment is derived from the renal category: false with eGFR < 30 holds for no patient
    assert overlaps(low, [claim({"!": {"var": "renal_impairment"}})], vocab) is False


def test_coverage_names_a_reference_without_text_and_does_not_fail_on_it(tmp_path, capsys):
    from engine import cli

    corpus(tmp_path)
    write_ruleset(  # the page claims its dose sentences; exclude nothing else: coverage lists the rest
        tmp_path,
        "page",
        "Take 2 mg once daily.",
        [{"question": "dose", "value": {"mg": 2, "every_days": 1}, "quote": "Take 2 mg once daily"}],
    )
    code = cli.main(["coverage", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "label-us: a reference without bundled text: its 3 claims cite the label" in out


def test_check_allows_a_named_not_analysed_question_and_no_other(tmp_path, capsys):
    """--allow-not-analysed SOURCE:QUESTION waives exactly that entry, says so, and fails once it no longer applies."""
    from engine import cli

    folder = tmp_path / "rulesets"
    corpus(folder)
    out = tmp_path / "out"
    small = ["--rulesets", str(folder), "--out", str(out), "--max-cells", "2", "-q"]
    assert cli.main(["conflicts", *small]) == 0
    capsys.readouterr()
    assert cli.main(["conflicts", *small, "--check"]) == 1  # dose is over two cells for every source
    skipped = [
        line.split("warning: ")[1].split(" ")[0]
        for line in capsys.readouterr().err.splitlines()
        if "not analysed" in line
    ]
    assert skipped
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    named = [f"{n['source']}:{n['question']}" for n in report["analysis"]["not_analysed"]]
    allow = [arg for n in named for arg in ("--allow-not-analysed", n)]
    code = cli.main(["conflicts", *small, "--check", *allow])
    err = capsys.readouterr().err
    high = report["summary"]["high_without_disposition"]
    assert (code == 0) == (not high) and all(f"--check allows {n} not analysed" in err for n in named)
    code = cli.main(["conflicts", *small, "--check", *allow[:-2]])  # one entry no longer waived
    assert code == 1
    code = cli.main(["conflicts", *small, "--check", *allow, "--allow-not-analysed", "page:route"])
    assert code == 1 and "page:route no longer applies" in capsys.readouterr().err


def test_strict_check_fails_on_high_conflicts_only_triaged_needs_expert(tmp_path, capsys):
    from engine import cli

    folder = tmp_path / "rulesets"
    corpus(folder)
    out = tmp_path / "out"
    args = ["--rulesets", str(folder), "--out", str(out), "-q"]
    assert cli.main(["conflicts", *args]) == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    high = report["summary"]["high_without_disposition"]
    assert high
    for cid in high:
        base = ["review", "--rulesets", str(folder), "--out", str(out), "conflict", cid, "--reviewer", "ana"]
        assert cli.main([*base, "--disposition", "needs_expert"]) == 0
    capsys.readouterr()
    assert cli.main(["conflicts", *args, "--check"]) == 0
    assert cli.main(["conflicts", *args, "--check", "--strict"]) == 1
    assert "await an expert's decision" in capsys.readouterr().err
    for cid in high:
        base = ["review", "--rulesets", str(folder), "--out", str(out), "conflict", cid, "--reviewer", "bo"]
        assert cli.main([*base, "--disposition", "all_wrong", "--note", "checked against the label"]) == 0
    assert cli.main(["conflicts", *args, "--check", "--strict"]) == 0
