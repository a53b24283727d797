"""engine.suggest: each pattern family on synthetic sentences with known answers, every suggestion valid,
determinism, unclaimed-only and dismissed, hostile text, and the `accord suggest` command."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest

from engine.contract import vocabulary
from engine.suggest import Suggestion, suggest_text

REPO = Path(__file__).resolve().parents[2]
VOCAB = vocabulary()


def found(text: str) -> list[tuple[str, object, object]]:
    return [(s.question, s.value, s.when) for s in suggest_text(text, VOCAB, "demo")]


def var(name: str) -> dict[str, str]:
    return {"var": name}


# ---- numeric bands: ends open or closed as written ----------------------------------------------

BANDS = [
    ("For eGFR 30-49 mL/min/1.73 m²: 1 mg once daily.", [{">=": [var("egfr"), 30]}, {"<=": [var("egfr"), 49]}]),
    ("For eGFR <30 mL/min/1.73 m²: 1 mg once daily.", [{"<": [var("egfr"), 30]}]),
    ("For eGFR ≤ 30: 1 mg once daily.", [{"<=": [var("egfr"), 30]}]),
    ("Patients aged >= 65 years: 1 mg once daily.", [{">=": [var("age_years"), 65]}]),
    ("Patients over 70 years: 1 mg once daily.", [{">": [var("age_years"), 70]}]),
    ("Patients 65 years and older: 1 mg once daily.", [{">=": [var("age_years"), 65]}]),
    ("CrCl between 30 and 60 mL/min: 1 mg once daily.", [{">=": [var("crcl"), 30]}, {"<=": [var("crcl"), 60]}]),
    ("CrCl 30 to <60 mL/min: 1 mg once daily.", [{">=": [var("crcl"), 30]}, {"<": [var("crcl"), 60]}]),
    (
        "With a creatinine clearance of 30‑60 mL/min: 1 mg once daily.",
        [{">=": [var("crcl"), 30]}, {"<=": [var("crcl"), 60]}],
    ),
    ("Between 30 and 60 mL/min: 1 mg once daily.", [{">=": [var("crcl"), 30]}, {"<=": [var("crcl"), 60]}]),
    ("With haemoglobin below 8 g/dL: 1 mg once daily.", [{"<": [var("hemoglobin_g_dl"), 8]}]),
]


@pytest.mark.parametrize(("sentence", "atoms"), BANDS, ids=[b[0][:30] for b in BANDS])
def test_bands_read_as_written(sentence: str, atoms: list[object]) -> None:
    when = atoms[0] if len(atoms) == 1 else {"and": atoms}
    assert ("dose", {"mg": 1, "every_days": 1}, when) in found(sentence)


def test_lab_bands_each_with_its_fact_and_verdict() -> None:
    got = found(
        "Patients with ANC <1×10^9 cells/L, ALC <0.5 x 10^9/L, or hemoglobin <8 g/dL should not start treatment."
    )
    assert {(q, v, json.dumps(w)) for q, v, w in got} == {
        ("initiation", "do_not_start", json.dumps({"<": [var("anc"), 1]})),
        ("initiation", "do_not_start", json.dumps({"<": [var("alc"), 0.5]})),
        ("initiation", "do_not_start", json.dumps({"<": [var("hemoglobin_g_dl"), 8]})),
    }


def test_numbers_that_are_not_bands() -> None:
    # a schedule, a percentage, a duration, a unit's own digits: no band, so no verdict either
    assert found("Repeat labs every 3-6 months, avoid if needed.") == []
    assert found("Response rates of 70 % versus 40 % were not recommended reading.") == []
    assert found("Symptoms improve within 2-4 weeks.") == []


# ---- doses --------------------------------------------------------------------------------------

DOSES = [
    ("The usual dose is 2 mg once daily.", {"mg": 2, "every_days": 1}),
    ("Take 2mg every other day.", {"mg": 2, "every_days": 2}),
    ("The recommended dose is 4 mg OD for 14 days or until discharge.", {"mg": 4, "every_days": 1, "max_days": 14}),
    ("Standard dose: 2 mg or 4 mg once daily.", {"one_of": [{"mg": 2, "every_days": 1}, {"mg": 4, "every_days": 1}]}),
    ("The dose is 1 mg QD.", {"mg": 1, "every_days": 1}),
    ("Give 2 mg every 3 days.", {"mg": 2, "every_days": 3}),
]


@pytest.mark.parametrize(("sentence", "value"), DOSES, ids=[d[0][:30] for d in DOSES])
def test_doses_and_frequencies(sentence: str, value: object) -> None:
    assert ("dose", value, True) in found(sentence)


def test_doses_that_are_not_given() -> None:
    assert found("Tofacitinib is given at 5 mg BID.") == []  # twice daily has no regimen form, and another drug
    assert found("Upadacitinib 15 mg QD is another option.") == []  # another drug's dose
    assert found("Clots were seen especially at the 4 mg dose.") == []  # refers to a dose
    got = found("Rheumatoid arthritis: 2 mg once daily; increase to 4 mg if needed.")
    ra = {"==": [var("indication"), "rheumatoid_arthritis"]}
    assert ("dose", {"mg": 2, "every_days": 1}, ra) in got and ("dose", {"mg": 4, "every_days": 1}, ra) in got


# ---- indications, verdicts from lead-ins, comparisons -------------------------------------------


def test_approval_words_per_indication() -> None:
    text = (
        "It has been approved for:\n\n  • Rheumatoid arthritis (RA)\n  • Other indications being investigated include:\n"
        "    • Psoriatic arthritis (PsA)\n\nAlopecia areata: 2 mg once daily (off-label).\n"
        "First approved for rheumatoid arthritis in 2017, it has sparked interest in atopic dermatitis.\n"
    )
    got = {(v, json.dumps(w)) for q, v, w in found(text) if q == "indication_status"}

    def ind(x: str) -> str:
        return json.dumps({"==": [var("indication"), x]})

    assert got == {
        ("approved", ind("rheumatoid_arthritis")),
        ("investigational", ind("psoriatic_arthritis")),
        ("off_label", ind("alopecia_areata")),
    }


def test_adults_band_word_and_abbreviations_case() -> None:
    got = found("It is approved for treating adults with COVID-19.")
    assert got == [
        (
            "indication_status",
            "approved",
            {"and": [{"==": [var("indication"), "covid19"]}, {">=": [var("age_years"), 18]}]},
        )
    ]
    assert found("The ad was approved for ra patients.") == []  # RA and AD are abbreviations: only as written


def test_contraindication_and_caution_lead_ins() -> None:
    text = "Absolute Contraindications:\n\n  • Severe renal disease (CrCl <30 mL/min)\n\nUse with Caution in:\n\n  • Patients >65 years\n"
    assert found(text) == [
        ("initiation", "contraindicated", {"<": [var("crcl"), 30]}),
        ("initiation", "use_with_caution", {">": [var("age_years"), 65]}),
    ]


def test_dose_verdicts_in_a_dosing_context() -> None:
    text = "Dose adjustments:\n  • CrCl <30 mL/min: not recommended\n  • Severe hepatic disease (Child-Pugh C): should not be used\n"
    assert found(text) == [
        ("dose", "not_recommended", {"<": [var("crcl"), 30]}),
        ("dose", "not_recommended", {"==": [var("child_pugh"), "C"]}),
    ]


def test_comparisons_with_another_drug() -> None:
    got = found("Baricitinib has a higher thrombosis signal, whereas Tofacitinib bears a stronger infection concern.")
    assert set(map(json.dumps, got)) == {
        json.dumps(("vs_tofacitinib.thrombosis", "higher", True)),
        json.dumps(("vs_tofacitinib.infection", "lower", True)),
    }
    got = found(
        "In a study of tofacitinib (another JAK inhibitor) in patients aged 65 years and older, mortality rose."
    )
    assert ("vs_tofacitinib.mortality", "class_effect", {">=": [var("age_years"), 65]}) in got


# ---- the whole: validity, determinism, coverage, dismissed --------------------------------------


def bundled() -> list[tuple[Path, dict[str, object], str]]:
    from engine.loader import load_file

    out = []
    for path in sorted((REPO / "rulesets").glob("*.yaml")):
        data = load_file(path).data
        if data["source"].get("text"):
            out.append((path, data, (path.parent / data["source"]["text"]).read_text(encoding="utf-8")))
    return out


def test_every_suggestion_on_the_bundled_sources_validates(tmp_path: Path) -> None:
    from engine.claimedit import slugify
    from engine.loader import load_file
    from engine.suggestaccept import draft_snippet
    from engine.validate import validate_paths

    total = 0
    for _path, data, text in bundled():
        source_id = data["source"]["id"]
        found_all = suggest_text(text, VOCAB, source_id, include_covered=True)
        assert found_all, source_id
        total += len(found_all)
        (tmp_path / "sources").mkdir(exist_ok=True)
        (tmp_path / "sources" / f"{source_id}.txt").write_text(text, encoding="utf-8")
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        items = []
        for i, s in enumerate(found_all):
            assert 0 <= s.confidence <= 1 and s.reason
            assert text[s.start : s.end] == s.quote and text[: s.start].endswith(s.prefix)
            assert text[s.end :].startswith(s.suffix)
            snippet = draft_snippet(s, f"{source_id}/s{i}-{slugify(s.question)}")
            items.append("  - " + snippet.rstrip("\n").replace("\n", "\n    "))
        out = tmp_path / f"{source_id}.yaml"
        out.write_text(
            f"accord: 1\nsource:\n  id: {source_id}\n  title: t\n  kind: web_page\n  text: sources/{source_id}.txt\n"
            f"  sha256: {sha}\ndrug: baricitinib\nclaims:\n" + "\n".join(items) + "\n",
            encoding="utf-8",
        )
        assert len(load_file(out).data["claims"]) == len(found_all)
    result = validate_paths([tmp_path], check_patients=False)
    assert [d.format() for d in result.diagnostics if d.severity == "error"] == []
    assert total > 50


def test_deterministic_and_unclaimed_only_by_default() -> None:
    for _path, data, text in bundled():
        first = [s.to_json() for s in suggest_text(text, VOCAB, "x", include_covered=True)]
        assert first == [s.to_json() for s in suggest_text(text, VOCAB, "x", include_covered=True)]
        spans = [
            (c["provenance"]["start"], c["provenance"]["end"]) for c in data["claims"] if "start" in c["provenance"]
        ]
        unclaimed = suggest_text(text, VOCAB, "x", spans)
        assert all(not any(a < s.end and s.start < b for a, b in spans) for s in unclaimed)
        assert len(unclaimed) < len(first)


def test_dismissed_keys_are_left_out(tmp_path: Path) -> None:
    from engine.dismissed import dismiss, dismissed_path, keys, read_dismissed

    text = "• For eGFR <30 mL/min/1.73 m²: 2 mg every other day\n• For eGFR 30-49 mL/min/1.73 m²: 1 mg once daily\n"
    both = suggest_text(text, VOCAB, "demo")
    assert len(both) == 2
    path = dismissed_path(tmp_path)
    dismiss(path, both[0])
    dismiss(path, both[0])  # twice: kept once
    items = read_dismissed(path)
    assert len(items) == 1
    assert suggest_text(text, VOCAB, "demo", dismissed=keys(items, "demo")) == [both[1]]
    assert suggest_text(text, VOCAB, "demo", dismissed=keys(items, "other")) == both
    moved = "\n\n" + text  # a dismissal survives its sentence moving
    assert [s.quote for s in suggest_text(moved, VOCAB, "demo", dismissed=keys(items))] == [both[1].quote]


def test_broken_dismissed_file_is_located(tmp_path: Path) -> None:
    from engine.dismissed import DismissedError, dismissed_path, read_dismissed

    path = dismissed_path(tmp_path)
    path.parent.mkdir()
    path.write_text("version: 1\ndismissed:\n  - {source: demo, quote: q}\n", encoding="utf-8")
    with pytest.raises(DismissedError) as info:
        read_dismissed(path)
    assert info.value.diagnostics[0].line == 3 and "question" in info.value.diagnostics[0].message
    path.write_text("version: 1\ndismissed: [\n", encoding="utf-8")
    with pytest.raises(DismissedError):
        read_dismissed(path)


# ---- hostile text ---------------------------------------------------------------------------------

HOSTILE = [
    "eGFR " + "30-49 " * 50_000,  # one huge line of bands
    "x" * 2_000_000,  # a huge line without a sentence end
    "\x00\x1b[31m eGFR <30 mL/min/1.73 m²\x07: 1 mg once daily\u202e.\n" * 200,  # control and bidi characters
    "1-2-3-4-5-6-7-8-9 " * 20_000 + "mg mg mg " * 10_000,
    "(" * 100_000 + "eGFR" + ")" * 100_000,
    "\n".join("  " * (i % 50) + "• a:" for i in range(20_000)),  # deep lead-in lists
]


@pytest.mark.parametrize("text", HOSTILE, ids=["bands-line", "huge-line", "controls", "numbers", "parens", "lists"])
def test_hostile_text_does_not_crash_and_stays_fast(text: str) -> None:
    started = time.perf_counter()
    out = suggest_text(text, VOCAB, "demo", include_covered=True)
    assert time.perf_counter() - started < 20
    for s in out:
        assert isinstance(s, Suggestion) and text[s.start : s.end] == s.quote


def test_value_synonyms_name_real_values() -> None:
    for fact in VOCAB.facts.values():
        assert set(fact.value_synonyms) <= set(fact.values), fact.name
        assert not fact.band_words or fact.type == "number", fact.name


# ---- the command ----------------------------------------------------------------------------------


def demo_ruleset(tmp_path: Path, text: str) -> Path:
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "demo.txt").write_text(text, encoding="utf-8")
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    path = tmp_path / "demo.yaml"
    path.write_text(
        f"accord: 1\nsource:\n  id: demo\n  title: Demo\n  kind: web_page\n  text: sources/demo.txt\n  sha256: {sha}\n"
        "drug: baricitinib\nclaims: []\n",
        encoding="utf-8",
    )
    return path


def test_cli_json_and_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from engine.cli import main

    demo_ruleset(tmp_path, "Title\n\n• For eGFR <30 mL/min/1.73 m²: 2 mg every other day\n")
    assert main(["suggest", "demo", "--rulesets", str(tmp_path), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [sorted(o) for o in out] == [
        sorted(["quote", "prefix", "suffix", "start", "end", "question", "value", "when", "confidence", "reason"])
    ]
    assert out[0]["value"] == {"mg": 2, "every_days": 2} and out[0]["start"] == 7
    assert main(["suggest", str(tmp_path / "demo.yaml")]) == 0
    text = capsys.readouterr().out
    assert f"{tmp_path / 'sources' / 'demo.txt'}:3:1: 0.85 dose" in text


def test_cli_refuses_unknown_and_broken(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from engine.cli import main

    assert main(["suggest", "nothing-here", "--rulesets", str(tmp_path)]) == 2
    assert "no ruleset 'nothing-here'" in capsys.readouterr().err
    demo_ruleset(tmp_path, "Text.\n")
    (tmp_path / ".accord").mkdir()
    (tmp_path / ".accord" / "dismissed.yaml").write_text("version: 2\ndismissed: []\n", encoding="utf-8")
    assert main(["suggest", "demo", "--rulesets", str(tmp_path)]) == 1
    assert "dismissed.yaml:1:" in capsys.readouterr().err
