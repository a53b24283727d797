"""Workbench latency benchmarks (not timed tests): run `python benchmarks/tui_bench.py`.

1. first paint: launch `accord tui rulesets` headless in a fresh interpreter; time from
   process start to the first screen painted (and to validation finished);
2. re-validation: a 500-claim ruleset in the claim editor; time from a keystroke to its
   located findings on screen (and the engine's own check time);
3. conflicts screen: a 1,000-conflict report; time from the key press to the first frame
   whose table shows its rows (and to the frame with all 1,000 rows).

Targets: < 1 s, < 50 ms, < 300 ms (the table showing its rows, and all 1,000 of them). Prints one JSON object; exit 1 when a target is missed.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
FIXTURES = REPO / "tests" / "tui" / "fixtures"
TARGETS = {"first_paint_s": 1.0, "revalidate_ms": 50.0, "conflicts_open_ms": 300.0, "conflicts_all_rows_ms": 300.0}

CHILD = r"""
import sys, time
from tui.app import AccordApp
from tui.screens.rulesets import RulesetsScreen

marks = {}
_mount = RulesetsScreen.on_mount

def on_mount(self):
    _mount(self)
    self.call_after_refresh(lambda: marks.setdefault("painted", time.time()))

RulesetsScreen.on_mount = on_mount

async def auto_pilot(pilot):
    app = pilot.app
    while "painted" not in marks or app.workspace is None:
        await pilot.pause(0.005)
    await app.workers.wait_for_complete()
    marks["validated"] = time.time()
    marks["rulesets"] = len(app.workspace.entries)
    app.exit()

app = AccordApp(sys.argv[1], poll_interval=None)
app.run(headless=True, auto_pilot=auto_pilot, size=(120, 40))
print(marks["painted"], marks["validated"], marks["rulesets"])
"""


def first_paint(folder: Path, runs: int = 3) -> dict[str, float]:
    best_paint = best_valid = float("inf")
    rulesets = 0
    for _ in range(runs):
        start = time.time()
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(folder)], capture_output=True, text=True, cwd=REPO, check=True
        )
        painted, validated, rulesets = out.stdout.split()[-3:]
        best_paint = min(best_paint, float(painted) - start)
        best_valid = min(best_valid, float(validated) - start)
    return {"first_paint_s": round(best_paint, 3), "validated_s": round(best_valid, 3), "rulesets": int(rulesets)}


def big_ruleset(tmp: Path, claims: int = 500) -> Path:
    """The fixture's minimal-medicine ruleset grown to `claims` claims (unique ids, same quotes)."""
    from engine.claimedit import claim_snippet, splice_claim
    from engine.loader import load_file, load_text

    shutil.copytree(FIXTURES / "rulesets", tmp / "rulesets")
    path = tmp / "rulesets" / "minimal-medicine.yaml"
    doc = load_file(path)
    base = [claim_snippet(doc, i) for i in range(len(doc.data["claims"]))]
    text = doc.text
    for n in range(claims - len(base)):
        snippet = base[n % len(base)]
        first, rest = snippet.split("\n", 1)
        doc = load_text(text, str(path))
        text = splice_claim(doc, f"{first}-copy{n}\n{rest}", None)
    path.write_text(text, encoding="utf-8")
    return path


