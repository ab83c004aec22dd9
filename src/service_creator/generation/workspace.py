"""Writing generated files into the user's workspace, safely.

- Paths are confined to the root by `domain/confine.py`.
- `atomic_write` replaces a file in one step: a reader sees the old content or the new, never half.
- `Workspace` keeps a manifest of the hashes of the files we wrote in
  `<root>/.service-creator/manifest.json`, so a regenerate never overwrites a file the user
  changed: ours goes beside it as `<name>.new` and the file is reported as a conflict. The
  `.new` is recorded too: one the user has edited since is kept like any other edited file.
- The base: the last text we generated for each file, kept in `<root>/.service-creator/base/`
  (`a.py` as `a.py.kept`),
  so that an update merges our new text with the user's edits three ways (operations/update.py).
  A file kept aside as `.new` leaves its base as it was: the user's file still grew from it.
  Every path into the state folder goes through `state_file`, which refuses any link on the
  way: a crafted path or a planted symlink never leads out of it.
- `FilesystemWriter` is the `Writer` port for the CLI and MCP front doors.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import stat
import threading
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from service_creator.domain.atomic import atomic_write
from service_creator.domain.confine import (
    STATE_DIR,
    confine,
    normalize_relative,
    refuse,
    shown_path,
    state_dir,
)
from service_creator.domain.errors import WorkspaceError
from service_creator.domain.project import GeneratedFile, WriteResult
from service_creator.domain.safe_files import read_project_bytes, read_regular_file
from service_creator.domain.wire import now

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
BASE_DIR = "base"
# what a copy under the state folder is named after: `a.py` kept as `a.py.kept`, so that no tool
# of the project (ruff, black, pytest, each walking the folder) takes it for a source file
KEPT_SUFFIX = ".kept"
CONFLICT_SUFFIX = ".new"
MAX_BESIDE = 8  # `.new.new…` beside a file whose `.new` files the user has all edited
MAX_FILE_BYTES = 16 << 20  # a file on disk bigger than this is not one we wrote


# --- the manifest and the change plan -------------------------------------------------------


def sha256_of(data: bytes | str) -> str:
    payload = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(payload).hexdigest()


class ManifestEntry(BaseModel):
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    written_at: datetime


class Manifest(BaseModel):
    """What we wrote: workspace-relative path → the hash of the content we wrote there."""

    version: Literal[1] = 1
    files: dict[str, ManifestEntry] = {}


ChangeAction = Literal["create", "overwrite", "unchanged", "conflict"]


class PlannedChange(BaseModel):
    """What writing one generated file will do. For a conflict, `target` is the `.new` file."""

    model_config = ConfigDict(frozen=True)

    path: str = Field(description="Workspace-relative path of the generated file (normalized)")
    action: ChangeAction
    target: Path = Field(description="Absolute path to write `content` to")
    content: str

    @property
    def sha256(self) -> str:
        return sha256_of(self.content)


def owned_contents(changes: Iterable[PlannedChange]) -> list[tuple[str, str]]:
    """The (path, content) pairs the manifest should record once `changes` are applied.

    For a conflict the user's file stays theirs, and what is recorded is the `.new` file we put
    beside it, so that a `.new` the user edits afterwards is known to be theirs.
    """
    return [
        (c.path + CONFLICT_SUFFIX if c.action == "conflict" else c.path, c.content) for c in changes
    ]


def result_of(changes: Iterable[PlannedChange]) -> WriteResult:
    result = WriteResult()
    for change in changes:
        if change.action in ("create", "overwrite"):
            result.written.append(change.path)
        elif change.action == "unchanged":
            result.unchanged.append(change.path)
        else:
            result.conflicts.append(change.path)
    return result


def base_key(relative: str) -> str:
    """Where the base of the workspace file `relative` is, relative to the state folder."""
    return f"{BASE_DIR}/{normalize_relative(relative)}{KEPT_SUFFIX}"


class _NotOurs(Exception):
    """On disk at a generated path: a folder, a FIFO, a device, or a file too big to be ours."""


def _current_bytes(path: Path) -> bytes | None:
    """The regular file's bytes (never blocking on a FIFO), None when absent; `_NotOurs` for
    anything else there."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
        raise _NotOurs(path)
    return read_regular_file(path, limit=MAX_FILE_BYTES)


# --- the workspace --------------------------------------------------------------------------


