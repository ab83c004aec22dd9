"""A real third-party client: the MCP Inspector's CLI (pinned in tests/mcp/inspector/).

`npm ci` there installs it (`make` does it before the tests). It is never skipped in CI: with
`CI` or `SERVICE_CREATOR_REQUIRE_DOCKER=1` set and no npm, the test fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mcp_helpers import WAIT, server_env
from test_mcp_tools import TOOLS

HERE = Path(__file__).parent / "inspector"
INSPECTOR = HERE / "node_modules" / ".bin" / "mcp-inspector"
SERVER = [sys.executable, "-m", "service_creator", "mcp"]
REQUIRED = bool(os.environ.get("CI")) or os.environ.get("SERVICE_CREATOR_REQUIRE_DOCKER") == "1"


@pytest.fixture(scope="module")
def inspector() -> Path:
    if not INSPECTOR.exists():
        npm = shutil.which("npm")
        if npm is None:
            message = "npm is not installed, so the MCP Inspector cannot run"
            pytest.fail(message) if REQUIRED else pytest.skip(message)
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr
    return INSPECTOR


def inspect(inspector: Path, *args: str) -> dict:
    done = subprocess.run(
        [str(inspector), "--cli", *SERVER, *args],
        capture_output=True,
        text=True,
        timeout=WAIT,
        env=server_env(),
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_inspector_lists_the_tools(inspector):
    listed = inspect(inspector, "--strict", "--method", "tools/list")
    assert [tool["name"] for tool in listed["tools"]] == list(TOOLS)
    for tool in listed["tools"]:
        assert tool["outputSchema"]["type"] == "object"


def test_inspector_starts_an_interview_turn_by_turn(inspector, tmp_path):
    result = inspect(
        inspector,
        "--method",
        "tools/call",
        "--tool-name",
        "start_interview",
        "--tool-arg",
        f"workspace={tmp_path / 'ws'}",
    )
    assert not result.get("isError"), result
    state = result["structuredContent"]
    assert state["status"] == "in_progress" and state["question"]["id"] == "service_type"


def test_inspector_lists_the_prompts(inspector):
    listed = inspect(inspector, "--method", "prompts/list")
    assert [p["name"] for p in listed["prompts"]] == ["create_service", "fix_failing_tests"]
