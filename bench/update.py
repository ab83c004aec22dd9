"""`service-creator update` against a full regeneration, per interview question:

    .venv/bin/python bench/update.py            # the offline engine
    .venv/bin/python bench/update.py --model    # also the scripted model engine: calls saved

The demo's project (interview answers `DEMO_ANSWERS`) is generated once; then, for each question
of the interview, one answer is changed (the same changes as tests/unit/test_plan_reads.py):

- update: `update_service` on a copy of the project (the answer through the interview, the
  files it touches rendered and validated, merged or written, a history snapshot);
- full: `generate_service` of the whole project for the new answers into a fresh folder.

Per question: files rendered again / planned, files whose text changed, wall time of each (the
median of --repeat runs). With --model, the same two runs with the model engine against the
loopback scripted server (tests/llm/fake_openai.py), which answers each file's prompt with the
offline engine's version of it for the new answers: the model calls each makes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "llm"))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("OPENAI_API_KEY", "sk-bench-local")

from fake_openai import Call, FakeOpenAI, Reply  # noqa: E402

from service_creator.domain.config import Settings  # noqa: E402
from service_creator.domain.ports import NoProgress  # noqa: E402
from service_creator.domain.requirements import AnswerValue  # noqa: E402
from service_creator.domain.workspace_path import workspace_path  # noqa: E402
from service_creator.generation.model.engine import ModelEngine  # noqa: E402
from service_creator.generation.offline.generator import render_project  # noqa: E402
from service_creator.generation.pipeline import Engine  # noqa: E402
from service_creator.interview.interview import Interview  # noqa: E402
from service_creator.interview.sessions import SessionStore  # noqa: E402
from service_creator.operations.generate import generate_service  # noqa: E402
from service_creator.operations.interview import start_interview  # noqa: E402
from service_creator.operations.io import (  # noqa: E402
    GenerateInput,
    StartInterviewInput,
    UpdateInput,
)
from service_creator.operations.scripted import DEMO_ANSWERS, ScriptedAsker  # noqa: E402
from service_creator.operations.update import update_service  # noqa: E402

CHANGES: dict[str, dict[str, AnswerValue]] = {
    "service_type": {"service_type": "vRouter", "product_cisco": "csr1000v", "features": "bgp,qos"},
    "vendors": {"vendors": "Cisco,Palo Alto"},
    "product": {"product_cisco": "asav"},
    "service_name": {"service_name": "edge-firewall"},
    "features": {"features": "traffic_filtering,nat,vpn"},
    "pricing_model": {"pricing_model": "hourly"},
    "price": {"price": 12},
    "tiers": {"pricing_model": "tiered", "tiers": 4},
    "vendor_api": {"vendor_api": "NETCONF"},
    "api_docs_url": {"api_docs_url": "https://docs.example.com/ftd"},
    "auth_methods": {"auth_methods": "api_key,mtls"},
    "logging": {"logging": "json,syslog"},
    "deployment": {"deployment": "kubernetes"},
}
PATH_IN_PROMPT = re.compile(r"(?:Write the file|The file) `([^`]+)`")
OFFLINE = Settings(model="offline")


async def interviewed(folder: Path, answers: dict[str, AnswerValue]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    site = workspace_path(str(folder))
    await start_interview(StartInterviewInput(workspace=site), OFFLINE, ScriptedAsker(answers))


async def full(folder: Path, answers: dict[str, AnswerValue], engine: Engine | None) -> float:
    await interviewed(folder, answers)
    started = time.perf_counter()
    await generate_service(
        GenerateInput(workspace=workspace_path(str(folder))), OFFLINE, NoProgress(), engine=engine
    )
    return time.perf_counter() - started


async def updated(
    base: Path, folder: Path, changes: dict[str, AnswerValue], engine: Engine | None
) -> tuple[float, int, int, int]:
    """Wall time, files rendered, files changed on disk, files planned."""
    shutil.copytree(base, folder)
    started = time.perf_counter()
    output = await update_service(
        UpdateInput(workspace=workspace_path(str(folder)), answers=changes),
        OFFLINE,
        NoProgress(),
        engine=engine,
    )
    elapsed = time.perf_counter() - started
    rendered = sum(f.rendered for f in output.files)
    changed = sum(f.status != "untouched" for f in output.files)
    return elapsed, rendered, changed, len(output.files)


def new_requirements_files(folder: Path) -> dict[str, str]:
    """The offline project for the answers in `folder`'s session: what the scripted model
    answers each file's prompt with."""
    session = SessionStore(folder).latest()
    assert session is not None
    return {f.path: f.content for f in render_project(Interview(session).requirements())}


def model_engine(server: FakeOpenAI, folder: Path, files: dict[str, str]) -> ModelEngine:
    def reply(call: Call) -> Reply:
        user = next(m["content"] for m in call.body["messages"] if m["role"] == "user")
        found = PATH_IN_PROMPT.search(user)
        path = found.group(1) if found else ""
        fence = "markdown" if path.endswith(".md") else ""
        return Reply(f"Here is `{path}`:\n\n```{fence}\n{files.get(path, '')}\n```\n")

    server.reset()
    server.responder = reply
    settings = Settings(model="openai/bench-model", api_base=server.base_url)
    return ModelEngine(settings, workspace=folder, seed=render_project)


async def bench(repeat: int, with_model: bool) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-update-"))
    base = work / "base"
    await full(base, DEMO_ANSWERS, None)
    print("| question | rendered / planned | changed | update (s) | full (s) | speed-up |")
    print("|---|---|---|---|---|---|")
    for question, changes in CHANGES.items():
        updates, fulls = [], []
        for run in range(repeat):
            elapsed, rendered, changed, planned = await updated(
                base, work / f"{question}-u{run}", changes, None
            )
            updates.append(elapsed)
            fulls.append(await full(work / f"{question}-f{run}", {**DEMO_ANSWERS, **changes}, None))
        u, f = statistics.median(updates), statistics.median(fulls)
        figures = f"{rendered} / {planned} | {changed} | {u:.2f} | {f:.2f} | {f / u:.1f}x"
        print(f"| {question} | {figures} |")
    if with_model:
        await bench_model(work, base)
    shutil.rmtree(work)


async def bench_model(work: Path, base: Path) -> None:
    server = FakeOpenAI().start()
    try:
        print("\n| question | model calls: update | full | saved |")
        print("|---|---|---|---|")
        for question, changes in CHANGES.items():
            # the model's replies: the offline project for the new answers
            probe = work / f"{question}-probe"
            await interviewed(probe, {**DEMO_ANSWERS, **changes})
            files = new_requirements_files(probe)
            folder = work / f"{question}-mu"
            await updated(base, folder, changes, model_engine(server, folder, files))
            update_calls = len(server.calls)
            fresh = work / f"{question}-mf"
            engine = model_engine(server, fresh, files)
            await full(fresh, {**DEMO_ANSWERS, **changes}, engine)
            full_calls = len(server.calls)
            saved = 1 - update_calls / full_calls if full_calls else 0.0
            print(f"| {question} | {update_calls} | {full_calls} | {saved:.0%} |")
    finally:
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--model", action="store_true", help="also the scripted model engine")
    args = parser.parse_args()
    asyncio.run(bench(args.repeat, args.model))


if __name__ == "__main__":
    main()
