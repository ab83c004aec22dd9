"""What goes into the sandbox for one run: the project, the runner, the job and extra wheels.

One tar for `put_archive` into the root-owned `/src` volume: every entry is owned by root,
files 0644 (0755 when executable), folders 0755, so the sandbox user can read but not change
them. Symlinks and special files are left out; version-control folders, virtualenvs and caches
too. The size is capped.
"""

from __future__ import annotations

import io
import json
import os
import stat
import tarfile
from collections.abc import Mapping
from pathlib import Path

from service_creator.domain.confine import normalize_relative
from service_creator.domain.errors import SandboxError, UnsafeFileError
from service_creator.domain.safe_files import read_project_bytes
from service_creator.sandbox.runner import Job

EXCLUDED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "__pycache__",
        "node_modules",
        ".service-creator",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".tox",
        ".nox",
    }
)
EXCLUDED_SUFFIXES = (".pyc", ".pyo")
MAX_PROJECT_BYTES = 64 << 20
MAX_PROJECT_FILES = 20_000
RUNNER = Path(__file__).with_name("runner.py")
DROP = Path(__file__).with_name("drop.py")
LINE_PROBE = Path(__file__).with_name("line_probe.py")


def project_files(workspace: Path) -> list[tuple[str, bool]]:
    """(archive-relative POSIX path, executable) of each regular file to copy, sorted."""
    found: list[tuple[str, bool]] = []
    total = 0
    for folder, dirs, files in os.walk(workspace, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in EXCLUDED_DIRS)
        for name in sorted(files):
            path = Path(folder, name)
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode) or name.endswith(EXCLUDED_SUFFIXES):
                continue
            total += info.st_size
            found.append((path.relative_to(workspace).as_posix(), bool(info.st_mode & 0o111)))
            if total > MAX_PROJECT_BYTES or len(found) > MAX_PROJECT_FILES:
                raise SandboxError(
                    f"the project is too big for the sandbox (over {MAX_PROJECT_BYTES >> 20} MiB "
                    f"or {MAX_PROJECT_FILES} files)",
                    hint="keep build outputs and data out of the workspace",
                )
    return found


def root_entry(name: str, *, directory: bool = False, size: int = 0, mode: int = 0o644):
    info = tarfile.TarInfo(name)
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mtime = 0
    if directory:
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
    else:
        info.size = size
        info.mode = mode
    return info


def add_folders(tar: tarfile.TarFile, relative: str, seen: set[str]) -> None:
    parts = relative.split("/")[:-1]
    for depth in range(1, len(parts) + 1):
        folder = "/".join(parts[:depth])
        if folder not in seen:
            seen.add(folder)
            tar.addfile(root_entry(folder, directory=True))


def add_data(tar: tarfile.TarFile, name: str, data: bytes, seen: set[str]) -> None:
    add_folders(tar, name, seen)
    tar.addfile(root_entry(name, size=len(data)), io.BytesIO(data))


def add_file(
    tar: tarfile.TarFile, name: str, root: Path, relative: str, executable: bool, seen: set[str]
) -> None:
    """A project file, read again through no link (it may have been swapped since the walk)."""
    try:
        data = read_project_bytes(root, relative, limit=MAX_PROJECT_BYTES)
    except FileNotFoundError:
        return
    except UnsafeFileError as exc:
        raise SandboxError(exc.message, hint=exc.hint) from None
    add_folders(tar, name, seen)
    info = root_entry(name, size=len(data), mode=0o755 if executable else 0o644)
    tar.addfile(info, io.BytesIO(data))


def run_archive(
    workspace: Path,
    run_name: str,
    job: Job,
    wheels: list[Path],
    overlay: Mapping[str, str] | None = None,
) -> bytes:
    """The tar for `/src/<run>`: `runner.py`, `drop.py`, `line_probe.py`, `job.json`,
    `project/…`, `wheels/…`.

    `overlay` maps workspace-relative paths to text that replaces (or adds to) the files on
    disk: an editor's unsaved buffers, so the tests see what the user sees.
    """
    overlay = {normalize_relative(path): text for path, text in (overlay or {}).items()}
    buffer = io.BytesIO()
    seen: set[str] = set()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        add_data(tar, f"{run_name}/runner.py", RUNNER.read_bytes(), seen)
        add_data(tar, f"{run_name}/drop.py", DROP.read_bytes(), seen)
        add_data(tar, f"{run_name}/line_probe.py", LINE_PROBE.read_bytes(), seen)
        add_data(tar, f"{run_name}/job.json", json.dumps(job).encode(), seen)
        tar.addfile(root_entry(f"{run_name}/project", directory=True))
        seen.add(f"{run_name}/project")
        on_disk = project_files(workspace)
        for relative, executable in on_disk:
            name = f"{run_name}/project/{relative}"
            if relative in overlay:
                add_data(tar, name, overlay[relative].encode(), seen)
            else:
                add_file(tar, name, workspace, relative, executable, seen)
        for relative in sorted(set(overlay) - {relative for relative, _ in on_disk}):
            add_data(tar, f"{run_name}/project/{relative}", overlay[relative].encode(), seen)
        for wheel in wheels:
            add_data(tar, f"{run_name}/wheels/{wheel.name}", wheel.read_bytes(), seen)
    return buffer.getvalue()
