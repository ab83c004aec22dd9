"""A real third-party client: the MCP Inspector's CLI (pinned in tests/mcp/inspector/).

Each `--cli` call is a new client and a new server process, so nothing is kept between calls:
the whole workflow (interview, generation, the sandbox tests, the findings) runs with the
workspace naming the session, exactly as the README's `### MCP Inspector` section shows it.
The commands are read from the README, so the two cannot drift.

`npm ci` there installs it (`make` does it before the tests). It is never skipped in CI: with
`CI` or `SERVICE_CREATOR_REQUIRE_DOCKER=1` set and no npm, the test fails.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from mcp_helpers import ANSWERS, WAIT, server_env
from test_mcp_tools import TOOLS

from service_creator.frontends.mcp.schemas import shipped

HERE = Path(__file__).parent / "inspector"
INSPECTOR = HERE / "node_modules" / ".bin" / "mcp-inspector"
README = Path(__file__).parents[2] / "README.md"
PACKAGE = "@modelcontextprotocol/inspector"
SERVER = [sys.executable, "-m", "service_creator", "mcp"]
REQUIRED = bool(os.environ.get("CI")) or os.environ.get("SERVICE_CREATOR_REQUIRE_DOCKER") == "1"
SNAKE = re.compile(r"[a-z][a-z0-9_]*")


@dataclass
class Readme:
    """The README's Inspector block: the pinned version, the CLI's command (what the shell
    function runs before the call's arguments), each call's arguments, and the workspace."""

    version: str
    command: list[str]
    calls: list[list[str]]
    workspace: str

    def call(self, tool: str) -> list[str]:
        (found,) = [c for c in self.calls if _value(c, "--tool-name") == tool]
        return found


def _value(args: list[str], flag: str) -> str | None:
    return args[args.index(flag) + 1] if flag in args else None


def readme_block() -> Readme:
    text = README.read_text(encoding="utf-8")
    section = text.split("### MCP Inspector\n", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    function = re.search(r'^(\w+)\(\) \{ (.+) "\$@"; \}$', block, re.MULTILINE)
    assert function, "the block defines the shell function each call goes through"
    name, command = function.group(1), shlex.split(function.group(2))
    calls = [
        shlex.split(line)[1:]
        for line in block.splitlines()
        if line.startswith(f"{name} ") and "#" not in line
    ]
    (pinned,) = {w.removeprefix(f"{PACKAGE}@") for w in command if w.startswith(f"{PACKAGE}@")}
    (workspace,) = {
        a.removeprefix("workspace=") for c in calls for a in c if a.startswith("workspace=")
    }
    return Readme(pinned, command, calls, workspace)


def test_the_readme_pins_the_tested_inspector():
    readme = readme_block()
    package = json.loads((HERE / "package.json").read_text())
    assert readme.version == package["devDependencies"][PACKAGE]
    assert readme.command[:3] == ["npx", "-y", f"{PACKAGE}@{readme.version}"]
    assert readme.command[3:] == ["--cli", "service-creator", "mcp"]
    assert f"npx -y {PACKAGE}@{readme.version} service-creator mcp" in README.read_text()


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


def inspect(inspector: Path, *args: str) -> dict[str, Any]:
    """One Inspector CLI call (a new client, a new server), as the README's function makes
    it: the pinned CLI, with our server run by this interpreter."""
    readme = readme_block()
    assert readme.command[3:5] == ["--cli", "service-creator"]
    command = [str(inspector), "--cli", *SERVER, *readme.command[6:], *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=WAIT, env=server_env())
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def tool_result(inspector: Path, args: list[str]) -> dict[str, Any]:
    """A tools/call's structured result, checked against the tool's output schema's names."""
    result = inspect(inspector, *args)
    assert not result.get("isError"), result["content"][0]["text"]
    structured = result["structuredContent"]
    declared = shipped()[_value(args, "--tool-name") or ""]["properties"]
    assert structured.keys() <= declared.keys()
    assert all(SNAKE.fullmatch(key) for key in structured), structured.keys()
    return structured


def in_workspace(args: list[str], readme: Readme, workspace: Path) -> list[str]:
    return [f"workspace={workspace}" if a == f"workspace={readme.workspace}" else a for a in args]


def answered(args: list[str], answer: Any) -> list[str]:
    """The README's answer_question call with this answer, written as the README says (a
    value is read as JSON when it parses, else as text)."""
    text = answer if isinstance(answer, str) and answer else json.dumps(answer)
    return [f"answer={text}" if a.startswith("answer=") else a for a in args]


def test_inspector_lists_the_tools(inspector):
    listed = inspect(inspector, "--strict", "--method", "tools/list")
    assert [tool["name"] for tool in listed["tools"]] == list(TOOLS)
    for tool in listed["tools"]:
        assert tool["outputSchema"]["type"] == "object"


@pytest.mark.docker
def test_the_readme_workflow_one_process_per_call(inspector, tmp_path, sandbox_image):
    """start_interview, every answer, generate, the sandbox tests (green), the findings: each
    a new Inspector process, the session named by the workspace."""
    readme = readme_block()
    workspace = (tmp_path / "fw").resolve()

    def call(tool: str, answer: Any = None) -> dict[str, Any]:
        args = in_workspace(readme.call(tool), readme, workspace)
        return tool_result(inspector, args if answer is None else answered(args, answer))

    listed = inspect(inspector, *readme.calls[0])
    assert [tool["name"] for tool in listed["tools"]] == list(TOOLS)

    state = call("start_interview")
    assert state["status"] == "in_progress" and state["question"]["id"] == "service_type"
    session = state["session_id"]
    asked = []
    while state["question"] is not None:
        asked.append(state["question"]["id"])
        state = call("answer_question", ANSWERS[asked[-1]])
        assert state["session_id"] == session
    assert asked == list(ANSWERS)
    assert state["status"] == "complete" and state["requirements"]["service_name"]

    generated = call("generate_service")
    assert generated["status"] == "succeeded", generated
    assert generated["session_id"] == session and generated["job_id"]
    assert generated["generation"]["status"] == "complete"
    assert (workspace / "test_suite.py").is_file()

    tested = call("run_tests")
    assert tested["status"] == "succeeded", tested
    assert tested["test_run"]["exit_code"] == 0, tested["test_run"]["report"]
    assert tested["test_run"]["report"]["outcome"] == "passed"
    assert tested["next_step"] == "All tests pass."

    found = call("get_findings")
    assert (found["session_id"], found["test_outcome"], found["failed"]) == (session, "passed", 0)
    assert not [f for f in found["findings"] if f.get("test_id")]


def test_inspector_lists_the_prompts(inspector):
    listed = inspect(inspector, "--method", "prompts/list")
    assert [p["name"] for p in listed["prompts"]] == ["create_service", "fix_failing_tests"]
