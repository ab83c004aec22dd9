"""How fast `service-creator --help` starts, against the bare interpreter in the same run.

    .venv/bin/python bench/startup.py [--runs 20]

The CLI must start in under 0.3 s: nothing heavy (litellm, docker, tree-sitter, black, pygls,
mcp) is imported before a command runs.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HEAVY = ("litellm", "docker", "tree_sitter", "black", "pygls", "mcp", "pydantic", "jinja2")


def timed(command: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def heavy_modules_loaded() -> list[str]:
    probe = (
        "import sys; from service_creator.frontends.cli.main import build_parser; build_parser(); "
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    return out.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    script = shutil.which("service-creator", path=str(Path(sys.executable).parent))
    assert script, "service-creator is not installed in this venv"
    floor = timed([sys.executable, "-c", "pass"], runs)
    ours = timed([script, "--help"], runs)
    median_floor, median_ours = statistics.median(floor), statistics.median(ours)
    print(f"runs: {runs}")
    print(f"python -c pass           median {median_floor * 1000:6.1f} ms")
    print(
        f"service-creator --help   median {median_ours * 1000:6.1f} ms, max {max(ours) * 1000:.0f}"
    )
    print(f"ratio to the bare interpreter: {median_ours / median_floor:.2f}x")
    print(f"heavy modules imported at start-up: {heavy_modules_loaded() or 'none'}")
    print(f"target < 300 ms: {'met' if median_ours < 0.3 else 'MISSED'}")


if __name__ == "__main__":
    main()
