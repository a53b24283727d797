"""Suggestion quality (engine.suggest): `python -m benchmarks.suggest_bench [--write]`. A benchmark, not a test.

On each bundled source with a text (rulesets/*.yaml with `source.text`), suggest runs over every
sentence as if the ruleset had no claims (`--all`), and its suggestions are compared with the bundled
claims of three kinds:

* dose: claims of question `dose`; proposed when a suggestion of question `dose` overlaps the claim's
  quote and has the same value (a `one_of` compared as a set of regimens);
* threshold: claims whose `when` compares a number fact (eGFR, CrCl, age, ANC, ...); proposed when an
  overlapping suggestion's `when` has exactly the claim's numeric comparisons (fact, operator, number:
  the same band with the same open or closed ends), whatever its question;
* indication: claims of question `indication_status`; proposed when an overlapping suggestion has the
  same value for the same indication(s).

Recall: claims of a kind proposed / claims of that kind. Precision: suggestions of a kind (dose: question
dose; threshold: a `when` with a numeric comparison; indication: question indication_status) that
propose at least one claim of the kind / suggestions of the kind. Prints one JSON object; `--write`
also records the tables in benchmarks/SUGGEST.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
KINDS = ("dose", "threshold", "indication")
NUMERIC_OPS = ("<", "<=", ">", ">=")


def numeric_atoms(rule: Any, number_facts: frozenset[str]) -> frozenset[tuple[str, str, float]]:
    """Every comparison of a number fact with a number in `rule`, as (fact, op, number), var on the left."""
    out: set[tuple[str, str, float]] = set()
    flip = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}

    def var(x: Any) -> str | None:
        if isinstance(x, dict) and set(x) == {"var"} and isinstance(x["var"], str) and x["var"] in number_facts:
            return str(x["var"])
        return None

    def num(x: Any) -> bool:
        return isinstance(x, (int, float)) and not isinstance(x, bool)

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict) or len(node) != 1:
            return
        ((op, args),) = node.items()
        if op in NUMERIC_OPS and isinstance(args, list):
            if len(args) == 2:
                if var(args[0]) and num(args[1]):
                    out.add((var(args[0]) or "", op, float(args[1])))
                elif num(args[0]) and var(args[1]):
                    out.add((var(args[1]) or "", flip[op], float(args[0])))
            elif len(args) == 3 and num(args[0]) and var(args[1]) and num(args[2]):
                fact = var(args[1]) or ""
                out.add((fact, flip[op], float(args[0])))
                out.add((fact, op, float(args[2])))
            return
        walk(args)

    walk(rule)
    return frozenset(out)


def indications(rule: Any) -> frozenset[str]:
    """The indication values `rule` names (== or in)."""
    out: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for op, args in node.items():
                if (
                    op in ("==", "in")
                    and isinstance(args, list)
                    and len(args) == 2
                    and args[0] == {"var": "indication"}
                ):
                    values = args[1] if isinstance(args[1], list) else [args[1]]
                    out.update(v for v in values if isinstance(v, str))
                else:
                    walk(args)

    walk(rule)
    return frozenset(out)


def value_key(question: str, value: Any) -> str:
    if question == "dose" and isinstance(value, dict) and "one_of" in value and isinstance(value["one_of"], list):
        return json.dumps(sorted(json.dumps(v, sort_keys=True) for v in value["one_of"]))
    return json.dumps(value, sort_keys=True)


def matches(kind: str, claim: dict[str, Any], s: Any, number_facts: frozenset[str]) -> bool:
    prov = claim["provenance"]
    if not (s.start < prov["end"] and prov["start"] < s.end):
        return False
    if kind == "dose":
        return s.question == "dose" and value_key("dose", s.value) == value_key("dose", claim["value"])
    if kind == "threshold":
        return numeric_atoms(s.when, number_facts) == numeric_atoms(claim["when"], number_facts)
    return (
        s.question == "indication_status"
        and s.value == claim["value"]
        and indications(s.when) == indications(claim["when"])
    )


def kind_of_claim(kind: str, claim: dict[str, Any], number_facts: frozenset[str]) -> bool:
    if kind == "dose":
        return bool(claim.get("question") == "dose")
    if kind == "threshold":
        return bool(numeric_atoms(claim.get("when"), number_facts))
    return bool(claim.get("question") == "indication_status")


def kind_of_suggestion(kind: str, s: Any, number_facts: frozenset[str]) -> bool:
    if kind == "dose":
        return bool(s.question == "dose")
    if kind == "threshold":
        return bool(numeric_atoms(s.when, number_facts))
    return bool(s.question == "indication_status")


def ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def measure() -> dict[str, Any]:
    sys.path.insert(0, str(REPO))
    from engine.contract import vocabulary
    from engine.loader import load_file
    from engine.suggest import suggest_text

    vocab = vocabulary()
    number_facts = frozenset(f.name for f in vocab.facts.values() if f.type == "number")
    sources: dict[str, Any] = {}
    totals = {k: {"claims": 0, "proposed": 0, "suggestions": 0, "correct": 0} for k in KINDS}
    started = time.perf_counter()
    for path in sorted((REPO / "rulesets").glob("*.yaml")):
        data = load_file(path).data
        text_rel = data.get("source", {}).get("text")
        if not text_rel:
            continue
        text = (path.parent / text_rel).read_text(encoding="utf-8")
        claims = [c for c in data.get("claims", []) if "exact" in c.get("provenance", {})]
        found = suggest_text(text, vocab, data["source"]["id"], include_covered=True)
        row: dict[str, Any] = {"suggestions": len(found), "missed": {}}
        for kind in KINDS:
            mine = [c for c in claims if kind_of_claim(kind, c, number_facts)]
            offered = [s for s in found if kind_of_suggestion(kind, s, number_facts)]
            proposed = [c for c in mine if any(matches(kind, c, s, number_facts) for s in offered)]
            correct = [s for s in offered if any(matches(kind, c, s, number_facts) for c in mine)]
            row[kind] = {
                "claims": len(mine),
                "proposed": len(proposed),
                "recall": ratio(len(proposed), len(mine)),
                "suggestions": len(offered),
                "correct": len(correct),
                "precision": ratio(len(correct), len(offered)),
            }
            row["missed"][kind] = sorted(c["id"] for c in mine if c not in proposed)
            for key, n in (
                ("claims", len(mine)),
                ("proposed", len(proposed)),
                ("suggestions", len(offered)),
                ("correct", len(correct)),
            ):
                totals[kind][key] += n
        sources[data["source"]["id"]] = row
    overall = {
        kind: {
            **t,
            "recall": ratio(t["proposed"], t["claims"]),
            "precision": ratio(t["correct"], t["suggestions"]),
        }
        for kind, t in totals.items()
    }
    return {"sources": sources, "overall": overall, "seconds": round(time.perf_counter() - started, 3)}


def pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f} %"


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "# Suggested claims: precision and recall on the bundled sources",
        "",
        "`python -m benchmarks.suggest_bench --write` (see its docstring for the matching rules). Each bundled",
        "source with a text is read by `accord suggest --all` as if it had no claims; a bundled claim is",
        "*proposed* when a suggestion overlapping its quote has its value (dose), its exact numeric bands with",
        "the same open/closed ends (threshold) or its status for its indication (indication).",
        "",
        "| source | kind | claims | proposed | recall | suggestions | correct | precision |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for source, row in result["sources"].items():
        for kind in KINDS:
            k = row[kind]
            lines.append(
                f"| {source} | {kind} | {k['claims']} | {k['proposed']} | {pct(k['recall'])} | {k['suggestions']} | {k['correct']} | {pct(k['precision'])} |"
            )
    for kind in KINDS:
        k = result["overall"][kind]
        lines.append(
            f"| **all** | {kind} | {k['claims']} | {k['proposed']} | **{pct(k['recall'])}** | {k['suggestions']} | {k['correct']} | **{pct(k['precision'])}** |"
        )
    lines += [
        "",
        f"All four sources read in {result['seconds']} s.",
        "",
        "**In-sample.** The patterns (engine/suggest_patterns.py) and the vocabulary's synonyms were written",
        "while reading these four texts, so these figures are what the rules do on the text they were tuned on,",
        "not an estimate for a new source; a fifth source measured the same way would say more. Threshold",
        "claims whose bands come from another sentence (a standard dose read as 'the other bands do not apply')",
        "and claims on boolean facts (renal impairment, OAT3 inhibitors) cannot be proposed by these rules.",
        "",
        "## Missed claims",
        "",
    ]
    for source, row in result["sources"].items():
        for kind in KINDS:
            if row["missed"][kind]:
                lines.append(f"- {source} {kind}: " + ", ".join(f"`{m}`" for m in row["missed"][kind]))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="also write benchmarks/SUGGEST.md")
    args = parser.parse_args(argv)
    result = measure()
    print(json.dumps({"overall": result["overall"], "seconds": result["seconds"]}, indent=2))
    if args.write:
        (REPO / "benchmarks" / "SUGGEST.md").write_text(markdown(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
