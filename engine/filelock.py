"""Advisory locks for read-modify-write of project files, so concurrent commands and workbench saves lose nothing.

An atomic write replaces the file's inode, so the lock is taken on a stable
sidecar next to it (`.<name>.lock`, never removed: removing it would let two
writers hold locks on different inodes). `locked(path)` waits up to `timeout`
seconds and then raises LockTimeout (an OSError, so callers that already
report write failures report this too). Reentrant within one thread; other
threads and processes wait. Callers re-read the file after taking the lock.
"""

from __future__ import annotations

import errno
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

DEFAULT_TIMEOUT = 30.0

_held: dict[tuple[int, str], int] = {}
_held_guard = threading.Lock()


class LockTimeout(OSError):
    """The lock on a file could not be taken in time: another command or the workbench is writing it."""


def lock_path(path: str | os.PathLike[str]) -> Path:
    """The sidecar lock file of `path`: `.<name>.lock` in the same folder."""
    target = Path(os.path.abspath(path))
    return target.parent / f".{target.name}.lock"


def _try_lock(fd: int) -> bool:
    if fcntl is None:  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            return False
        raise


def _unlock(fd: int) -> None:
    if fcntl is None:  # pragma: no cover - Windows
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    fcntl.flock(fd, fcntl.LOCK_UN)


@contextmanager
def locked(path: str | os.PathLike[str], timeout: float = DEFAULT_TIMEOUT) -> Iterator[Path]:
    """Hold the exclusive advisory lock of `path` for the block; yields the lock file's path."""
    lock = lock_path(path)
    key = (threading.get_ident(), str(lock))
    with _held_guard:
        if key in _held:
            _held[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield lock
        finally:
            with _held_guard:
                _held[key] -= 1
        return
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(lock, flags, 0o666)
    except OSError as exc:
        raise OSError(exc.errno, f"cannot create the lock file {lock}: {exc.strerror or exc}") from None
    try:
        deadline = time.monotonic() + timeout
        pause = 0.002
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise LockTimeout(
                    errno.EAGAIN,
                    f"{Path(path).name} is being written by another Accord command or the workbench "
                    f"(lock {lock.name} still held after {timeout:g} s); try again",
                )
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        with _held_guard:
            _held[key] = 1
        try:
            yield lock
        finally:
            with _held_guard:
                del _held[key]
            _unlock(fd)
    finally:
        os.close(fd)


__all__ = ["DEFAULT_TIMEOUT", "LockTimeout", "lock_path", "locked"]
