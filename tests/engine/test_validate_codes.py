"""A bad file for every diagnostic code: each is found, located and reported as its code."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from engine.diagnostics import CODES
from engine.validate import validate_paths
from tests.conftest import dump_yaml, write_ruleset

TEXT = "Use 2 mg once daily. Avoid when eGFR is below 30. Reduce to 1 mg in the elderly."
GOOD = {"question": "dose", "value": {"mg": 2, "every_days": 1}, "quote": "Use 2 mg once daily"}


def base(tmp: Path, **claim_changes) -> Path:
    claim = {**GOOD, **claim_changes}
    return write_ruleset(tmp, "src", TEXT, [claim])


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def mutate(path: Path, change: Callable[[dict], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(dump_yaml(data), encoding="utf-8")


def patient(tmp: Path, body: str) -> None:
    (tmp / "patients").mkdir(exist_ok=True)
    (tmp / "patients" / "p.yaml").write_text(body, encoding="utf-8")


def case_E001(tmp):
    base(tmp)
    return [tmp, tmp / "nope.yaml"]


def case_E002(tmp):
    (tmp / "big.yaml").write_bytes(b"# x\n" * (1_500_000))


def case_E003(tmp):
    (tmp / "bad.yaml").write_bytes(b"accord: 1\ntitle: \xff\n")


def case_E004(tmp):
    (tmp / "bad.yaml").write_text("accord: [1,\n")


def case_E005(tmp):
    edit(base(tmp), "status: submitted", "status: submitted\n  status: draft")


def case_E006(tmp):
    edit(base(tmp), "accord: 1", "accord: &one 1")


def case_E007(tmp):
    edit(base(tmp), "accord: 1", "accord: !!int 1")


def case_E008(tmp):
    edit(base(tmp), "when: true", "when: " + "[" * 80 + "]" * 80)


def case_E009(tmp):
    (tmp / "two.yaml").write_text("accord: 1\n---\naccord: 1\n")


def case_E100(tmp):
    edit(base(tmp), "status: submitted", "status: done")


def case_E200(tmp):
    base(tmp, when={"method": ["", "__class__"]})


def case_E201(tmp):
    base(tmp, when={"<": [{"var": "egfrr"}, 30]})


def case_E202(tmp):
    base(tmp, when={"<": [{"var": "egfr"}, "30"]})


def case_E203(tmp):
    base(tmp, when={"==": [{"var": "sex"}, "woman"]})


def case_E204(tmp):
    base(tmp, when={"<": [{"var": ["egfr", 0]}, 30]})


def case_E205(tmp):
    base(tmp, when={"<": [{"var": "egfr"}]})


def case_E206(tmp):
    base(tmp, when={"<": [{"/": [{"var": "egfr"}, 0]}, 30]})


def case_E207(tmp):
    base(tmp, when={"<": [{"var": "egfr"}, 10**400]})


def case_E208(tmp):
    base(tmp, when={"or": [{"<": [{"var": "egfr"}, 30 - i]} for i in range(500)]})  # 1,001 operations


def case_E209(tmp):
    from engine.rules import MAX_OPERATIONS, MAX_RULESET_OPERATIONS

    wide = {"or": [{"<": [{"var": "egfr"}, 30 - i]} for i in range((MAX_OPERATIONS - 1) // 2)]}  # 999 operations
    claims = [{**GOOD, "when": wide} for _ in range(MAX_RULESET_OPERATIONS // 999 + 1)]  # 40,959 in all
    write_ruleset(tmp, "src", TEXT, claims)


def case_E210(tmp):
    base(tmp, question="dosage")


def case_E211(tmp):
    base(tmp, value={"mg": -2, "every_days": 1})


def case_E300(tmp):
    path = base(tmp)
    mutate(path, lambda d: d["claims"].append(dict(d["claims"][0])))


def case_E301(tmp):
    base(tmp, id="other/c0")


def case_E302(tmp):
    path = base(tmp)
    path.rename(tmp / "renamed.yaml")


def case_E400(tmp):
    base(tmp)
    (tmp / "sources" / "src.txt").unlink()


def case_E401(tmp):
    base(tmp)
    (tmp / "sources" / "src.txt").write_text("Preface. " + TEXT, encoding="utf-8")


def case_E402(tmp):
    mutate(base(tmp), lambda d: d["claims"][0]["provenance"].update(exact="Use 3 mg once daily"))


def case_W403(tmp):
    return case_E401(tmp)


def case_E404(tmp):
    mutate(base(tmp), lambda d: d["claims"][0]["provenance"].update(end=10_000))


def case_E407(tmp):
    def cite(d):
        d["claims"][0]["provenance"] = {"citation": {"section": "2.2"}}

    mutate(base(tmp), cite)


def case_E408(tmp):
    def reference(d):
        d["source"] = {**{k: v for k, v in d["source"].items() if k not in ("text", "sha256")}, "role": "reference"}
        d["source"].update(document="Olumiant USPI", version="Revised 06/2022", jurisdiction="US")

    mutate(base(tmp), reference)


def case_W405(tmp):
    mutate(base(tmp), lambda d: d["claims"][0]["provenance"].update(suffix="something else"))


def case_E500(tmp):
    base(tmp)
    patient(tmp, "id: p1\nfacts: {egfr: high, pregnent: true}\n")


def case_E501(tmp):
    base(tmp)
    patient(tmp, "id: p1\nfacts: {egfr: 40}\nexpected: {src: {dose: {mg: 0, every_days: 1}}}\n")


def case_W502(tmp):
    base(tmp)
    patient(tmp, "id: p1\nfacts: {age_years: -5, sex: female, serum_creatinine_mg_dl: 0.1}\n")


def case_E010(tmp):
    base(tmp)
    outside = tmp.parent / (tmp.name + "-outside.yaml")
    outside.write_text("secret: do-not-print\n", encoding="utf-8")
    (tmp / "link.yaml").symlink_to(outside)


def case_E011(tmp):
    mutate(base(tmp), lambda d: d["claims"].extend([1] * 250))


def case_W011(tmp):
    many = [dict(GOOD, id=f"src/c{i}") for i in range(250)]  # 250 identical claims: each redundant (W303)
    write_ruleset(tmp, "src", TEXT, many)


def case_W503(tmp):
    edit(base(tmp), "status: submitted", "status: done")
    patient(tmp, "id: p1\nfacts: {egfr: 40}\nexpected: {src: {dose: {mg: 2, every_days: 1}}}\n")


def case_W504(tmp):
    base(tmp)
    patient(tmp, "id: p1\nfacts: {egfr: 45, renal_impairment: false}\n")


def case_E214(tmp):
    base(tmp, question="indication_status", value="approved", qualifiers={"jurisdiction": "Mars"})


def case_W406(tmp):
    # verified long ago (2001), far beyond the default of 365 days
    base(tmp, verified="2001-01-01")
    mutate(tmp / "src.yaml", lambda d: d["source"].update(retrieved="2000-06-01"))


def case_W409(tmp):
    # the claim says when it was verified; the source never says when it was retrieved
    base(tmp, verified="2001-01-01")


def case_E215(tmp):
    base(tmp, when={"and": [{">": [{"var": "egfr"}, 50]}, {"<": [{"var": "egfr"}, 30]}]})


def case_W216(tmp):
    base(tmp, when={">=": [{"var": "egfr"}, 0]})


def case_W303(tmp):
    egfr_below = {"<": [{"var": "egfr"}, 30]}
    write_ruleset(tmp, "src", TEXT, [{**GOOD, "when": {"<": [{"var": "egfr"}, 60]}}, {**GOOD, "when": egfr_below}])


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


# codes no ruleset folder can produce, each tested where it arises
ELSEWHERE = {
    "E600": "tests/engine/test_meaning_load.py (a broken vocabulary file, at load, in every command)",
    "E610": "tests/engine/test_project.py (accord.yaml beside the rulesets folder, not in it)",
}


def test_every_code_has_a_case():
    assert set(CASES) | set(ELSEWHERE) == set(CODES)


@pytest.mark.parametrize("code", sorted(set(CODES) - set(ELSEWHERE)))
def test_code_is_reported_and_located(tmp_path, code):
    paths = CASES[code](tmp_path) or [tmp_path]
    result = validate_paths(paths)
    found = [d for d in result.diagnostics if d.code == code]
    assert found, [d.format() for d in result.diagnostics]
    for d in found:
        assert d.line >= 1 and d.col >= 1
        assert d.format().startswith(f"{d.path}:{d.line}:{d.col}: {d.severity}[{code}]: ")
        assert d.severity == ("warning" if code.startswith("W") else "error")


def test_clean_ruleset_has_no_findings(tmp_path):
    base(tmp_path)
    patient(tmp_path, "id: p1\nfacts: {egfr: 40, sex: female}\nexpected: {src: {dose: {mg: 2, every_days: 1}}}\n")
    result = validate_paths([tmp_path])
    assert result.diagnostics == []
    assert [r.source_id for r in result.rulesets] == ["src"]
    assert [p.id for p in result.patients] == ["p1"]


def test_moved_quote_reports_new_offsets(tmp_path):
    case_E401(tmp_path)
    result = validate_paths([tmp_path])
    moved = [d for d in result.diagnostics if d.code == "W403"]
    assert len(moved) == 1
    assert "start=9, end=28" in moved[0].message


def test_lost_quote_after_source_change(tmp_path):
    base(tmp_path)
    (tmp_path / "sources" / "src.txt").write_text("Entirely rewritten.", encoding="utf-8")
    codes = {d.code for d in validate_paths([tmp_path]).diagnostics}
    assert {"E401", "E402"} <= codes


def test_sha_recorded_is_sha_of_text(tmp_path):
    path = base(tmp_path)
    data = yaml.safe_load(path.read_text())
    assert data["source"]["sha256"] == hashlib.sha256(TEXT.encode()).hexdigest()


def test_verification_age_follows_the_project_setting(tmp_path):
    import datetime as dt

    rulesets = tmp_path / "rulesets"
    recent = (dt.date.today() - dt.timedelta(days=40)).isoformat()
    base(rulesets, verified=recent)
    mutate(rulesets / "src.yaml", lambda d: d["source"].update(retrieved=recent))
    assert not [d for d in validate_paths([rulesets]).diagnostics if d.code in ("W406", "W409")]
    (tmp_path / "accord.yaml").write_text("accord: 1\nverification: {max_age_days: 30}\n", encoding="utf-8")
    found = [d for d in validate_paths([rulesets]).diagnostics if d.code == "W406"]
    assert [d.pointer for d in found] == ["/claims/0/verified"]
    assert "40 days ago" in found[0].message and "the limit is 30" in found[0].message


def test_claims_without_verified_inherit_the_retrieval_date(tmp_path):
    base(tmp_path)
    mutate(tmp_path / "src.yaml", lambda d: d["source"].update(retrieved="2001-02-03"))
    found = [d for d in validate_paths([tmp_path]).diagnostics if d.code == "W406"]
    assert len(found) == 1 and found[0].pointer == "/source/retrieved"
    assert "1 claim without a verified date" in found[0].message and "2001-02-03" in found[0].message
    assert not [d for d in validate_paths([tmp_path]).diagnostics if d.code == "W409"]


def test_no_dates_no_age_warning(tmp_path):
    base(tmp_path)
    assert not [d for d in validate_paths([tmp_path]).diagnostics if d.code in ("W406", "W409")]


def test_verified_before_retrieval_is_checked_against_an_earlier_copy(tmp_path):
    import datetime as dt

    today = dt.date.today()
    base(tmp_path, verified=(today - dt.timedelta(days=10)).isoformat())
    mutate(tmp_path / "src.yaml", lambda d: d["source"].update(retrieved=(today - dt.timedelta(days=2)).isoformat()))
    found = [d for d in validate_paths([tmp_path]).diagnostics if d.code == "W406"]
    assert len(found) == 1 and "before the source text was retrieved" in found[0].message
