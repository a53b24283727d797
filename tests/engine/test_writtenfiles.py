"""engine.writtenfiles: write_report knows an unchanged file from its manifest without reading it back,
and never mistakes an edited, replaced or deleted one for unchanged."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

import engine.contenthash as contenthash
from engine.writtenfiles import WrittenFiles


@pytest.fixture
def folder(tmp_path: Path) -> tuple[Path, Path]:
    out, cache = tmp_path / "out", tmp_path / "cache"
    out.mkdir()
    return out, cache


def write(out: Path, cache: Path, files: dict[str, bytes]) -> list[str]:
    """What write_report does with each file: skip it when unchanged, else write and record it."""
    written = WrittenFiles(out, cache)
    changed = []
    for name, data in files.items():
        if written.unchanged(name, data):
            continue
        (out / name).write_bytes(data)
        written.record(name, hashlib.sha256(data).hexdigest())
        changed.append(name)
    written.save()
    return changed


def test_an_unchanged_file_is_known_without_reading_it(folder, monkeypatch):
    out, cache = folder
    files = {f"c{i}.svg": f"<svg>{i}</svg>".encode() for i in range(50)}
    assert write(out, cache, files) == list(files)
    reads: list[Path] = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self) or real(self))
    assert write(out, cache, files) == []
    assert [p for p in reads if p.parent == out] == []  # only the manifest was read


def test_edited_replaced_deleted_or_new_files_are_written(folder):
    out, cache = folder
    files = {"a.svg": b"<svg>a</svg>", "b.svg": b"<svg>b</svg>", "c.svg": b"<svg>c</svg>"}
    write(out, cache, files)
    st = os.stat(out / "a.svg")
    (out / "a.svg").write_bytes(b"<svg>X</svg>")  # same size, other bytes
    os.utime(out / "a.svg", ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    (out / "b.svg").unlink()
    assert write(out, cache, {**files, "d.svg": b"<svg>d</svg>"}) == ["a.svg", "b.svg", "d.svg"]
    assert (out / "a.svg").read_bytes() == b"<svg>a</svg>"
    assert write(out, cache, {**files, "c.svg": b"<svg>C</svg>"}) == ["c.svg"]  # new text, same size


def test_a_manifest_from_another_machine_or_broken_is_only_a_reason_to_read(folder, monkeypatch, tmp_path):
    out, cache = folder
    files = {"a.svg": b"<svg>a</svg>"}
    write(out, cache, files)
    monkeypatch.setenv(contenthash.SECRET_ENV, str(tmp_path / "other" / "secret"))
    monkeypatch.setattr(contenthash, "_SECRET", [])
    (out / "a.svg").write_bytes(b"<svg>Z</svg>")  # a forged file beside a forged manifest would still be read
    st = os.stat(out / "a.svg")
    assert write(out, cache, files) == ["a.svg"]
    (cache / "written.json").write_text("{not json", encoding="utf-8")
    assert write(out, cache, files) == []  # read and compared: equal
    assert st.st_size == len(files["a.svg"])
