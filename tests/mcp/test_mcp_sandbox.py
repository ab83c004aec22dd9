"""The generated service tested in the real Docker sandbox through MCP: a test broken on
purpose shows up in get_findings and the report resource, and fix_failure repairs it."""

from __future__ import annotations

import json

import pytest
from mcp import Client
from mcp_helpers import WAIT, answer_turn_by_turn, finish_job, make_server, stdio_server

pytestmark = pytest.mark.docker

BROKEN_TEST = "test_suite.py::test_healthz_needs_no_credentials"
GOOD = '    assert response.status_code == 200\n    assert response.json()["status"] == "ok"\n'
BAD = '    assert response.status_code == 299\n    assert response.json()["status"] == "ok"\n'


def break_a_test(workspace) -> int:
    """Make test_healthz_needs_no_credentials fail; the line of the failing assert."""
    path = workspace / "test_suite.py"
    text = path.read_text()
    assert text.count(GOOD) == 1
    path.write_text(text.replace(GOOD, BAD))
    before = text[: text.index(GOOD)]
    return before.count("\n") + 1


async def call(client, tool: str, **arguments) -> dict:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content[0].text
    return await finish_job(client, result.structured_content)


async def test_failure_in_findings_then_fixed(workspace, sandbox_settings, sandbox_image):
    async with Client(make_server(sandbox_settings)) as client:
        await failure_in_findings_then_fixed(client, workspace)


async def test_failure_in_findings_over_stdio(workspace, sandbox_image):
    async with Client(stdio_server(), read_timeout_seconds=WAIT) as client:
        await failure_in_findings_then_fixed(client, workspace)


async def failure_in_findings_then_fixed(client, workspace) -> None:
    started = await client.call_tool("start_interview", {"workspace": str(workspace)})
    sid = (await answer_turn_by_turn(client, started.structured_content))["session_id"]
    generated = await call(client, "generate_service", session_id=sid)
    assert generated["status"] == "succeeded"
    line = break_a_test(workspace)

    tested = await call(client, "run_tests", session_id=sid)
    assert tested["status"] == "succeeded", tested["error"]
    report = tested["test_run"]["report"]
    assert report["outcome"] == "failed" and report["failed"] == 1 and report["passed"] > 10
    assert tested["test_run"]["exit_code"] == 1
    assert "get_findings" in tested["next_step"]

    found = (await client.call_tool("get_findings", {"session_id": sid})).structured_content
    assert (found["test_outcome"], found["failed"]) == ("failed", 1)
    (finding,) = [f for f in found["findings"] if f["code"] == "test-failed"]
    assert finding["test_id"] == BROKEN_TEST
    assert finding["location"] == {"path": "test_suite.py", "line": line, "column": 1}
    assert "299" in finding["message"]

    listed = [str(r.uri) for r in (await client.list_resources()).resources]
    uri = f"service-creator://sessions/{sid}/report"
    assert uri in listed
    assert f"service-creator://sessions/{sid}/files/test_suite.py" in listed
    saved = json.loads((await client.read_resource(uri)).contents[0].text)
    assert saved["report"]["outcome"] == "failed"

    fixed = await call(client, "fix_failure", session_id=sid, test_id=BROKEN_TEST)
    assert fixed["status"] == "succeeded", fixed["error"]
    assert fixed["fix"]["files"] == ["test_suite.py"]
    assert "now passes" in fixed["fix"]["message"]
    assert fixed["fix"]["report"]["outcome"] == "passed"
    assert BAD not in (workspace / "test_suite.py").read_text()

    after = (await client.call_tool("get_findings", {"session_id": sid})).structured_content
    assert after["test_outcome"] == "passed"
    assert not [f for f in after["findings"] if f["test_id"]]
