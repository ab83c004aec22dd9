"""Helpers for the MCP tests (importable: the test folder is on sys.path).

Every test drives the server with the SDK's own `Client`: in memory (the `MCPServer` object),
over stdio (spawning `python -m service_creator mcp`), or over HTTP (a live server process).
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from mcp import StdioServerParameters, types
from mcp.client import ClientRequestContext
from mcp.server import MCPServer

from service_creator.domain.config import Settings
from service_creator.domain.project import FileSpec
from service_creator.domain.requirements import Requirements
from service_creator.frontends.mcp.server import build_server
from service_creator.frontends.mcp.views import ServerOptions
from service_creator.generation.offline.generator import OfflineEngine

# Canonical answers (option ids) by question id: a Cisco vFirewall.
ANSWERS: dict[str, Any] = {
    "service_type": "vFirewall",
    "vendors": ["Cisco"],
    "product_cisco": "ftdv",
    "service_name": "vfirewall-ftd",
    "features": ["traffic_filtering", "nat"],
    "pricing_model": "monthly",
    "price": 49,
    "vendor_api": "REST",
    "api_docs_url": "",
    "auth_methods": ["api_key", "jwt"],
    "logging": ["json", "prometheus"],
    "deployment": "both",
    "confirm": True,
}
QUESTIONS = list(ANSWERS)  # the order they are asked in, for these answers
WAIT = 120  # seconds: an upper bound on anything a test waits for, never a sleep


def make_server(settings: Settings | None = None, **options: Any) -> MCPServer:
    """The server in memory, offline unless `settings` say otherwise."""
    return build_server(settings or Settings(), ServerOptions(**options))


class FormFiller:
    """An elicitation callback that fills each form from `answers`, and records every form.

    `refuse` maps a question id to "decline" or "cancel"; `wrong` gives a first answer that
    the server must refuse (the correct one follows when the form comes back).
    """

    def __init__(
        self,
        answers: dict[str, Any] | None = None,
        refuse: dict[str, str] | None = None,
        wrong: dict[str, Any] | None = None,
    ) -> None:
        self.answers = dict(ANSWERS if answers is None else answers)
        self.refuse = dict(refuse or {})
        self.wrong = dict(wrong or {})
        self.forms: list[tuple[str, str, dict[str, Any]]] = []

    @property
    def asked(self) -> list[str]:
        return [qid for qid, _, _ in self.forms]

    def schema(self, qid: str) -> dict[str, Any]:
        return next(schema for asked, _, schema in self.forms if asked == qid)

    def message(self, qid: str) -> str:
        return [message for asked, message, _ in self.forms if asked == qid][-1]

    async def __call__(
        self, ctx: ClientRequestContext, params: types.ElicitRequestParams
    ) -> types.ElicitResult:
        assert isinstance(params, types.ElicitRequestFormParams)
        schema = params.requested_schema
        (qid,) = schema["properties"]
        self.forms.append((qid, params.message, schema))
        if qid in self.refuse:
            return types.ElicitResult(action=self.refuse.pop(qid))
        value = self.wrong.pop(qid) if qid in self.wrong else self.answers[qid]
        return types.ElicitResult(action="accept", content={qid: value})


def roots_callback(*folders: Path):
    async def list_roots(ctx: ClientRequestContext) -> types.ListRootsResult:
        return types.ListRootsResult(
            roots=[types.Root(uri=f.resolve().as_uri(), name=f.name) for f in folders]
        )

    return list_roots


def server_env(**extra: str) -> dict[str, str]:
    """The environment without our settings but the sandbox's, plus `extra` (so a developer's
    own model or MCP settings cannot change what a test sees)."""
    ours = ("SERVICE_CREATOR_",)
    kept = ("SERVICE_CREATOR_SANDBOX_", "SERVICE_CREATOR_REQUIRE_DOCKER")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours) or k.startswith(kept)}
    return {**env, **extra}


def stdio_server(**env: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable, args=["-m", "service_creator", "mcp"], env=server_env(**env)
    )


async def answer_turn_by_turn(client: Any, state: dict[str, Any]) -> dict[str, Any]:
    """Answer every question with answer_question; the final state."""
    while state["question"] is not None:
        qid = state["question"]["id"]
        result = await client.call_tool(
            "answer_question", {"session_id": state["session_id"], "answer": ANSWERS[qid]}
        )
        assert not result.is_error, result.content[0].text
        state = result.structured_content
    return state


async def finish_job(client: Any, view: dict[str, Any]) -> dict[str, Any]:
    """Follow a job with get_job (each call waits server-side) until it is not running."""
    for _ in range(20):
        if view["status"] != "running":
            return view
        result = await client.call_tool("get_job", {"job_id": view["job_id"], "wait_seconds": 25})
        assert not result.is_error, result.content[0].text
        view = result.structured_content
    raise AssertionError(f"job still running: {view}")


class GatedEngine(OfflineEngine):
    """The offline engine (its plan, run and no ledger), holding back one file until the test
    opens the gate.

    `reached` is set when that file's turn comes, that is after the files it depends on are
    done: the job is then certainly running, with progress to report.
    """

    def __init__(self, held: str) -> None:
        self.held = held
        self.reached = asyncio.Event()
        self.gate = asyncio.Event()

    async def render(self, spec: FileSpec, requirements: Requirements, done: dict) -> str:
        if spec.path == self.held:
            self.reached.set()
            await self.gate.wait()
        return await super().render(spec, requirements, done)
