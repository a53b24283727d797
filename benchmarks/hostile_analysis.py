"""Bounds of region analysis on hostile rulesets: peak memory and time per case (not collected by pytest).

    python -m benchmarks.hostile_analysis [CASE ...] [--limit-gb 3]

Each case writes a ruleset folder, runs `accord conflicts` on it in a subprocess
under an address-space limit (so a regression fails with MemoryError instead of
taking the machine down), and prints its exit code, wall time and peak RSS
(resource.getrusage of the child). A case passes when it finishes under 5 s and
1 GiB, and when its report says what was left out (Not analysed / Truncated).

Measured on 2 shared cores (wall time includes validate; "analysis" is the
time `accord conflicts` reports), before -> after the bounds of issue 12:

  combiner        >90 s (timed out, growing)      -> 98 MiB, analysis 2.2 s, Not analysed (pairs/bytes over budget)
  grid_at_budget  >90 s (timed out; 2.5 GB seen)  -> 55 MiB, refused before any array (bytes over budget)
  grid_at_bytes   709 MiB, analysis 48 s           -> 253 MiB, analysis 53 s (analysed in full)
  many_conflicts  >600 s (90,000 conflicts)        -> 145 MiB, analysis 5.5 s, 6.4 MB report, Truncated at 2,000

Time, wave 2 (faster row grouping and witnesses, then the --max-work budget). The
machine was shared (load 4-8 on 2 cores), so CPU seconds of the child are given;
they are the bound checked (--max-seconds). Before -> after, CPU unless marked wall:

  grid_at_bytes        53 s wall (np.unique on records)  -> 4.4-5.5 s CPU, analysed in full (674 M work units)
  many_conflicts       20 s of witnesses (1.2 M claims)  -> 5.9 s CPU, Truncated at 2,000 (634 M units)
  overlapping          124 s wall (cubic bit walk)       -> 4.8 s CPU, Not analysed (fold needs 4.5 G units)
  overlapping_10k      minutes                           -> 5.5 s CPU, Not analysed (50 G units)
  labels_on_big_grids  24.7 s CPU (1,600 witnesses)      -> 6.9 s CPU, Truncated at 117 (max_work), most of it validating 3,200 claims
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.conftest import write_ruleset  # noqa: E402  (the fixtures' writer: exact provenance)

GIB = 1 << 30


def _bands(folder: Path, source: str, pairs: list[tuple[dict, object]]) -> None:
    text = " ".join(f"S{i}." for i in range(len(pairs)))
    write_ruleset(
        folder,
        source,
        text,
        [
            {"id": f"{source}/c{i}", "question": "dose", "value": value, "when": when, "quote": f"S{i}."}
            for i, (when, value) in enumerate(pairs)
        ],
    )


def _band(fact: str, lo: float, hi: float) -> dict:
    return {"and": [{">=": [{"var": fact}, lo]}, {"<": [{"var": fact}, hi]}]}


def combiner(folder: Path, n: int = 1000) -> None:
    """Two sources, each banding egfr and crcl independently in n/2 bands: the component product is n^2/4 states."""
    half = n // 2
    for s, offset in (("alpha", 0), ("beta", 1)):
        pairs = [
            (_band("egfr", i * 200 / half, (i + 1) * 200 / half), {"mg": 1 + i + offset, "every_days": 1})
            for i in range(half)
        ]
        pairs += [
            (_band("crcl", i * 250 / half, (i + 1) * 250 / half), {"mg": 5000 + i + offset, "every_days": 1})
            for i in range(half)
        ]
        _bands(folder, s, pairs)


def grid_at_budget(folder: Path, cuts: int = 31) -> None:
    """Claims per source linking four numeric facts cut in 63 cells each: 63^4 = 15.8M cells, under 2^24."""
    facts = ["age_years", "weight_kg", "egfr", "crcl"]
    highs = {"age_years": 120, "weight_kg": 400, "egfr": 200, "crcl": 250}
    for s, value in (("alpha", 1), ("beta", 2)):
        pairs = []
        for k in range(cuts):
            when = {"and": [{">=": [{"var": f}, (k + 1) * highs[f] / (cuts + 2)]} for f in facts]}
            pairs.append((when, {"mg": value + k % 3, "every_days": 1}))
        _bands(folder, s, pairs)


def grid_at_bytes(folder: Path) -> None:
    """As grid_at_budget with 39^4 = 2.3M cells: the largest such pair of grids the default byte budget admits."""
    grid_at_budget(folder, 19)


def many_conflicts(folder: Path, n: int = 600) -> None:
    """300 crcl bands against 300 egfr bands, every value different: 90,000 between-source conflicts."""
    half = n // 2
    _bands(
        folder,
        "alpha",
        [(_band("crcl", i * 250 / half, (i + 1) * 250 / half), {"mg": i + 1, "every_days": 1}) for i in range(half)],
    )
    _bands(
        folder,
        "beta",
        [(_band("egfr", i * 200 / half, (i + 1) * 200 / half), {"mg": 1000 + i, "every_days": 1}) for i in range(half)],
    )


def huge_threshold(folder: Path) -> None:
    """A 401-digit integer threshold (the loader accepts it; float() of it overflows)."""
    _bands(
        folder,
        "alpha",
        [
            ({">=": [{"var": "egfr"}, 10**400]}, {"mg": 1, "every_days": 1}),
            ({"<": [{"var": "egfr"}, 30]}, {"mg": 2, "every_days": 1}),
        ],
    )
    _bands(folder, "beta", [({">=": [{"var": "egfr"}, 30]}, {"mg": 3, "every_days": 1})])


def overlapping(folder: Path, n: int = 3000) -> None:
    """One source, n claims each above its own egfr threshold with its own dose: every cell folds all the claims below it."""
    _bands(
        folder, "alpha", [({">=": [{"var": "egfr"}, i * 200 / n]}, {"mg": i + 1, "every_days": 1}) for i in range(n)]
    )


def overlapping_10k(folder: Path) -> None:
    """As overlapping with 10,000 claims (a minute and more before the work budget)."""
    overlapping(folder, 10_000)


def labels_on_big_grids(folder: Path, n: int = 40) -> None:
    """Two sources banding egfr and crcl together (n x n boxes, every dose different): n^2 regions, each located on both grids."""
    for s, offset in (("alpha", 0), ("beta", 100_000)):
        pairs = [
            (
                {"and": [_band("egfr", i * 200 / n, (i + 1) * 200 / n), _band("crcl", j * 250 / n, (j + 1) * 250 / n)]},
                {"mg": 1 + offset + i * n + j, "every_days": 1},
            )
            for i in range(n)
            for j in range(n)
        ]
        _bands(folder, s, pairs)


CASES: dict[str, Callable[[Path], None]] = {
    "combiner": combiner,
    "grid_at_budget": grid_at_budget,
    "grid_at_bytes": grid_at_bytes,
    "many_conflicts": many_conflicts,
    "huge_threshold": huge_threshold,
    "overlapping": overlapping,
    "overlapping_10k": overlapping_10k,
    "labels_on_big_grids": labels_on_big_grids,
}


def _child(folder: str, out: str, limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from engine import cli

    code = cli.main(["conflicts", "--rulesets", folder, "--out", out, "-q"])
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"peak_kib={usage.ru_maxrss}", file=sys.stderr)
    print(f"cpu_s={usage.ru_utime + usage.ru_stime:.2f}", file=sys.stderr)
    sys.exit(code)


def run_case(name: str, limit: int, timeout: float = 120) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder, out = Path(tmp) / "rulesets", Path(tmp) / "out"
        folder.mkdir()
        CASES[name](folder)
        started = time.perf_counter()
        try:
            proc = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    f"from benchmarks.hostile_analysis import _child; _child({str(folder)!r}, {str(out)!r}, {limit})",
                ],
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return {
                "case": name,
                "exit": None,
                "seconds": timeout,
                "cpu": timeout,
                "peak_mib": 0,
                "report_kib": 0,
                "not_analysed": False,
                "truncated": False,
                "traceback": False,
                "tail": [f"timed out after {timeout:.0f} s"],
            }
        seconds = time.perf_counter() - started
        peak = next((int(line.split("=")[1]) for line in proc.stderr.splitlines() if line.startswith("peak_kib=")), 0)
        cpu = next(
            (float(line.split("=")[1]) for line in proc.stderr.splitlines() if line.startswith("cpu_s=")), seconds
        )
        md = (out / "report.md").read_text(encoding="utf-8") if (out / "report.md").exists() else ""
        return {
            "case": name,
            "exit": proc.returncode,
            "seconds": round(seconds, 2),
            "cpu": cpu,
            "peak_mib": round(peak / 1024),
            "report_kib": round(
                len(md.encode()) / 1024
                + ((out / "report.json").stat().st_size / 1024 if (out / "report.json").exists() else 0)
            ),
            "not_analysed": "## Not analysed" in md,
            "truncated": "## Truncated" in md,
            "traceback": "Traceback" in proc.stderr,
            "tail": [line for line in proc.stderr.strip().splitlines() if "=" not in line[:9]][-3:],
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=list(CASES))
    parser.add_argument("--timeout", type=float, default=120, help="seconds before a run is stopped (default 120)")
    parser.add_argument("--limit-gb", type=float, default=3.0, help="address-space limit of each run (default 3)")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=5.0,
        help="time bound of a case, on the CPU time of its process "
        "(default 5; on a shared machine wall time runs over it while CPU time does not)",
    )
    args = parser.parse_args(argv)
    failed = False
    for name in args.cases:
        r = run_case(name, int(args.limit_gb * GIB), args.timeout)
        ok = not r["traceback"] and r["cpu"] < args.max_seconds and r["peak_mib"] < 1024
        failed |= not ok
        print(
            f"{'ok  ' if ok else 'FAIL'} {name:19} exit {r['exit']}  {r['seconds']:6.2f} s wall {r['cpu']:6.2f} s CPU  {r['peak_mib']:5} MiB peak  "
            f"report {r['report_kib']:,} KiB  not_analysed={r['not_analysed']} truncated={r['truncated']}",
            flush=True,
        )
        print("     " + "\n     ".join(r["tail"]), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
