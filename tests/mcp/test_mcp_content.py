"""Resources and prompts: listed and read, confined to the caller's sessions and files."""

from __future__ import annotations

import json

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_helpers import ANSWERS, answer_turn_by_turn, stdio_server

BASE = "service-creator://sessions"


async def test_templates_and_prompts_are_listed(server):
    async with Client(server) as client:
        templates = (await client.list_resource_templates()).resource_templates
        prompts = (await client.list_prompts()).prompts
    assert {t.uri_template for t in templates} == {
        f"{BASE}/{{session_id}}/requirements",
        f"{BASE}/{{session_id}}/report",
        f"{BASE}/{{session_id}}/files/{{+path}}",
        f"{BASE}/{{session_id}}/diffs/{{+path}}",
    }
    by_name = {p.name: p for p in prompts}
    assert by_name.keys() == {"create_service", "fix_failing_tests"}
    assert [a.name for a in by_name["fix_failing_tests"].arguments] == ["session_id"]
    assert by_name["fix_failing_tests"].arguments[0].required


async def test_prompts_walk_the_model_through_the_tools(server):
    async with Client(server) as client:
        create = await client.get_prompt("create_service", {"workspace": "/tmp/fw"})
        fix = await client.get_prompt("fix_failing_tests", {"session_id": "0123456789ab"})
    text = create.messages[0].content.text
    assert "/tmp/fw" in text
    for tool in ("start_interview", "answer_question", "generate_service", "run_tests"):
        assert tool in text
    text = fix.messages[0].content.text
    assert "get_findings" in text and "fix_failure" in text
    assert f"{BASE}/0123456789ab/files/" in text


async def test_session_resources_are_listed_and_read(server, workspace):
    async with Client(server) as client:
        state = await client.call_tool("start_interview", {"workspace": str(workspace)})
        sid = state.structured_content["session_id"]
        assert (await client.list_resources()).resources == []  # nothing until complete
        with pytest.raises(MCPError, match="not complete yet"):
            await client.read_resource(f"{BASE}/{sid}/requirements")
        await answer_turn_by_turn(client, state.structured_content)
        listed = {str(r.uri): r for r in (await client.list_resources()).resources}
        assert list(listed) == [f"{BASE}/{sid}/requirements"]
        read = await client.read_resource(f"{BASE}/{sid}/requirements")
        assert json.loads(read.contents[0].text)["service_name"] == ANSWERS["service_name"]
        assert read.contents[0].mime_type == "application/json"

        await client.call_tool("generate_service", {"session_id": sid})
        listed = {str(r.uri): r for r in (await client.list_resources()).resources}
        readme = f"{BASE}/{sid}/files/README.md"
        workflow = f"{BASE}/{sid}/files/.github/workflows/ci.yml"
        assert readme in listed and workflow in listed
        assert listed[readme].mime_type == "text/plain"
        text = (await client.read_resource(workflow)).contents[0].text
        assert text == (workspace / ".github/workflows/ci.yml").read_text()
        with pytest.raises(MCPError, match="no test run yet"):
            await client.read_resource(f"{BASE}/{sid}/report")


@pytest.mark.parametrize(
    "path",
    [
        ".service-creator/manifest.json",  # in the folder, not generated
        "notes.txt",  # the user's own file
        "..%2F..%2Fetc%2Fpasswd",  # out of the workspace
        "%2Fetc%2Fpasswd",
    ],
)
async def test_only_generated_files_can_be_read(server, workspace, path):
    async with Client(server) as client:
        state = await client.call_tool("start_interview", {"workspace": str(workspace)})
        sid = (await answer_turn_by_turn(client, state.structured_content))["session_id"]
        await client.call_tool("generate_service", {"session_id": sid})
        (workspace / "notes.txt").write_text("private")
        with pytest.raises(MCPError):
            await client.read_resource(f"{BASE}/{sid}/files/{path}")


async def test_resources_of_unknown_sessions_are_refused(server):
    async with Client(server) as client:
        with pytest.raises(MCPError, match="Unknown session"):
            await client.read_resource(f"{BASE}/0123456789ab/requirements")


async def test_resources_and_prompts_over_stdio(workspace):
    async with Client(stdio_server(), read_timeout_seconds=60) as client:
        state = await client.call_tool("start_interview", {"workspace": str(workspace)})
        sid = (await answer_turn_by_turn(client, state.structured_content))["session_id"]
        listed = [str(r.uri) for r in (await client.list_resources()).resources]
        read = await client.read_resource(f"{BASE}/{sid}/requirements")
        templates = (await client.list_resource_templates()).resource_templates
        prompt = await client.get_prompt("fix_failing_tests", {"session_id": sid})
    assert listed == [f"{BASE}/{sid}/requirements"]
    assert json.loads(read.contents[0].text)["vendors"] == ["Cisco"]
    assert len(templates) == 4
    assert sid in prompt.messages[0].content.text
