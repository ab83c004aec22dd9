"""The billing bug through MCP (real Docker sandbox): get_findings carries the ranked lines per
failing test, the top ones as suspicious-line findings; run_tests runs a selection and the other
tests keep their findings; a selection that is not a test id is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp_helpers import answer_turn_by_turn, finish_job, make_server

from service_creator.domain.config import Settings

pytestmark = pytest.mark.docker

BUG = ("(quantity * unit_price)", "(quantity + unit_price)")


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content[0].text
    return await finish_job(client, result.structured_content)


async def findings(client: Client, sid: str) -> dict[str, Any]:
    return (await client.call_tool("get_findings", {"session_id": sid})).structured_content


def plant_the_bug(workspace: Path) -> int:
    """The billing bug in service_manager.py; its 1-based line."""
    path = workspace / "service_manager.py"
    text = path.read_text()
    assert text.count(BUG[0]) == 1
    path.write_text(text.replace(*BUG))
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if BUG[1] in line)


async def test_get_findings_ranks_the_billing_bug(
    workspace: Path, sandbox_settings: Settings, sandbox_image: str
) -> None:
    async with Client(make_server(sandbox_settings)) as client:
        started = await client.call_tool("start_interview", {"workspace": str(workspace)})
        sid = (await answer_turn_by_turn(client, started.structured_content))["session_id"]
        assert (await call(client, "generate_service", session_id=sid))["status"] == "succeeded"
        bug_line = plant_the_bug(workspace)

        tested = await call(client, "run_tests", session_id=sid)
        assert tested["test_run"]["report"]["outcome"] == "failed", tested["error"]

        found = await findings(client, sid)
        failing = [f["test_id"] for f in found["findings"] if f["code"] == "test-failed"]
        assert failing and [entry["test_id"] for entry in found["suspicious_lines"]] == failing
        ranked = found["suspicious_lines"][0]["lines"]
        top = ranked[0]
        assert top["location"] == {"path": "service_manager.py", "line": bug_line, "column": 1}
        assert 0 < top["score"] <= 1 and top["failing"] == 1
        assert top["why"].startswith("run by the 1 failing test")
        assert [line["score"] for line in ranked] == sorted(
            (line["score"] for line in ranked), reverse=True
        )
        marked = [f for f in found["findings"] if f["code"] == "suspicious-line"]
        assert [f["location"] for f in marked[:1]] == [top["location"]]
        assert marked[0]["severity"] == "warning" and marked[0]["test_id"] == failing[0]
        assert marked[0]["score"] == top["score"]
        assert len(marked) == min(3, len(ranked)) * len(failing)

        # only the failing test again: it alone runs, the findings stay as they were
        again = await call(client, "run_tests", session_id=sid, tests=failing[:1])
        assert [t["id"] for t in again["test_run"]["report"]["tests"]] == failing[:1]
        after = await findings(client, sid)
        assert after["findings"] == found["findings"]
        assert after["suspicious_lines"] == found["suspicious_lines"]
        assert (after["passed"], after["failed"]) == (found["passed"], found["failed"])

        refused = await client.call_tool(
            "run_tests", {"session_id": sid, "tests": ["../elsewhere/test_x.py"]}
        )
        assert refused.is_error
        assert "not a test file inside the project" in refused.content[0].text
