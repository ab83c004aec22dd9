"""What a workspace holds, for a front door to show: the files we generated, one file's text,
and the state of a session."""

from __future__ import annotations

from service_creator.codeintel.test_functions import test_functions as found
from service_creator.domain.errors import ServiceCreatorError
from service_creator.domain.requirements import SessionStatus
from service_creator.domain.workspace_path import WorkspacePath
from service_creator.generation.workspace import Workspace
from service_creator.interview.sessions import SessionStore
from service_creator.operations.io import SessionRef


def generated_files(workspace: WorkspacePath) -> list[str]:
    """The files generated into `workspace` (its manifest), sorted; none when unreadable."""
    try:
        return sorted(Workspace(workspace.path).load_manifest().files)
    except ServiceCreatorError:
        return []


def read_file(workspace: WorkspacePath, path: str) -> str | None:
    """A workspace file's text, read through no link; None when it does not exist."""
    return Workspace(workspace.path).read(path)


def session_status(ref: SessionRef) -> SessionStatus | None:
    """The session's status; None when it cannot be read."""
    if ref.session_id is None:
        return None
    try:
        return SessionStore(ref.workspace).load(ref.session_id).status
    except ServiceCreatorError:
        return None


def test_functions(source: str) -> list[tuple[str, int, int]]:
    """Each test function of a pytest module: its node id below the file, 0-based row, and
    column in characters."""

    return found(source)