class Workspace:
    """The user's project folder, as far as writing generated files is concerned."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).expanduser().resolve()
        if self.root.exists() and not self.root.is_dir():
            raise WorkspaceError(f"the workspace {self.root} is not a folder")
        self._lock = threading.RLock()

    @property
    def manifest_path(self) -> Path:
        """Inside the confined state folder; the name itself is never followed if it is a link
        (reading refuses it, writing replaces the link)."""
        return confine(self.root, STATE_DIR, internal=True) / MANIFEST_NAME

    def path(self, relative: str, *, internal: bool = False) -> Path:
        return confine(self.root, relative, internal=internal)

    def state_file(self, relative: str) -> Path:
        """`<root>/.service-creator/<relative>`, refused unless it is exactly that path: no `..`,
        and no symlink anywhere on the way (a link inside the state folder that points at the
        user's files is refused too, not followed)."""
        inside = f"{STATE_DIR}/{normalize_relative(relative, internal=True)}"
        path = confine(self.root, inside, internal=True)
        if path != self.root.joinpath(*PurePosixPath(inside).parts):
            raise refuse(inside, "a symlink in the state folder leads elsewhere")
        return path

    def base_path(self, relative: str) -> Path:
        """Where the base (the last text we generated) of the workspace file `relative` is kept."""
        return self.state_file(base_key(relative))

    def read_base(self, relative: str) -> str | None:
        """The last text we generated for `relative`, or None when none is kept."""
        try:
            return read_regular_file(self.base_path(relative), limit=MAX_FILE_BYTES).decode()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise WorkspaceError(
                f"could not read the base of {shown_path(relative)}: {exc}"
            ) from exc

    def save_bases(self, paths_and_contents: Iterable[tuple[str, str]]) -> None:
        """Keep each text as its file's base; a base that already holds it is left as it is."""
        for relative, content in paths_and_contents:
            if self.read_base(relative) != content:
                atomic_write(self.base_path(relative), content)

    def current_bytes(self, relative: str) -> bytes | None:
        """The bytes of the workspace file `relative` (None when absent); a folder, FIFO or huge
        file there is an error."""
        key = normalize_relative(relative)
        try:
            return _read_current(key, self.path(key))
        except _NotOurs:
            raise refuse(key, "it is not a regular file") from None

    def load_manifest(self) -> Manifest:
        path = self.manifest_path
        try:
            raw = read_project_bytes(self.root, f"{STATE_DIR}/{MANIFEST_NAME}")
        except FileNotFoundError:
            return Manifest()
        except OSError as exc:
            raise WorkspaceError(f"could not read the manifest {path}: {exc}") from exc
        try:
            return Manifest.model_validate_json(raw)
        except ValidationError as exc:
            raise WorkspaceError(
                f"the manifest {path} is not valid: {exc.error_count()} error(s)",
                hint="delete it; files you have not changed will then be reported as conflicts",
            ) from exc

    def save_manifest(self, manifest: Manifest) -> None:
        state_dir(self.root)
        text = json.dumps(manifest.model_dump(mode="json"), indent=2, sort_keys=True)
        atomic_write(self.manifest_path, text + "\n")

    def read(self, relative: str, *, internal: bool = False) -> str | None:
        """The file's text, or None when it does not exist."""
        path = self.path(relative, internal=internal)
        try:
            return read_regular_file(path, limit=MAX_FILE_BYTES).decode("utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise WorkspaceError(f"could not read {shown_path(relative)}: {exc}") from exc

    def plan_changes(self, files: list[GeneratedFile]) -> list[PlannedChange]:
        """Classify each file (create, overwrite, unchanged, conflict) without writing anything.

        Every path is checked first: one bad path fails the whole batch.
        """
        targets = self._confine_batch(files)
        manifest = self.load_manifest()
        return [
            self._plan_one(key, target, file.content, manifest)
            for (key, target), file in zip(targets, files, strict=True)
        ]

    def record_written(self, paths_and_contents: Iterable[tuple[str, str]]) -> None:
        """Record that these contents are now on disk, written by us or by an editor; each is
        the base of its file, but a `.new` beside the user's file (whose base stays)."""
        with self._lock:
            manifest = self.load_manifest()
            changed = False
            written = list(paths_and_contents)
            self.save_bases((p, c) for p, c in written if not p.endswith(CONFLICT_SUFFIX))
            for relative, content in written:
                key = normalize_relative(relative)
                digest = sha256_of(content)
                entry = manifest.files.get(key)
                if entry is None or entry.sha256 != digest:
                    manifest.files[key] = ManifestEntry(sha256=digest, written_at=now())
                    changed = True
            if changed or not self.manifest_path.is_file():  # a regenerate unchanged writes nothing
                self.save_manifest(manifest)

    def write_generated(self, files: list[GeneratedFile]) -> WriteResult:
        """Write a generation's files; never over a file the user changed since we wrote it."""
        with self._lock:
            plan = self.plan_changes(files)
            self._write_plan(plan)
            return result_of(plan)

    def apply_plan(self, plan: list[PlannedChange]) -> None:
        """Write planned changes to disk (a writer that could not go through an editor)."""
        with self._lock:
            self._write_plan(plan)

    def _write_plan(self, plan: list[PlannedChange]) -> None:
        applied: list[PlannedChange] = []
        try:
            for change in plan:
                if change.action != "unchanged":
                    atomic_write(change.target, change.content)
                applied.append(change)
        finally:  # record what reached the disk even when a later write failed
            self.record_written(owned_contents(applied))

    def _confine_batch(self, files: list[GeneratedFile]) -> list[tuple[str, Path]]:
        targets = [(normalize_relative(f.path), self.path(f.path)) for f in files]
        seen: dict[Path, str] = {}
        for key, target in targets:
            if target in seen:
                raise refuse(key, f"it is the same file as {seen[target]!r} in this batch")
            seen[target] = key
        for key, target in targets:
            folder = next((seen[p] for p in target.parents if p in seen), None)
            if folder is not None:
                raise refuse(key, f"{folder!r} in this batch is a file, not a folder")
        return targets

    def _plan_one(self, key: str, target: Path, content: str, manifest: Manifest) -> PlannedChange:
        try:
            current = _read_current(key, target)
        except _NotOurs:
            return self._conflict(key, content, manifest)
        if current is None:
            return PlannedChange(path=key, action="create", target=target, content=content)
        if current == content.encode("utf-8"):
            return PlannedChange(path=key, action="unchanged", target=target, content=content)
        if _written_by_us(key, current, manifest):
            return PlannedChange(path=key, action="overwrite", target=target, content=content)
        return self._conflict(key, content, manifest)

    def beside(self, change: PlannedChange) -> PlannedChange:
        """`change` as a conflict (the user's file is theirs): ours goes beside it, past any
        `.new` the user has edited."""
        return self._conflict(change.path, change.content, self.load_manifest())

    def _conflict(self, key: str, content: str, manifest: Manifest) -> PlannedChange:
        """Ours goes beside the user's file as `<name>.new`. A `.new` the user has edited since
        we wrote it (or one we never wrote) is theirs too: it is kept, reported as the conflict,
        and ours goes beside it in turn."""
        kept = key
        for _ in range(MAX_BESIDE):
            beside = self.path(kept + CONFLICT_SUFFIX)
            if _free_or_ours(kept + CONFLICT_SUFFIX, beside, content, manifest):
                return PlannedChange(path=kept, action="conflict", target=beside, content=content)
            log.info("%s%s was edited; it is kept", kept, CONFLICT_SUFFIX)
            kept += CONFLICT_SUFFIX
        raise refuse(
            key, f"{MAX_BESIDE} edited {CONFLICT_SUFFIX} files beside it are all kept as yours"
        )


def _read_current(key: str, path: Path) -> bytes | None:
    try:
        return _current_bytes(path)
    except OSError as exc:
        raise WorkspaceError(f"could not read {shown_path(key)}: {exc}") from exc


def _written_by_us(key: str, current: bytes, manifest: Manifest) -> bool:
    entry = manifest.files.get(key)
    return entry is not None and sha256_of(current) == entry.sha256


def _free_or_ours(key: str, path: Path, content: str, manifest: Manifest) -> bool:
    """Whether our proposal may be written at `path`: nothing is there, or what we wrote."""
    try:
        current = _read_current(key, path)
    except _NotOurs:
        return False
    return (
        current is None
        or current == content.encode("utf-8")
        or _written_by_us(key, current, manifest)
    )


# --- the Writer port on the filesystem ------------------------------------------------------


class FilesystemWriter:
    """The `Writer` port for the CLI and MCP: writes straight to disk, off the event loop."""

    def __init__(self, workspace: Workspace | Path | str) -> None:
        self.workspace = workspace if isinstance(workspace, Workspace) else Workspace(workspace)

    async def apply(self, files: list[GeneratedFile], label: str) -> WriteResult:
        log.info("writing %d file(s) for %r into %s", len(files), label, self.workspace.root)
        result = await asyncio.to_thread(self.workspace.write_generated, list(files))
        if result.conflicts:
            log.warning("kept %d changed file(s); ours went beside as .new", len(result.conflicts))
        return result
