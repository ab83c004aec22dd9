"""A project written by each front door's writer passes its own CI: through the language server
(spawned over stdio, driven by pytest-lsp; the files arrive as one `workspace/applyEdit` that the
editor applies and saves) and through the MCP server (spawned over stdio, driven by the SDK's
client; the server writes the files). The CLI's writer is proven by test_offline_combinations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from ci_steps import CI_STEPS, failures, run_ci
from lsp_editor import Editor, server_config, start_editor
from mcp import Client
from mcp_helpers import answer_turn_by_turn, finish_job, stdio_server
from pytest_lsp import LanguageClient, client_capabilities

pytestmark = pytest.mark.slow


@pytest_lsp.fixture(config=server_config())
async def vscode(lsp_client: LanguageClient, tmp_path: Path) -> AsyncIterator[None]:
    root = tmp_path / "ws"
    root.mkdir()
    editor = await start_editor(
        lsp_client, root.resolve(), client_capabilities("visual-studio-code"), ask_request=True
    )
    lsp_client.editor = editor  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def test_a_project_written_through_the_language_server_passes_its_ci(
    vscode: LanguageClient,
) -> None:
    editor: Editor = vscode.editor  # type: ignore[attr-defined]
    state = await editor.command("startInterview")
    assert state["status"] == "complete", state

    result = await editor.command("generate")

    assert result["conflicts"] == [] and sorted(result["written"]) == sorted(result["files"])
    assert len(editor.edits) == 1  # the files came as the editor's edit, not written by the server
    steps = await asyncio.to_thread(run_ci, editor.root)
    assert [step.command for step in steps] == CI_STEPS
    assert all(step.passed for step in steps), failures(steps)


async def test_a_project_written_through_the_mcp_server_passes_its_ci(tmp_path: Path) -> None:
    workspace = (tmp_path / "ws").resolve()
    async with Client(stdio_server(), read_timeout_seconds=120) as client:
        started = await client.call_tool("start_interview", {"workspace": str(workspace)})
        state = await answer_turn_by_turn(client, started.structured_content)
        result = await client.call_tool("generate_service", {"session_id": state["session_id"]})
        assert not result.is_error, result.content[0].text
        view = await finish_job(client, result.structured_content)

    assert view["status"] == "succeeded", view
    generation = view["generation"]
    assert generation["conflicts"] == []
    assert sorted(generation["written"]) == sorted(generation["files"])
    steps = await asyncio.to_thread(run_ci, workspace)
    assert [step.command for step in steps] == CI_STEPS
    assert all(step.passed for step in steps), failures(steps)
