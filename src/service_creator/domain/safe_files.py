"""Reading a project's files on the host without being led out of the project.

A project folder is untrusted: a model wrote it, or a user pasted it. `requirements.txt`,
a report or a session file may be a symlink to `~/.ssh/id_rsa`, a FIFO that blocks forever, or
a file of several gigabytes. Every host-side read of a project file goes through here: each
folder on the way is opened with `O_NOFOLLOW | O_DIRECTORY` relative to the one before (so no
component can be a symlink, and a swap between check and use cannot redirect the read), the
file itself with `O_NOFOLLOW | O_NONBLOCK`, then `fstat` must say it is a regular file, and at
most `limit` bytes are read.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path, PurePosixPath

from service_creator.domain.errors import UnsafeFileError

DEFAULT_LIMIT = 8 << 20
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
_FILE_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def _why_refused(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "it is a symbolic link"
    if error.errno == errno.ENOTDIR:
        return "a folder on its path is a symbolic link or not a folder"
    return error.strerror or str(error)


def _parts(relative: str | PurePosixPath) -> tuple[str, ...]:
    parts = PurePosixPath(str(relative).replace("\\", "/")).parts
    if not parts or parts[0] == "/" or ".." in parts or "\x00" in str(relative):
        raise UnsafeFileError(f"refused to read {str(relative)!r}: not a path inside the project")
    return tuple(p for p in parts if p != ".")


def read_project_bytes(
    root: Path, relative: str | PurePosixPath, *, limit: int = DEFAULT_LIMIT
) -> bytes:
    """The bytes of `root/relative`, a regular file reached through no symlink, at most `limit`.

    Raises `FileNotFoundError` when it does not exist (callers often treat that as "none"), and
    `UnsafeFileError` with the reason when it is a link, a special file or too big.
    """
    parts = _parts(relative)
    shown = "/".join(parts)
    fds: list[int] = []
    try:
        fds.append(os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _CLOEXEC))
        for folder in parts[:-1]:
            fds.append(os.open(folder, _DIR_FLAGS | _CLOEXEC, dir_fd=fds[-1]))
        fd = os.open(parts[-1], _FILE_FLAGS | _CLOEXEC, dir_fd=fds[-1])
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise UnsafeFileError(
            f"refused to read {shown}: {_why_refused(exc)}",
            hint="project files must be regular files inside the project, not links",
        ) from None
    finally:
        for opened in fds:
            os.close(opened)
    return _read_regular(fd, shown, limit)


def read_project_text(
    root: Path, relative: str | PurePosixPath, *, limit: int = DEFAULT_LIMIT
) -> str:
    """`read_project_bytes` decoded as UTF-8; `UnsafeFileError` when it is not UTF-8."""
    data = read_project_bytes(root, relative, limit=limit)
    return utf8_text(data, "/".join(_parts(relative)))


def read_regular_text(path: Path, *, limit: int = DEFAULT_LIMIT) -> str:
    """`read_regular_file` decoded as UTF-8; `UnsafeFileError` when it is not UTF-8."""
    return utf8_text(read_regular_file(path, limit=limit), str(path))


def utf8_text(data: bytes, shown: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnsafeFileError(
            f"{shown} is not UTF-8 text (byte {exc.start})", hint="save it as UTF-8"
        ) from None


def read_regular_file(path: Path, *, limit: int = DEFAULT_LIMIT) -> bytes:
    """The bytes of `path` when its last component is a regular file, not a link; capped."""
    try:
        fd = os.open(path, _FILE_FLAGS | _CLOEXEC)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise UnsafeFileError(
            f"refused to read {path}: {_why_refused(exc)}",
            hint="it must be a regular file, not a link",
        ) from None
    return _read_regular(fd, str(path), limit)


def _read_regular(fd: int, shown: str, limit: int) -> bytes:
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFileError(
                f"refused to read {shown}: it is not a regular file",
                hint="replace it with a regular file",
            )
        if info.st_size > limit:
            raise UnsafeFileError(
                f"refused to read {shown}: {info.st_size} bytes is over the {limit} byte limit",
                hint="make it smaller",
            )
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise UnsafeFileError(
                    f"refused to read {shown}: it grew over the {limit} byte limit",
                    hint="make it smaller",
                )
        return b"".join(chunks)
    finally:
        os.close(fd)
