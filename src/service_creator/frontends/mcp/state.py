"""What one server process remembers: which client opened which session, and their results.

A *scope* is whoever is calling: over HTTP the MCP session (its unguessable `Mcp-Session-Id`)
of the authenticated principal; on the 2026-07-28 protocol, which has no sessions, the
principal (bearer token) alone; on stdio there is one client per process. A scope sees only
the interview sessions it opened with `start_interview`, and only its own jobs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp.server.auth.middleware.auth_context import get_access_token

from service_creator.domain.config import Settings
from service_creator.domain.errors import SessionNotFoundError
from service_creator.domain.workspace_path import WorkspacePath, workspace_path
from service_creator.frontends.mcp.views import ServerOptions

if TYPE_CHECKING:
    from service_creator.frontends.mcp.jobs import Jobs
    from service_creator.operations.io import GenerateOutput, RunTestsOutput

SESSION_HEADER = "mcp-session-id"


def scope_of(headers: Mapping[str, str] | None) -> str:
    """The caller's scope, from the request's HTTP headers (None on stdio and in memory)."""
    token = get_access_token()
    scope = f"client={token.client_id}" if token is not None else "local"
    session = (headers or {}).get(SESSION_HEADER)
    return f"{scope} session={session}" if session else scope


@dataclass
class OpenSession:
    """An interview session a scope opened (in `workspace`, under the client's shared
    `roots`: None when it restricts nothing), and what was last done with it."""

    session_id: str
    workspace: WorkspacePath
    roots: tuple[Path, ...] | None = None
    generation: GenerateOutput | None = None
    tests: RunTestsOutput | None = None

    def checked(self) -> WorkspacePath:
        """The workspace, checked again against the roots: before every write, read or run
        (a folder replaced by a link out of the roots since the interview is refused)."""
        return workspace_path(self.workspace.path, roots=self.roots, where="roots")


class Registry:
    def __init__(self) -> None:
        self._scopes: dict[str, dict[str, OpenSession]] = {}

    def open(
        self,
        scope: str,
        session_id: str,
        workspace: WorkspacePath,
        roots: list[Path] | None = None,
    ) -> OpenSession:
        sessions = self._scopes.setdefault(scope, {})
        entry = sessions.get(session_id)
        shared = None if roots is None else tuple(roots)
        if entry is None or entry.workspace != workspace or entry.roots != shared:
            entry = sessions[session_id] = OpenSession(session_id, workspace, shared)
        return entry

    def get(self, scope: str, session_id: str) -> OpenSession:
        entry = self._scopes.get(scope, {}).get(session_id)
        if entry is None:
            raise SessionNotFoundError(
                f"Unknown session '{session_id}' for this client",
                hint="call start_interview with the workspace folder first; "
                "it returns the session_id (and resumes an interview already there)",
            )
        return entry

    def sessions(self, scope: str) -> list[OpenSession]:
        return list(self._scopes.get(scope, {}).values())


@dataclass
class App:
    """The lifespan state every tool, resource and prompt reaches through its context."""

    settings: Settings
    options: ServerOptions
    jobs: Jobs
    registry: Registry = field(default_factory=Registry)

    @staticmethod
    def of(ctx: Any) -> App:
        return ctx.request_context.lifespan_context
