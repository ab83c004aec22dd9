"""The workspace is what the front door resolved, never what a session file says.

Each test plays the attack through the real front door: the `service-creator` command in a
subprocess, the MCP server through the SDK's own client (declaring roots), the language server
over stdio with pytest-lsp. Each asserts the attack wrote nothing where it must not (a folder
that must stay empty, a project whose bytes must not change) and that the user got one clear
message.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
import yaml
from mcp import Client
from mcp.shared.exceptions import MCPError
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient, client_capabilities

from service_creator.domain.config import Settings
from service_creator.domain.errors import WorkspaceError
from service_creator.domain.workspace_path import workspace_path
from service_creator.operations.interview import start_interview
from service_creator.operations.io import StartInterviewInput
from service_creator.operations.scripted import DEMO_ANSWERS, ScriptedAsker

TESTS = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(TESTS / "mcp"), str(TESTS / "lsp")]  # their helpers, as those folders use

from lsp_editor import Editor, server_config, start_editor  # noqa: E402
from mcp_helpers import (  # noqa: E402
    answer_turn_by_turn,
    finish_job,
    make_server,
    roots_callback,
    stdio_server,
)

CLI = [sys.executable, "-m", "service_creator"]
OUTSIDE = "is outside the folders this client shares"
ERAS = ["auto", "legacy"]
BASE = "service-creator://sessions"
LONG = "/tmp/" + "x" * 200 + "/" + "y" * 4800  # 5,006 characters
NUL = "/tmp/project\x00/../../etc"


# --- helpers ---------------------------------------------------------------------------------


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICE_CREATOR_")}
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


def cli_main(*argv: str) -> subprocess.CompletedProcess[str]:
    """The CLI's `main` in a fresh process, for arguments an OS cannot pass through argv (a
    NUL byte ends a C string: `execve` refuses it, so no shell can send one)."""
    code = (
        "import sys; from service_creator.frontends.cli.main import main; "
        f"sys.exit(main({list(argv)!r}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICE_CREATOR_")}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )


def answers_file(tmp_path: Path) -> Path:
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(DEMO_ANSWERS))
    return path


def interviewed(tmp_path: Path, name: str) -> Path:
    """A folder where the CLI ran the whole interview (from an answers file)."""
    folder = tmp_path / name
    done = cli("interview", "--workspace", str(folder), "--answers", str(answers_file(tmp_path)))
    assert done.returncode == 0, done.stderr
    return folder


def session_file(folder: Path) -> Path:
    (path,) = (folder / ".service-creator" / "sessions").glob("*.json")
    return path


def point_session_at(folder: Path, elsewhere: Path) -> str:
    """Craft the folder's session file so that it names `elsewhere` as its workspace."""
    path = session_file(folder)
    data = json.loads(path.read_text())
    data["workspace"] = str(elsewhere)
    path.write_text(json.dumps(data))
    return data["id"]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (ours included) with its bytes, and every folder."""
    found: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        key = path.relative_to(folder).as_posix()
        found[key] = b"<dir>" if path.is_dir() and not path.is_symlink() else path.read_bytes()
    return found


def one_clear_line(done: subprocess.CompletedProcess[str], *words: str) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    (line,) = lines
    assert line.startswith("error: ") and "(hint: " in line, line
    for word in words:
        assert word in line, line
    return line


# --- (a), (b): the CLI -----------------------------------------------------------------------


def test_regenerating_a_copied_project_writes_the_copy_and_leaves_the_original(tmp_path):
    original = interviewed(tmp_path, "original")
    assert cli("generate", "--workspace", str(original)).returncode == 0
    copy = tmp_path / "copy"
    shutil.copytree(original, copy)
    # the user keeps working in the original; the copy lost a file to regenerate
    edited = original / "service_manager.py"
    edited.write_text(edited.read_text() + "\n# my work in the original\n")
    (copy / "README.md").unlink()
    before = snapshot(original)

    done = cli("generate", "--workspace", str(copy))

    assert done.returncode == 0, done.stderr
    assert snapshot(original) == before
    assert (copy / "README.md").is_file()
    assert not (copy / "service_manager.py.new").exists()
    sid = json.loads(session_file(copy).read_text())["id"]
    note = f"note: session {sid} was made in {original.resolve()}; using it in {copy.resolve()}"
    assert note in done.stderr.splitlines()
    assert f"into {copy.resolve()}" in done.stderr
    assert json.loads(session_file(copy).read_text())["workspace"] == str(copy.resolve())
    assert json.loads(session_file(original).read_text())["workspace"] == str(original.resolve())


@pytest.mark.parametrize("how", ["--workspace", "current folder"])
def test_a_crafted_session_file_cannot_send_the_generation_elsewhere(tmp_path, how):
    repo = interviewed(tmp_path, "repo")
    other = tmp_path / "other"
    other.mkdir()
    sid = point_session_at(repo, other)

    if how == "--workspace":
        done = cli("generate", "--workspace", str(repo), "--json")
    else:
        done = cli("generate", "--json", cwd=repo)

    assert done.returncode == 0, done.stderr
    assert list(other.iterdir()) == []
    output = json.loads(done.stdout)
    assert output["workspace"] == str(repo.resolve())
    assert "api_endpoints.py" in output["written"] and (repo / "api_endpoints.py").is_file()
    assert output["notes"] == [f"session {sid} was made in {other}; using it in {repo.resolve()}"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'{"id": "\xff\xfe not utf-8', "is not UTF-8"),
        (b'{"workspace": 42}', "is damaged"),
        ("link", "symbolic link"),
    ],
)
def test_an_unreadable_session_file_is_one_clear_line(tmp_path, content, problem):
    repo = interviewed(tmp_path, "repo")
    path = session_file(repo)
    if content == "link":
        secret = tmp_path / "secret.json"
        secret.write_text(path.read_text())
        path.unlink()
        path.symlink_to(secret)
    else:
        path.write_bytes(content)

    done = cli("generate", "--workspace", str(repo))

    line = one_clear_line(done, problem, str(path), "delete it")
    assert not (repo / "api_endpoints.py").exists()
    assert "secret" not in line


# --- (e): bad workspace paths, CLI ------------------------------------------------------------


@pytest.mark.parametrize("command", ["interview", "generate", "test"])
def test_a_5000_character_workspace_is_one_clear_line(tmp_path, command):
    done = cli(command, "--workspace", LONG)
    line = one_clear_line(done, "5006 characters long", "limit of 4096", "shorter path")
    assert len(line) < 500  # the path is shortened, not echoed whole


@pytest.mark.parametrize("command", ["interview", "generate", "test"])
def test_a_workspace_with_a_nul_byte_is_one_clear_line(command):
    done = cli_main(command, "--workspace", NUL)
    one_clear_line(done, "contains a NUL byte", "\\x00")


def test_a_missing_workspace_is_one_clear_line_and_not_created(tmp_path):
    done = cli("generate", "--workspace", str(tmp_path / "nowhere"))
    one_clear_line(done, "does not exist")
    assert not (tmp_path / "nowhere").exists()


# --- the value itself -------------------------------------------------------------------------


def test_a_workspace_is_absolute_resolved_and_inside_the_roots(tmp_path, monkeypatch):
    root = tmp_path / "root"
    (root / "svc").mkdir(parents=True)
    (root / "out").symlink_to(tmp_path)
    monkeypatch.chdir(root)
    assert workspace_path("svc").path == (root / "svc").resolve()  # the current folder
    inside = workspace_path("svc", roots=[root], base=root)
    assert inside.path == (root / "svc").resolve() and str(inside) == os.fspath(inside)
    refused = {
        "a link out of the root": ("out", [root], OUTSIDE),
        "no usable root": (str(root / "svc"), [], "(roots: none)"),
        "a file": (str(answers_file(tmp_path)), None, "is a file, not a folder"),
        "missing": (str(root / "nope"), None, "does not exist"),
        "empty": ("  ", None, "is empty"),
        "a long name": (str(root / ("n" * 256)), None, "a name of 256 characters"),
    }
    for raw, roots, problem in refused.values():
        with pytest.raises(WorkspaceError, match=re.escape(problem)):
            workspace_path(raw, roots=roots)
    made = workspace_path(root / "new" / "svc", roots=[root], create=True)
    assert made.path.is_dir()
    with pytest.raises(WorkspaceError, match=OUTSIDE):
        workspace_path(tmp_path / "elsewhere", roots=[root], create=True)
    assert not (tmp_path / "elsewhere").exists()  # refused before anything is made


# --- (c), (e): MCP ---------------------------------------------------------------------------


async def completed_session(client: Client, workspace: Path) -> str:
    result = await client.call_tool("start_interview", {"workspace": str(workspace)})
    assert not result.is_error, result.content[0].text
    state = await answer_turn_by_turn(client, result.structured_content)
    assert state["status"] == "complete"
    return state["session_id"]


async def generated(client: Client, sid: str) -> dict:
    result = await client.call_tool("generate_service", {"session_id": sid})
    assert not result.is_error, result.content[0].text
    view = await finish_job(client, result.structured_content)
    assert view["status"] == "succeeded", view
    return view["generation"]


@pytest.mark.parametrize("mode", ERAS)
async def test_mcp_refuses_every_tool_and_resource_once_the_workspace_leaves_the_roots(
    tmp_path, mode
):
    project, outside = tmp_path / "project", tmp_path / "outside"
    project.mkdir(), outside.mkdir()
    svc = project / "svc"
    callback = roots_callback(project)
    async with Client(make_server(), mode=mode, list_roots_callback=callback) as client:
        sid = await completed_session(client, svc)
        assert (await generated(client, sid))["workspace"] == str(svc.resolve())
        # the project folder is swapped for a link out of the client's roots
        shutil.move(svc, outside / "svc")
        svc.symlink_to(outside / "svc")
        before = snapshot(outside)

        calls = {
            "generate_service": {"session_id": sid},
            "run_tests": {"session_id": sid},
            "fix_failure": {"session_id": sid, "test_id": "test_suite.py::test_health"},
            "get_session": {"session_id": sid},
            "get_findings": {"session_id": sid},
            "answer_question": {"session_id": sid, "answer": True, "question_id": "confirm"},
        }
        for tool, arguments in calls.items():
            result = await client.call_tool(tool, arguments)
            assert result.is_error, tool
            assert OUTSIDE in result.content[0].text, (tool, result.content[0].text)
        for resource in ("requirements", "report", "files/README.md"):
            with pytest.raises(MCPError, match=OUTSIDE):
                await client.read_resource(f"{BASE}/{sid}/{resource}")
        listed = (await client.list_resources()).resources
        assert [r for r in listed if sid in str(r.uri)] == []

    assert snapshot(outside) == before


@pytest.mark.parametrize("mode", ERAS)
async def test_mcp_a_crafted_session_inside_the_roots_writes_nothing_outside(tmp_path, mode):
    project, outside = tmp_path / "project", tmp_path / "outside"
    outside.mkdir()
    svc = project / "svc"
    svc.mkdir(parents=True)
    opened = await start_interview(
        StartInterviewInput(workspace=workspace_path(svc)), Settings(), ScriptedAsker(DEMO_ANSWERS)
    )
    assert opened.status == "complete"
    point_session_at(svc, outside)

    callback = roots_callback(project)
    async with Client(make_server(), mode=mode, list_roots_callback=callback) as client:
        result = await client.call_tool(
            "start_interview", {"workspace": str(svc), "session_id": opened.session_id}
        )
        assert not result.is_error, result.content[0].text
        state = result.structured_content
        assert state["workspace"] == str(svc.resolve())
        assert state["notes"] == [
            f"session {opened.session_id} was made in {outside}; using it in {svc.resolve()}"
        ]
        generation = await generated(client, opened.session_id)

    assert list(outside.iterdir()) == []
    assert generation["workspace"] == str(svc.resolve())
    assert (svc / "api_endpoints.py").is_file()


@pytest.mark.parametrize(
    ("workspace", "problem"),
    [(NUL, "contains a NUL byte"), (LONG, "5006 characters long, over the limit of 4096")],
)
async def test_mcp_a_bad_workspace_path_is_a_clear_tool_error(workspace, problem):
    async with Client(stdio_server()) as client:
        result = await client.call_tool("start_interview", {"workspace": workspace})
        assert result.is_error
        text = result.content[0].text
        assert problem in text and "hint:" in text, text
        assert "\n" not in text and "Traceback" not in text
        assert len(text) < 500
        # the server is still there
        assert (await client.list_tools()).tools


# --- (d), (e): the language server -----------------------------------------------------------


@pytest_lsp.fixture(config=server_config())
async def vscode(lsp_client: LanguageClient, tmp_path: Path) -> AsyncIterator[None]:
    root = tmp_path / "ws"
    root.mkdir()
    capabilities = client_capabilities("visual-studio-code")
    editor = await start_editor(lsp_client, root.resolve(), capabilities, ask_request=True)
    lsp_client.editor = editor  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def code(vscode: LanguageClient) -> Editor:
    return vscode.editor  # type: ignore[attr-defined]


LSP_COMMANDS = {
    "startInterview": {},
    "answerQuestion": {"answer": "vRouter"},
    "showSession": {},
    "generate": {},
    "runTests": {},
    "fixFailure": {"testId": "test_suite.py::test_health"},
}


@pytest.mark.parametrize("how", ["another folder", "a link out of the folder"])
async def test_lsp_refuses_a_workspace_outside_its_workspace_folders(code: Editor, how):
    elsewhere = code.root.parent / "elsewhere"
    elsewhere.mkdir()
    target = elsewhere
    if how == "a link out of the folder":
        target = code.root / "link"
        target.symlink_to(elsewhere)

    for command, argument in LSP_COMMANDS.items():
        with pytest.raises(JsonRpcException) as refused:
            await code.command(command, {"workspace": str(target), **argument})
        message = str(refused.value)
        assert OUTSIDE in message and "the editor's workspace folders" in message, message
        assert str(code.root) in message

    assert list(elsewhere.iterdir()) == []
    assert code.edits == [] and code.asked == []
    # the workspace folder itself is served as before
    state = await code.command("startInterview")
    assert state["status"] == "complete" and state["workspace"] == str(code.root)


@pytest.mark.parametrize(
    ("workspace", "problem"),
    [(NUL, "contains a NUL byte"), (LONG, "5006 characters long, over the limit of 4096")],
)
async def test_lsp_a_bad_workspace_path_is_a_clear_error(code: Editor, workspace, problem):
    for command in ("startInterview", "generate"):
        with pytest.raises(JsonRpcException) as refused:
            await code.command(command, {"workspace": workspace})
        message = str(refused.value)
        assert problem in message and "\n" not in message and len(message) < 500, message
    shown = await code.command("startInterview")
    assert shown["workspace"] == str(code.root)


async def test_lsp_tells_the_user_about_a_re_homed_session(code: Editor, tmp_path: Path):
    other = tmp_path / "other"
    other.mkdir()
    first = await code.command("startInterview")
    point_session_at(code.root, other)

    output = await code.command("generate")

    expected = f"session {first['sessionId']} was made in {other}; using it in {code.root}"
    assert output["notes"] == [expected]
    assert list(other.iterdir()) == []
    assert (code.root / "api_endpoints.py").is_file()
    # sent before the command's answer, on the same stream: already recorded
    assert expected in [m.message for m in code.client.messages]
