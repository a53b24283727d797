"""The walls of issue 19 item 6, measured before/after in one run (not collected by pytest).

    python -m benchmarks.walls [--claims 1000,3000,10000] [--walk-up-to 10000] [--write]

(h1) One source with many overlapping claims: N claims on `dose`, claim i holding where
     eGFR >= t_i (distinct thresholds) with doses alternating between two values, so every cell
     holds every claim below it. Region analysis (engine.analysis.driver.analyse, no work budget)
     is timed best of 3 with the fold it picks (engine.analysis.fold.fold_classes: by value keys
     here) and with the claim-by-claim walk forced (the fold before); the findings must be equal.
     Growth: the exponent of time in claims between the smallest and largest N (1.0 = linear).
     Up to --cli-up-to claims, also `accord conflicts` end to end on that ruleset (a child process, once).
(h2) The 20 x 1,000 synthetic corpus (benchmarks/synth.py generate) as a user runs it:
     `python -m engine.cli conflicts --rulesets DIR --out OUT -q` in a child process, a fresh
     report folder each time, best of 3 (target < 5 s).
(h3) Many sources on one question (--sources 50,200,400): each source 10 `dose` claims banding eGFR at its
     own thresholds; the pair stage (time in driver.between_sources) with each source's side kept across
     its pairs (engine.analysis.grid.PairSides) and computed for every pair (driver.SHARE_SIDES off, the
     path before); the findings must be equal.

`--write` replaces the "(h) Walls" section of benchmarks/RESULTS.md (other sections are kept).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.child import run_child  # noqa: E402
from tests.conftest import write_ruleset  # noqa: E402  (the fixtures' writer: exact provenance)

SECTION = "## (h) Walls"
ANALYSIS_TARGET = 5.0  # seconds, 10,000 overlapping claims
CLI_TARGET = 5.0  # seconds, the synthetic corpus end to end


def overlapping(folder: Path, n: int) -> None:
    """n claims, claim i where eGFR >= i * 200 / n, doses alternating (1 mg, 2 mg)."""
    text = " ".join(f"S{i}." for i in range(n))
    write_ruleset(
        folder,
        "alpha",
        text,
        [
            {
                "id": f"alpha/c{i}",
                "question": "dose",
                "value": {"mg": 1 + i % 2, "every_days": 1},
                "when": {">=": [{"var": "egfr"}, round(i * 200 / n, 3)]},
                "quote": f"S{i}.",
            }
            for i in range(n)
        ],
    )


def _best(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    best, out = math.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def _summary(analysis: Any) -> list[tuple[Any, ...]]:
    return [
        (f.kind, f.sources, f.claims, f.region.indices, f.region.count, f.region.witness)
        for q in sorted(analysis.questions)
        for f in analysis.questions[q].findings
    ]


def _conflicts_cli(rulesets: Path, out: Path) -> Any:
    """`python -m engine.cli conflicts --rulesets DIR --out OUT -q` in a child process (its own cache in OUT)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("ACCORD_CACHE_DIR", None)
    return run_child(
        [sys.executable, "-m", "engine.cli", "conflicts", "--rulesets", str(rulesets), "--out", str(out), "-q"],
        timeout=600,
        cwd=REPO,
        env=env,
    )


def bench_overlapping(sizes: list[int], walk_up_to: int, cli_up_to: int = 3000) -> list[dict[str, Any]]:
    from engine.analysis import cells, fold
    from engine.analysis.driver import analyse
    from engine.validate import validate_paths

    def walked(source: str, question: str, claims: list[Any], reps: Any, work: Any = None) -> Any:
        return fold.walk(source, question, claims, reps)

    rows = []
    for n in sizes:
        cli = None
        with tempfile.TemporaryDirectory(prefix="accord-walls-") as tmp:
            overlapping(Path(tmp) / "rulesets", n)
            rulesets = validate_paths([Path(tmp) / "rulesets"], check_patients=False).rulesets
            if n <= cli_up_to:  # as a user runs it: validation, analysis, charts and report, once
                print(f"  {n:,} claims end to end...", file=sys.stderr, flush=True)
                cli = _conflicts_cli(Path(tmp) / "rulesets", Path(tmp) / "out")
        print(f"  {n:,} claims...", file=sys.stderr, flush=True)
        after, result = _best(lambda rs=rulesets: analyse(rs, max_work=10**15), 3)
        row: dict[str, Any] = {"claims": n, "after": after, "before": None, "same": None, "cli": cli}
        row["findings"] = len(_summary(result))
        if n <= walk_up_to:
            chosen = cells.fold_classes
            cells.fold_classes = walked  # type: ignore[assignment]
            try:
                before, old = _best(lambda rs=rulesets: analyse(rs, max_work=10**15), 3 if n <= 3000 else 1)
            finally:
                cells.fold_classes = chosen  # type: ignore[assignment]
            row["before"], row["same"] = before, _summary(old) == _summary(result)
        rows.append(row)
    return rows


