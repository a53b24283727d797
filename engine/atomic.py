"""Atomic, conflict-aware file writes: nothing an editor saves is ever half-written or silently lost.

write_atomic: temp file in the same folder, write, flush, fsync, os.replace
(then fsync the folder where the platform allows). A failure leaves the old
file untouched and raises OSError for the caller to report.

FileStamp: (mtime, size, sha256) of a file as it was loaded; `changed_since`
tells whether someone else wrote it since, so a save can ask first.

write_if_unchanged: that check and the write together, under the file's
advisory lock (engine.filelock), for saves that race other writers.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FileStamp:
    mtime_ns: int
    size: int
    sha256: str

    @classmethod
    def of(cls, path: str | os.PathLike[str]) -> FileStamp | None:
        """The file's stamp, or None when it does not exist."""
        try:
            st = os.stat(path)
            with open(path, "rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()
        except FileNotFoundError:
            return None
        return cls(st.st_mtime_ns, st.st_size, digest)

    @classmethod
    def of_content(cls, text: str, encoding: str = "utf-8") -> FileStamp:
        """The stamp of a file as it held `text` when it was read (maybe long ago).

        No modification time (-1), so changed_since always compares the content:
        a file changed between the read and this call is still seen as changed.
        """
        data = text.encode(encoding)
        return cls(-1, len(data), hashlib.sha256(data).hexdigest())

    @classmethod
    def of_text(cls, text: str, path: str | os.PathLike[str]) -> FileStamp:
        st = os.stat(path)
        return cls(st.st_mtime_ns, st.st_size, hashlib.sha256(text.encode("utf-8")).hexdigest())


class ChangedOnDisk(Exception):
    """A file was changed by someone else since it was loaded: the caller asks before overwriting."""


def changed_since(path: str | os.PathLike[str], stamp: FileStamp | None) -> bool:
    """True when the file on disk differs from `stamp` (content, not just a touched mtime)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return stamp is not None
    if stamp is None:
        return True
    if st.st_mtime_ns == stamp.mtime_ns and st.st_size == stamp.size:
        return False
    current = FileStamp.of(path)
    return current is None or current.sha256 != stamp.sha256 or current.size != stamp.size


def write_atomic(path: str | os.PathLike[str], text: str, encoding: str = "utf-8", digest: bool = True) -> FileStamp:
    """Replace `path` with `text` atomically; return the new stamp. Raises OSError on failure.

    `digest=False`: the stamp's sha256 is "" (a caller that never compares it need not hash 70 MB)."""
    target = Path(path)
    folder = target.parent
    data = text.encode(encoding)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            mode = os.stat(target).st_mode & 0o777  # an existing file keeps its permissions
        except FileNotFoundError:
            mode = 0o666 & ~_umask()  # a new one gets the usual ones, not mkstemp's private 0600
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_folder(folder)
    st = os.stat(target)
    return FileStamp(st.st_mtime_ns, st.st_size, hashlib.sha256(data).hexdigest() if digest else "")


def _umask() -> int:
    """The process umask (reading it means setting it; put straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_if_unchanged(
    path: str | os.PathLike[str], text: str, expected: FileStamp | None, *, force: bool = False
) -> FileStamp:
    """Under the file's lock: ChangedOnDisk when it no longer matches `expected` (unless `force`), else write_atomic.

    The check and the write happen while the lock is held, so a concurrent
    command or workbench save cannot slip in between them and be overwritten.
    """
    from engine.filelock import locked

    with locked(path):
        if not force and changed_since(path, expected):
            raise ChangedOnDisk(str(path))
        return write_atomic(path, text)
