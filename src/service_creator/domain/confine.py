"""Workspace-relative paths, confined: `confine` turns one into an absolute path that is
provably inside the root (resolved real paths compared by component, never by string prefix),
after refusing what no generated file may be (absolute, `..`, NUL, too long or too deep,
inside `.git/` or our own state folder)."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from service_creator.domain.errors import WorkspaceError

STATE_DIR = ".service-creator"
MAX_PATH_BYTES = 4096  # PATH_MAX on Linux
MAX_PART_BYTES = 255  # NAME_MAX on every common filesystem
MAX_PATH_PARTS = 64  # folders deep: no project needs more, and deeper ones exhaust the stack
_WINDOWS_ABSOLUTE = re.compile(r"^([A-Za-z]:|\\\\|//)")


def refuse(relative: str, reason: str) -> WorkspaceError:
    return WorkspaceError(
        f"refused path {shown_path(relative)}: {reason}",
        hint="generated files must stay inside the workspace folder",
    )


def shown_path(relative: str, limit: int = 100) -> str:
    """The path quoted for a message; a huge one cut to its start and its length."""
    if len(relative) <= limit:
        return repr(relative)
    return f"{relative[:limit]!r}… ({len(relative):,} characters)"


def _syntax_reason(relative: str) -> str | None:
    """Why the path's spelling alone is unacceptable, or None."""
    if not relative.strip():
        return "the path is empty"
    if "\x00" in relative:
        return "it contains a NUL byte"
    if _WINDOWS_ABSOLUTE.match(relative):
        return "it is an absolute (Windows drive or network) path"
    if relative.startswith("/"):
        return "it is an absolute path; give one relative to the workspace"
    if "\\" in relative:
        return "it contains a backslash; separate folders with '/'"
    size = len(relative.encode("utf-8", "replace"))
    if size > MAX_PATH_BYTES:
        return f"it is {size:,} bytes long; at most {MAX_PATH_BYTES} are allowed"
    parts = PurePosixPath(relative).parts
    if ".." in parts:
        return "it contains a '..' component"
    if not parts:
        return "it names the workspace root, not a file"
    return _size_reason(parts)


def _size_reason(parts: tuple[str, ...]) -> str | None:
    """Why the path is too deep or has a name too long for a filesystem, or None."""
    if len(parts) > MAX_PATH_PARTS:
        return f"it has {len(parts):,} components; at most {MAX_PATH_PARTS} are allowed"
    for part in parts:
        size = len(part.encode("utf-8", "replace"))
        if size > MAX_PART_BYTES:
            return f"a name in it is {size:,} bytes long; at most {MAX_PART_BYTES} are allowed"
    return None


def _reserved_reason(parts: tuple[str, ...], *, internal: bool) -> str | None:
    """Why these workspace-relative components lead somewhere we must not write, or None."""
    if any(part.casefold() == ".git" for part in parts):
        return "it is inside .git/, which belongs to git"
    if not internal and parts and parts[0].casefold() == STATE_DIR:
        return f"it is inside {STATE_DIR}/, Service Creator's own state folder"
    return None


def _checked_parts(relative: str, *, internal: bool) -> tuple[str, ...]:
    reason = _syntax_reason(relative)
    if reason is not None:
        raise refuse(relative, reason)
    parts = PurePosixPath(relative).parts
    reason = _reserved_reason(parts, internal=internal)
    if reason is not None:
        raise refuse(relative, reason)
    return parts


def normalize_relative(relative: str, *, internal: bool = False) -> str:
    """The canonical spelling of a workspace-relative path (`a/./b/` → `a/b`), after checking it."""
    return "/".join(_checked_parts(relative, internal=internal))


def confine(root: Path, relative: str, *, internal: bool = False) -> Path:
    """The absolute, symlink-free path inside `root` for `relative`, or a WorkspaceError.

    `internal=True` allows paths into our own `.service-creator/` state folder.
    """
    parts = _checked_parts(relative, internal=internal)
    base = root.expanduser().resolve()
    try:
        resolved = base.joinpath(*parts).resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop (Python < 3.13)
        raise refuse(relative, f"it cannot be resolved ({exc})") from exc
    if not resolved.is_relative_to(base):
        raise refuse(relative, f"a symlink leads outside the workspace (to {resolved})")
    inner = resolved.relative_to(base).parts
    if not inner:
        raise refuse(relative, "a symlink leads to the workspace root itself")
    reason = _reserved_reason(inner, internal=internal)
    if reason is not None:
        raise refuse(relative, f"through a symlink, {reason}")
    return resolved


def state_dir(root: Path) -> Path:
    """`<root>/.service-creator`, created on demand; refused if it is a symlink out of the root."""
    path = confine(root, STATE_DIR, internal=True)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(f"could not create the state folder {path}: {exc}") from exc
    return path
