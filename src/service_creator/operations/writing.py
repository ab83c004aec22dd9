"""How a `Writer` that is not the file system (an editor's edits) writes generated files: plan
the changes against the workspace's manifest, then either write them to disk or record what
the editor applied. `FilesystemWriter` is the plain case of the same steps."""

from __future__ import annotations

from service_creator.domain.project import GeneratedFile, WriteResult
from service_creator.domain.workspace_path import WorkspacePath
from service_creator.generation.workspace import (
    PlannedChange,
    Workspace,
    owned_contents,
    result_of,
)

__all__ = ["ChangePlanner", "PlannedChange"]


class ChangePlanner:
    """The write steps for one workspace."""

    def __init__(self, workspace: WorkspacePath) -> None:
        self._site = Workspace(workspace.path)

    def plan(self, files: list[GeneratedFile]) -> list[PlannedChange]:
        """What writing `files` does to each: create, replace, keep, or go beside as `.new`."""
        return self._site.plan_changes(files)

    def beside(self, change: PlannedChange) -> PlannedChange:
        """The change, redirected beside the user's file (`<name>.new`)."""
        return self._site.beside(change)

    def write(self, plan: list[PlannedChange]) -> WriteResult:
        """Carry the plan out on disk, and record it in the manifest."""
        self._site.apply_plan(plan)
        return result_of(plan)

    def record(self, plan: list[PlannedChange]) -> WriteResult:
        """Record in the manifest a plan an editor carried out."""
        self._site.record_written(owned_contents(plan))
        return result_of(plan)
