"""Roots: when the client offers them, a workspace must lie inside one.

A relative workspace is taken relative to the first root (the project the client has open),
else to the server's working folder. Symlinks are resolved on both sides before comparing.
A client that declares roots but lists none (the MCP Inspector does, by default) has not
scoped anything, so any folder is accepted, as for a client without roots. Roots keep a
model from wandering out of the user's project; they are not a defence against the client.

The folders a session was opened under stay with it (`state.OpenSession`), and every tool and
resource checks its workspace against them again before it writes, reads or runs: a folder
swapped for a link out of the roots since the interview is refused.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

from mcp.types import ListRootsResult, Root

from service_creator.domain.workspace_path import WorkspacePath, workspace_path


def root_path(root: Root) -> Path | None:
    """The folder of a `file://` root; None for any other scheme."""
    url = urlparse(str(root.uri))
    if url.scheme != "file" or url.netloc not in ("", "localhost"):
        return None
    return Path(url2pathname(unquote(url.path))).expanduser().resolve()


def shared_folders(roots: ListRootsResult | None) -> list[Path] | None:
    """The folders the client's roots allow: None when it restricts nothing (no roots, or an
    empty list); else its `file://` roots (none usable: nothing is allowed)."""
    if roots is None or not roots.roots:
        return None
    return [p for p in (root_path(r) for r in roots.roots) if p is not None]


def resolve_workspace(
    workspace: str, folders: list[Path] | None, *, create: bool = True
) -> WorkspacePath:
    """The workspace, validated and refused when outside the client's shared folders (made
    when missing: an interview starts in a new folder)."""
    return workspace_path(workspace, roots=folders, create=create, where="roots")
