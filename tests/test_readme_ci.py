"""The install a user runs is the one CI runs, and the locks say what pyproject asks.

README's "Quick start" commands and .ci/run must install from the hashed locks in
requirements/, and a lock that drifts from pyproject.toml (a new dependency, a changed
pin, a range the locked version no longer meets) fails here before it fails a user.
"""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO

LOCK_DIR = REPO / "requirements"
LOCKS = ["run.lock", "fhir.lock", "distributed.lock", "test.lock"]


def quick_start_commands() -> list[str]:
    """The shell lines of the README's Quick start block, comments dropped, in order."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def ci_test_command() -> str:
    """The line after the "keep in sync" comment in .ci/run, with $PY as the README spells it."""
    lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    marks = [i for i, line in enumerate(lines) if "keep in sync" in line]
    assert len(marks) == 1, "one 'keep in sync' comment in .ci/run"
    return lines[marks[0] + 1].strip().replace("$PY ", "python3.11 ", 1)


def lock_entries(path: Path) -> dict[str, tuple[str, str, int]]:
    """name -> (version, marker, number of hashes) for a `uv pip compile --generate-hashes` lock."""
    entries: dict[str, tuple[str, str, int]] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith(" "):
            spec = line.rstrip(" \\")
            match = re.fullmatch(r"([A-Za-z0-9._-]+)==([^\s;]+)\s*(?:;\s*(.+))?", spec)
            assert match, f"{path.name}: not an exact pin: {line!r}"
            current = canonicalize_name(match.group(1))
            assert current not in entries, f"{path.name}: {current} pinned twice"
            entries[current] = (match.group(2), match.group(3) or "", 0)
        elif line.strip().startswith("--hash=sha256:"):
            assert current is not None
            version, marker, hashes = entries[current]
            entries[current] = (version, marker, hashes + 1)
        else:
            pytest.fail(f"{path.name}: unexpected line {line!r}")
    return entries


def pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def top_level(lock: str) -> list[Requirement]:
    """What pyproject asks of each lock: runtime (+ build backend), and for tests the test extra too."""
    project = pyproject()
    wanted = [*project["project"]["dependencies"], *project["build-system"]["requires"]]
    if lock in ("test.lock", "fhir.lock", "distributed.lock"):
        wanted += project["project"]["optional-dependencies"][lock.removesuffix(".lock")]
    return [Requirement(spec) for spec in wanted]


def test_ci_runs_the_readme_test_command():
    commands = quick_start_commands()
    assert len(commands) == 2, "Quick start keeps two one-line commands"
    assert ci_test_command() == commands[1]


def test_readme_commands_install_from_the_hashed_locks():
    run, test = quick_start_commands()
    for command, lock in ((run, "run.lock"), (test, "test.lock")):
        assert f"--require-hashes -r requirements/{lock}" in command
        # the project itself adds nothing unlocked: no dependencies, no isolated build env to fetch
        assert "--no-deps --no-build-isolation -e ." in command
    assert run.endswith("&& .venv/bin/accord") and test.endswith("&& .venv/bin/pytest -n auto")


@pytest.mark.parametrize("lock", LOCKS)
def test_every_pyproject_requirement_is_pinned_in_the_lock(lock):
    entries = lock_entries(LOCK_DIR / lock)
    for requirement in top_level(lock):
        name = canonicalize_name(requirement.name)
        assert name in entries, f"{requirement} is in pyproject.toml but not in {lock}: run tools/lock"
        version = entries[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock} pins {name}=={version}, outside pyproject's {requirement}: run tools/lock"
        )


@pytest.mark.parametrize("lock", LOCKS)
def test_locks_pin_every_package_with_hashes_from_the_registry(lock):
    entries = lock_entries(LOCK_DIR / lock)
    assert entries
    unhashed = sorted(name for name, (_, _, hashes) in entries.items() if hashes == 0)
    assert unhashed == []
    text = (LOCK_DIR / lock).read_text(encoding="utf-8")
    # a machine's local mirror or find-links must never end up in a lock
    assert "file:" not in text and "--find-links" not in text and "--index-url" not in text


@pytest.mark.parametrize("lock", ["run.lock", "fhir.lock", "distributed.lock"])
def test_install_locks_are_the_tested_versions(lock):
    run, test = lock_entries(LOCK_DIR / lock), lock_entries(LOCK_DIR / "test.lock")
    differ = {
        name: (run[name][0], test.get(name, ("missing",))[0])
        for name in run
        if test.get(name, ("",))[0] != run[name][0]
    }
    assert differ == {}


def pip_installs(text: str) -> list[str]:
    """Every `pip install ...` command in a text, up to the next && or line end."""
    return [m.group(0).strip() for m in re.finditer(r"pip install[^&\n`]*", text)]


@pytest.mark.parametrize("path", ["README.md", "docs/ci/github-workflow.yml", ".ci/run"])
def test_every_documented_install_is_locked(path):
    """No install line a user copies fetches unpinned versions: each reads a hashed lock or adds only the project."""
    installs = pip_installs((REPO / path).read_text(encoding="utf-8"))
    assert installs
    for command in installs:
        locked = re.search(r"--require-hashes -r requirements/(run|fhir|distributed|test)\.lock$", command)
        assert locked or command.endswith("--no-deps --no-build-isolation -e ."), (
            f"{path}: unlocked install: {command!r}"
        )


def test_build_in_is_pyprojects_build_system():
    lines = (LOCK_DIR / "build.in").read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if not line.startswith("#")] == pyproject()["build-system"]["requires"]


def load_drift() -> ModuleType:
    spec = importlib.util.spec_from_file_location("drift", REPO / "tools" / "drift.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_drift_reports_each_version_difference(tmp_path):
    drift = load_drift()
    lock = tmp_path / "test.lock"
    lock.write_text(
        "pyyaml==6.0.3 \\\n    --hash=sha256:00\n    # via accord\n"
        "colorama==0.4.6 ; sys_platform == 'never' \\\n    --hash=sha256:11\n"
        "tomli==2.0 ; python_version >= '3' \\\n    --hash=sha256:33\n"
        "setuptools==84.2.1 \\\n    --hash=sha256:44\n"
        "numpy==2.4.6 \\\n    --hash=sha256:22\n"
    )
    freeze = tmp_path / "freeze.txt"
    freeze.write_text("PyYAML==6.0.4\nnumpy==2.4.6\nnew_thing==1.0\n")
    # colorama's marker is false here and setuptools is the installer's (pip freeze hides it): neither is drift
    assert drift.version_lines(drift.pins(lock), drift.pins(freeze)) == [
        "  new-thing: not in lock -> 1.0",
        "  pyyaml: 6.0.3 (locked) -> 6.0.4",
        "  tomli: 2.0 (locked) -> not installed",
    ]


def test_drift_reports_tests_that_fail_only_on_newest(tmp_path):
    drift = load_drift()
    locked, newest = tmp_path / "locked.log", tmp_path / "newest.log"
    locked.write_text("....\n1000 passed, 2 skipped in 190.00s (0:03:10)\n")
    newest.write_text(
        "..F.\nFAILED tests/engine/test_loader.py::test_depth - assert 'E004' == 'E008'\n"
        "ERROR tests/tui/test_app.py::test_x - ImportError\n"
        "1 failed, 998 passed, 2 skipped, 1 error in 200.00s (0:03:20)\n"
    )
    lines = drift.tests_report(locked, newest)
    assert lines == [
        "  locked versions: passed 1000 and skipped 2",
        "  newest versions: error 1 and failed 1 and passed 998 and skipped 2",
        "  fails only on newest: tests/engine/test_loader.py::test_depth",
        "  fails only on newest: tests/tui/test_app.py::test_x",
    ]
    # never in the form CI reads as a closing line ("N passed, N failed")
    assert not any(re.search(r"\d+ passed, \d+ failed", line) for line in lines)
    assert (
        drift.tests_report(locked, tmp_path / "missing.log")[1]
        == "  newest versions: no result (the run did not finish)"
    )
