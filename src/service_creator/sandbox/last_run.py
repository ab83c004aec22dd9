"""Whether a workspace's last sandbox run failed, kept on disk in its state folder, so the next
run traces its one pass (a fix being tried) in any process: the CLI's, the language server's.

The marker is `.service-creator/sandbox-last-run-failed`; a run that passed removes it. What
cannot be written or read (a read-only workspace, a state folder that is a symlink out of it)
falls back to this process's memory.
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path

from service_creator.domain.confine import STATE_DIR, confine, state_dir
from service_creator.domain.errors import WorkspaceError

MARKER = "sandbox-last-run-failed"
_failed_here: set[str] = set()  # workspaces whose marker could not be written


def key(workspace: Path) -> str:
    return hashlib.sha256(str(workspace).encode()).hexdigest()[:16]


def marker(workspace: Path) -> Path | None:
    try:
        return confine(workspace, STATE_DIR, internal=True) / MARKER
    except WorkspaceError:
        return None


def last_failed(workspace: Path) -> bool:
    """Did the workspace's last (whole-suite) run have failing tests?"""
    path = marker(workspace)
    return key(workspace) in _failed_here or (path is not None and path.is_file())


def remember(workspace: Path, *, failed: bool) -> None:
    """Record the outcome of a whole-suite run."""
    if failed:
        try:
            (state_dir(workspace) / MARKER).write_bytes(b"")
        except (OSError, WorkspaceError):
            _failed_here.add(key(workspace))
            return
        _failed_here.discard(key(workspace))
        return
    _failed_here.discard(key(workspace))
    path = marker(workspace)
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