async def revalidation(tmp: Path, keystrokes: int = 20) -> dict[str, float]:
    from textual.widgets import TextArea

    from tui.app import AccordApp
    from tui.screens.claim_editor import ClaimEditorScreen

    path = big_ruleset(tmp)
    app = AccordApp(path.parent, poll_interval=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        editor = ClaimEditorScreen(path, 250, None, "")
        from engine.loader import load_file

        editor.claim_id = load_file(path).data["claims"][250]["id"]
        app.push_screen(editor)
        await app.workers.wait_for_complete()
        await pilot.pause()
        area = editor.query_one(TextArea)
        area.move_cursor((area.document.line_count - 1, 0))
        latencies, engine_ms = [], []
        for i in range(keystrokes):
            before = editor.validations
            start = time.perf_counter()
            await pilot.press("#" if i % 2 == 0 else "backspace")
            while editor.validations == before:
                await asyncio.sleep(0.0005)
            await pilot.pause()
            latencies.append(editor.last_latency_ms or (time.perf_counter() - start) * 1000)
            engine_ms.append(editor.last_validation_ms or 0.0)
        claims = len(load_file(path).data["claims"])
    latencies.sort()
    return {
        "claims": claims,
        "revalidate_ms": round(latencies[len(latencies) // 2], 1),
        "revalidate_p90_ms": round(latencies[int(len(latencies) * 0.9)], 1),
        "engine_check_ms": round(sorted(engine_ms)[len(engine_ms) // 2], 2),
    }


def big_report(tmp: Path, count: int = 1000) -> Path:
    """The fixture's report grown to `count` conflicts; it must still match schema/report.schema.json.

    (The workbench validates the report on load and shows no rows for an invalid one,
    so a report that breaks the contract would time an empty table.)
    """
    import hashlib

    from engine.contract import validator

    shutil.copytree(FIXTURES / "rulesets", tmp / "rulesets")
    (tmp / "conflicts").mkdir()
    report = json.loads((FIXTURES / "conflicts" / "report.json").read_text())
    sample = report["conflicts"]
    conflicts = []
    for i in range(count):
        c = dict(sample[i % len(sample)])
        c["id"] = "C-" + hashlib.sha256(f"{c['id']}/{i}".encode()).hexdigest()[:10]
        c["severity"] = ("high", "medium", "low")[i % 3]
        conflicts.append(c)
    conflicts.sort(key=lambda c: c["id"])
    report["conflicts"] = conflicts
    summary = report["summary"]
    summary["conflicts"] = count
    summary["by_severity"] = {s: sum(c["severity"] == s for c in conflicts) for s in ("high", "medium", "low")}
    summary["by_kind"] = {k: sum(c["kind"] == k for c in conflicts) for k in sorted({c["kind"] for c in conflicts})}
    summary["by_question"] = {
        q: sum(c["question"] == q for c in conflicts) for q in sorted({c["question"] for c in conflicts})
    }
    summary["high_without_disposition"] = [c["id"] for c in conflicts if c["severity"] == "high"]
    error = next(iter(validator("report").iter_errors(report)), None)
    assert error is None, f"benchmark report breaks the contract: {error.message}"
    (tmp / "conflicts" / "report.json").write_text(json.dumps(report))
    return tmp / "rulesets"


async def conflicts_open(tmp: Path, runs: int = 3, timeout_s: float = 30.0) -> dict[str, float]:
    """Press 4 with a 1,000-conflict report loaded; time frames sent to the terminal.

    conflicts_open_ms: key press -> the first frame of the conflicts screen whose table
    holds every row it has room to show (and the detail of the highlighted conflict);
    conflicts_all_rows_ms: key press -> the first frame with all 1,000 rows in the table.
    Best of `runs` fresh apps.
    """
    from textual.app import App
    from textual.widgets import DataTable

    from tui.app import AccordApp
    from tui.screens.conflicts import ConflictsScreen

    folder = big_report(tmp)
    best_open = best_all = float("inf")
    display = App._display

    for _ in range(runs):
        marks: dict[str, float] = {}

        def hooked(self: App, screen, renderable, marks: dict[str, float] = marks) -> None:  # type: ignore[no-untyped-def]  # noqa: E501
            display(self, screen, renderable)
            if renderable is None or not isinstance(screen, ConflictsScreen) or not screen.is_mounted:
                return
            table = screen.query_one(DataTable)
            visible = table.scrollable_content_region.height
            if table.row_count and table.row_count >= min(1000, visible) and visible > 0:
                marks.setdefault("open", time.perf_counter())
            if table.row_count == 1000:
                marks.setdefault("all", time.perf_counter())

        App._display = hooked  # type: ignore[method-assign]
        try:
            app = AccordApp(folder, poll_interval=None)
            async with app.run_test(size=(120, 40)) as pilot:
                while app.workspace is None:
                    await pilot.pause(0.01)
                await app.workers.wait_for_complete()
                await pilot.pause()
                assert len(app.workspace.conflicts) == 1000, app.workspace.conflicts_problem
                start = time.perf_counter()
                await pilot.press("4")
                deadline = start + timeout_s
                while "all" not in marks or "open" not in marks:
                    if time.perf_counter() > deadline:
                        raise TimeoutError(f"conflicts screen not filled after {timeout_s} s: {marks}")
                    await asyncio.sleep(0.001)
                await pilot.pause()
        finally:
            App._display = display  # type: ignore[method-assign]
        best_open = min(best_open, marks["open"] - start)
        best_all = min(best_all, marks["all"] - start)
    return {
        "conflicts": 1000,
        "conflicts_open_ms": round(best_open * 1000, 1),
        "conflicts_all_rows_ms": round(best_all * 1000, 1),
    }


def main(argv: list[str]) -> int:
    """`tui_bench.py` runs all three; `tui_bench.py conflicts` (or paint, revalidate) just those."""
    only = set(argv) or {"paint", "revalidate", "conflicts"}
    results: dict[str, float] = {}
    if "paint" in only:
        bundled = REPO / "rulesets"
        results.update({f"bundled_{k}" if k == "rulesets" else k: v for k, v in first_paint(bundled).items()})
    if "revalidate" in only:
        with tempfile.TemporaryDirectory() as t:
            results.update(asyncio.run(revalidation(Path(t))))
    if "conflicts" in only:
        with tempfile.TemporaryDirectory() as t:
            results.update(asyncio.run(conflicts_open(Path(t))))
    missed = [k for k, limit in TARGETS.items() if k in results and results[k] > limit]
    results["targets"] = TARGETS  # type: ignore[assignment]
    results["missed"] = missed  # type: ignore[assignment]
    print(json.dumps(results, indent=2))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
