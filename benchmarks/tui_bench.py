"""Workbench latency benchmarks (not timed tests): run `python benchmarks/tui_bench.py`.

1. first paint: launch `accord tui rulesets` headless in a fresh interpreter; time from
   process start to the first screen painted (and to validation finished);
2. re-validation: a 500-claim ruleset in the claim editor; time from a keystroke to its
   located findings on screen (and the engine's own check time);
3. conflicts screen: a 1,000-conflict report; time from the key press to the table filled.

Targets: < 1 s, < 50 ms, < 300 ms. Prints one JSON object; exit 1 when a target is missed.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
FIXTURES = REPO / "tests" / "tui" / "fixtures"
TARGETS = {"first_paint_s": 1.0, "revalidate_ms": 50.0, "conflicts_open_ms": 300.0}

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
        out = subprocess.run([sys.executable, "-c", CHILD, str(folder)], capture_output=True, text=True, cwd=REPO, check=True)
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
    shutil.copytree(FIXTURES / "rulesets", tmp / "rulesets")
    (tmp / "conflicts").mkdir()
    sample = json.loads((FIXTURES / "conflicts" / "report.json").read_text())["conflicts"]
    conflicts = []
    for i in range(count):
        c = dict(sample[i % len(sample)])
        c["id"] = f"{c['id']}/{i}"
        c["severity"] = ("high", "medium", "low")[i % 3]
        conflicts.append(c)
    (tmp / "conflicts" / "report.json").write_text(json.dumps({"accord": 1, "conflicts": conflicts}))
    return tmp / "rulesets"


async def conflicts_open(tmp: Path) -> dict[str, float]:
    from textual.widgets import DataTable

    from tui.app import AccordApp

    folder = big_report(tmp)
    app = AccordApp(folder, poll_interval=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        from tui.screens.conflicts import ConflictsScreen

        marks: dict[str, float] = {}
        mount = ConflictsScreen.on_mount

        def on_mount(self: ConflictsScreen) -> None:
            mount(self)
            self.call_after_refresh(lambda: marks.setdefault("painted", time.perf_counter()))

        ConflictsScreen.on_mount = on_mount  # type: ignore[method-assign]
        start = time.perf_counter()
        app.action_goto("conflicts")
        while True:
            tables = app.screen.query(DataTable) if isinstance(app.screen, ConflictsScreen) else []
            if tables and tables.first().row_count == 1000:
                break
            await asyncio.sleep(0.001)
        await pilot.pause()
        done = time.perf_counter()
        ConflictsScreen.on_mount = mount  # type: ignore[method-assign]
    return {"conflicts": 1000, "conflicts_open_ms": round((marks["painted"] - start) * 1000, 1),
            "conflicts_all_rows_ms": round((done - start) * 1000, 1)}


def main() -> int:
    results: dict[str, float] = {}
    bundled = REPO / "rulesets"
    results.update({f"bundled_{k}" if k == "rulesets" else k: v for k, v in first_paint(bundled).items()})
    with tempfile.TemporaryDirectory() as t:
        results.update(asyncio.run(revalidation(Path(t))))
    with tempfile.TemporaryDirectory() as t:
        results.update(asyncio.run(conflicts_open(Path(t))))
    missed = [k for k, limit in TARGETS.items() if results[k] > limit]
    results["targets"] = TARGETS  # type: ignore[assignment]
    results["missed"] = missed  # type: ignore[assignment]
    print(json.dumps(results, indent=2))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
