"""The language server's latency, in one run:

1. spawn → `initialize` result, for `service-creator lsp` against a bare pygls server that
   registers nothing (the floor: pygls's own import). Target: within 10% of the bare server.
2. the end of a sandbox run → its `textDocument/publishDiagnostics`: from the sandbox's last
   progress report ("reading the results", sent once the container is gone) to the last
   diagnostics notification of that run. Target: under 50 ms.

    .venv/bin/python bench/lsp.py [--runs 15] [--sandbox-runs 5]

The client is a small raw JSON-RPC client over the server's stdio (no framework in between),
timing with `time.perf_counter` at the moment each message is read. The servers run with
bytecode caching on (as in any pip install; `PYTHONDONTWRITEBYTECODE` is dropped from their
environment and a warm-up run writes the caches), and each figure also comes as CPU time,
which a busy machine disturbs less than wall time. Needs Docker for part 2
(`--sandbox-runs 0` skips it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

OURS = [sys.executable, "-m", "service_creator", "lsp"]  # what the VS Code extension runs
SCRIPT = [str(Path(sys.executable).with_name("service-creator")), "lsp"]  # Neovim, Emacs
BARE = [
    sys.executable,
    "-c",
    "from pygls.lsp.server import LanguageServer; LanguageServer('bare', '0').start_io()",
]


class RawClient:
    """Speaks LSP base protocol over a subprocess's stdio; answers the server's requests."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.next_id = 0
        self.pending: dict[int, asyncio.Future] = {}
        self.notifications: list[tuple[float, str, Any]] = []
        self.listeners: list[tuple[str, asyncio.Future]] = []
        self.reader = asyncio.ensure_future(self._read())

    @classmethod
    async def spawn(cls, command: list[str]) -> RawClient:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            env=env,
        )
        return cls(process)

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def request(self, method: str, params: Any) -> asyncio.Future:
        self.next_id += 1
        future = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = future
        self._send({"id": self.next_id, "method": method, "params": params})
        return future

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def next_notification(self, method: str) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self.listeners.append((method, future))
        return future

    async def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        while True:
            header = await stdout.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in header.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
            message = json.loads(await stdout.readexactly(length))
            now = time.perf_counter()
            if "method" in message and "id" in message:  # a request from the server
                self._send({"id": message["id"], "result": None})
            elif "method" in message:
                self.notifications.append((now, message["method"], message.get("params")))
                for method, future in list(self.listeners):
                    if method == message["method"] and not future.done():
                        future.set_result((now, message.get("params")))
                        self.listeners.remove((method, future))
            elif message.get("id") in self.pending:
                self.pending.pop(message["id"]).set_result((now, message))

    async def close(self) -> None:
        await asyncio.wait_for(self.request("shutdown", None), 30)
        self.notify("exit", None)
        await asyncio.wait_for(self.process.wait(), 30)
        self.reader.cancel()


def initialize_params(root: Path) -> dict[str, Any]:
    return {
        "processId": None,
        "rootUri": root.as_uri(),
        "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
        "capabilities": {"window": {"workDoneProgress": True}},
    }


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def time_to_initialize(command: list[str], root: Path) -> tuple[float, float]:
    """Wall time from spawn to the initialize result; CPU time of the whole process (which,
    without `initialized`, does nothing but start, answer and shut down)."""
    cpu = children_cpu()
    start = time.perf_counter()
    client = await RawClient.spawn(command)
    arrived, response = await asyncio.wait_for(
        client.request("initialize", initialize_params(root)), 60
    )
    assert "result" in response, response
    await client.close()
    return arrived - start, children_cpu() - cpu


async def startup(runs: int, root: Path) -> dict[str, tuple[list[float], list[float]]]:
    commands = {"bare pygls server": BARE, "python -m service_creator lsp": OURS}
    if Path(SCRIPT[0]).exists():
        commands["service-creator lsp"] = SCRIPT
    times: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in commands}
    for command in commands.values():  # warm the disk and bytecode caches
        await time_to_initialize(command, root)
    for _ in range(runs):  # interleaved, so every command sees the same machine load
        for name, command in commands.items():
            wall, cpu = await time_to_initialize(command, root)
            times[name][0].append(wall)
            times[name][1].append(cpu)
    return times


