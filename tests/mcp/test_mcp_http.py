"""Streamable HTTP against a live server process (`service-creator mcp --http --port 0`):
the bearer token, DNS-rebinding protection, and clients confined to their own sessions."""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_helpers import QUESTIONS, WAIT, FormFiller, server_env

TOKEN_A = "token-a-0123456789abcdef"
TOKEN_B = "token-b-0123456789abcdef"
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"},
    },
}


@dataclass
class LiveServer:
    process: subprocess.Popen[str]
    url: str = ""
    stderr: list[str] = field(default_factory=list)


def _read_stderr(server: LiveServer, ready: threading.Event) -> None:
    assert server.process.stderr is not None
    for line in server.process.stderr:
        server.stderr.append(line)
        if match := re.search(r"listening on (http://\S+)", line):
            server.url = match.group(1)
            ready.set()
    ready.set()  # the process ended


@contextlib.contextmanager
def live_server(**env: str) -> Iterator[LiveServer]:
    process = subprocess.Popen(
        [sys.executable, "-m", "service_creator", "mcp", "--http", "--port", "0"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=server_env(**env),
    )
    server, ready = LiveServer(process), threading.Event()
    threading.Thread(target=_read_stderr, args=(server, ready), daemon=True).start()
    try:
        assert ready.wait(WAIT) and server.url, "".join(server.stderr)
        yield server
    finally:
        process.terminate()
        process.wait(WAIT)
        assert process.stdout is not None
        assert process.stdout.read() == "", "nothing may be printed on stdout"


@pytest.fixture(scope="module")
def live() -> Iterator[LiveServer]:
    with live_server(SERVICE_CREATOR_MCP_TOKEN=f"{TOKEN_A},{TOKEN_B}") as server:
        yield server


def post(url: str, token: str | None = TOKEN_A, **headers: str) -> httpx.Response:
    base = {"Accept": "application/json, text/event-stream"}
    if token is not None:
        base["Authorization"] = f"Bearer {token}"
    return httpx.post(url, json=INITIALIZE, headers={**base, **headers}, timeout=WAIT)


def client(live: LiveServer, token: str, **kwargs) -> Client:
    http = httpx2.AsyncClient(
        headers={"Authorization": f"Bearer {token}"}, timeout=httpx2.Timeout(WAIT)
    )
    return Client(streamable_http_client(live.url, http_client=http), **kwargs)


def test_binds_to_localhost_by_default(live):
    assert live.url.startswith("http://127.0.0.1:")


def test_a_valid_token_is_accepted_and_the_session_id_is_unguessable(live):
    response = post(live.url)
    assert response.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["mcp-session-id"])


@pytest.mark.parametrize("token", [None, "wrong-token-0123456789", TOKEN_A + "x"])
def test_missing_or_wrong_token_is_401(live, token):
    response = post(live.url, token=token)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_forged_host_is_421(live):
    assert post(live.url, Host="evil.example:80").status_code == 421


def test_foreign_origin_is_403(live):
    assert post(live.url, Origin="http://evil.example").status_code == 403


def test_local_origin_is_accepted(live):
    port = live.url.split(":")[2].split("/")[0]
    assert post(live.url, Origin=f"http://localhost:{port}").status_code == 200


def test_a_generated_token_is_printed_once_to_stderr():
    with live_server() as server:
        printed = [line for line in server.stderr if "Bearer token" in line]
        (line,) = printed
        token = line.rsplit(" ", 1)[1].strip()
        assert len(token) >= 32
        assert post(server.url, token=token).status_code == 200
        assert post(server.url, token=TOKEN_A).status_code == 401


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_interview_by_elicitation_over_http(live, tmp_path, mode):
    forms = FormFiller()
    async with client(live, TOKEN_A, mode=mode, elicitation_callback=forms) as c:
        result = await c.call_tool("start_interview", {"workspace": str(tmp_path)})
        state = result.structured_content
        if state["status"] != "complete":  # the 2026 era asks ten per call
            state = await c.call_tool("start_interview", {"workspace": str(tmp_path)})
            state = state.structured_content
    assert state["status"] == "complete" and forms.asked == QUESTIONS


