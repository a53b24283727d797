"""Every hostile input through the CLI, each child measured: wall, CPU, peak RSS, and the issue's bounds.

    python -m benchmarks.hostile [--write] [--only SUBSTRING] [--skip-slow] [--timeout 120]

Not collected by pytest (the suite asserts each case's exact outcome; this checks the
bounds of issue 12 on all of them at once). Cases:

* every ruleset file of tests/data/hostile/ (top level, containment/, language/invalid/)
  through `validate` (text and github), `coverage`, `test` and `conflicts`;
* the valid deep/wide ruleset of language/deep/ through validate, test, eval and conflicts;
* every patient file and FHIR bundle of patients/ through `eval` (text and json) and `validate`;
* the hostile reviews.yaml and report.json files of writes/ through `conflicts --check`,
  `review list` and `review conflict`;
* the generated region-analysis cases of benchmarks/hostile_analysis.py through `conflicts`;
* generated big cases: a 50 MiB file, 5 MB of 2.5 M bad claims, a 100,000-wide `or`
  (refused, E208: over 1,000 operations), 100 claims of 999 operations each (the most
  one rule may have; refused, E209: 99,900 in all), 40 claims at E209's budget in the
  costliest shapes measured (affine comparisons; four facts' 1.5 M-cell grid), twenty nested `and`, a misplaced quote in 4 MiB, a FIFO source text, rulesets,
  patients and reviews that are symlinks out of the project (the target's text must
  never be printed).

A case PASSes when the child exits 0 or 1 (2 is a usage error: a broken case), prints no
"Traceback", finishes under 5 s wall clock (no hang), peaks under 1 GiB RSS, and prints
nothing of a file outside the project. Wall time on a loaded machine includes waiting for
a core: run it when the machine is quiet (the load average is printed with the table).
`--write` records the table in benchmarks/HOSTILE.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.child import Measured, run_child  # noqa: E402

HOSTILE = REPO / "tests" / "data" / "hostile"
BUNDLED = REPO / "rulesets"
WALL_LIMIT = 5.0
RSS_LIMIT = 1 << 30
SECRET = "ACCORD-OUTSIDE-SECRET-7f3a"  # the text of files outside the project: must never be printed
DOSE = {"mg": 1, "every_days": 1}


@dataclass
class Case:
    """One CLI run: `accord <argv>` in `cwd`; `forbid` must not appear in its output."""

    group: str
    name: str
    argv: list[str]
    cwd: Path
    slow: bool = False
    forbid: list[str] = field(default_factory=list)
    expect: list[str] = field(default_factory=list)  # must appear in the output (the refusal's code)


def _copy_project(src_files: list[Path], dest: Path) -> Path:
    """A rulesets folder holding the given files and the sources/ folders and .txt files beside them."""
    dest.mkdir(parents=True, exist_ok=True)
    for f in src_files:
        shutil.copy(f, dest / f.name)
        for sibling in f.parent.iterdir():
            if sibling.is_dir() and sibling.name == "sources" and not (dest / "sources").exists():
                shutil.copytree(sibling, dest / "sources")
            elif sibling.suffix == ".txt" and not (dest / sibling.name).exists():
                shutil.copy(sibling, dest / sibling.name)
    return dest


def ruleset_files() -> list[Path]:
    files = [p for p in sorted(HOSTILE.iterdir()) if p.suffix in (".yaml", ".json")]
    files += sorted(p for p in (HOSTILE / "containment").iterdir() if p.suffix in (".yaml", ".json"))
    files += sorted((HOSTILE / "language" / "invalid").glob("*.yaml"))
    return files


def corpus_cases(tmp: Path) -> Iterator[Case]:
    """The committed corpus, file by file."""
    for f in ruleset_files():
        label = str(f.relative_to(HOSTILE))
        folder = _copy_project([f], tmp / "rs" / label.replace("/", "_") / "rulesets")
        yield Case("ruleset", f"validate {label}", ["validate", str(f)], tmp)
        yield Case("ruleset", f"validate --format github {label}", ["validate", "--format", "github", str(f)], tmp)
        yield Case("ruleset", f"coverage {label}", ["coverage", str(f)], tmp)
        yield Case("ruleset", f"test {label}", ["test", str(folder)], tmp)
        yield Case(
            "ruleset",
            f"conflicts {label}",
            ["conflicts", "--rulesets", str(folder), "--out", str(folder.parent / "out"), "-q"],
            tmp,
        )

    deep = tmp / "deep"
    shutil.copytree(HOSTILE / "language" / "deep", deep)
    yield Case("language", "validate language/deep", ["validate", str(deep)], tmp)
    yield Case("language", "test language/deep", ["test", str(deep)], tmp)
    for patient in sorted((deep / "patients").iterdir()):
        yield Case(
            "language",
            f"eval language/deep {patient.name}",
            ["eval", "--patient", str(patient), "--rulesets", str(deep)],
            tmp,
        )
    yield Case(
        "language",
        "conflicts language/deep",
        ["conflicts", "--rulesets", str(deep), "--out", str(tmp / "deep-out"), "-q"],
        tmp,
    )

    for p in sorted((HOSTILE / "patients").iterdir()):
        label = f"patients/{p.name}"
        yield Case("patient", f"eval {label}", ["eval", "--patient", str(p), "--rulesets", str(BUNDLED)], tmp)
        yield Case(
            "patient",
            f"eval --format json {label}",
            ["eval", "--format", "json", "--patient", str(p), "--rulesets", str(BUNDLED)],
            tmp,
        )
        if p.suffix == ".yaml":
            yield Case("patient", f"validate {label}", ["validate", str(p)], tmp)
    bundle = HOSTILE / "patients" / "partial-birthdates.json"
    yield Case(
        "patient",
        "eval --as-of 2024-02-30 (impossible date)",
        ["eval", "--as-of", "2024-02-30", "--patient", str(bundle), "--rulesets", str(BUNDLED)],
        tmp,
    )

    for w in sorted((HOSTILE / "writes").iterdir()):
        out = tmp / "writes" / w.stem
        out.mkdir(parents=True)
        if w.name.startswith("reviews_"):
            for name in ("report.json", "report.md"):
                shutil.copy(REPO / "conflicts" / name, out / name)
            shutil.copy(w, out / "reviews.yaml")
        else:
            shutil.copy(w, out / "report.json")
            (out / "reviews.yaml").write_text("accord: 1\nclaims: {}\nconflicts: {}\n", encoding="utf-8")
        label = f"writes/{w.name}"
        yield Case(
            "writes",
            f"conflicts --check {label}",
            ["conflicts", "--check", "--rulesets", str(BUNDLED), "--out", str(out)],
            tmp,
        )
        yield Case(
            "writes", f"review list {label}", ["review", "--out", str(out), "--rulesets", str(BUNDLED), "list"], tmp
        )
        yield Case(
            "writes",
            f"review conflict {label}",
            [
                "review",
                "--out",
                str(out),
                "--rulesets",
                str(BUNDLED),
                "conflict",
                "C-0000000001",
                "--disposition",
                "all_wrong",
                "--reviewer",
                "ana",
            ],
            tmp,
        )


def analysis_cases(tmp: Path) -> Iterator[Case]:
    """benchmarks/hostile_analysis.py's generated region-analysis cases, through `accord conflicts`."""
    from benchmarks import hostile_analysis

    for name, build in hostile_analysis.CASES.items():
        folder = tmp / "analysis" / name / "rulesets"
        folder.mkdir(parents=True)
        build(folder)
        yield Case(
            "analysis",
            f"conflicts {name}",
            ["conflicts", "--rulesets", str(folder), "--out", str(folder.parent / "out"), "-q"],
            tmp,
            slow=name == "grid_at_bytes",
        )