def bench_synth_cli() -> dict[str, Any]:
    from benchmarks.synth import generate

    with tempfile.TemporaryDirectory(prefix="accord-synth-cli-") as tmp:
        corpus = generate(Path(tmp) / "rulesets", 20, 1000)
        runs = [_conflicts_cli(Path(tmp) / "rulesets", Path(tmp) / f"out{k}") for k in range(3)]
    best = min(runs, key=lambda m: m.wall)
    return {"claims": corpus.claims, "wall": best.wall, "cpu": best.cpu, "rss": best.peak_rss, "exit": best.returncode}


def report(rows: list[dict[str, Any]], cli: dict[str, Any] | None) -> str:
    out = [
        f"{SECTION} (benchmarks/walls.py)",
        "",
        "### (h1) One source, many overlapping claims",
        "",
        "N claims on `dose`, claim i where eGFR >= its own threshold, doses alternating between two values; "
        "region analysis (`engine.analysis.driver.analyse`, no work budget), best of 3 (the walk at 10,000: once). "
        "Before: the claim-by-claim fold forced (`engine.analysis.fold.walk`); after: the fold it picks "
        "(`fold_classes`: by value keys here). End to end: `accord conflicts` on the same ruleset as a user runs "
        "it (validation, analysis, band charts, report files), a child process, once (wall s / CPU s).",
        "",
        "| Claims | before s | after s | before / after | same findings | end to end s |",
        "|---:|---:|---:|---:|---|---:|",
    ]
    for r in rows:
        before = f"{r['before']:.2f}" if r["before"] is not None else "not run"
        ratio = f"{r['before'] / r['after']:.1f}x" if r["before"] is not None else ""
        same = "" if r["same"] is None else ("yes" if r["same"] else "**no**")
        m = r.get("cli")
        whole = (
            "not run"
            if m is None
            else f"{m.wall:.2f} / {m.cpu:.2f}" + ("" if m.returncode == 0 else f" (exit {m.returncode})")
        )
        out.append(f"| {r['claims']:,} | {before} | {r['after']:.2f} | {ratio} | {same} | {whole} |")
    if len(rows) >= 2:
        a, b = rows[0], rows[-1]
        growth = math.log(b["after"] / a["after"]) / math.log(b["claims"] / a["claims"])
        line = f"\nGrowth from {a['claims']:,} to {b['claims']:,} claims: time ~ claims^{growth:.2f} (after)"
        if a["before"] is not None and b["before"] is not None:
            old = math.log(b["before"] / a["before"]) / math.log(b["claims"] / a["claims"])
            line += f", claims^{old:.2f} (before)"
        largest = b["after"]
        if b["claims"] >= 10_000:
            met = "met" if largest < ANALYSIS_TARGET else "**not met**"
            line += f". {b['claims']:,} claims in {largest:.2f} s (target < {ANALYSIS_TARGET:.0f} s: {met})"
        out.append(line + ".")
    if cli is not None:
        met = "met" if cli["wall"] < CLI_TARGET and cli["exit"] == 0 else "**not met**"
        out += [
            "",
            "### (h2) Synthetic corpus end to end",
            "",
            f"`python -m engine.cli conflicts --rulesets DIR --out OUT -q` on benchmarks/synth.py's 20 sources x "
            f"1,000 claims ({cli['claims']:,} claims), a child process with a fresh report folder, best of 3.",
            "",
            "| Step | seconds | CPU s | peak MiB | exit |",
            "|---|---:|---:|---:|---:|",
            f"| **accord conflicts** | **{cli['wall']:.2f}** | {cli['cpu']:.2f} | {cli['rss'] >> 20} | {cli['exit']} |",
            "",
            f"Target < {CLI_TARGET:.0f} s: {met}.",
        ]
    return "\n".join(out) + "\n"