async def _isolated(live: LiveServer, tmp_path, mode: str, token_b: str) -> None:
    async with (
        client(live, TOKEN_A, mode=mode) as alice,
        client(live, token_b, mode=mode) as bob,
    ):
        mine = await alice.call_tool("start_interview", {"workspace": str(tmp_path / "a")})
        sid = mine.structured_content["session_id"]
        await bob.call_tool("start_interview", {"workspace": str(tmp_path / "b")})
        for tool in ("get_session", "generate_service", "get_findings", "run_tests"):
            refused = await bob.call_tool(tool, {"session_id": sid})
            assert refused.is_error and f"Unknown session '{sid}'" in refused.content[0].text
        answer = await bob.call_tool("answer_question", {"session_id": sid, "answer": "vRouter"})
        assert answer.is_error
        listed = [str(r.uri) for r in (await bob.list_resources()).resources]
        assert not any(sid in uri for uri in listed)
        with pytest.raises(Exception, match="Unknown session"):
            await bob.read_resource(f"service-creator://sessions/{sid}/report")
        for tool in ("get_session", "get_findings"):  # get_findings runs on a worker thread
            assert not (await alice.call_tool(tool, {"session_id": sid})).is_error


async def test_two_mcp_sessions_cannot_see_each_others_workspaces(live, tmp_path):
    """Legacy protocol: each MCP session (same token) sees only what it opened."""
    await _isolated(live, tmp_path, "legacy", TOKEN_A)


async def test_two_principals_cannot_see_each_others_workspaces(live, tmp_path):
    """2026-07-28 has no MCP sessions: the principal (token) is the boundary."""
    await _isolated(live, tmp_path, "auto", TOKEN_B)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_later_client_reaches_a_session_by_its_workspace(live, tmp_path, mode):
    """A client that keeps no session ids names the folder. A session id is the scope's:
    on 2025-11-25 a new MCP session does not know it; on 2026-07-28 the token is the scope."""
    ws = str(tmp_path / "svc")
    async with client(live, TOKEN_A, mode=mode) as first:
        started = await first.call_tool("start_interview", {"workspace": ws})
    sid = started.structured_content["session_id"]
    async with client(live, TOKEN_A, mode=mode) as later:
        by_id = await later.call_tool("get_session", {"session_id": sid})
        assert by_id.is_error == (mode == "legacy")
        answered = await later.call_tool("answer_question", {"workspace": ws, "answer": "vRouter"})
        assert not answered.is_error, answered.content[0].text
        state = answered.structured_content
        assert (state["session_id"], state["question"]["id"]) == (sid, "vendors")
        assert not (await later.call_tool("get_session", {"session_id": sid})).is_error


def test_settings_from_the_environment(monkeypatch):
    from service_creator.domain.errors import ConfigError
    from service_creator.frontends.mcp.http import tokens_from_env, transport_security
    from service_creator.frontends.mcp.views import ServerOptions

    monkeypatch.setenv("SERVICE_CREATOR_MCP_TOKEN", "short")
    with pytest.raises(ConfigError, match="at least 16 characters"):
        tokens_from_env()
    monkeypatch.setenv("SERVICE_CREATOR_MCP_TOKEN", f" {TOKEN_A} , {TOKEN_B} ")
    assert tokens_from_env() == ([TOKEN_A, TOKEN_B], False)
    monkeypatch.setenv("SERVICE_CREATOR_MCP_ALLOWED_HOSTS", "box.lan, box.lan:9000")
    hosts = transport_security("10.0.0.5").allowed_hosts
    assert {"127.0.0.1:*", "localhost:*", "10.0.0.5:*", "box.lan:*", "box.lan:9000"} <= set(hosts)
    assert ServerOptions.from_env({"SERVICE_CREATOR_MCP_RETURN_AFTER": "3"}).return_after == 3
    with pytest.raises(ConfigError):
        ServerOptions.from_env({"SERVICE_CREATOR_MCP_ELICIT_ROUNDS": "ten"})
