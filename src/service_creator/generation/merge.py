"""Three-way merge of a file the user edited: the base (what we generated last), theirs (the
user's file) and ours (the new generation), by `merge3` (the diff3 algorithm bzr and breezy
use). Conflicting regions are shown with git's standard markers."""

from __future__ import annotations

from dataclasses import dataclass

from merge3 import Merge3

from service_creator.domain.project import CONFLICT_GENERATED, CONFLICT_YOURS


@dataclass(frozen=True)
class Merged:
    text: str  # with conflict markers around each conflicting region, when there are any
    conflicts: int

    @property
    def clean(self) -> bool:
        return self.conflicts == 0


def merge_three(base: str, yours: str, generated: str) -> Merged:
    """The user's changes from `base` and the generator's, together."""
    merge = Merge3(
        base.splitlines(keepends=True),
        yours.splitlines(keepends=True),
        generated.splitlines(keepends=True),
    )
    conflicts = sum(1 for region in merge.merge_regions() if region[0] == "conflict")
    lines = merge.merge_lines(name_a=CONFLICT_YOURS, name_b=CONFLICT_GENERATED)
    return Merged(text="".join(lines), conflicts=conflicts)