def many_sources(folder: Path, n: int, claims: int = 10) -> None:
    """n sources on `dose`, each banding eGFR into `claims` bands at its own thresholds: source k gives
    2 mg below t_k = 30 + (k mod 10) + (k mod 7) / 2 and 4 mg in each band of 10 above it (the last open),
    so every pair reads eGFR alone and two sources disagree between their own t."""
    text = " ".join(f"S{j}." for j in range(claims))
    for k in range(n):
        low = 30 + k % 10 + (k % 7) / 2
        rows = []
        for j in range(claims):
            lo, hi = low + (j - 1) * 10, low + j * 10
            if j == 0:
                when: Any = {"<": [{"var": "egfr"}, hi]}
            elif j == claims - 1:
                when = {">=": [{"var": "egfr"}, lo]}
            else:
                when = {"and": [{">=": [{"var": "egfr"}, lo]}, {"<": [{"var": "egfr"}, hi]}]}
            value = {"mg": 2 if j == 0 else 4, "every_days": 1}
            rows.append({"id": f"s{k:04d}/c{j}", "question": "dose", "value": value, "when": when, "quote": f"S{j}."})
        write_ruleset(folder, f"s{k:04d}", text, rows)


def _pairs_timed(run: Callable[[], Any]) -> tuple[float, float, int, Any]:
    """run() timed whole, with the time spent comparing pairs (driver.between_sources) and the sides built."""
    from engine.analysis import driver, grid

    spent, built = [0.0], [0]
    real_pair, real_side = driver.between_sources, grid._side

    def pair(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return real_pair(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start

    def side(*args: Any) -> Any:
        built[0] += 1
        return real_side(*args)

    setattr(driver, "between_sources", pair)  # noqa: B010  (patched: the driver looks it up at each pair)
    setattr(grid, "_side", side)  # noqa: B010
    try:
        start = time.perf_counter()
        out = run()
        total = time.perf_counter() - start
    finally:
        setattr(driver, "between_sources", real_pair)  # noqa: B010
        setattr(grid, "_side", real_side)  # noqa: B010
    return total, spent[0], built[0], out


def bench_many_sources(sizes: list[int], before_up_to: int) -> list[dict[str, Any]]:
    """(h3): each size analysed with each source's sides kept across its pairs (after) and computed for
    every pair (before, driver.SHARE_SIDES off); best of 3 up to 50 sources, else once."""
    from engine.analysis import driver
    from engine.analysis.driver import analyse
    from engine.validate import validate_paths

    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="accord-walls-") as tmp:
            many_sources(Path(tmp), n)
            rulesets = validate_paths([tmp], check_patients=False).rulesets
        print(f"  {n:,} sources...", file=sys.stderr, flush=True)
        repeats = 3 if n <= 50 else 1

        def timed(rs: list[Any] = rulesets, repeats: int = repeats) -> tuple[float, float, int, Any]:
            return min((_pairs_timed(lambda: analyse(rs, max_work=10**15)) for _ in range(repeats)), key=lambda t: t[1])

        total, pairs, built, result = timed()
        row: dict[str, Any] = {"sources": n, "pairs": n * (n - 1) // 2, "after": pairs, "after_total": total}
        row.update(after_sides=built, findings=len(_summary(result)), before=None, before_total=None, same=None)
        if n <= before_up_to:
            driver.SHARE_SIDES = False
            try:
                total, pairs, built, old = timed()
            finally:
                driver.SHARE_SIDES = True
            row.update(before=pairs, before_total=total, before_sides=built, same=_summary(old) == _summary(result))
        rows.append(row)
    return rows


def report_sources(rows: list[dict[str, Any]]) -> str:
    """The (h3) subsection of the walls section."""
    out = [
        "### (h3) Many sources on one question",
        "",
        "N sources with 10 `dose` claims each banding eGFR at their own thresholds (2 mg below the first, one of 70 "
        "threshold sets; 4 mg above); region analysis (`engine.analysis.driver.analyse`, no work budget), best of 3 "
        "up to 50 sources, else once. Pair stage: the time in `between_sources` over all pairs; sides: the "
        "per-source halves of a pair built (`engine.analysis.grid._side`). Before: `driver.SHARE_SIDES` off (both "
        "sides of every pair computed for it, the witness costs of its shared cells too); after: "
        "`engine.analysis.grid.PairSides` keeps each source's side across its pairs.",
        "",
        "| Sources | pairs | findings | pair stage before s | after s | before / after | ms a pair (after) "
        "| sides before | after | analyse before s | after s | same findings |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        ran = r["before"] is not None
        cells = [
            f"{r['sources']:,}",
            f"{r['pairs']:,}",
            f"{r['findings']:,}",
            f"{r['before']:.2f}" if ran else "not run",
            f"{r['after']:.2f}",
            f"{r['before'] / r['after']:.1f}x" if ran else "",
            f"{1000 * r['after'] / max(1, r['pairs']):.3f}",
            f"{r['before_sides']:,}" if ran else "",
            f"{r['after_sides']:,}",
            f"{r['before_total']:.2f}" if ran else "",
            f"{r['after_total']:.2f}",
            "" if r["same"] is None else ("yes" if r["same"] else "**no**"),
        ]
        out.append("| " + " | ".join(cells) + " |")
    if len(rows) >= 2:
        a, b = rows[0], rows[-1]
        scale = math.log(b["sources"] / a["sources"])
        line = (
            f"\nGrowth from {a['sources']:,} to {b['sources']:,} sources: pair stage ~ sources^"
            f"{math.log(b['after'] / a['after']) / scale:.2f} (after)"
        )
        if a["before"] is not None and b["before"] is not None:
            line += f", sources^{math.log(b['before'] / a['before']) / scale:.2f} (before)"
        line += "; pairs grow as sources^2, and here a pair of different thresholds is a finding to locate"
        out.append(line + ".")
    return "\n".join(out) + "\n"


_SECTION_RE = re.compile(rf"^{re.escape(SECTION)}.*?(?=^## |\Z)", re.S | re.M)


def current_section(results: Path) -> str | None:
    """The walls section RESULTS.md holds now (benchmarks/run.py --write keeps it: it is not run there)."""
    try:
        found = _SECTION_RE.search(results.read_text(encoding="utf-8"))
    except OSError:
        return None
    return found.group(0) if found else None


def write_section(text: str, results: Path) -> None:
    """Replace (or add, before "Reading these numbers") the walls section of RESULTS.md."""
    current = results.read_text(encoding="utf-8") if results.exists() else "# Benchmark results\n"
    block = text.rstrip("\n") + "\n\n"
    if _SECTION_RE.search(current):
        updated = _SECTION_RE.sub(lambda _m: block, current, count=1)
    elif "\n## Reading these numbers" in current:
        updated = current.replace("\n## Reading these numbers", "\n" + block + "## Reading these numbers", 1)
    else:
        updated = current.rstrip("\n") + "\n\n" + block
    results.write_text(updated, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.walls", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--claims", default="1000,3000,10000", help="numbers of overlapping claims, comma-separated")
    parser.add_argument("--walk-up-to", type=int, default=10_000, help="time the walk (before) up to this many claims")
    parser.add_argument("--no-cli", action="store_true", help="skip (h2), the synthetic corpus end to end")
    parser.add_argument("--cli-up-to", type=int, default=3000, help="(h1) run accord conflicts up to this many claims")
    parser.add_argument("--sources", default="50,200,400", help="(h3) numbers of sources, comma-separated; '' skips it")
    parser.add_argument("--per-pair-up-to", type=int, default=400, help="(h3) time the per-pair path up to this many")
    parser.add_argument("--write", action="store_true", help="replace the walls section of benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    sizes = sorted(int(x) for x in args.claims.replace("_", "").split(",") if x.strip())
    print("running (h1) overlapping claims...", file=sys.stderr, flush=True)
    rows = bench_overlapping(sizes, args.walk_up_to, args.cli_up_to)
    cli = None
    if not args.no_cli:
        print("running (h2) synthetic corpus end to end...", file=sys.stderr, flush=True)
        cli = bench_synth_cli()
    counts = sorted(int(x) for x in args.sources.replace("_", "").split(",") if x.strip())
    if counts:
        print("running (h3) many sources...", file=sys.stderr, flush=True)
    text = report(rows, cli) + (
        "\n" + report_sources(bench_many_sources(counts, args.per_pair_up_to)) if counts else ""
    )
    print(text)
    if args.write:
        write_section(text, HERE / "RESULTS.md")
        print(f"wrote {HERE / 'RESULTS.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
