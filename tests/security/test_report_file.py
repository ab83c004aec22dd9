"""The saved test report: `.service-creator/last_report.json` made a link to a file outside the
project is not followed, so what that file says never reaches a client."""

from __future__ import annotations

import sys
from pathlib import Path

from mcp import Client

from service_creator.domain.reports import Location, TestCase, TestReport

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mcp"))  # its helpers

from mcp_helpers import answer_turn_by_turn, make_server

SECRET = "secret-from-outside-7d1e"


async def test_a_linked_last_report_is_not_read(tmp_path: Path) -> None:
    workspace = tmp_path / "project"
    workspace.mkdir()
    outside = tmp_path / "outside.json"  # a report that would show if the link were followed
    case = TestCase(
        id=f"tests/test_x.py::{SECRET}",
        outcome="failed",
        message=SECRET,
        location=Location(path="tests/test_x.py", line=1),
    )
    outside.write_text(TestReport(outcome="failed", tests=[case], failed=1).model_dump_json())

    async with Client(make_server()) as client:
        state = await client.call_tool("start_interview", {"workspace": str(workspace)})
        sid = (await answer_turn_by_turn(client, state.structured_content))["session_id"]
    (workspace / ".service-creator" / "last_report.json").symlink_to(outside)

    async with Client(make_server()) as client:  # a new server reads the saved report
        await client.call_tool("start_interview", {"workspace": str(workspace), "session_id": sid})
        found = await client.call_tool("get_findings", {"session_id": sid})

    assert SECRET not in str(found.structured_content) and SECRET not in str(found.content)
    assert found.structured_content["message"] == "No test run yet: call run_tests."
