"""The workspace: one validated value, built once at each front door and passed down.

A front door (the CLI's `--workspace` or the current folder, the LSP's workspace folders, the
MCP client's roots) turns what it was given into a `WorkspacePath` with `workspace_path(...)`;
the operations take that value and nothing else decides where they write, read or
run. A session file's stored path, a project file, a model's reply: none of them is a
workspace.

A `WorkspacePath` is absolute and resolved (no symlink left in it), has no NUL byte, is at
most `MAX_PATH_CHARS` long with no component over `MAX_NAME_CHARS`, is an existing folder,
and lies inside one of the allowed roots when roots are given. Anything else is a
`WorkspaceError` that names the problem and says what to do.

Only the standard library here (pydantic is imported when a model first uses the type), so
every layer, the CLI's fast start included, can use it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from service_creator.domain.errors import WorkspaceError

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
    from pydantic_core import CoreSchema

MAX_PATH_CHARS = 4096  # Linux's PATH_MAX
MAX_NAME_CHARS = 255  # NAME_MAX of the common filesystems
SHOWN_CHARS = 160  # of a refused path, in a message
OUTSIDE = "is outside the folders this client shares"


def shown(raw: str) -> str:
    """`raw` fit for a one-line message: control characters escaped, long paths shortened."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in raw)
    if len(text) <= SHOWN_CHARS:
        return text
    half = SHOWN_CHARS // 2
    return f"{text[:half]}...{text[-half:]} ({len(raw)} characters)"


@dataclass(frozen=True)
class WorkspacePath:
    """A validated workspace folder. Build it with `workspace_path`, never directly."""

    path: Path

    def __str__(self) -> str:
        return str(self.path)

    def __fspath__(self) -> str:
        return str(self.path)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: object, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        """In a pydantic model: a `WorkspacePath` as it is, or a string checked without roots
        (a front door with roots builds the value itself and passes it in)."""
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(
            _coerce,
            serialization=core_schema.plain_serializer_function_ser_schema(str),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, str]:
        return {
            "type": "string",
            "description": "Absolute path of the project folder (an existing folder)",
        }


def _coerce(value: object) -> WorkspacePath:
    if isinstance(value, WorkspacePath):
        return value
    if isinstance(value, str | os.PathLike):
        # value is a protocol message's: a path of text or of bytes, the bytes one refused
        raw = cast("str | os.PathLike[str] | os.PathLike[bytes]", value)
        try:
            return workspace_path(raw)
        except WorkspaceError as exc:
            raise ValueError(str(exc)) from None
    raise ValueError(f"a workspace is a folder path, not {type(value).__name__}")


def check_spelling(raw: str) -> None:
    """Refuse a path that no folder can have: empty, with a NUL byte, or too long."""
    if not raw.strip():
        raise WorkspaceError(
            "The workspace path is empty", hint="give the project folder's path, e.g. `.`"
        )
    if "\x00" in raw:
        raise WorkspaceError(
            f"The workspace path {shown(raw)} contains a NUL byte",
            hint="give the project folder's real path; no folder name can contain NUL",
        )
    if len(raw) > MAX_PATH_CHARS:
        raise WorkspaceError(
            f"The workspace path is {len(raw)} characters long, over the limit of "
            f"{MAX_PATH_CHARS}: {shown(raw)}",
            hint="choose a project folder with a shorter path",
        )
    longest = max(raw.replace("\\", "/").split("/"), key=len)
    if len(longest) > MAX_NAME_CHARS:
        raise WorkspaceError(
            f"The workspace path has a name of {len(longest)} characters, over the limit of "
            f"{MAX_NAME_CHARS}: {shown(longest)}",
            hint="choose a project folder whose folder names are shorter",
        )


def _resolved(candidate: Path) -> Path:
    try:
        resolved = candidate.resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop (Python < 3.13)
        raise WorkspaceError(
            f"The workspace {shown(str(candidate))} cannot be resolved: {exc}",
            hint="check the folder's path and any links on it",
        ) from None
    check_spelling(str(resolved))  # links may have made it longer
    return resolved


def inside(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def _check_roots(resolved: Path, roots: Sequence[Path] | None, where: str) -> None:
    if roots is not None and not inside(resolved, roots):
        shared = ", ".join(shown(str(r)) for r in roots) or "none"
        raise WorkspaceError(
            f"The workspace {shown(str(resolved))} {OUTSIDE} ({where}: {shared})",
            hint=f"choose a workspace inside one of {where}, or add the folder to them",
        )


def _existing_folder(resolved: Path, *, create: bool) -> None:
    if resolved.is_dir():
        return
    if resolved.exists():
        raise WorkspaceError(
            f"The workspace {shown(str(resolved))} is a file, not a folder",
            hint="give the project folder, not a file in it",
        )
    if not create:
        raise WorkspaceError(
            f"The workspace {shown(str(resolved))} does not exist",
            hint="check the path; an interview started there creates the folder",
        )
    try:
        resolved.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(
            f"Could not create the workspace {shown(str(resolved))}: {exc.strerror or exc}",
            hint="create the folder yourself, or choose one you can write to",
        ) from None


def workspace_path(
    raw: str | os.PathLike[str] | os.PathLike[bytes],
    *,
    roots: Sequence[Path] | None = None,
    base: Path | None = None,
    create: bool = False,
    where: str = "roots",
) -> WorkspacePath:
    """The workspace `raw` names, validated; a `WorkspaceError` saying why when refused.

    `roots`: the folders the client shares; the workspace must lie inside one of them, after
    resolving links (None: the client restricts nothing; an empty list: it shares no folder,
    so nothing is accepted). A relative `raw` is taken inside `base` (the first root, else the
    current folder). `create`: make the folder when it is missing (an interview
    starts in a new folder), only once it is known to lie inside the roots. `where` names the
    roots in messages ("roots", "the editor's workspace folders").
    """
    text = os.fspath(raw)
    if not isinstance(text, str):
        raise WorkspaceError("The workspace path must be text", hint="give a folder path")
    check_spelling(text)
    folders = None if roots is None else [_resolved(Path(r)) for r in roots]
    candidate = Path(text).expanduser()
    if not candidate.is_absolute():
        candidate = (base or (folders[0] if folders else Path.cwd())) / candidate
    resolved = _resolved(candidate)
    _check_roots(resolved, folders, where)
    _existing_folder(resolved, create=create)
    final = _resolved(resolved)  # a folder made just now: resolve again, check again
    _check_roots(final, folders, where)
    return WorkspacePath(final)
