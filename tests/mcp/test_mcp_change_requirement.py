"""change_requirement through the real MCP client: one answer changed on a generated project
the user edited, per file regenerated | merged | conflict | untouched with a unified diff each,
and an answer the change makes the interview ask again named, with nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp import Client
from mcp_helpers import ANSWERS, make_server

from service_creator.frontends.mcp.schemas import shipped


async def generated(client: Client, workspace: Path) -> dict[str, str]:
    ws = {"workspace": str(workspace)}
    state = (await client.call_tool("start_interview", ws)).structured_content
    while state["question"] is not None:
        answer = ws | {"answer": ANSWERS[state["question"]["id"]]}
        state = (await client.call_tool("answer_question", answer)).structured_content
    made = await client.call_tool("generate_service", ws | {"wait_seconds": 60})
    assert not made.is_error, made.content[0].text
    assert made.structured_content["generation"]["status"] == "complete"
    return ws


async def test_change_requirement_merges_your_edit_and_returns_a_diff_per_changed_file(
    workspace: Path,
):
    async with Client(make_server()) as client:
        ws = await generated(client, workspace)
        manager = workspace / "service_manager.py"
        mine = "\n\n# the user's note: invoices go out on the first of the month\n"
        manager.write_text(manager.read_text() + mine)
        result = await client.call_tool(
            "change_requirement", ws | {"question_id": "pricing_model", "answer": "Hourly"}
        )
        assert not result.is_error, result.content[0].text
        output: dict[str, Any] = result.structured_content
        files = {f["path"]: f for f in output["files"]}
        assert output["changed"] == ["pricing_model"]
        assert files["service_manager.py"]["status"] == "merged"
        assert manager.read_text().endswith(mine) and "hourly" in manager.read_text()
        assert files["config.py"]["status"] == "regenerated"
        assert '+PRICING_MODEL = "hourly"' in files["config.py"]["diff"]
        assert files["vendor_integration.py"] == {
            "path": "vendor_integration.py",
            "status": "untouched",
            "rendered": False,
            "kept_as": None,
            "diff": "",
        }
        for changed in (f for f in files.values() if f["status"] != "untouched"):
            assert changed["diff"].startswith(f"--- a/{changed['path']}\n")
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert tools["change_requirement"].output_schema == shipped()["change_requirement"]


async def test_an_answer_the_change_makes_stale_is_named_and_nothing_is_written(
    workspace: Path,
):
    async with Client(make_server()) as client:
        ws = await generated(client, workspace)
        before = {p: p.read_bytes() for p in workspace.rglob("*") if p.is_file()}
        change = ws | {"question_id": "service_type", "answer": "vRouter"}
        refused = await client.call_tool("change_requirement", change)
        assert refused.is_error
        assert "'product_cisco' again" in refused.content[0].text
        assert "more_answers" in refused.content[0].text
        assert {p: p.read_bytes() for p in workspace.rglob("*") if p.is_file()} == before
        more = {"product_cisco": "csr1000v", "features": ["bgp"]}
        done = await client.call_tool("change_requirement", change | {"more_answers": more})
        assert not done.is_error, done.content[0].text
        assert set(done.structured_content["changed"]) >= {"service_type", "features"}
