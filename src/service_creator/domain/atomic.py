"""Atomic file replacement: a reader sees the old content or the new, never half of it."""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from service_creator.domain.errors import WorkspaceError

_NEW_FILE_MODE = 0o666  # the kernel applies the umask, as for any new file


def _existing_mode(path: Path) -> int | None:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return None


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _make_folders(folder: Path) -> None:
    """Create `folder` and its missing parents, top down, in a loop: `mkdir(parents=True)`
    recurses once per missing folder, and a path thousands of folders deep exhausts the stack."""
    missing: list[Path] = []
    while not folder.is_dir() and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir(exist_ok=True)


def _write_temp(path: Path, payload: bytes, mode: int | None) -> Path:
    """A fully written and fsynced temporary file beside `path`; removed again if anything fails."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(tmp, flags | getattr(os, "O_BINARY", 0), _NEW_FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            if mode is not None:
                os.chmod(tmp, mode)
            os.fsync(handle.fileno())
    except BaseException:
        _remove_quietly(tmp)
        raise
    return tmp


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable. Best effort: some platforms and filesystems cannot fsync folders."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: Path, data: bytes | str) -> None:
    """Replace `path` with `data` in one step, keeping the existing file's permissions.

    Creates missing parent folders. On failure the original file is untouched and no temporary
    file is left behind.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        _make_folders(path.parent)
        tmp = _write_temp(path, payload, _existing_mode(path))
        try:
            os.replace(tmp, path)
        except BaseException:
            _remove_quietly(tmp)
            raise
    except OSError as exc:
        raise WorkspaceError(f"could not write {path}: {exc.strerror or exc}") from exc
    _fsync_dir(path.parent)