def _patient(folder: Path, facts: dict) -> Path:
    (folder / "patients").mkdir(exist_ok=True)
    path = folder / "patients" / "p.yaml"
    path.write_text(json.dumps({"id": "p", "facts": facts}), encoding="utf-8")
    return path


def _all_commands(
    group: str, label: str, folder: Path, patient: Path, tmp: Path, expect: list[str] | None = None
) -> Iterator[Case]:
    must = expect or []
    yield Case(group, f"validate {label}", ["validate", str(folder)], tmp, expect=must)
    yield Case(group, f"test {label}", ["test", str(folder)], tmp, expect=must)
    yield Case(group, f"eval {label}", ["eval", "--patient", str(patient), "--rulesets", str(folder)], tmp, expect=must)
    yield Case(
        group,
        f"conflicts {label}",
        ["conflicts", "--rulesets", str(folder), "--out", str(folder.parent / "out"), "-q"],
        tmp,
        expect=must,
    )


def generated_cases(tmp: Path) -> Iterator[Case]:
    """Big and tricky inputs made on the fly (too big, or not representable, as committed files)."""
    from tests.conftest import write_ruleset  # the fixtures' writer: exact provenance

    gen = tmp / "gen"
    gen.mkdir()
    big = gen / "big-50mib.yaml"
    with open(big, "wb") as handle:
        handle.truncate(50 << 20)
    yield Case("generated", "validate 50 MiB of NULs", ["validate", str(big)], tmp)

    bad = gen / "bad-claims-5mb.json"
    bad.write_text('{"accord": 1, "claims": [' + ",".join(["1"] * 2_500_000) + "]}", encoding="utf-8")
    yield Case("generated", "validate 2.5 M bad claims (5 MB)", ["validate", str(bad)], tmp)

    wide = gen / "wide" / "rulesets"
    write_ruleset(
        wide,
        "wide",
        "Wide rule. Second.",
        [
            {
                "question": "dose",
                "value": DOSE,
                "quote": "Wide rule.",
                "when": {"or": [{"==": [{"var": "age_years"}, i]} for i in range(100_000)]},
            }
        ],
    )
    yield from _all_commands(
        "generated", "100,000-wide or", wide, _patient(wide, {"age_years": 5, "egfr": 40}), tmp, ["E208"]
    )

    many = gen / "many-wide" / "rulesets"  # under the per-rule limit, 100 times over (2 MB)
    write_ruleset(
        many,
        "many",
        "Wide rule. Second.",
        [
            {
                "question": "dose",
                "value": {"mg": 1 + k % 2, "every_days": 1},
                "quote": "Wide rule.",
                "when": {
                    "or": [
                        {"==": [{"var": "age_years"}, (i * 7 + k) % 120]}
                        if i % 2
                        else {"<": [{"var": "egfr"}, (i + k) % 200]}
                        for i in range(499)
                    ]
                },
            }
            for k in range(100)
        ],
    )
    yield from _all_commands(
        "generated",
        "100 claims x 999 operations",
        many,
        _patient(many, {"age_years": 5, "egfr": 40}),
        tmp,
        ["E209"],  # 99,900 in all: over the ruleset's budget
    )

    # at E209's budget, the costliest shapes measured: affine comparisons (1,000 operations each), and
    # comparisons cycling over four facts cut into a 1.5 M-cell grid (evaluated on every cell)
    affine = gen / "at-budget-affine" / "rulesets"
    write_ruleset(
        affine,
        "affine",
        "Wide rule. Second.",
        [
            {
                "question": "dose",
                "value": {"mg": 1 + k % 2, "every_days": 1},
                "quote": "Wide rule.",
                "when": {
                    "or": [
                        {"<": [{"+": [{"var": "egfr"}, (i + k) % 50]}, 100 + i]}
                        if i % 2
                        else {">": [{"*": [{"var": "age_years"}, 2]}, i + k]}
                        for i in range(333)
                    ]
                },
            }
            for k in range(40)
        ],
    )
    yield from _all_commands(
        "generated",
        "40 claims x 1,000 affine operations (E209 budget)",
        affine,
        _patient(affine, {"age_years": 5, "egfr": 40}),
        tmp,
    )
    four = [("egfr", 200), ("crcl", 250), ("age_years", 120), ("weight_kg", 400)]
    grid = gen / "at-budget-grid" / "rulesets"
    write_ruleset(
        grid,
        "grid",
        "Wide rule. Second.",
        [
            {
                "question": "dose",
                "value": {"mg": 1 + k % 2, "every_days": 1},
                "quote": "Wide rule.",
                "when": {
                    "or": [
                        {"<": [{"var": four[i % 4][0]}, round(((i // 4 + k) % 17 + 1) * four[i % 4][1] / 19, 3)]}
                        for i in range(499)
                    ]
                },
            }
            for k in range(40)
        ],
    )
    yield from _all_commands(
        "generated",
        "40 claims x 999 operations on a 1.5 M-cell grid (E209 budget)",
        grid,
        _patient(grid, {"age_years": 5, "egfr": 40}),
        tmp,
    )

    nested: dict = {"<": [{"var": "egfr"}, 30]}
    for _ in range(20):
        nested = {"and": [nested, {">=": [{"var": "age_years"}, 18]}]}
    deep = gen / "nested" / "rulesets"
    write_ruleset(
        deep,
        "nested",
        "Nested rule. Second.",
        [{"question": "dose", "value": DOSE, "quote": "Nested rule.", "when": nested}],
    )
    yield from _all_commands("generated", "20 nested and", deep, _patient(deep, {"age_years": 40, "egfr": 20}), tmp)

    moved = gen / "moved" / "rulesets"
    text = "a" * (4 << 20)
    path = write_ruleset(moved, "moved", text, [{"question": "dose", "value": DOSE, "quote": "a" * 2000}])
    raw = (
        path.read_text(encoding="utf-8").replace("start: 0\n", "start: 5\n", 1).replace("end: 2000\n", "end: 2005\n", 1)
    )
    path.write_text(raw.replace("prefix: ''", "prefix: " + "q" * 32, 1), encoding="utf-8")
    yield Case("generated", "validate misplaced 2,000-char quote in 4 MiB", ["validate", str(moved)], tmp)
    yield Case("generated", "coverage misplaced 2,000-char quote in 4 MiB", ["coverage", str(moved)], tmp)

    outside = gen / "outside-secret.yaml"  # outside every project folder below
    outside.write_text(f"accord: 1\nsource: {SECRET}\nclaims: [{SECRET}]\n", encoding="utf-8")
    links = gen / "links" / "rulesets"
    write_ruleset(links, "ok", "Fine. Second.", [{"question": "dose", "value": DOSE, "quote": "Fine."}])
    os.symlink(outside, links / "link-out.yaml")
    (links / "patients").mkdir()
    os.symlink(outside, links / "patients" / "link-out.yaml")
    for fmt in ("text", "json", "github", "sarif"):
        yield Case(
            "generated",
            f"validate --format {fmt} symlinks out",
            ["validate", "--format", fmt, str(links)],
            tmp,
            forbid=[SECRET],
        )
    yield Case("generated", "test symlinks out", ["test", str(links)], tmp, forbid=[SECRET])
    yield Case(
        "generated",
        "eval --patient symlink out",
        ["eval", "--patient", str(links / "patients" / "link-out.yaml"), "--rulesets", str(links)],
        tmp,
        forbid=[SECRET],
    )
    out = gen / "links" / "conflicts"
    out.mkdir()
    os.symlink(outside, out / "reviews.yaml")
    yield Case(
        "generated",
        "conflicts reviews.yaml symlink out",
        ["conflicts", "--rulesets", str(links), "--out", str(out), "-q"],
        tmp,
        forbid=[SECRET],
    )
    yield Case(
        "generated",
        "review list reviews.yaml symlink out",
        ["review", "--out", str(out), "--rulesets", str(links), "list"],
        tmp,
        forbid=[SECRET],
    )

    if hasattr(os, "mkfifo"):
        fifo = gen / "fifo" / "rulesets"
        write_ruleset(fifo, "fifo", "Blocked. Second.", [{"question": "dose", "value": DOSE, "quote": "Blocked."}])
        (fifo / "sources" / "fifo.txt").unlink()
        os.mkfifo(fifo / "sources" / "fifo.txt")
        yield Case("generated", "validate FIFO source text", ["validate", str(fifo)], tmp)
        yield Case("generated", "coverage FIFO source text", ["coverage", str(fifo)], tmp)
        yield Case(
            "generated",
            "conflicts FIFO source text",
            ["conflicts", "--rulesets", str(fifo), "--out", str(fifo.parent / "out"), "-q"],
            tmp,
        )


@dataclass
class Result:
    case: Case
    run: Measured

    @property
    def problems(self) -> list[str]:
        r, out = self.run, self.run.output
        found = []
        if r.timed_out:
            found.append("killed at the timeout")
        elif r.returncode not in (0, 1):
            found.append(f"exit {r.returncode}")
        if "Traceback" in out:
            found.append("Traceback")
        if r.wall >= WALL_LIMIT:
            found.append(f"over {WALL_LIMIT:.0f} s")
        if r.peak_rss >= RSS_LIMIT:
            found.append("over 1 GiB")
        found += [f"printed {s[:12]}..." for s in self.case.forbid if s in out]
        found += [f"did not print {s}" for s in self.case.expect if s not in out]
        return found


def _generate(tmp: str) -> None:
    """In a child of its own: write every case's files under tmp and their list to tmp/cases.json."""
    import yaml

    import tests.conftest

    def fast_dump(data: object) -> str:  # libyaml; a JSON round trip first so no object is shared (no aliases)
        return yaml.dump(json.loads(json.dumps(data)), Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True)

    tests.conftest.dump_yaml = fast_dump  # the pure-Python dumper took minutes on the analysis cases
    folder = Path(tmp)
    cases = [case for source in (corpus_cases, analysis_cases, generated_cases) for case in source(folder)]
    (folder / "cases.json").write_text(json.dumps([{**vars(c), "cwd": str(c.cwd)} for c in cases]), encoding="utf-8")


def generate(tmp: Path, env: dict[str, str]) -> list[Case]:
    """The cases, made in a separate process: building them takes hundreds of MiB, and on Linux a child's
    peak RSS (ru_maxrss) starts from its parent's at fork, so the measuring process must stay small."""
    made = run_child(
        [sys.executable, "-c", f"from benchmarks.hostile import _generate; _generate({str(tmp)!r})"],
        cwd=REPO,
        env=env,
        timeout=600,
    )
    if made.returncode != 0:
        raise SystemExit(f"generating the cases failed:\n{made.output}")
    return [Case(**{**c, "cwd": Path(c["cwd"])}) for c in json.loads((tmp / "cases.json").read_text(encoding="utf-8"))]


def run_all(only: str | None, skip_slow: bool, timeout: float) -> list[Result]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    results = []
    with tempfile.TemporaryDirectory(prefix="accord-hostile-") as tmp_name:
        for case in generate(Path(tmp_name), env):
            if (only and only not in case.name) or (skip_slow and case.slow):
                continue
            run = run_child([sys.executable, "-m", "engine.cli", *case.argv], cwd=case.cwd, env=env, timeout=timeout)
            result = Result(case, run)
            results.append(result)
            verdict = "FAIL " + ", ".join(result.problems) if result.problems else "PASS"
            print(
                f"{verdict:5} {run.wall:6.2f} s {run.cpu:6.2f} s cpu {run.peak_rss / 2**20:6.0f} MiB  exit {run.returncode}  {case.name}",
                flush=True,
            )
    return results


def table(results: list[Result]) -> str:
    rows = ["| case | exit | wall s | CPU s | peak MiB | verdict |", "|---|---:|---:|---:|---:|---|"]
    for r in results:
        verdict = "FAIL: " + ", ".join(r.problems) if r.problems else "PASS"
        name = r.case.name.replace("|", "\\|")
        rows.append(
            f"| {r.case.group}: `{name}` | {r.run.returncode} | {r.run.wall:.2f} | {r.run.cpu:.2f} | {r.run.peak_rss / 2**20:.0f} | {verdict} |"
        )
    return "\n".join(rows)


def summary(results: list[Result]) -> str:
    failed = [r for r in results if r.problems]
    worst_wall = max(results, key=lambda r: r.run.wall)
    worst_rss = max(results, key=lambda r: r.run.peak_rss)
    return (
        f"{len(results)} runs, {len(results) - len(failed)} PASS, {len(failed)} FAIL; "
        f"slowest {worst_wall.run.wall:.2f} s wall ({worst_wall.case.name}), "
        f"largest {worst_rss.run.peak_rss / 2**20:.0f} MiB peak RSS ({worst_rss.case.name}); "
        f"no Traceback: {not any('Traceback' in r.run.output for r in results)}"
    )


def write_markdown(results: list[Result], load: str, seconds: float) -> Path:
    path = REPO / "benchmarks" / "HOSTILE.md"
    path.write_text(
        "# Hostile inputs: bounds measured\n\n"
        "Written by `python -m benchmarks.hostile --write` (see its docstring for the cases). Bounds of issue 12:\n"
        f"exit 0 or 1, no `Traceback`, under {WALL_LIMIT:.0f} s wall clock, under 1 GiB peak RSS, nothing printed of a file\n"
        "outside the project. CPU is the child's own user+sys (os.wait4); wall includes waiting for a core.\n\n"
        f"Python {sys.version.split()[0]} on {os.cpu_count()} cores; load average before the run: {load}; "
        f"whole run {seconds:.0f} s.\n\n"
        f"**{summary(results)}**\n\n" + table(results) + "\n",
        encoding="utf-8",
    )
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="record the table in benchmarks/HOSTILE.md")
    parser.add_argument("--only", help="run only cases whose name contains this")
    parser.add_argument("--skip-slow", action="store_true", help="skip grid_at_bytes (analysed in full, ~50 s)")
    parser.add_argument(
        "--timeout", type=float, default=120, help="wall seconds before a child is killed (default 120)"
    )
    args = parser.parse_args(argv)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    started = time.perf_counter()
    results = run_all(args.only, args.skip_slow, args.timeout)
    if not results:
        print("no case matched", file=sys.stderr)
        return 2
    print(summary(results))
    if args.write:
        print(f"wrote {write_markdown(results, load, time.perf_counter() - started).relative_to(REPO)}")
    return 1 if any(r.problems for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
