"""Clients that keep nothing between calls: a new client (and a new server) for every call,
as the MCP Inspector's CLI does, or the 2026-07-28 protocol, which has no sessions. Every tool
that takes `session_id` takes `workspace` instead: that folder's current session, under the
client's roots. A session id the client did not open stays unknown to it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from mcp import Client
from mcp_helpers import ANSWERS, WAIT, make_server, roots_callback, stdio_server

from service_creator.frontends.mcp.schemas import shipped

ERAS = ["auto", "legacy"]
SNAKE = re.compile(r"[a-z][a-z0-9_]*")


async def once(tool: str, arguments: dict[str, Any], mode: str = "auto", **client: Any) -> Any:
    """One call from a new client to a new server: nothing carries over but the files."""
    async with Client(make_server(), mode=mode, **client) as c:
        return await c.call_tool(tool, arguments)


async def ok(tool: str, arguments: dict[str, Any], mode: str = "auto", **client: Any) -> dict:
    result = await once(tool, arguments, mode, **client)
    assert not result.is_error, result.content[0].text
    return result.structured_content


@pytest.mark.parametrize("mode", ERAS)
async def test_the_workflow_by_workspace_one_client_per_call(workspace, mode):
    ws = {"workspace": str(workspace)}
    state = await ok("start_interview", ws, mode)
    session = state["session_id"]
    while state["question"] is not None:
        state = await ok("answer_question", ws | {"answer": ANSWERS[state["question"]["id"]]}, mode)
        assert state["session_id"] == session
    assert state["status"] == "complete"

    shown = await ok("get_session", ws, mode)
    assert (shown["session_id"], shown["status"]) == (session, "complete")
    generated = await ok("generate_service", ws, mode)
    assert generated["status"] == "succeeded" and generated["session_id"] == session
    assert generated["generation"]["status"] == "complete"
    assert (await ok("get_session", ws, mode))["status"] == "generated"
    found = await ok("get_findings", ws, mode)
    assert found["session_id"] == session and found["test_outcome"] is None


async def test_the_current_session_is_the_one_last_started(workspace):
    ws = {"workspace": str(workspace)}
    first = (await ok("start_interview", ws))["session_id"]
    assert (await ok("start_interview", ws))["session_id"] == first  # resumed
    second = (await ok("start_interview", ws | {"restart": True}))["session_id"]
    assert second != first
    assert (await ok("get_session", ws))["session_id"] == second
    named = await ok("get_session", ws | {"session_id": first})  # an older one, by both
    assert named["session_id"] == first


async def test_a_session_id_alone_reaches_only_the_clients_own_sessions(workspace):
    sid = (await ok("start_interview", {"workspace": str(workspace)}))["session_id"]
    async with Client(make_server()) as later:
        refused = await later.call_tool("answer_question", {"session_id": sid, "answer": "vRouter"})
        assert refused.is_error and f"Unknown session '{sid}'" in refused.content[0].text
        by_folder = {"workspace": str(workspace), "answer": "vRouter"}
        answered = await later.call_tool("answer_question", by_folder)
        assert not answered.is_error and answered.structured_content["session_id"] == sid
        # naming the folder opened the session for this client: its id now works too
        again = await later.call_tool("get_session", {"session_id": sid})
        assert not again.is_error and again.structured_content["step"] == 2


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({}, "Name the session: pass the session_id"),
        ({"workspace": "{empty}"}, "No interview in"),
        ({"workspace": "{missing}"}, "does not exist"),
        ({"workspace": "{empty}", "session_id": "0123456789ab"}, "No session '0123456789ab'"),
        ({"workspace": "{empty}", "session_id": "../../etc"}, "is not a session id"),
    ],
)
async def test_a_call_must_name_a_session_that_is_there(tmp_path, arguments, error):
    (tmp_path / "empty").mkdir()
    folders = {"empty": tmp_path / "empty", "missing": tmp_path / "missing"}
    named = {k: v.format(**folders) for k, v in arguments.items()}
    for tool in ("get_session", "generate_service", "run_tests", "get_findings"):
        result = await once(tool, named)
        assert result.is_error and error in result.content[0].text, (tool, result.content)
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("mode", ERAS)
async def test_roots_apply_to_a_workspace(tmp_path, mode):
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    project.mkdir()
    await ok("start_interview", {"workspace": str(project / "svc")})
    await ok("start_interview", {"workspace": str(elsewhere)})
    shares = {"list_roots_callback": roots_callback(project)}
    inside = await ok("get_session", {"workspace": "svc"}, mode, **shares)  # inside the root
    assert inside["workspace"] == str((project / "svc").resolve())
    outside = await once("generate_service", {"workspace": str(elsewhere)}, mode, **shares)
    assert outside.is_error
    assert "is outside the folders this client shares" in outside.content[0].text
    assert not (elsewhere / "Dockerfile").exists()


async def test_a_new_process_per_call_on_the_sessionless_protocol(workspace):
    """Over stdio, 2026-07-28: each call a new server process."""

    async def call(tool: str, arguments: dict[str, Any]) -> Any:
        async with Client(stdio_server(), read_timeout_seconds=WAIT) as c:
            assert c.protocol_version == "2026-07-28"
            return await c.call_tool(tool, arguments)

    started = await call("start_interview", {"workspace": str(workspace)})
    sid = started.structured_content["session_id"]
    by_id = await call("answer_question", {"session_id": sid, "answer": "vFirewall"})
    assert by_id.is_error and "Unknown session" in by_id.content[0].text
    by_folder = {"workspace": str(workspace), "answer": "vFirewall"}
    answered = await call("answer_question", by_folder)
    assert not answered.is_error, answered.content[0].text
    state = answered.structured_content
    assert (state["session_id"], state["question"]["id"]) == (sid, "vendors")


def _names(schema: Any) -> set[str]:
    """Every property name a JSON schema declares, at any depth."""
    found: set[str] = set()
    if isinstance(schema, dict):
        found |= set(schema.get("properties", {}))
        for value in schema.values():
            found |= _names(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= _names(value)
    return found


async def test_outputs_are_spelled_like_inputs(server, workspace):
    """snake_case both ways: what a tool returns (session_id, job_id) is what the next takes."""
    async with Client(server) as client:
        tools = (await client.list_tools()).tools
        started = await client.call_tool("start_interview", {"workspace": str(workspace)})
    inputs = {name for tool in tools for name in _names(tool.input_schema)}
    outputs = {name for tool in tools for name in _names(tool.output_schema)}
    assert outputs == _names(list(shipped().values()))
    assert all(SNAKE.fullmatch(name) for name in inputs | outputs), inputs | outputs
    assert {"session_id", "workspace"} <= inputs & outputs
    assert {"job_id"} <= inputs & outputs
    assert "session_id" in started.structured_content
    assert not any(re.search(r"[A-Z]", key) for key in started.structured_content)


async def test_the_workspace_parameter_says_what_it_names(server):
    async with Client(server) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    for name in ("answer_question", "get_session", "generate_service", "run_tests"):
        described = tools[name].input_schema["properties"]["workspace"]["description"]
        assert "instead of session_id" in described and "current interview" in described
