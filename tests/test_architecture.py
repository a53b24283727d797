"""Architecture rules that keep Accord fast to start and easy to change."""
from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO

def run_python(code: str) -> subprocess.CompletedProcess[str]:
    """`code` in a fresh interpreter at the repo root: what it imports is what a user's command imports."""
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})


ENGINE_MODULES = sorted(
    ".".join(p.relative_to(REPO).with_suffix("").parts) for p in (REPO / "engine").rglob("*.py") if p.name != "__main__.py"
)


def test_engine_never_imports_textual():
    """engine/ is pure Python: importing every module must not pull in Textual (as Harlequin enforces)."""
    code = (
        "import importlib, sys\n"
        f"for name in {ENGINE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.') or m == 'tui' or m.startswith('tui.'))\n"
        "print(','.join(bad))\n"
    )
    proc = run_python(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


def test_validate_does_not_import_heavy_modules():
    """`accord validate` answers fast: no Textual, NumPy or analysis on its import path."""
    code = (
        "import sys\n"
        "from engine import cli\n"
        "cli.main(['validate', '--quiet', 'tests/data/hostile/hostile.txt'])\n"
        "print('HEAVY:' + ','.join(sorted(m for m in ('textual', 'numpy', 'rich', 'engine.regions') if m in sys.modules)))\n"
    )
    proc = run_python(code)
    assert proc.stdout.strip().splitlines()[-1] == "HEAVY:", proc.stdout


def test_validating_valid_files_never_imports_jsonschema():
    """jsonschema-rs decides validity; the jsonschema package is loaded only to explain an invalid file."""
    code = (
        "import sys\n"
        "from engine import cli\n"
        "code = cli.main(['validate', '--quiet', 'rulesets'])\n"
        "print(code, 'jsonschema' in sys.modules)\n"
    )
    proc = run_python(code)
    assert proc.stdout.split()[-2:] == ["0", "False"], proc.stdout + proc.stderr


def test_nothing_reads_shared_at_run_time():
    for folder in ("engine", "tui", "schema"):
        for path in (REPO / folder).rglob("*.py"):
            assert "../shared" not in path.read_text(encoding="utf-8"), path
