"""change_requirement through the real MCP client: one answer changed on a generated project
the user edited, per file regenerated | merged | conflict | untouched with a unified diff each
(also a resource, kept with the update's history until it is undone), and an answer the change
makes the interview ask again named, with nothing written."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, types
from mcp.shared.exceptions import MCPError
from mcp_helpers import ANSWERS, make_server

from service_creator.frontends.mcp.content import BASE
from service_creator.frontends.mcp.schemas import shipped

HOURLY = {"question_id": "pricing_model", "answer": "Hourly"}


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
            "diff_uri": None,
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


def undo(workspace: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SERVICE_CREATOR_")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "service_creator",
            "update",
            "--workspace",
            str(workspace),
            "--undo",
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=clean,
        timeout=300,
    )


async def listed_diffs(client: Client) -> set[str]:
    return {
        str(r.uri) for r in (await client.list_resources()).resources if "/diffs/" in str(r.uri)
    }


async def test_each_changed_file_s_diff_is_a_resource_until_the_update_is_undone(
    workspace: Path,
):
    async with Client(make_server()) as client:
        ws = await generated(client, workspace)
        assert await listed_diffs(client) == set()
        manager = workspace / "service_manager.py"
        manager.write_text(manager.read_text() + "\n\n# the user's note\n")
        result = await client.call_tool("change_requirement", ws | HOURLY)
        assert not result.is_error, result.content[0].text
        output: dict[str, Any] = result.structured_content
        sid = output["session_id"]
        changed = [f for f in output["files"] if f["diff"]]
        assert {f["status"] for f in changed} == {"regenerated", "merged"}
        assert all(f["diff_uri"] is None for f in output["files"] if f["status"] == "untouched")
        for file in changed:
            assert file["diff_uri"] == f"{BASE}/{sid}/diffs/{file['path']}"
            read = (await client.read_resource(file["diff_uri"])).contents[0]
            assert (read.text, read.mime_type) == (file["diff"], "text/x-diff")
        assert await listed_diffs(client) == {f["diff_uri"] for f in changed}
        links = [c for c in result.content if isinstance(c, types.ResourceLink)]
        assert [(str(c.uri), c.mime_type) for c in links] == [
            (f["diff_uri"], "text/x-diff") for f in changed
        ]
        assert json.loads(result.content[0].text) == output
        templates = (await client.list_resource_templates()).resource_templates
        assert f"{BASE}/{{session_id}}/diffs/{{+path}}" in {t.uri_template for t in templates}

        # the resource is what the update changed, whatever you edit since
        config = workspace / "config.py"
        updated = config.read_text()
        config.write_text(updated + "# mine\n")
        uri = f"{BASE}/{sid}/diffs/config.py"
        config_diff = next(f["diff"] for f in changed if f["path"] == "config.py")
        assert (await client.read_resource(uri)).contents[0].text == config_diff
        with pytest.raises(MCPError, match=re.escape("did not change 'vendor_integration.py'")):
            await client.read_resource(f"{BASE}/{sid}/diffs/vendor_integration.py")

        config.write_text(updated)
        undone = undo(workspace)
        assert undone.returncode == 0, undone.stderr
        assert await listed_diffs(client) == set()
        with pytest.raises(MCPError, match=re.escape("did not change 'config.py'")):
            await client.read_resource(uri)


async def test_a_crafted_path_in_the_recorded_diffs_is_refused(workspace: Path):
    async with Client(make_server()) as client:
        ws = await generated(client, workspace)
        result = await client.call_tool("change_requirement", ws | HOURLY)
        assert not result.is_error, result.content[0].text
        sid = result.structured_content["session_id"]
        (kept,) = (workspace / ".service-creator" / "history").glob("*/diffs.json")
        kept.write_text(json.dumps({"files": {"../outside.py": "--- a\n+++ b\n"}}))
        assert await listed_diffs(client) == set()
        with pytest.raises(MCPError, match="refused path"):
            await client.read_resource(f"{BASE}/{sid}/diffs/config.py")
