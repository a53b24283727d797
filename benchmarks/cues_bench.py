"""Live-cue latency (engine.cues): `python -m benchmarks.cues_bench [--write]`. A benchmark, not a timed test.

For every dose claim of every bundled source (rulesets/), the edits of its rule an author makes
while retyping a threshold: the rule as saved, then each number in it one higher and one lower
(one number at a time); each edit is timed as the claim editor's worker runs it,
engine.cues.cues(ruleset, "dose", edited claim, vocab), REPEATS times (the median of those is
the edit's time). Prints one JSON object (per source and overall: edits, median, p95, max in ms);
`--write` also records the table in benchmarks/CUES.md. Target: the p95 under 100 ms, the
keystroke-to-cue budget of issue 18 item 4 (the editor's 80 ms debounce comes on top).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
QUESTION = "dose"
REPEATS = 5
TARGET_MS = 100.0


def numbers(rule: Any) -> int:
    """How many numbers (not booleans) `rule` holds."""
    if isinstance(rule, dict):
        return sum(numbers(v) for v in rule.values())
    if isinstance(rule, list):
        return sum(numbers(v) for v in rule)
    return int(isinstance(rule, (int, float)) and not isinstance(rule, bool))


def nudged(rule: Any, which: int, by: float) -> Any:
    """`rule` with its number `which` (in document order) moved by `by`: one threshold retyped."""
    seen = 0

    def walk(node: Any) -> Any:
        nonlocal seen
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, (int, float)) and not isinstance(node, bool):
            seen += 1
            return node + by if seen - 1 == which else node
        return node

    return walk(rule)


def edits(rule: Any) -> list[Any]:
    """The rule as saved, then each of its numbers one higher and one lower (one at a time)."""
    out = [rule]
    for i in range(numbers(rule)):
        out += [nudged(rule, i, 1), nudged(rule, i, -1)]
    return out


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[k]


def measure(folder: Path) -> dict[str, Any]:
    from engine.contract import vocabulary
    from engine.cues import cues
    from engine.validate import validate_paths

    vocab = vocabulary()
    rulesets = validate_paths([folder], check_patients=False).rulesets
    per_source: dict[str, list[float]] = {}
    found: dict[str, int] = {}
    for ruleset in sorted(rulesets, key=lambda r: r.source_id):
        claims = ruleset.claims_for(QUESTION)
        if not claims:
            continue
        cues(ruleset, QUESTION, claims[0], vocab)  # imports and first compilations: not an edit
        times = per_source.setdefault(ruleset.source_id, [])
        for claim in claims:
            for when in edits(claim.when):
                edited = dataclasses.replace(claim, when=when)
                runs = []
                for _ in range(REPEATS):
                    started = time.perf_counter()
                    got = cues(ruleset, QUESTION, edited, vocab)
                    runs.append((time.perf_counter() - started) * 1000)
                times.append(statistics.median(runs))
                found[ruleset.source_id] = found.get(ruleset.source_id, 0) + len(got)
    every = [t for ts in per_source.values() for t in ts]

    def summary(ts: list[float]) -> dict[str, Any]:
        return {
            "edits": len(ts),
            "median_ms": round(statistics.median(ts), 1),
            "p95_ms": round(percentile(ts, 0.95), 1),
            "max_ms": round(max(ts), 1),
        }

    return {
        "question": QUESTION,
        "repeats": REPEATS,
        "target_p95_ms": TARGET_MS,
        "sources": {s: {**summary(ts), "cues_shown": found.get(s, 0)} for s, ts in per_source.items()},
        "all": summary(every),
        "met": percentile(every, 0.95) < TARGET_MS,
    }


def write(result: dict[str, Any], path: Path) -> None:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = "?"
    lines = [
        "# Live cues in the claim editor: keystroke-to-cue engine time (issue 18 item 4)",
        "",
        "`python -m benchmarks.cues_bench --write` rewrites this file. Each edit is one call of",
        "`engine.cues.cues(ruleset, 'dose', edited_claim, vocab)`, what the claim editor's worker runs after",
        "the 80 ms debounce: every dose claim of every bundled source, as saved and with each number of its",
        "rule one higher and one lower (one number at a time: a threshold retyped), each timed as the median of "
        f"{result['repeats']} runs. Target: p95 < {TARGET_MS:.0f} ms.",
        "",
        f"Commit {commit}, Python {platform.python_version()}, {platform.machine()}; "
        f"{'target met' if result['met'] else 'TARGET MISSED'}.",
        "",
        "| source | edits | median ms | p95 ms | max ms | cues shown |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for source, s in result["sources"].items():
        lines.append(
            f"| {source} | {s['edits']} | {s['median_ms']} | {s['p95_ms']} | {s['max_ms']} | {s['cues_shown']} |"
        )
    a = result["all"]
    lines.append(f"| **all** | **{a['edits']}** | **{a['median_ms']}** | **{a['p95_ms']}** | **{a['max_ms']}** | |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rulesets", default=str(REPO / "rulesets"))
    parser.add_argument("--write", action="store_true", help="record the table in benchmarks/CUES.md")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    result = measure(Path(args.rulesets))
    print(json.dumps(result, indent=2))
    if args.write:
        write(result, REPO / "benchmarks" / "CUES.md")
    return 0 if result["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
