"""What a broken provider costs, against the scripted loopback server of tests/llm (no network,
nothing patched in litellm):

    .venv/bin/python bench/llm_failures.py [--timeout 1]

- **fallback**: a generation of the small project of tests/llm/project.py (6 files) whose primary
  model fails (hangs past the timeout, or answers 500 with 2 retries) while its fallback answers
  well: the calls that went to the failing primary, and the wall time;
- **interview**: the demo's interview against a model that never answers: calls and wall time;
- **generate**: the demo's whole project (the plan the CLI uses) against a model that never
  answers, no fallback: calls, wall time, and what the user gets (files written, how many are
  the offline engine's);
- **budget**: 40 calls at concurrency 8, each reply as long as its cap (300 tokens), under a token
  budget of 3,000: the tokens spent over the budget.

To measure an earlier commit, run this file with that commit's sources first on the path:
`git worktree add /tmp/before <commit>` and `PYTHONPATH=/tmp/before/src .venv/bin/python
bench/llm_failures.py`. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "llm"))

from fake_openai import SECRET_KEY, FakeOpenAI, Reply
from project import SPECS, ScriptedModel

from service_creator.domain.config import Settings
from service_creator.domain.ports import NoProgress
from service_creator.generation.model.engine import ModelEngine
from service_creator.llm.client import LLM, litellm_module
from service_creator.llm.errors import LLMError
from service_creator.llm.ledger import BudgetExceeded, Ledger
from service_creator.operations.generate import generate_service
from service_creator.operations.interview import start_interview
from service_creator.operations.io import GenerateInput, StartInterviewInput
from service_creator.operations.scripted import DEMO_ANSWERS, ScriptedAsker

CAP, BUDGET, CALLS, CONCURRENCY = 300, 3000, 40, 8


async def fallback_run(server: FakeOpenAI, failure: Reply, timeout: float) -> dict[str, object]:
    server.reset()
    scripted = ScriptedModel()
    server.responder = lambda call: failure if call.model == "primary" else scripted(call)
    settings = Settings(
        model="openai/primary",
        fallbacks=["openai/backup"],
        api_base=server.base_url,
        llm_timeout=timeout,
        llm_retries=2,
    )
    workspace = Path(tempfile.mkdtemp())
    await start_interview(
        StartInterviewInput(workspace=str(workspace)), Settings(), ScriptedAsker(DEMO_ANSWERS)
    )
    engine = ModelEngine(settings, workspace=workspace)
    engine.plan = lambda requirements: SPECS  # type: ignore[method-assign]
    started = time.perf_counter()
    output = await generate_service(
        GenerateInput(workspace=str(workspace)), settings, NoProgress(), engine=engine
    )
    seconds = time.perf_counter() - started
    wasted = sum(1 for c in server.calls if c.model == "primary")
    good = sum(1 for c in server.calls if c.model == "backup")
    return {
        "files": len(output.written),
        "calls_to_failing_primary": wasted,
        "calls_to_fallback": good,
        "seconds": round(seconds, 2),
    }


async def interview_run(server: FakeOpenAI, timeout: float) -> dict[str, object]:
    server.reset()
    server.responder = lambda call: Reply("too late", hang=True)
    settings = Settings(model="openai/fake", api_base=server.base_url, llm_timeout=timeout)
    workspace = Path(tempfile.mkdtemp())
    started = time.perf_counter()
    state = await start_interview(
        StartInterviewInput(workspace=str(workspace)), settings, ScriptedAsker(DEMO_ANSWERS)
    )
    return {
        "status": state.status,
        "calls": len(server.calls),
        "seconds": round(time.perf_counter() - started, 2),
    }


async def generate_run(server: FakeOpenAI, timeout: float) -> dict[str, object]:
    server.reset()
    server.responder = lambda call: Reply("too late", hang=True)
    settings = Settings(model="openai/fake", api_base=server.base_url, llm_timeout=timeout)
    workspace = Path(tempfile.mkdtemp())
    await start_interview(
        StartInterviewInput(workspace=str(workspace)), Settings(), ScriptedAsker(DEMO_ANSWERS)
    )
    started = time.perf_counter()
    try:
        output = await generate_service(
            GenerateInput(workspace=str(workspace)), settings, NoProgress()
        )
        result: dict[str, object] = {
            "status": output.status,
            "files_written": len(output.written),
            "offline_fallbacks": len(getattr(output, "fallbacks", [])),  # before: no such field
        }
    except LLMError as exc:
        result = {"error": exc.kind, "files_written": 0}
    return result | {"calls": len(server.calls), "seconds": round(time.perf_counter() - started, 2)}


async def budget_run(server: FakeOpenAI) -> dict[str, object]:
    server.reset()
    server.responder = lambda call: Reply("x" * 40, completion_tokens=CAP)
    settings = Settings(model="openai/fake", api_base=server.base_url, llm_retries=0)
    ledger = Ledger(budget_tokens=BUDGET)
    client = LLM(settings, ledger)
    limit = asyncio.Semaphore(CONCURRENCY)
    hello = [{"role": "user", "content": "hello"}]

    async def one() -> None:
        async with limit:
            await client.complete("codegen", hello, max_tokens=CAP)

    await asyncio.gather(*(one() for _ in range(CALLS)), return_exceptions=True)
    prompt, completion = server.usage
    spent = prompt + completion
    return {
        "budget": BUDGET,
        "reply_cap": CAP,
        "calls": len(server.calls),
        "tokens_spent": spent,
        "overshoot_tokens": max(0, spent - BUDGET),
        "overshoot_in_reply_caps": round(max(0, spent - BUDGET) / CAP, 2),
    }


async def main(timeout: float) -> None:
    os.environ["OPENAI_API_KEY"] = SECRET_KEY
    logging.disable(logging.CRITICAL)
    await asyncio.to_thread(litellm_module)
    server = FakeOpenAI().start()
    try:
        results = {
            "fallback_hang": await fallback_run(server, Reply("late", hang=True), timeout),
            "fallback_500": await fallback_run(server, Reply(status=500, error="down"), timeout),
            "interview_hang": await interview_run(server, timeout),
            "generate_hang": await generate_run(server, timeout),
            "budget": await budget_run(server),
        }
    except (LLMError, BudgetExceeded) as exc:
        results = {"error": str(exc)}
    finally:
        server.close()
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=1.0, help="the model call timeout, s")
    asyncio.run(main(parser.parse_args().timeout))
