"""Cache keys include a secret of this machine (engine.contenthash.machine_secret): a cache entry written
anywhere else, such as one committed into the project by a pull request, is a miss, never trusted."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

import engine.contenthash as contenthash
from engine.validate import validate_paths
from engine.validationcache import FILE_NAME, ValidationCache
from tests.conftest import write_ruleset


@pytest.fixture
def secret(tmp_path, monkeypatch):
    """Point the secret at a file of the test's own; `use(name)` switches machines."""

    def use(name: str) -> Path:
        path = tmp_path / "home" / name / "secret"
        monkeypatch.setenv(contenthash.SECRET_ENV, str(path))
        monkeypatch.setattr(contenthash, "_SECRET", [])
        return path

    return use


def broken_project(tmp_path: Path) -> Path:
    rs = tmp_path / "rs"
    write_ruleset(rs, "alpha", "Take 2 mg.", [{"question": "dose", "value": {"mg": 2, "every_days": 1}, "when": True}])
    path = rs / "alpha.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("question: dose", "question: no_such_question"))
    return rs


def errors(rs: Path, cache_dir: Path) -> list[str]:
    cache = ValidationCache(cache_dir)
    result = validate_paths([rs], check_patients=False, cache=cache)
    cache.save()
    return [d.code for d in result.diagnostics if d.severity == "error"]


def test_a_forged_entry_is_trusted_only_on_the_machine_that_keyed_it(tmp_path, secret):
    rs, cache_dir = broken_project(tmp_path), tmp_path / "committed-cache"
    secret("attacker")
    assert errors(rs, cache_dir)  # the broken ruleset's errors, cached
    store = cache_dir / FILE_NAME
    data = json.loads(store.read_text(encoding="utf-8"))
    data["entries"] = {key: [] for key in data["entries"]}  # forged: "no diagnostics"
    store.write_text(json.dumps(data), encoding="utf-8")
    secret("ci")  # another machine reads the committed cache
    assert errors(rs, cache_dir)  # a miss: validated afresh, the errors are back


def test_the_secret_is_made_once_private_and_kept(tmp_path, secret):
    path = secret("one")
    first = contenthash.machine_secret()
    assert len(first) == 32 and path.read_bytes() == first
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    contenthash._SECRET.clear()
    assert contenthash.machine_secret() == first  # read back, not made again


def test_an_unusable_secret_file_means_every_run_misses_never_an_error(tmp_path, secret):
    path = secret("odd")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"short")  # not 32 bytes: not a secret
    one = contenthash.machine_secret()
    contenthash._SECRET.clear()
    assert contenthash.machine_secret() != one and path.read_bytes() == b"short"  # each process its own
    link = secret("link")
    link.parent.mkdir(parents=True)
    (tmp_path / "elsewhere").write_bytes(b"x" * 32)
    link.symlink_to(tmp_path / "elsewhere")
    assert contenthash.machine_secret() != b"x" * 32  # a symbolic link is not followed
