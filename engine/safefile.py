"""Read one file of a project, and only if it is a regular file inside the project folder.

Every file Accord reads from a project (rulesets, patients, source texts,
reviews, reports, exclusions) is untrusted: a symbolic link can point at a
secret elsewhere on the machine, and a FIFO or device can block a read
forever. `read_project_file` is the one gate:

* the path is resolved (every symbolic link followed) and must stay inside
  `root`, the project folder. `root` is the folder named on the command line
  when the file was found under it, else the folder the path itself is named
  in (so by default a file may not be a link out of its own folder). A file
  that resolves outside is refused and nothing of the target is read, so
  nothing of it can be printed;
* it is opened non-blocking (a FIFO with no writer opens at once) without
  following a final symbolic link (the resolved path has none, unless it was
  swapped in since), then fstat'ed: only a regular file is read;
* at most `max_bytes` are read.

Pure standard library: no engine import, so every module can use it.
"""

from __future__ import annotations

import os
import stat

MAX_BYTES = 5 * 1024 * 1024

_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class FileRefused(Exception):
    """Why a project file was not read: a diagnostic code (E001, E002, E010) and a message.

    The message never contains anything read from the file or the link's target.
    """

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def project_folder(path: str | os.PathLike[str], root: str | os.PathLike[str] | None = None) -> str:
    """The resolved folder `path` must stay inside: `root`, else the folder `path` is named in."""
    if root is None:
        root = os.path.dirname(os.path.abspath(os.fspath(path)))
    return os.path.realpath(root)


def is_inside(path: str | os.PathLike[str], root: str | os.PathLike[str] | None = None) -> bool:
    """Whether `path`, with every link followed, stays inside the project folder."""
    folder = project_folder(path, root)
    target = os.path.realpath(path)
    try:
        return os.path.commonpath([folder, target]) == folder
    except ValueError:  # different drives on Windows
        return False


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_project_file(
    path: str | os.PathLike[str], root: str | os.PathLike[str] | None = None, max_bytes: int = MAX_BYTES
) -> bytes:
    """The bytes of `path`, if it is a regular file inside the project folder; else FileRefused."""
    if not is_inside(path, root):
        raise FileRefused("E010", "resolves outside the project folder (a symbolic link out of it?); it was not read")
    target = os.path.realpath(path)
    flags = (
        os.O_RDONLY
        | getattr(os, "O_NONBLOCK", 0)
        | getattr(os, "O_NOFOLLOW", 0)
        | getattr(os, "O_NOCTTY", 0)
        | getattr(os, "O_BINARY", 0)
    )
    try:
        fd = os.open(target, flags)
    except IsADirectoryError:
        raise FileRefused("E001", "is a directory, not a file") from None
    except OSError as exc:
        raise FileRefused("E001", f"cannot read file: {exc.strerror or type(exc).__name__}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise FileRefused("E001", "is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused("E001", f"is {_kind(info.st_mode)}, not a regular file; it was not read")
        if info.st_size > max_bytes:
            raise FileRefused("E002", f"file is {info.st_size:,} bytes; the limit is {max_bytes:,}")
        chunks: list[bytes] = []
        left = max_bytes + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise FileRefused("E001", f"cannot read file: {exc.strerror or type(exc).__name__}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise FileRefused("E002", f"file is larger than the limit of {max_bytes:,} bytes")
    return data
