"""Nothing lost: before an update writes, what it will change is kept, and `undo_last` puts it
back byte for byte.

A snapshot is `<root>/.service-creator/history/<stamp>/`: `index.json` says which workspace
files and which state files (the manifest, bases, the session) the update touches and whether
each existed; the bytes of those that did are under `files/` and `state/`. Undo restores each
that existed, deletes each that did not (a file the update created, a `.new` beside yours), and
removes the snapshot, so the next undo takes back the update before. A file you changed after
the update (its bytes are not those the update wrote, `seal`) stops the undo: it would be lost.
Every path read from the index is checked again (`normalize_relative`, `Workspace.path`,
`Workspace.state_file`): a crafted index cannot make undo write or delete outside the workspace,
in `.git/`, or in the history itself.

Beside the index, `diffs.json` keeps the unified diff of each file the update changed (path ->
diff), so what an update changed can be shown later, whatever was edited since.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ValidationError

from service_creator.domain.atomic import atomic_write
from service_creator.domain.confine import normalize_relative, refuse
from service_creator.domain.errors import WorkspaceError
from service_creator.domain.safe_files import read_regular_file
from service_creator.generation.workspace import (
    KEPT_SUFFIX,
    MAX_FILE_BYTES,
    Workspace,
    sha256_of,
)

HISTORY_DIR = "history"
INDEX_NAME = "index.json"
DIFFS_NAME = "diffs.json"
_STAMP = re.compile(r"^[0-9]{8}T[0-9]{12}Z$")


class Snapshot(BaseModel):
    """One update's `index.json`: path -> whether it existed before the update."""

    label: str
    created_at: datetime
    files: dict[str, bool] = {}
    state: dict[str, bool] = {}
    after: dict[str, str] = {}  # workspace path -> sha256 of what the update left there


class Diffs(BaseModel):
    """One update's `diffs.json`: workspace path -> the unified diff of its change."""

    files: dict[str, str] = {}


class Undone(BaseModel):
    stamp: str
    label: str
    restored: list[str] = []
    deleted: list[str] = []


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _state_key(relative: str) -> str:
    key = normalize_relative(relative, internal=True)
    if key.split("/", 1)[0] == HISTORY_DIR:
        raise refuse(key, "it is inside the history itself")
    return key


def _read(path: Path) -> bytes | None:
    try:
        return read_regular_file(path, limit=MAX_FILE_BYTES)
    except FileNotFoundError:
        return None


def snapshot(site: Workspace, label: str, files: Iterable[str], state: Iterable[str]) -> str:
    """Keep the current bytes of `files` (workspace-relative) and `state` (relative to the state
    folder) before they change; returns the snapshot's stamp."""
    stamp = _stamp()
    index = Snapshot(label=label, created_at=datetime.now(UTC))
    for relative in dict.fromkeys(files):
        key = normalize_relative(relative)
        current = site.current_bytes(key)
        index.files[key] = current is not None
        if current is not None:
            atomic_write(
                site.state_file(f"{HISTORY_DIR}/{stamp}/files/{key}{KEPT_SUFFIX}"), current
            )
    for relative in dict.fromkeys(state):
        key = _state_key(relative)
        current = _read(site.state_file(key))
        index.state[key] = current is not None
        if current is not None:
            atomic_write(
                site.state_file(f"{HISTORY_DIR}/{stamp}/state/{key}{KEPT_SUFFIX}"), current
            )
    # the index last: a snapshot without one was never finished, and undo skips it
    index_path = site.state_file(f"{HISTORY_DIR}/{stamp}/{INDEX_NAME}")
    atomic_write(index_path, index.model_dump_json(indent=2) + "\n")
    return stamp


def discard(site: Workspace, stamp: str) -> None:
    """Drop a snapshot whose update wrote nothing (an editor refused the edit)."""
    shutil.rmtree(site.state_file(f"{HISTORY_DIR}/{stamp}"), ignore_errors=True)


def seal(site: Workspace, stamp: str, written: dict[str, str]) -> None:
    """Record what the update wrote (path -> text), so that undo knows a file changed since."""
    index = _load(site, stamp)
    index.after = {normalize_relative(path): sha256_of(text) for path, text in written.items()}
    index_path = site.state_file(f"{HISTORY_DIR}/{stamp}/{INDEX_NAME}")
    atomic_write(index_path, index.model_dump_json(indent=2) + "\n")


