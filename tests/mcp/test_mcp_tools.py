"""The tool list and schemas, in memory and over stdio (the installed entry point)."""

from __future__ import annotations

import pytest
from mcp import Client
from mcp_helpers import stdio_server

SESSION = {"session_id", "workspace"}  # a session is named by either (stateless clients)
TOOLS = {
    # name: (required arguments, optional arguments, read-only)
    "start_interview": ({"workspace"}, {"restart", "session_id"}, False),
    "answer_question": ({"answer"}, SESSION | {"question_id"}, False),
    "get_session": (set(), SESSION, True),
    "generate_service": (set(), SESSION, False),
    "get_job": ({"job_id"}, {"wait_seconds"}, True),
    "run_tests": (set(), SESSION | {"tests"}, False),
    "get_findings": (set(), SESSION, True),
    "fix_failure": ({"test_id"}, SESSION, False),
    "change_requirement": (
        {"question_id", "answer"},
        SESSION | {"more_answers", "conflicts"},
        False,
    ),
}


def check_tools(tools) -> None:
    assert {t.name: t for t in tools}.keys() == TOOLS.keys()
    for tool in tools:
        required, optional, read_only = TOOLS[tool.name]
        schema = tool.input_schema
        assert set(schema.get("required", [])) == required, tool.name
        assert set(schema["properties"]) == required | optional, tool.name
        for name, prop in schema["properties"].items():
            assert prop.get("description"), f"{tool.name}.{name} has no description"
        assert tool.description and not tool.description.startswith(" ")
        assert tool.output_schema and tool.output_schema["type"] == "object", tool.name
        assert tool.annotations.read_only_hint is read_only, tool.name
        assert tool.annotations.title
        if not read_only:
            assert tool.annotations.destructive_hint is False, tool.name


def check_shapes(tools) -> None:
    by_name = {t.name: t for t in tools}
    answer = by_name["answer_question"].input_schema["properties"]["answer"]
    kinds = {option.get("type") for option in answer["anyOf"]}
    assert {"boolean", "number", "integer", "string", "array"} <= kinds
    wait = by_name["get_job"].input_schema["properties"]["wait_seconds"]
    assert (wait["minimum"], wait["maximum"]) == (0, 25)
    state = by_name["start_interview"].output_schema["properties"]
    assert {"session_id", "status", "question", "summary", "requirements"} <= state.keys()
    job = {"job_id", "status", "done", "total", "message", "error", "next_step"}
    for tool, result in [("generate_service", "generation"), ("run_tests", "test_run")]:
        assert by_name[tool].output_schema["properties"].keys() == job | {
            "kind",
            "session_id",
            "elapsed_seconds",
            result,
        }
    assert {"generation", "test_run", "fix"} <= by_name["get_job"].output_schema[
        "properties"
    ].keys()
    assert by_name["fix_failure"].annotations.open_world_hint is True
    assert by_name["generate_service"].annotations.open_world_hint is False  # offline engine


async def test_tools_in_memory(server):
    async with Client(server) as client:
        tools = (await client.list_tools()).tools
    check_tools(tools)
    check_shapes(tools)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_tools_over_stdio(mode):
    async with Client(stdio_server(), mode=mode, read_timeout_seconds=60) as client:
        tools = (await client.list_tools()).tools
        assert client.protocol_version == ("2026-07-28" if mode == "auto" else "2025-11-25")
    check_tools(tools)


def test_listing_tools_does_not_load_docker_or_models():
    import subprocess
    import sys

    probe = (
        "import sys; from service_creator.frontends.mcp.server import build_server; "
        "build_server(); "
        "print([m for m in ('docker', 'litellm', 'tree_sitter', 'black') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
