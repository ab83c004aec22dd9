"""The MCP server's start-up, in one run: spawn → `tools/list` result, for
`python -m service_creator mcp` against a bare `MCPServer` with one tool (the floor: the SDK's
own import). Target: within 10% of the bare server.

    .venv/bin/python bench/mcp.py [--runs 15] [--mode auto|legacy]

The client is the SDK's `Client` over stdio, the same for both servers, imported before any
timing starts; each run spawns a fresh process. Runs alternate (bare, ours, bare, ours, ...)
so that a busy machine slows both alike. Prints the medians, their ratio, and the tool count.
"""

from __future__ import annotations

import argparse
import asyncio
import os
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


async def spawn_to_tools_list(args: list[str], mode: str) -> tuple[float, int]:
    params = StdioServerParameters(command=sys.executable, args=args, env=_env())
    started = time.perf_counter()
    async with Client(params, mode=mode) as client:
        tools = (await client.list_tools()).tools
        elapsed = time.perf_counter() - started
    return elapsed, len(tools)


async def main(runs: int, mode: str) -> int:
    await spawn_to_tools_list(["-c", BARE], mode)  # warm the OS file cache for both
    await spawn_to_tools_list(OURS, mode)
    bare: list[float] = []
    ours: list[float] = []
    counts = (0, 0)
    for _ in range(runs):
        elapsed, bare_count = await spawn_to_tools_list(["-c", BARE], mode)
        bare.append(elapsed)
        elapsed, our_count = await spawn_to_tools_list(OURS, mode)
        ours.append(elapsed)
        counts = (bare_count, our_count)
    bare_ms, ours_ms = statistics.median(bare) * 1000, statistics.median(ours) * 1000
    ratio = ours_ms / bare_ms
    print(f"spawn → tools/list, {runs} runs each, mode {mode}, {sys.executable}")
    for name, count, median, fastest in (
        ("bare MCPServer", f"{counts[0]} tool", bare_ms, min(bare)),
        ("service-creator", f"{counts[1]} tools", ours_ms, min(ours)),
    ):
        print(f"  {name:16} ({count:>7}): median {median:7.1f} ms, min {fastest * 1000:7.1f} ms")
    print(
        f"  ratio {ratio:.3f} (+{ours_ms - bare_ms:.1f} ms); target within 10%: "
        f"{'met' if ratio <= 1.10 else 'MISSED'}"
    )
    return 0 if ratio <= 1.10 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--mode", choices=["auto", "legacy"], default="auto")
    options = parser.parse_args()
    raise SystemExit(asyncio.run(main(options.runs, options.mode)))