def record_diffs(site: Workspace, stamp: str, diffs: dict[str, str]) -> None:
    """Keep the unified diff of each file the update changed, beside its snapshot's index."""
    kept = Diffs(files={normalize_relative(path): diff for path, diff in diffs.items()})
    atomic_write(
        site.state_file(f"{HISTORY_DIR}/{stamp}/{DIFFS_NAME}"), kept.model_dump_json() + "\n"
    )


def last_diffs(site: Workspace) -> dict[str, str]:
    """The diffs the last update (the one undo takes back) recorded; none without one. A path
    that is not a canonical workspace path (a crafted file) is refused."""
    found = stamps(site)
    if not found:
        return {}
    path = site.state_file(f"{HISTORY_DIR}/{found[-1]}/{DIFFS_NAME}")
    raw = _read(path)
    if raw is None:
        return {}
    try:
        kept = Diffs.model_validate_json(raw)
    except ValidationError as exc:
        raise WorkspaceError(
            f"the update history {path} is not valid: {exc.error_count()} error(s)",
            hint="remove that file; the update itself is kept",
        ) from exc
    for key in kept.files:
        if normalize_relative(key) != key:
            raise refuse(key, "it is not a canonical workspace path")
    return kept.files


def stamps(site: Workspace) -> list[str]:
    """The finished snapshots, oldest first."""
    folder = site.state_file(HISTORY_DIR)
    if not folder.is_dir():
        return []
    return sorted(
        entry.name
        for entry in os.scandir(folder)
        if _STAMP.match(entry.name)
        and entry.is_dir(follow_symlinks=False)
        and os.path.isfile(os.path.join(entry.path, INDEX_NAME))
    )


def undo_last(site: Workspace) -> Undone:
    """Put back what the last update changed, exactly, and drop its snapshot."""
    found = stamps(site)
    if not found:
        raise WorkspaceError(
            f"no update to undo in {site.root}",
            hint="`service-creator update --undo` takes back an update made with "
            "`service-creator update`",
        )
    stamp = found[-1]
    index = _load(site, stamp)
    edited = _edited_since(site, index)
    if edited:
        raise WorkspaceError(
            f"you changed {', '.join(edited)} since the update; undo would lose that",
            hint="keep a copy of your changes, then put back what the update wrote "
            "(or delete those files), and undo again",
        )
    undone = Undone(stamp=stamp, label=index.label)
    for key, existed in index.files.items():
        key = normalize_relative(key)
        target = site.path(key)
        if existed:
            atomic_write(target, _kept(site, f"{HISTORY_DIR}/{stamp}/files/{key}{KEPT_SUFFIX}"))
            undone.restored.append(key)
        elif _remove(target):
            undone.deleted.append(key)
    for key, existed in index.state.items():
        key = _state_key(key)
        target = site.state_file(key)
        if existed:
            atomic_write(target, _kept(site, f"{HISTORY_DIR}/{stamp}/state/{key}{KEPT_SUFFIX}"))
        else:
            _remove(target)
    shutil.rmtree(site.state_file(f"{HISTORY_DIR}/{stamp}"))
    return undone


def _edited_since(site: Workspace, index: Snapshot) -> list[str]:
    """The files the update wrote whose bytes are no longer what it wrote (deleted ones too)."""
    edited: list[str] = []
    for key, digest in index.after.items():
        current = site.current_bytes(normalize_relative(key))
        if current is None or sha256_of(current) != digest:
            edited.append(key)
    return edited


def _load(site: Workspace, stamp: str) -> Snapshot:
    path = site.state_file(f"{HISTORY_DIR}/{stamp}/{INDEX_NAME}")
    raw = _read(path)
    try:
        return Snapshot.model_validate_json(raw or b"")
    except ValidationError as exc:
        raise WorkspaceError(
            f"the update history {path} is not valid: {exc.error_count()} error(s)",
            hint="nothing was restored; remove that folder to undo the update before it",
        ) from exc


def _kept(site: Workspace, relative: str) -> bytes:
    kept = _read(site.state_file(relative))
    if kept is None:
        raise WorkspaceError(f"the update history lacks {relative}", hint="nothing more restored")
    return kept


def _remove(path: Path) -> bool:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
        return True
    return False
