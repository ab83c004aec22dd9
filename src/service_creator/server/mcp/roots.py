"""Roots: when the client offers them, a workspace must lie inside one.

A relative workspace is taken relative to the first root (the project the client has open),
else to the server's working folder. Symlinks are resolved on both sides before comparing.
A client that declares roots but lists none (the MCP Inspector does, by default) has not
scoped anything, so any folder is accepted, as for a client without roots. Roots keep a
model from wandering out of the user's project; they are not a defence against the client.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

from mcp.types import ListRootsResult, Root

from service_creator.errors import WorkspaceError


def root_path(root: Root) -> Path | None:
    """The folder of a `file://` root; None for any other scheme."""
    url = urlparse(str(root.uri))
    if url.scheme != "file" or url.netloc not in ("", "localhost"):
        return None
    return Path(url2pathname(unquote(url.path))).expanduser().resolve()


def resolve_workspace(workspace: str, roots: ListRootsResult | None) -> Path:
    """The workspace as an absolute path, refused when outside the client's roots.

    `roots` is None when the client does not offer roots: then any folder is accepted.
    """
    candidate = Path(workspace).expanduser()
    if roots is None or not roots.roots:
        return candidate.resolve()
    folders = [p for p in (root_path(r) for r in roots.roots) if p is not None]
    if not candidate.is_absolute() and folders:
        candidate = folders[0] / candidate
    resolved = candidate.resolve()
    if any(resolved == folder or folder in resolved.parents for folder in folders):
        return resolved
    shared = ", ".join(str(f) for f in folders) or "none"
    raise WorkspaceError(
        f"The workspace {resolved} is outside the folders this client shares (roots: {shared})",
        hint="choose a workspace inside one of the client's roots, or add the folder as a root",
    )
