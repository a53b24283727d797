"""Hostile rulesets: every one is rejected with a located message, exit 1, no side effect, no traceback, fast."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from benchmarks.child import Measured, run_child
from tests.conftest import ACCORD, REPO

HOSTILE = REPO / "tests" / "data" / "hostile"
FILES = sorted(p.name for p in HOSTILE.iterdir() if p.suffix in (".yaml", ".json"))
LOCATED = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): error\[(?P<code>E\d{3})\]: .+")
MARKERS = [Path("/tmp/accord-hostile-dotted"), Path("/tmp/accord-hostile-tag")]


CPU_LIMIT = 2.0  # seconds of the child's own CPU (user+sys); wall clock is only the 30 s hang guard


def run_validate(target: Path, cwd: Path) -> tuple[Measured, float]:
    """`accord validate target` and the child's CPU seconds (os.wait4): load on the machine cannot fail it."""
    proc = run_child(
        [*ACCORD, "validate", str(target)], cwd=cwd, timeout=30, env={**os.environ, "PYTHONPATH": str(REPO)}
    )
    assert not proc.timed_out, f"accord validate {target.name} still running after 30 s wall clock"
    return proc, proc.cpu


@pytest.fixture(autouse=True)
def no_markers():
    for marker in MARKERS:
        marker.unlink(missing_ok=True)
    yield
    for marker in MARKERS:
        assert not marker.exists(), f"a hostile file ran code: {marker} was created"


def snapshot(folder: Path) -> dict[str, float]:
    return {str(p): p.stat().st_mtime for p in folder.rglob("*")}


@pytest.mark.parametrize("name", FILES)
def test_hostile_file_rejected(name, tmp_path):
    before = snapshot(HOSTILE)
    proc, seconds = run_validate(HOSTILE / name, tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stdout.splitlines() if line]
    assert lines, proc.stderr
    for line in lines:
        match = LOCATED.match(line)
        assert match, line
        assert match["path"].endswith(name)
    assert seconds < CPU_LIMIT, f"{name} took {seconds:.2f} s of CPU"
    assert snapshot(HOSTILE) == before
    assert list(tmp_path.iterdir()) == []


def test_fifty_megabyte_file_rejected_quickly(tmp_path):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    proc, seconds = run_validate(big, tmp_path)
    assert proc.returncode == 1
    assert re.match(r"^.*big\.yaml:1:1: error\[E002\]: file is 52,428,800 bytes", proc.stdout)
    assert seconds < CPU_LIMIT, f"took {seconds:.2f} s of CPU"


def test_method_is_unreachable_at_evaluation_time():
    """Even a rule that skipped validation cannot reach `method`: the compiler has no such operation."""
    from engine.jsonlogic import CompileError, compiler

    for op in ("method", "os.system", "__class__", "log", "eval"):
        with pytest.raises(CompileError):
            compiler("accord").compile({op: ["", "__class__"]})
        with pytest.raises(CompileError):
            compiler("jsonlogic").compile({"and": [True, {op: []}]})


def test_usage_error_exits_2(tmp_path):
    proc = subprocess.run(
        [*ACCORD, "validate", "--format", "xml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
