"""engine.atomic.write_atomic: whole files or nothing, and the permissions people expect."""

from __future__ import annotations

import os
import stat

import pytest

from engine.atomic import FileStamp, changed_since, write_atomic


def test_new_file_gets_umask_permissions_not_private_ones(tmp_path):
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "reviews.yaml", "conflicts: {}\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "reviews.yaml").st_mode) == 0o644  # mkstemp alone would give 0o600


def test_existing_file_keeps_its_permissions(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text("a: 1\n")
    os.chmod(path, 0o640)
    write_atomic(path, "a: 2\n")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640 and path.read_text() == "a: 2\n"


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "r.yaml"
    path.write_text("a: 1\n")

    def broken(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        write_atomic(path, "a: 2\n")
    assert path.read_text() == "a: 1\n" and sorted(p.name for p in tmp_path.iterdir()) == ["r.yaml"]


def test_stamp_sees_a_change_of_content(tmp_path):
    path = tmp_path / "r.yaml"
    stamp = write_atomic(path, "a: 1\n")
    assert not changed_since(path, stamp) and stamp == FileStamp.of(path)
    path.write_text("a: 3\n")  # same size, other bytes
    assert changed_since(path, stamp)
