"""`service-creator lsp --tcp HOST:PORT` serves the same protocol over a socket."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys

from lsp_editor import WAIT


async def read_message(reader: asyncio.StreamReader) -> dict:
    header = await reader.readuntil(b"\r\n\r\n")
    length = int(re.search(rb"Content-Length: (\d+)", header, re.I).group(1))
    return json.loads(await reader.readexactly(length))


def frame(message: dict) -> bytes:
    body = json.dumps({"jsonrpc": "2.0", **message}).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


async def test_tcp_server_answers_initialize_and_commands(tmp_path) -> None:
    env = {**os.environ, "SERVICE_CREATOR_LOG_LEVEL": "INFO"}
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service_creator", "lsp", "--tcp", "127.0.0.1:0",
        stdin=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )  # fmt: skip
    try:
        port = None
        while port is None:  # the log line that says where it listens
            line = (await asyncio.wait_for(server.stderr.readline(), WAIT)).decode()
            assert line, "the server exited before listening"
            if found := re.search(r"Serving on \('127\.0\.0\.1', (\d+)\)", line):
                port = int(found.group(1))
        drain = asyncio.ensure_future(server.stderr.read())  # keep the log pipe flowing
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(frame({"id": 1, "method": "initialize", "params": {
            "processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}}))  # fmt: skip
        reply = await asyncio.wait_for(read_message(reader), WAIT)
        assert reply["result"]["serverInfo"]["name"] == "service-creator"
        commands = reply["result"]["capabilities"]["executeCommandProvider"]["commands"]
        assert "serviceCreator.generate" in commands
        writer.write(frame({"method": "initialized", "params": {}}))
        writer.write(frame({"id": 2, "method": "workspace/executeCommand", "params": {
            "command": "serviceCreator.showSession", "arguments": [{}]}}))  # fmt: skip
        reply = await asyncio.wait_for(read_message(reader), WAIT)
        while "id" not in reply or reply.get("method"):  # skip notifications
            reply = await asyncio.wait_for(read_message(reader), WAIT)
        assert "No interview" in reply["error"]["message"]  # served, in the root folder
        writer.write(frame({"id": 3, "method": "shutdown", "params": None}))
        writer.write(frame({"method": "exit", "params": None}))
        await writer.drain()
        writer.close()
        await asyncio.wait_for(server.wait(), WAIT)  # exit ends the server
        await drain
    finally:
        if server.returncode is None:
            server.terminate()
        await server.wait()
