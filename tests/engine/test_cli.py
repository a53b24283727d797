"""The CLI shell: exit codes and no tracebacks, whatever goes wrong."""

from __future__ import annotations

from engine import cli
from engine.commands import validate


def test_internal_error_is_a_message_not_a_traceback(monkeypatch, capsys):
    def boom(args):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(validate, "run", boom)
    assert cli.main(["validate"]) == 3
    err = capsys.readouterr().err
    assert "internal error" in err and "simulated failure" in err and "Traceback" not in err


def test_validate_bundled_exit_codes(tmp_path, capsys):
    assert cli.main(["validate", "--quiet", str(tmp_path / "missing")]) == 1
    assert "E001" in capsys.readouterr().out


def test_the_console_script_runs_a_command_without_the_cycle_collector_and_callers_keep_theirs(tmp_path):
    """engine.gcpause.pause_for_process: `accord conflicts` on a formulary spent a third of an update in
    collections over its own report; a command started from the console script runs with the collector off,
    while in-process callers (tests, the workbench's `accord` with no command) keep it."""
    import gc
    import subprocess
    import sys

    from engine import cli
    from tests.conftest import REPO

    probe = (
        "import gc, sys\n"
        "import engine.commands.validate as v\n"
        "from engine import cli\n"
        "seen = []\n"
        "v.run = lambda args: seen.append(gc.isenabled()) or 0\n"
        f"sys.argv = ['accord', 'validate', {str(tmp_path)!r}]\n"
        "cli.main()\n"
        "print('collector on' if seen[0] else 'collector off')\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "collector off", out.stderr
    assert cli.main(["validate", str(tmp_path)]) in (0, 1) and gc.isenabled()
