"""A run's test selection, checked against the workspace before it reaches pytest."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from service_creator.domain.errors import WorkspaceError
from service_creator.domain.node_ids import check_node_id, check_node_ids
from service_creator.domain.safe_files import read_project_bytes


def selected_tests(
    workspace: Path, select: Sequence[str], overlay: Mapping[str, str] | None = None
) -> list[str]:
    """The node ids, each checked (domain/node_ids.py) and naming a file the project has."""
    try:
        chosen = check_node_ids([check_node_id(node_id) for node_id in select])
    except ValueError as exc:
        raise WorkspaceError(f"cannot select the tests to run: {exc}") from None
    for node_id in chosen:
        path = node_id.split("::")[0]
        if not has_file(workspace, path, overlay or {}):
            raise WorkspaceError(
                f"cannot select {node_id}: the project has no {path}",
                hint="run the whole suite, or pick a test from the last run's findings",
            )
    return chosen


def has_file(workspace: Path, path: str, overlay: Mapping[str, str]) -> bool:
    if path in overlay:
        return True
    try:
        read_project_bytes(workspace, path)
    except (OSError, WorkspaceError):
        return False
    return True
