"""Accord benchmarks: every ratio measured in one run, on this machine.

    python -m benchmarks [--write] [--quick] [--no-node]

(a) compiled rules vs json-logic-qubit, same rules and patients (target >= 10x)
(b) batch evaluation of numeric band rules over 100,000-patient batches with
    missing-fact masks (target >= 100M rule-evals/s on one core), next to the
    scalar compiler and json-logic-engine (compiled mode, Node) when `node` is there,
    and beside the same masks written by hand in NumPy, with and without
    missing-fact masks (target: at least half the hand-written speed)
(c) synthetic corpus, 20 sources x 1,000 claims: validate + analyse (target < 10 s),
    every planted conflict found
(d) growth at 1k, 10k, 100k claims: validate + compile + evaluate (near-linear)
(e) bundled corpus: `accord validate` then `accord conflicts --check` as subprocesses (target < 1 s for both together)
(f) import time of `accord validate` (python -X importtime)

--write updates benchmarks/RESULTS.md. Nothing here is collected by pytest.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import random
import shutil
import subprocess
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

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core: NumPy elementwise work is single-threaded anyway

BAND_RULES = [
    {"and": [{">=": [{"var": "egfr"}, 30]}, {"<": [{"var": "egfr"}, 50]}]},
    {"and": [{">=": [{"var": "egfr"}, 50]}, {"<": [{"var": "egfr"}, 90]}]},
    {"<=": [15, {"var": "crcl"}, 60]},
    {"or": [{"<": [{"var": "egfr"}, 30]}, {"<": [{"var": "crcl"}, 30]}]},
]


def best_of(fn: Callable[[], Any], repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


# ---------------------------------------------------------------- machine


def machine() -> dict[str, str]:
    import numpy

    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        from importlib.metadata import version

        qubit = version("json-logic-qubit")
    except Exception:  # noqa: BLE001
        qubit = "?"
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "CPU": cpu,
        "Cores": f"{os.cpu_count()} (usable: {affinity}); every timing is single-threaded",
        "Python": platform.python_version(),
        "NumPy": numpy.__version__,
        "json-logic-qubit": qubit,
        "Node": _node_version() or "absent",
        "Date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _node_version() -> str | None:
    node = shutil.which("node")
    if not node:
        return None
    try:
        return subprocess.run([node, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


# ---------------------------------------------------------------- patients


def patients(n: int, seed: int = 1, missing: float = 0.0) -> list[dict[str, Any]]:
    """Patients over every number, enum and boolean fact of the vocabulary."""
    from engine.contract import vocabulary

    rng = random.Random(seed)
    facts = [f for f in vocabulary().facts.values() if f.type in ("number", "enum", "boolean")]
    out = []
    for _ in range(n):
        p: dict[str, Any] = {}
        for f in facts:
            if missing and rng.random() < missing:
                continue
            if f.type == "number":
                lo, hi = f.range or (0, 100)
                p[f.name] = round(rng.uniform(lo, hi), 1)
            elif f.type == "enum":
                p[f.name] = rng.choice(f.values)
            else:
                p[f.name] = rng.random() < 0.5
        out.append(p)
    return out


def corpus_rules() -> list[Any]:
    """Every `when` of the bundled corpus (rulesets/), plus the numeric band rules."""
    from engine.validate import validate_paths

    result = validate_paths([REPO / "rulesets"], check_patients=False)
    whens = [c.when for r in result.rulesets for c in r.claims]
    return whens + BAND_RULES


# ---------------------------------------------------------------- (a)


def bench_compiled_vs_qubit(results: dict[str, Any]) -> None:
    from json_logic import jsonLogic

    from engine.contract import allowed_operations
    from engine.jsonlogic import UNKNOWN, Compiler, RuleError, compiler, truthy

    rules = corpus_rules()
    allowed = allowed_operations()
    from engine.rules import operations_used

    assert all(
        operations_used(r) <= allowed for r in rules
    )  # qubit only runs whitelisted rules (its `method` runs code)
    people = patients(2000, seed=1)
    start = time.perf_counter()
    fresh = Compiler("accord")
    for rule in rules:
        fresh.compile(rule)
    compile_seconds = time.perf_counter() - start
    fns = [compiler("accord").compile(r) for r in rules]
    ref = [Compiler("accord", generate=False).compile(r) for r in rules]

    def run_all(fs: list[Callable[[Any], Any]]) -> None:
        for f in fs:
            for p in people:
                f(p)

    def run_qubit() -> None:
        for r in rules:
            for p in people:
                jsonLogic(r, p)

    evals = len(rules) * len(people)
    t_gen = best_of(lambda: run_all(fns))
    t_ref = best_of(lambda: run_all(ref))
    t_qubit = best_of(run_qubit, 2)
    disagree = 0
    compared = 0
    for r, f in zip(rules, fns):
        for p in people[:500]:
            try:
                ours = f(p)
            except RuleError:
                continue
            compared += 1
            if ours is UNKNOWN or truthy(ours) != bool(jsonLogic(r, p)):
                disagree += 1
    results["a"] = {
        "rules": len(rules),
        "patients": len(people),
        "evals": evals,
        "generated_ns": t_gen / evals * 1e9,
        "reference_ns": t_ref / evals * 1e9,
        "qubit_ns": t_qubit / evals * 1e9,
        "ratio": t_qubit / t_gen,
        "ratio_reference": t_qubit / t_ref,
        "compile_us": compile_seconds / len(rules) * 1e6,
        "disagree": disagree,
        "compared": compared,
    }


# ---------------------------------------------------------------- (b)


def _bare_band_masks(np: Any, columns: dict[str, Any], present: dict[str, Any]) -> list[Callable[[], Any]]:
    """BAND_RULES written by hand in NumPy: the same (true, unknown) masks compile_mask returns.

    With `present` the rows missing a fact are unknown (Kleene: an `or` is
    unknown where no side holds and a side is missing); without it every row
    is known and the unknown mask is all False, as compile_mask returns it.
    """
    e, c = columns["egfr"], columns["crcl"]
    pe, pc = present.get("egfr"), present.get("crcl")
    n = len(e)
    if pe is None or pc is None:
        return [
            lambda: ((e >= 30) & (e < 50), np.zeros(n, dtype=bool)),
            lambda: ((e >= 50) & (e < 90), np.zeros(n, dtype=bool)),
            lambda: ((c >= 15) & (c <= 60), np.zeros(n, dtype=bool)),
            lambda: ((e < 30) | (c < 30), np.zeros(n, dtype=bool)),
        ]

    def either() -> Any:
        true = ((e < 30) & pe) | ((c < 30) & pc)
        return true, ~(true | (pe & pc))

    return [
        lambda: ((e >= 30) & (e < 50) & pe, ~pe),
        lambda: ((e >= 50) & (e < 90) & pe, ~pe),
        lambda: ((c >= 15) & (c <= 60) & pc, ~pc),
        either,
    ]


def bench_batch(results: dict[str, Any], use_node: bool) -> None:
    import numpy as np

    from engine.jsonlogic import compiler
    from engine.jsonlogic.vectorised import compile_mask

    n = 100_000
    rng = np.random.default_rng(7)
    columns = {"egfr": rng.uniform(0, 200, n).round(1), "crcl": rng.uniform(0, 250, n).round(1)}
    present = {name: rng.random(n) >= 0.1 for name in columns}  # 10% of each fact missing
    fns = [compile_mask(r) for r in BAND_RULES]
    for f in fns:
        f(columns, present)
    repeats = 20
    per_rule = []
    trues = []
    for f in fns:
        seconds = best_of(lambda f=f: [f(columns, present) for _ in range(repeats)], 3) / repeats
        per_rule.append(n / seconds)
        trues.append(int(f(columns, present)[0].sum()))
    total_rate = len(fns) * n / sum(n / r for r in per_rule)

    # side by side with the same masks written by hand, with and without missing-value masks: every
    # (mode, rule, side) is timed once per round and the best round kept, so a burst of load on a shared
    # machine falls on all of them alike instead of on one mode's whole measurement
    modes = {"masks": present, "none": {}}
    hand = {label: _bare_band_masks(np, columns, given) for label, given in modes.items()}
    for label, given in modes.items():
        for f, h in zip(fns, hand[label]):  # the hand-written masks answer what compile_mask answers
            ours, theirs = f(columns, given), h()
            assert all((x == y).all() for x, y in zip(ours, theirs)), "hand-written mask disagrees"
    bare = {label: {"accord_s": [float("inf")] * len(fns), "bare_s": [float("inf")] * len(fns)} for label in modes}
    short = 5  # batches per sample: short samples, many rounds (a sample a time slice can hold)
    for _ in range(40):
        for label, given in modes.items():
            best = bare[label]
            for k, (f, h) in enumerate(zip(fns, hand[label])):
                ours_t = best_of(lambda f=f, g=given: [f(columns, g) for _ in range(short)], 1) / short
                bare_t = best_of(lambda h=h: [h() for _ in range(short)], 1) / short
                best["accord_s"][k] = min(best["accord_s"][k], ours_t)
                best["bare_s"][k] = min(best["bare_s"][k], bare_t)

    # the same rules and patients, one dict per patient, through the scalar compiler
    rows = []
    for i in range(n):
        row = {}
        for name in columns:
            if present[name][i]:
                row[name] = float(columns[name][i])
        rows.append(row)
    scalar = [compiler("accord").compile(r) for r in BAND_RULES]
    sample = rows[:20_000]
    t_scalar = best_of(lambda: [f(p) for f in scalar for p in sample], 3)
    scalar_rate = len(scalar) * len(sample) / t_scalar

    node_rate = None
    node_note = "node absent"
    if use_node and shutil.which("node"):
        node_rate, node_note = _node_batch(rows)
    elif not use_node:
        node_note = "skipped (--no-node)"
    results["b"] = {
        "patients": n,
        "rules": len(fns),
        "per_rule": per_rule,
        "rate": total_rate,
        "scalar_rate": scalar_rate,
        "node_rate": node_rate,
        "node_note": node_note,
        "trues": trues,
        "bare": bare,
    }


def _node_batch(rows: list[dict[str, Any]]) -> tuple[float | None, str]:
    package = HERE / "node" / "node_modules" / "json-logic-engine"
    if not package.exists():
        npm = shutil.which("npm")
        if not npm:
            return None, "npm absent"
        proc = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund"], cwd=HERE / "node", capture_output=True, text=True, timeout=300
        )
        if proc.returncode != 0:
            return None, "npm install failed: " + " ".join(proc.stderr.split())[-200:]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"rules": BAND_RULES, "patients": rows, "repeats": 5}, handle)
        path = handle.name
    try:
        proc = subprocess.run(
            [shutil.which("node") or "node", str(HERE / "node" / "band.js"), path],
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        os.unlink(path)
    if proc.returncode != 0:
        return None, "node failed: " + " ".join(proc.stderr.split())[-200:]
    out = json.loads(proc.stdout)
    return out["evals"] / out["seconds"], f"json-logic-engine {out['version']}, LogicEngine.build (compiled)"


# ---------------------------------------------------------------- (c)


def bench_synth(results: dict[str, Any], sources: int = 20, claims: int = 1000) -> None:
    from benchmarks.synth import found_planted, generate
    from engine.validate import validate_paths

    with tempfile.TemporaryDirectory(prefix="accord-synth-") as tmp:
        corpus = generate(tmp, sources, claims)
        start = time.perf_counter()
        validation = validate_paths([tmp], check_patients=False)
        t_validate = time.perf_counter() - start
        errors = [d.format() for d in validation.diagnostics if d.severity == "error"]
        try:
            from engine.analysis.driver import analyse
        except ImportError:
            results["c"] = {
                "claims": corpus.claims,
                "validate": t_validate,
                "analyse": None,
                "found": None,
                "errors": errors[:3],
            }
            return
        start = time.perf_counter()
        analysis = analyse(validation.rulesets)
        t_analyse = time.perf_counter() - start
        found = found_planted(corpus, analysis)
        t_build, t_group, findings, regions = _build_timed(validation.rulesets, analysis)
    results["c"] = {
        "build": t_build,
        "group": t_group,
        "findings": findings,
        "regions": regions,
        "sources": sources,
        "claims": corpus.claims,
        "validate": t_validate,
        "analyse": t_analyse,
        "found": sum(hit for _, hit in found),
        "planted": len(found),
        "kinds": ", ".join(f"{p.kind} {'found' if hit else 'MISSED'}" for p, hit in found),
        "errors": errors[:3],
    }


def _build_timed(rulesets: list[Any], analysis: Any) -> tuple[float, float, int, int]:
    """engine.conflicts.build_conflicts timed whole (witnesses, roles, grouping) and its grouping alone, in one run."""
    import engine.conflicts as conflicts

    spent = [0.0]
    group = conflicts.group_findings

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return group(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start

    conflicts.group_findings = timed  # type: ignore[assignment]
    try:
        start = time.perf_counter()
        built = conflicts.build_conflicts(rulesets, analysis)
        total = time.perf_counter() - start
    finally:
        conflicts.group_findings = group  # type: ignore[assignment]
    return total, spent[0], len(built), sum(len(c.regions or [1]) for c in built)


# ---------------------------------------------------------------- (d)


def bench_growth(results: dict[str, Any], scales: list[int]) -> None:
    from benchmarks.synth import generate
    from engine.jsonlogic import Compiler
    from engine.validate import validate_paths

    people = patients(10, seed=3, missing=0.2)
    rows = []
    for claims in scales:
        sources = max(1, claims // 1000)
        with tempfile.TemporaryDirectory(prefix="accord-growth-") as tmp:
            corpus = generate(tmp, sources, claims // sources)
            start = time.perf_counter()
            validation = validate_paths([tmp], check_patients=False)
            t_validate = time.perf_counter() - start
        whens = [c.when for r in validation.rulesets for c in r.claims]
        c = Compiler("accord")
        start = time.perf_counter()
        fns = [c.compile(w) for w in whens]
        t_compile = time.perf_counter() - start
        start = time.perf_counter()
        for f in fns:
            for p in people:
                f(p)
        t_eval = time.perf_counter() - start
        rows.append(
            {
                "claims": corpus.claims,
                "validate": t_validate,
                "compile": t_compile,
                "evaluate": t_eval,
                "patients": len(people),
                "per_claim_ms": (t_validate + t_compile + t_eval) / corpus.claims * 1e3,
            }
        )
    results["d"] = rows


# ---------------------------------------------------------------- (e) and (f)


def bench_cli(results: dict[str, Any]) -> None:
    from engine.cli import COMMANDS

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    rows = []
    argvs = []
    for command in ("validate", "conflicts"):
        if command not in COMMANDS:
            rows.append({"command": command, "seconds": None, "exit": None})
            continue
        target = ["rulesets"] if command == "validate" else ["--rulesets", "rulesets", "--check"]
        argvs.append((command, [sys.executable, "-m", "engine.cli", command, *target]))
    best = {command: float("inf") for command, _ in argvs}
    best_pair, codes = float("inf"), {}
    for _ in range(3):  # the pair, one after the other, as CI runs them; each command's best too
        pair = 0.0
        for command, argv in argvs:
            start = time.perf_counter()
            proc = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, env=env, timeout=120)
            took = time.perf_counter() - start
            pair += took
            best[command] = min(best[command], took)
            codes[command] = proc.returncode
        best_pair = min(best_pair, pair)
    rows += [
        {
            "command": "conflicts --check" if command == "conflicts" else command,
            "seconds": best[command],
            "exit": codes[command],
        }
        for command, _ in argvs
    ]
    if len(argvs) == 2:
        rows.append(
            {
                "command": "validate + accord conflicts --check",
                "seconds": best_pair,
                "exit": max(codes.values()),
                "pair": True,
            }
        )
    results["e"] = rows

    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "engine.cli", "validate", "rulesets"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    top: list[tuple[int, str]] = []
    total = 0
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line[len("import time:") :].split("|")
        if not cumulative.strip().isdigit():
            continue
        depth = (len(name) - len(name.lstrip())) // 2
        if depth == 0:
            total += int(cumulative)
            top.append((int(cumulative), name.strip()))
    top.sort(reverse=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], env=env, timeout=60)
    bare = time.perf_counter() - start
    results["f"] = {"total_ms": total / 1000, "top": [(n, us / 1000) for us, n in top[:6]], "bare_python": bare}


# ---------------------------------------------------------------- report


def _fmt_rate(rate: float | None) -> str:
    if rate is None:
        return "-"
    return f"{rate / 1e6:,.1f}M/s" if rate >= 1e6 else f"{rate / 1e3:,.0f}k/s"


def _ok(flag: bool) -> str:
    return "met" if flag else "MISSED"


def _bare_lines(b: dict[str, Any]) -> list[str]:
    """(b)'s side-by-side table: compile_mask against the same masks written by hand in NumPy."""
    bare = b.get("bare")
    if not bare:
        return []
    lines = [
        "Against a bare NumPy mask (`benchmarks/run.py` `_bare_band_masks`: each rule written by hand, "
        "the same true and unknown masks, checked equal), measured interleaved in the same run (each rule, mode and side once per round), best of 40 rounds x 5 batches; "
        "ratio = bare time / Accord time (1.0 = as fast as the hand-written mask):",
        "",
        "| Rule | with masks: Accord us | bare us | ratio | without masks: Accord us | bare us | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    m, z = bare["masks"], bare["none"]
    for i, r in enumerate(BAND_RULES):
        lines.append(
            f"| `{json.dumps(r, separators=(',', ':'))}` "
            f"| {m['accord_s'][i] * 1e6:,.0f} | {m['bare_s'][i] * 1e6:,.0f} | {m['bare_s'][i] / m['accord_s'][i]:.2f} "
            f"| {z['accord_s'][i] * 1e6:,.0f} | {z['bare_s'][i] * 1e6:,.0f} | {z['bare_s'][i] / z['accord_s'][i]:.2f} |"
        )
    overall = {k: sum(v["bare_s"]) / sum(v["accord_s"]) for k, v in bare.items()}
    worst = min(min(bs / a for a, bs in zip(v["accord_s"], v["bare_s"])) for v in bare.values())
    lines += [
        f"| **all four** | | | **{overall['masks']:.2f}** | | | **{overall['none']:.2f}** |",
        "",
        f"Target: at least half the bare speed (ratio >= 0.5) with and without masks: {_ok(min(overall.values()) >= 0.5)}"
        f" (worst single rule {worst:.2f}).",
        "",
    ]
    return lines


def report(results: dict[str, Any], info: dict[str, str]) -> str:
    lines = [
        "# Benchmark results",
        "",
        "Written by `python -m benchmarks --write`; every number below comes from one run.",
        "",
    ]
    lines += ["| Machine | |", "|---|---|"] + [f"| {k} | {v} |" for k, v in info.items()] + [""]
    if "a" in results:
        a = results["a"]
        lines += [
            "## (a) Compiled rules vs json-logic-qubit",
            "",
            f"{a['rules']} rules (every `when` of rulesets/ plus {len(BAND_RULES)} band rules) x {a['patients']} patients with every fact present, {a['evals']:,} evaluations each; best of 3.",
            "",
            "| Evaluator | ns / evaluation | vs json-logic-qubit |",
            "|---|---:|---:|",
            f"| json-logic-qubit `jsonLogic(rule, data)` | {a['qubit_ns']:,.0f} | 1.0x |",
            f"| Accord reference closures (`generate=False`) | {a['reference_ns']:,.0f} | {a['ratio_reference']:.1f}x |",
            f"| **Accord compiled (generated functions)** | **{a['generated_ns']:,.0f}** | **{a['ratio']:.1f}x** (target >= 10x: {_ok(a['ratio'] >= 10)}) |",
            "",
            f"Compile (fresh cache, incl. code generation): {a['compile_us']:,.0f} us per rule. "
            f"Answers compared on {a['compared']:,} evaluations: {a['disagree']} disagreements.",
            "",
        ]
    if "b" in results:
        b = results["b"]
        ratio_scalar = b["rate"] / b["scalar_rate"]
        node = f"{_fmt_rate(b['node_rate'])} ({b['node_note']})" if b["node_rate"] else f"- ({b['node_note']})"
        lines += (
            [
                "## (b) Batch evaluation of numeric band rules",
                "",
                f"{b['rules']} band rules over batches of {b['patients']:,} patients, 10% of each fact missing (present masks); `engine.jsonlogic.vectorised.compile_mask`, best of 3 x 20 batches.",
                "",
                "| Rule | rule-evals / s |",
                "|---|---:|",
            ]
            + [
                f"| `{json.dumps(r, separators=(',', ':'))}` | {_fmt_rate(rate)} |"
                for r, rate in zip(BAND_RULES, b["per_rule"])
            ]
            + [
                "",
                "| Evaluator (same rules, same patients) | rule-evals / s | batch is |",
                "|---|---:|---:|",
                f"| **Accord batch (NumPy, one core)** | **{_fmt_rate(b['rate'])}** | target >= 100M/s: {_ok(b['rate'] >= 100e6)} |",
                f"| Accord compiled, one dict per patient | {_fmt_rate(b['scalar_rate'])} | {ratio_scalar:,.0f}x faster |",
                f"| json-logic-engine, Node | {node} | "
                + (f"{b['rate'] / b['node_rate']:,.1f}x faster |" if b["node_rate"] else "- |"),
                "",
                "json-logic-engine reads a missing fact as null (JsonLogic), Accord as unknown: the speed is comparable, the answers on patients with missing facts are not.",
                "",
            ]
            + _bare_lines(b)
        )
    if "c" in results:
        c = results["c"]
        total = c["validate"] + (c["analyse"] or 0)
        lines += [
            "## (c) Synthetic corpus (benchmarks/synth.py)",
            "",
            f"{c.get('sources', '?')} sources, {c['claims']:,} claims, written as rulesets + source texts (sha256, offsets) into a temp folder.",
            "",
            "| Step | seconds |",
            "|---|---:|",
            f"| validate (`engine.validate.validate_paths`) | {c['validate']:.2f} |",
            f"| analyse (`engine.analysis.driver.analyse`) | {c['analyse']:.2f} |"
            if c["analyse"] is not None
            else "| analyse | engine.analysis absent |",
            f"| **total** | **{total:.2f}** (target < 10 s: {_ok(total < 10)}) |",
            f"| witnesses, roles and grouping (`engine.conflicts.build_conflicts`) | {c['build']:.2f} |"
            if c.get("build") is not None
            else "",
            f"| of which grouping by cause (`engine.findings.group_findings`) | {c['group']:.2f} |"
            if c.get("group") is not None
            else "",
            "",
            (
                f"{c['regions']:,} regions grouped into {c['findings']:,} findings; grouping and witnesses add "
                f"{100 * c['build'] / c['analyse']:.0f} % to analysis time (target < 20 %: {_ok(c['build'] < 0.2 * c['analyse'])}), "
                f"grouping alone {100 * c['group'] / c['analyse']:.1f} %."
            )
            if c.get("build") is not None and c["analyse"]
            else "",
            "",
            f"Planted conflicts found: {c.get('found')}/{c.get('planted')} ({c.get('kinds', '')})."
            + (f" Validation errors: {c['errors']}" if c["errors"] else ""),
            "",
        ]
    if "d" in results:
        rows = results["d"]
        lines += (
            [
                "## (d) Growth",
                "",
                "Synthetic corpora (1,000 claims per source); compile = fresh compiler over every `when`; evaluate = every claim on "
                f"{rows[0]['patients']} patients.",
                "",
                "| Claims | validate s | compile s | evaluate s | total ms / claim |",
                "|---:|---:|---:|---:|---:|",
            ]
            + [
                f"| {r['claims']:,} | {r['validate']:.2f} | {r['compile']:.2f} | {r['evaluate']:.3f} | {r['per_claim_ms']:.3f} |"
                for r in rows
            ]
            + [""]
        )
        if len(rows) > 1:
            growth = rows[-1]["per_claim_ms"] / rows[0]["per_claim_ms"]
            lines += [
                f"Cost per claim at {rows[-1]['claims']:,} claims is {growth:.2f}x the cost at {rows[0]['claims']:,} (1.0 = linear).",
                "",
            ]
    if "e" in results:
        lines += [
            "## (e) Bundled corpus end to end",
            "",
            "Subprocesses `python -m engine.cli COMMAND rulesets`, interpreter start included, best of 3;"
            " the last row is both commands one after the other (the target).",
            "",
            "| Command | seconds | exit | target |",
            "|---|---:|---:|---|",
        ]
        for r in results["e"]:
            if r["seconds"] is None:
                lines.append(f"| accord {r['command']} | - | - | command not available yet |")
            elif r.get("pair"):
                lines.append(
                    f"| **accord {r['command']}** | **{r['seconds']:.2f}** | {r['exit']} | < 1 s: {_ok(r['seconds'] < 1)} |"
                )
            else:
                lines.append(f"| accord {r['command']} | {r['seconds']:.2f} | {r['exit']} | |")
        lines.append("")
    if "f" in results:
        f = results["f"]
        lines += (
            [
                "## (f) Import time of `accord validate`",
                "",
                f"`python -X importtime -m engine.cli validate rulesets`: {f['total_ms']:.0f} ms of imports "
                f"(bare interpreter start: {f['bare_python'] * 1000:.0f} ms). Largest top-level imports:",
                "",
                "| Module | ms (cumulative) |",
                "|---|---:|",
            ]
            + [f"| {n} | {ms:.1f} |" for n, ms in f["top"]]
            + [""]
        )
    lines += NOTES
    return "\n".join(lines)


NOTES = [
    "## Reading these numbers",
    "",
    "* The machine is shared (2 cores, other work running): timings vary by up to 3x between runs; ratios are measured in one run, on the same data.",
    "* (c) and (d): schema validity is decided by jsonschema-rs (the jsonschema package only explains invalid files), `.json` files",
    "  parse with the C json module (spans found on demand), and the cycle collector is paused while large acyclic trees are built",
    "  (engine.gcpause). What remains is mostly engine.rules' semantic check of every rule and the provenance check.",
    "* (e) `accord conflicts --check` covers about 1.5 million grid cells on the bundled corpus, 1.3 million of them in one question",
    "  (initiation: lucius-label reads 18 facts). Those facts are mostly independent, so that question is analysed by components",
    "  (engine/analysis/components.py) instead of on the full grid; the rest of the time is interpreter start, imports, loading and the report.",
    "",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    parser.add_argument("--quick", action="store_true", help="growth at 1k and 10k claims only")
    parser.add_argument("--no-node", action="store_true", help="skip the json-logic-engine column")
    parser.add_argument("--only", default="abcdef", help="sections to run, e.g. 'ab'")
    args = parser.parse_args(argv)
    info = machine()
    results: dict[str, Any] = {}
    steps = [
        ("a", "compiled vs json-logic-qubit", lambda: bench_compiled_vs_qubit(results)),
        ("b", "batch band rules", lambda: bench_batch(results, not args.no_node)),
        ("c", "synthetic corpus", lambda: bench_synth(results)),
        ("d", "growth", lambda: bench_growth(results, [1000, 10000] if args.quick else [1000, 10000, 100000])),
        ("e", "bundled corpus end to end", lambda: bench_cli(results)),
    ]
    for key, name, step in steps:
        if key not in args.only and not (key == "e" and "f" in args.only):
            continue
        print(f"running ({key}) {name}...", file=sys.stderr, flush=True)
        step()
    text = report(results, info)
    print(text)
    if args.write:
        from benchmarks.sections import write_sections

        # only the sections run now are replaced: (g) and (h) are written by formulary.py and walls.py,
        # and `--only c` keeps the numbers of (a), (b), (d), (e) and (f) from their own runs
        write_sections(HERE / "RESULTS.md", text, "".join(sorted(results)))
        print(f"wrote {HERE / 'RESULTS.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