# --- end of a sandbox run → publishDiagnostics ------------------------------------------------

FAILING_MODULE = "def divide(a, b):\n    return a / b\n"


def write_project(root: Path) -> None:
    """30 tests in 3 files, 12 of them failing (in the test, or deeper in the project)."""
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "calc.py").write_text(FAILING_MODULE)
    (root / "tests").mkdir()
    for n in range(3):
        tests = ["from app.calc import divide\n"]
        for i in range(10):
            if i % 5 == 0:
                body = f"    assert divide({i}, 0) == 0\n"
            elif i % 5 == 1:
                body = f"    assert {i} + 1 == {i}\n"
            else:
                body = f"    assert divide({i}, 1) == {i}\n"
            tests.append(f"\n\ndef test_{n}_{i}():\n{body}")
        (root / "tests" / f"test_part{n}.py").write_text("".join(tests))


async def diagnostics_latency(runs: int, root: Path) -> list[float]:
    write_project(root)
    client = await RawClient.spawn(OURS)
    await asyncio.wait_for(client.request("initialize", initialize_params(root)), 60)
    client.notify("initialized", {})
    latencies = []
    for _ in range(runs + 1):  # the first run also checks the image; not counted
        client.notifications.clear()
        _, response = await asyncio.wait_for(
            client.request(
                "workspace/executeCommand",
                {"command": "serviceCreator.runTests", "arguments": [{"workspace": str(root)}]},
            ),
            300,
        )
        report = response["result"]["report"]
        assert (report["passed"], report["failed"]) == (18, 12), report["message"]
        ended = next(
            t
            for t, method, params in client.notifications
            if method == "$/progress" and "reading the results" in str(params["value"])
        )
        published = [
            t
            for t, method, _ in client.notifications
            if method == "textDocument/publishDiagnostics"
        ]
        assert len(published) == 4, published  # three test files and app/calc.py
        latencies.append(max(published) - ended)
    await client.close()
    return latencies[1:]


def ms(values: list[float]) -> str:
    median, mean = statistics.median(values) * 1000, statistics.mean(values) * 1000
    low, high = min(values) * 1000, max(values) * 1000
    return f"median {median:7.1f} ms, mean {mean:7.1f} ms, min {low:6.1f}, max {high:6.1f}"


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--sandbox-runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-lsp-") as tmp:
        root = Path(tmp).resolve()
        times = await startup(args.runs, root)
        bare_wall, bare_cpu = times["bare pygls server"]
        print(f"spawn -> initialize result, {args.runs} runs each, interleaved")
        for name, (wall, cpu) in times.items():
            print(f"  {name:30} wall {ms(wall)}")
            print(f"  {'':30} cpu  {ms(cpu)}")
        print("  ratios to the bare server (medians; 'paired' = median of each round's ratio):")
        for name, (wall, cpu) in list(times.items())[1:]:
            by_median = statistics.median(wall) / statistics.median(bare_wall)
            paired = statistics.median(w / b for w, b in zip(wall, bare_wall, strict=True))
            by_min = min(wall) / min(bare_wall)
            by_cpu = statistics.median(cpu) / statistics.median(bare_cpu)
            verdict = "met" if paired <= 1.10 else "MISSED"
            print(
                f"  {name:30} wall {by_median:.3f}x, paired {paired:.3f}x, min {by_min:.3f}x,"
                f" cpu {by_cpu:.3f}x; target (paired) <= 1.10x: {verdict}"
            )
        if args.sandbox_runs:
            latencies = await diagnostics_latency(args.sandbox_runs, root)
            worst = max(latencies)
            print(f"end of sandbox run -> publishDiagnostics, {args.sandbox_runs} runs")
            print(f"  30 tests, 12 failing, 4 documents: {ms(latencies)}")
            print(f"  target < 50 ms (worst run): {'met' if worst < 0.05 else 'MISSED'}")


if __name__ == "__main__":
    asyncio.run(main())
