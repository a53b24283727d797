"""Answered / indeterminate / silent counts for `dose` and `initiation` on patients that carry only lab-record facts.

Issue 14 asks whether real records (age, sex, weight, creatinine or eGFR/CrCl, ANC, ALC, haemoglobin,
Child-Pugh class or none, indication) get answers. This runs engine functions (no subprocess) over
`rulesets/patients/lab-*.yaml` and prints one row per source and question. Run it at another checkout
with `PYTHONPATH=<checkout> python benchmarks/lab_records.py` to measure that code ("before").

A fact value the vocabulary in use does not know (child_pugh: none before `none` existed) is dropped,
as that vocabulary could not record it, and counted under "dropped".

    python benchmarks/lab_records.py                         # print the table
    python benchmarks/lab_records.py --write after           # replace the "after" table in LAB_RECORDS.md
    PYTHONPATH=/tmp/before python benchmarks/lab_records.py --write before --root /work/main
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

QUESTIONS = ("dose", "initiation")
STATUSES = ("answered", "conflicting", "indeterminate", "silent")
HERE = Path(__file__).resolve().parent


def known_facts(facts: dict[str, Any], vocab: Any) -> tuple[dict[str, Any], list[str]]:
    """The facts the vocabulary in use can hold, and the ones it cannot (unknown name or enum value)."""
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    for name, value in facts.items():
        fact = vocab.facts.get(name)
        if fact is None or (fact.type == "enum" and value not in fact.values):
            dropped.append(f"{name}={value}")
        else:
            kept[name] = value
    return kept, dropped


def measure(root: Path) -> tuple[dict[tuple[str, str], Counter[str]], int, list[str], dict[str, list[str]]]:
    """(counts per (source, question), patients, dropped values, missing facts named per question)."""
    from engine.contract import vocabulary
    from engine.evaluate import evaluate_patient
    from engine.loader import load_file
    from engine.validate import validate_paths

    rulesets = validate_paths([root / "rulesets"], check_patients=False).rulesets
    vocab = vocabulary()
    counts: dict[tuple[str, str], Counter[str]] = {}
    dropped: list[str] = []
    missing: dict[str, list[str]] = {}
    paths = sorted((root / "rulesets" / "patients").glob("lab-*.yaml"))
    for path in paths:
        data = load_file(path).data
        facts, gone = known_facts(dict(data.get("facts", {})), vocab)
        dropped.extend(f"{path.stem}: {g}" for g in gone)
        evaluation = evaluate_patient(rulesets, facts, data["id"], QUESTIONS)
        for answer in evaluation.answers:
            counts.setdefault((answer.source, answer.question), Counter())[answer.status] += 1
            if answer.status == "indeterminate":
                missing.setdefault(answer.question, []).extend(answer.missing)
    return counts, len(paths), dropped, missing


def table(counts: dict[tuple[str, str], Counter[str]]) -> str:
    """A Markdown table: one row per source and question."""
    lines = [
        "| source | question | " + " | ".join(STATUSES) + " |",
        "|---|---|" + "---:|" * len(STATUSES),
    ]
    for (source, question), c in sorted(counts.items()):
        lines.append(f"| {source} | {question} | " + " | ".join(str(c[s]) for s in STATUSES) + " |")
    total = Counter[str]()
    for c in counts.values():
        total.update(c)
    lines.append("| **all** | | " + " | ".join(f"**{total[s]}**" for s in STATUSES) + " |")
    return "\n".join(lines)


def report(root: Path) -> str:
    counts, patients, dropped, missing = measure(root)
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(sys.modules["engine"].__file__ or ".").parent,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = "?"
    lines = [f"{patients} patients, engine at commit {commit or '?'}", "", table(counts), ""]
    for question, names in sorted(missing.items()):
        top = Counter(names).most_common(8)
        lines.append(
            f"Facts named missing on `{question}` (most often): " + ", ".join(f"`{n}` {k}" for n, k in top) + "."
        )
    if dropped:
        lines.append("")
        lines.append(f"Values this vocabulary cannot hold, dropped ({len(dropped)}): " + "; ".join(dropped) + ".")
    return "\n".join(lines)


def write(section: str, text: str) -> Path:
    """Replace the `section` ("before" or "after") of benchmarks/LAB_RECORDS.md between its markers."""
    path = HERE / "LAB_RECORDS.md"
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    start, end = f"<!-- {section} -->", f"<!-- /{section} -->"
    block = f"{start}\n{text}\n{end}"
    if start in current:
        current = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _m: block, current, flags=re.S)
    else:
        current = current.rstrip("\n") + f"\n\n## {section.capitalize()}\n\n{block}\n"
    path.write_text(current, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=HERE.parent, help="project root holding rulesets/")
    parser.add_argument("--write", choices=["before", "after"], help="record the table in benchmarks/LAB_RECORDS.md")
    args = parser.parse_args(argv)
    text = report(args.root)
    print(text)
    if args.write:
        print(f"wrote {write(args.write, text)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
