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
