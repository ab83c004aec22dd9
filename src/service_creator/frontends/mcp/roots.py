"""Roots: when the client offers them, a workspace must lie inside one.

A relative workspace is taken relative to the first root (the project the client has open),
else to the server's working folder. Symlinks are resolved on both sides before comparing.
A client that declares roots but lists none (the MCP Inspector does, by default) has not
scoped anything, so any folder is accepted, as for a client without roots. Roots keep a
model from wandering out of the user's project; they are not a defence against the client.

The folders a session was opened under stay with it (`state.OpenSession`), and every tool and
resource checks its workspace against them again before it writes, reads or runs: a folder
swapped for a link out of the roots since the interview is refused. A tool given a workspace
instead of a session id asks for the roots the same way `start_interview` does: a live
`roots/list` on the legacy protocol; on 2026-07-28, where a server cannot send requests, an
`InputRequiredResult` asking for them, answered when the client calls again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

from mcp.server.mcpserver import Context
from mcp.types import InputRequiredResult, ListRootsRequest, ListRootsResult, Root
from mcp_types.version import is_version_at_least
from pydantic import BaseModel

from service_creator.domain.workspace_path import WorkspacePath, workspace_path

MODERN = "2026-07-28"
ROOTS_KEY = "roots"


class RootsNeeded(Exception):
    """2026-07-28: the client offers roots, and sends them only when a result asks for them."""


def is_modern(ctx: Context) -> bool:
    version = ctx.protocol_version
    return version is not None and is_version_at_least(version, MODERN)


def offers_roots(ctx: Context) -> bool:
    caps = ctx.client_capabilities
    return caps is not None and caps.roots is not None


def input_response(ctx: Context, key: str, model: type[BaseModel]) -> Any:
    """The client's answer to the input request `key` of this call's earlier round, or None."""
    responses = ctx.input_responses or {}
    if key not in responses:
        return None
    raw = responses[key].model_dump(by_alias=True, exclude_none=True)
    return model.model_validate(raw)


async def client_roots(ctx: Context) -> ListRootsResult | None:
    """The roots the client shares (None: it offers none): asked now on the legacy protocol;
    on 2026-07-28 the answer to the roots request of this call's earlier round, else
    `RootsNeeded` (the call returns `roots_request(...)` and the client calls again)."""
    if not offers_roots(ctx):
        return None
    if is_modern(ctx):
        roots = input_response(ctx, ROOTS_KEY, ListRootsResult)
        if roots is None:
            raise RootsNeeded
        return roots
    return await ctx.session.send_request(ListRootsRequest(), ListRootsResult)


def roots_request(request_state: str | None = None) -> InputRequiredResult:
    return InputRequiredResult(
        input_requests={ROOTS_KEY: ListRootsRequest()}, request_state=request_state
    )


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
