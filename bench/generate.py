"""How long `generate` takes for the demo's answers (offline engine), against rendering the
same files from the templates alone, in one run:

    .venv/bin/python bench/generate.py [--runs 9]

- **render**: `render_project` (jinja2 only: the floor, what any template engine costs);
- **generate**: the `generate` operation into a fresh folder, as `service-creator generate`
  runs it: plan, render, validate (parse, ruff, black, the deployment checks), write with the
  manifest;
- **regenerate**: `generate` again into the same folder: everything is validated again and
  nothing is written.

The three take turns, run after run, so a busy machine slows them alike. Each run starts a
fresh process, so first-use costs (imports, ruff's binary, grammars) count as a user's
`service-creator generate` pays them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from service_creator.operations.scripted import DEMO_ANSWERS

# the floor, in a fresh process like the others: load the session, render every template
RENDER = """
import sys
from service_creator.domain.workspace_path import workspace_path
from service_creator.generation.offline.generator import render_project
from service_creator.interview.interview import Interview
from service_creator.interview.sessions import SessionStore
session = SessionStore(workspace_path(sys.argv[1])).latest()
render_project(Interview(session).requirements())
"""


def interviewed(folder: Path) -> None:
    answers = folder.parent / f"{folder.name}.yaml"
    answers.write_text(yaml.safe_dump(DEMO_ANSWERS))
    cli = [sys.executable, "-m", "service_creator"]
    subprocess.run(
        [*cli, "interview", "--workspace", str(folder), "--answers", str(answers), "--json"],
        check=True,
        capture_output=True,
    )


def timed_generate(folder: Path) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "service_creator", "generate", "--workspace", str(folder), "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    return elapsed, len(json.loads(done.stdout)["written"])


def timed_render(folder: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", RENDER, str(folder)], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    render, generate, regenerate = [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-generate-") as tmp:
        for run in range(runs + 1):  # the first round warms the bytecode caches
            folder = Path(tmp) / f"run{run}"
            interviewed(folder)
            rendered = timed_render(folder)
            first, written = timed_generate(folder)
            second, rewritten = timed_generate(folder)
            assert written > 0 and rewritten == 0, (written, rewritten)
            if run:
                render.append(rendered)
                generate.append(first)
                regenerate.append(second)
    floor = statistics.median(render)
    print(f"demo answers, offline engine, {runs} runs (fresh process each)")
    for name, times in (("render", render), ("generate", generate), ("regenerate", regenerate)):
        median = statistics.median(times)
        print(
            f"  {name:<11} median {median * 1000:7.1f} ms, min {min(times) * 1000:7.1f} ms, "
            f"{median / floor:5.2f}x render"
        )


if __name__ == "__main__":
    main()
