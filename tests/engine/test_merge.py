"""engine.merge: "keep mine" merges claim by claim; a claim changed on both sides is a clash, nothing is lost."""

from __future__ import annotations

from pathlib import Path

from engine.loader import load_text
from engine.merge import OUTSIDE, merge_ruleset

FIXTURE = Path(__file__).parents[1] / "tui" / "fixtures" / "rulesets" / "dr-oracle.yaml"


def claims(text: str) -> dict[str, dict]:
    return {c["id"]: c for c in load_text(text, "x.yaml").data["claims"]}


BASE = FIXTURE.read_text(encoding="utf-8")
A, B = "dr-oracle/standard-dose", "dr-oracle/elderly-dose"


def edit_status(text: str, claim_id: str, status: str) -> str:
    """`text` with one claim's status line changed (the status follows the claim's id in the fixture)."""
    at = text.index(f"id: {claim_id}\n")
    line = text.index("    status: ", at)
    end = text.index("\n", line)
    return text[:line] + f"    status: {status}" + text[end:]


def test_external_change_to_one_claim_and_mine_to_another_keeps_both() -> None:
    theirs = edit_status(BASE, A, "approved")
    mine = edit_status(BASE, B, "rejected")
    merged = merge_ruleset(BASE, mine, theirs, "dr-oracle.yaml")
    assert merged.clean and merged.taken_from_disk == [A]
    got = claims(merged.text)
    assert got[A]["status"] == "approved" and got[B]["status"] == "rejected"
    assert merged.text.startswith("# Fixture ruleset")  # comments and formatting stay
    assert merged.text == edit_status(edit_status(BASE, A, "approved"), B, "rejected")


def test_the_same_claim_changed_on_both_sides_is_a_clash_and_nothing_is_written() -> None:
    theirs = edit_status(BASE, A, "approved")
    mine = edit_status(BASE, A, "rejected")
    merged = merge_ruleset(BASE, mine, theirs)
    assert merged.text is None and merged.clashes == [A] and not merged.clean


def test_same_change_on_both_sides_and_one_sided_changes_are_not_clashes() -> None:
    both = edit_status(BASE, A, "approved")
    assert merge_ruleset(BASE, both, both).text == both
    assert merge_ruleset(BASE, BASE, both).text == both  # nothing of mine changed: the disk wins
    assert merge_ruleset(BASE, both, BASE).text == both


def test_a_new_claim_of_mine_is_added_to_the_changed_file() -> None:
    from engine.claimedit import splice_claim

    snippet = (
        BASE[BASE.index("  - id: dr-oracle/elderly-dose") :]
        .split("\n  - ")[0]
        .replace("  - id: dr-oracle/elderly-dose", "id: dr-oracle/new-one")
    )
    snippet = "\n".join(line[4:] if line.startswith("    ") else line for line in snippet.split("\n")) + "\n"
    mine = splice_claim(load_text(BASE, "x.yaml"), snippet, None)
    theirs = edit_status(BASE, A, "approved")
    merged = merge_ruleset(BASE, mine, theirs)
    assert merged.clean, merged
    got = claims(merged.text)
    assert set(got) == {A, B, "dr-oracle/new-one", *claims(BASE)} and got[A]["status"] == "approved"


def test_a_claim_deleted_on_disk_and_edited_by_me_is_a_clash() -> None:
    from engine.merge import _remove

    doc = load_text(BASE, "x.yaml")
    theirs = _remove(doc, 0)
    assert A not in claims(theirs)
    mine = edit_status(BASE, A, "approved")
    assert merge_ruleset(BASE, mine, theirs).clashes == [A]
    other = edit_status(BASE, B, "approved")  # their deletion and my edit of another claim merge
    merged = merge_ruleset(BASE, other, theirs)
    assert merged.clean and A not in claims(merged.text) and claims(merged.text)[B]["status"] == "approved"


def test_header_changed_on_both_sides_is_a_clash_and_unparsable_text_is_refused() -> None:
    theirs = BASE.replace('title: "Baricitinib', 'title: "Theirs: Baricitinib')
    mine = BASE.replace('title: "Baricitinib', 'title: "Mine: Baricitinib')
    assert merge_ruleset(BASE, mine, theirs).clashes == [OUTSIDE]
    header_only = merge_ruleset(BASE, mine, edit_status(BASE, A, "approved"))
    assert (
        header_only.clean
        and "Mine: Baricitinib" in header_only.text
        and claims(header_only.text)[A]["status"] == "approved"
    )
    broken = merge_ruleset(BASE, edit_status(BASE, B, "approved"), BASE + "\n  - [unclosed\n")
    assert broken.text is None and broken.problem and "line" in broken.problem
    dup = BASE + BASE[BASE.index("  - id: dr-oracle/elderly-dose") :]
    assert merge_ruleset(BASE, edit_status(BASE, B, "approved"), dup).problem


def test_facts_merge_keeps_their_change_to_another_fact_and_reports_a_shared_one() -> None:
    from engine.merge import merge_facts

    base = {"age_years": 45, "weight_kg": 70, "sex": "female"}
    mine = {"age_years": 80, "weight_kg": 70}  # age changed, sex removed
    theirs = {"age_years": 45, "weight_kg": 72, "sex": "female", "egfr": 50}
    assert merge_facts(base, mine, theirs) == ({"age_years": 80, "weight_kg": 72, "egfr": 50}, [])
    merged, clashes = merge_facts(base, mine, {**theirs, "age_years": 46})
    assert clashes == ["age_years"] and merged["age_years"] == 46
    assert merge_facts(base, mine, {**theirs, "age_years": 80})[1] == []  # the same change on both sides
    assert merge_facts({"x": 1}, {"x": True}, {"x": 1}) == ({"x": True}, [])  # 1 == True in Python, not in a file
    assert merge_facts({"x": 1}, {"x": 1.0}, {"x": 2})[1] == ["x"]
