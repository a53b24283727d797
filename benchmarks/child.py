"""Run one child process and measure it honestly: its own CPU time and peak RSS, plus wall time.

Why: a wall-clock bound on a subprocess measures the machine's load as much as the
program (2.07-4.4 s seen for a 0.5 s CPU `accord validate` on 2 busy cores). os.wait4
returns the child's own rusage, so a test can bound the work the child did (CPU) and
keep a generous wall-clock timeout only as a hang guard. Used by tests/engine/test_hostile.py
and benchmarks/hostile.py; standard library only.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# ru_maxrss is KiB on Linux, bytes on macOS
_RSS_UNIT = 1 if sys.platform == "darwin" else 1024


@dataclass(frozen=True)
class Measured:
    """What one child did: exit code (None when it was killed at the timeout), output, and its rusage."""

    returncode: int | None
    stdout: str
    stderr: str
    wall: float
    cpu: float  # user + sys of the child itself (and any children it waited for)
    peak_rss: int  # bytes
    timed_out: bool

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_child(
    command: Sequence[str],
    *,
    timeout: float = 30.0,
    cwd: str | os.PathLike | None = None,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
) -> Measured:
    """Run `command` to completion (killed after `timeout` wall seconds) and return its measurements.

    Output goes to temporary files, not pipes, so a child that prints megabytes never blocks
    on a full pipe while we wait for it with os.wait4.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as inp:
        if stdin is not None:
            inp.write(stdin)
            inp.seek(0)
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(command), cwd=cwd, env=dict(env) if env is not None else None, stdin=inp, stdout=out, stderr=err
        )
        deadline = started + timeout
        timed_out = False
        delay = 0.001
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                timed_out = True
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(delay)
            delay = min(delay * 2, 0.02)
        wall = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code  # reaped here; tell Popen so it never waits again
        out.seek(0)
        err.seek(0)
        return Measured(
            returncode=None if timed_out else code,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            wall=wall,
            cpu=usage.ru_utime + usage.ru_stime,
            peak_rss=usage.ru_maxrss * _RSS_UNIT,
            timed_out=timed_out,
        )
