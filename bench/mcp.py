"""The MCP server's start-up, in one run: spawn → `tools/list` result, for
`python -m service_creator mcp` against a bare `MCPServer` with one tool (the floor: the SDK's
own import). Target: within 10% of the bare server.

    .venv/bin/python bench/mcp.py [--runs 15] [--mode auto|legacy]

The client is the SDK's `Client` over stdio, the same for both servers, imported before any
timing starts; each run spawns a fresh process. Runs alternate (bare, ours, bare, ours, ...)
so that a busy machine slows both alike; the ratio is the median of each pair's ratio. The
servers' CPU time (spawn to exit, from the children's rusage) is printed as a cross-check
that load on the machine hardly changes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import sys
import time
from pathlib import Path

# This file is bench/mcp.py: keep its folder off the path, or `import mcp` would import it.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from mcp import Client, StdioServerParameters  # noqa: E402

BARE = """
from mcp.server import MCPServer

server = MCPServer("bare")


@server.tool()
def echo(text: str) -> str:
    '''Echo the text.'''
    return text


server.run()
"""
OURS = ["-m", "service_creator", "mcp"]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SERVICE_CREATOR_")}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def spawn_to_tools_list(args: list[str], mode: str) -> tuple[float, float, int]:
    """(wall seconds spawn → tools/list result, the server's CPU seconds, tool count)."""
    params = StdioServerParameters(command=sys.executable, args=args, env=_env())
    cpu = _children_cpu()
    started = time.perf_counter()
    async with Client(params, mode=mode) as client:
        tools = (await client.list_tools()).tools
        elapsed = time.perf_counter() - started
    return elapsed, _children_cpu() - cpu, len(tools)


def _ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:7.1f} ms, min {min(values) * 1000:7.1f} ms"


async def main(runs: int, mode: str) -> None:
    await spawn_to_tools_list(["-c", BARE], mode)  # warm the OS file cache for both
    await spawn_to_tools_list(OURS, mode)
    wall: dict[str, list[float]] = {"bare": [], "ours": []}
    cpu: dict[str, list[float]] = {"bare": [], "ours": []}
    counts = {}
    for _ in range(runs):
        for name, args in (("bare", ["-c", BARE]), ("ours", OURS)):
            elapsed, used, counts[name] = await spawn_to_tools_list(args, mode)
            wall[name].append(elapsed)
            cpu[name].append(used)
    ratios = [ours / bare for ours, bare in zip(wall["ours"], wall["bare"], strict=True)]
    ratio = statistics.median(ratios)
    cpu_ratio = statistics.median(cpu["ours"]) / statistics.median(cpu["bare"])
    print(f"spawn → tools/list, {runs} runs each, mode {mode}, {sys.executable}")
    print(f"  bare MCPServer  ({counts['bare']} tool):  wall {_ms(wall['bare'])}")
    print(f"  service-creator ({counts['ours']} tools): wall {_ms(wall['ours'])}")
    print(f"  server CPU (spawn to exit): bare {_ms(cpu['bare'])}; ours {_ms(cpu['ours'])}")
    print(
        f"  ratio (median of paired runs) {ratio:.3f}, of the minimums "
        f"{min(wall['ours']) / min(wall['bare']):.3f}, of CPU medians {cpu_ratio:.3f}; "
        f"target within 10%: {'met' if ratio <= 1.10 else 'MISSED'}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--mode", choices=["auto", "legacy"], default="auto")
    options = parser.parse_args()
    asyncio.run(main(options.runs, options.mode))
