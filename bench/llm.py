"""The model engine's two figures, against the scripted loopback server (tests/llm/fake_openai.py):

    .venv/bin/python bench/llm.py context            # prompt tokens: symbol tables vs whole files
    .venv/bin/python bench/llm.py walltime [--delay 1.0] [--concurrency 8]
    .venv/bin/python bench/llm.py all

The "model" answers every file prompt with the offline engine's version of that file (a real,
consistent 15-file project for the demo answers, deployment: kubernetes), so both runs generate
the same project and only the prompts (context) or the scheduling (wall time) differ.

1. context: every prompt the server received in a full generation, counted with litellm's
   token counter (gpt-4o's tokenizer), once with symbol-table context (cut to each file's
   interfaces, codeintel/views.py) and once with the whole text of the dependency files;
   plus the cross-file references the prompts leave unresolved: `from <project module> import
   <name>` in a generated file whose name is not in that file's context, and the consistency
   check's findings on the result. Target: <= 30 %, zero.
2. walltime: every reply takes --delay seconds; DAG-concurrent generation vs strictly
   sequential (concurrency 1) of the same plan. Target: >= 3x.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import os
import re
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
from service_creator.domain.project import FileSpec, GeneratedFile  # noqa: E402
from service_creator.domain.requirements import Requirements, Session  # noqa: E402
from service_creator.generation.model.engine import DOCS, ModelEngine  # noqa: E402
from service_creator.generation.offline.generator import render_project  # noqa: E402
from service_creator.generation.plan import plan  # noqa: E402
from service_creator.interview.interview import Interview  # noqa: E402
from service_creator.llm.client import litellm_module  # noqa: E402
from service_creator.operations.scripted import DEMO_ANSWERS  # noqa: E402

PATH_IN_PROMPT = re.compile(r"(?:Write the file|The file) `([^`]+)`")


def requirements() -> Requirements:
    interview = Interview(Session(workspace=tempfile.gettempdir()))
    answers = {**DEMO_ANSWERS, "deployment": "kubernetes"}
    while (question := interview.current()) is not None:
        interview.answer(answers.get(question.id, question.default), question.id)
    return interview.requirements()


def offline_files(req: Requirements) -> dict[str, str]:
    return {f.path: f.content for f in render_project(req)}


def responder(files: dict[str, str], delay: float):
    def reply(call: Call) -> Reply:
        user = next(m["content"] for m in call.body["messages"] if m["role"] == "user")
        path = PATH_IN_PROMPT.search(user).group(1)
        fence = "markdown" if path.endswith(".md") else ""
        return Reply(f"Here is `{path}`:\n\n```{fence}\n{files[path]}\n```\n", delay=delay)

    return reply


async def generate(
    server: FakeOpenAI,
    req: Requirements,
    context: str,
    concurrency: int,
    workspace: Path,
) -> tuple[ModelEngine, list[GeneratedFile], float]:
    settings = Settings(
        model="openai/bench-model", api_base=server.base_url, concurrency=concurrency
    )
    engine = ModelEngine(
        settings,
        workspace=workspace,
        context=context,  # type: ignore[arg-type]
        seed=render_project,
    )
    specs = engine.plan(req)
    started = time.perf_counter()
    generation = await engine.run(specs, req, concurrency=concurrency)
    elapsed = time.perf_counter() - started
    if generation.stopped is not None:
        raise SystemExit(f"generation stopped: {generation.stopped}")
    return engine, generation.files, elapsed


def prompt_tokens(calls: list[Call]) -> tuple[dict[str, int], int]:
    """Tokens of each file's generation prompt, and of the repair prompts (if any)."""
    litellm = litellm_module()
    counted: dict[str, int] = {}
    repairs = 0
    for call in calls:
        user = next(m["content"] for m in call.body["messages"] if m["role"] == "user")
        tokens = litellm.token_counter(model="gpt-4o", messages=call.body["messages"])
        if user.startswith("Write the file"):
            counted[PATH_IN_PROMPT.search(user).group(1)] = tokens
        else:
            repairs += tokens
    return counted, repairs


def context_tokens(engine: ModelEngine, specs: list[FileSpec]) -> dict[str, int]:
    litellm = litellm_module()
    return {
        s.path: litellm.token_counter(model="gpt-4o", text=engine.context_for(s) or " ")
        for s in specs
        if s.path not in DOCS and s.depends_on
    }


def unresolved(engine: ModelEngine, specs: list[FileSpec], files: dict[str, str]) -> list[str]:
    """`path: module.name` for each project import whose name the file's context does not show."""
    modules = {Path(p).stem for p in files if p.endswith(".py")}
    missing = []
    for spec in specs:
        if not spec.path.endswith(".py"):
            continue
        context = engine.context_for(spec)
        for node in ast.walk(ast.parse(files[spec.path])):
            if not isinstance(node, ast.ImportFrom) or node.module not in modules:
                continue
            for alias in node.names:
                if not re.search(rf"\b{re.escape(alias.name)}\b", context):
                    missing.append(f"{spec.path}: {node.module}.{alias.name}")
    return missing


async def bench_context(server: FakeOpenAI, req: Requirements, files: dict[str, str]) -> None:
    from service_creator.codeintel.consistency import check_consistency

    results = {}
    for mode in ("symbols", "whole"):
        server.reset()
        server.responder = responder(files, 0.0)
        with tempfile.TemporaryDirectory() as folder:
            engine, generated, _ = await generate(server, req, mode, 8, Path(folder))
        results[mode] = (engine, prompt_tokens(server.calls), generated)
    specs = results["symbols"][0].specs  # the plan the run used
    sym_engine, (sym_prompts, sym_repairs), generated = results["symbols"]
    whole_engine, (whole_prompts, whole_repairs), _ = results["whole"]
    sym_ctx, whole_ctx = context_tokens(sym_engine, specs), context_tokens(whole_engine, specs)
    print(f"## context size: {len(plan(req))}-file plan, {len(sym_prompts)} prompts\n")
    print(
        "| file | context (symbols) | context (whole files) | prompt (symbols) | prompt (whole) |"
    )
    print("|---|---:|---:|---:|---:|")
    for path in sym_prompts:
        print(
            f"| {path} | {sym_ctx.get(path, 0)} | {whole_ctx.get(path, 0)} | "
            f"{sym_prompts[path]} | {whole_prompts[path]} |"
        )
    total = {k: sum(v.values()) for k, v in [("sc", sym_ctx), ("wc", whole_ctx)]}
    sp, wp = sum(sym_prompts.values()), sum(whole_prompts.values())
    print(
        f"| **total** | **{total['sc']}** | **{total['wc']}** | **{sp}** | **{wp}** |\n\n"
        f"context: symbols / whole = {total['sc'] / total['wc']:.1%}; "
        f"whole prompts: symbols / whole = {sp / wp:.1%}; repair prompts: "
        f"{sym_repairs} (symbols), {whole_repairs} (whole) tokens"
    )
    generated_files = [GeneratedFile(path=f.path, content=f.content) for f in generated]
    findings = [f for f in check_consistency(generated_files) if f.code in ("import", "setting")]
    missing = unresolved(sym_engine, specs, files)
    print(
        f"unresolved cross-file references: {len(missing)} import(s) not in the file's context"
        f"{': ' + ', '.join(missing) if missing else ''}; "
        f"{len(findings)} consistency finding(s) (imports, settings) on the result\n"
    )


async def bench_walltime(
    server: FakeOpenAI, req: Requirements, files: dict[str, str], delay: float, concurrency: int
) -> None:
    runs = [("DAG-concurrent", concurrency), ("sequential", 1)]
    print(f"## wall time: {delay:g} s per reply\n")
    print("| run | concurrency | replies | files | critical path | wall time |")
    print("|---|---:|---:|---:|---:|---:|")
    times = {}
    server.responder = responder(files, 0.0)
    with tempfile.TemporaryDirectory() as folder:  # warm-up: imports, grammars, first call
        await generate(server, req, "symbols", concurrency, Path(folder))
    for label, limit in runs:
        server.reset()
        server.responder = responder(files, delay)
        with tempfile.TemporaryDirectory() as folder:
            engine, generated, elapsed = await generate(server, req, "symbols", limit, Path(folder))
        depth = critical_path(engine.specs)
        times[label] = (elapsed, len(server.calls), depth)
        print(
            f"| {label} | {limit} | {len(server.calls)} | {len(generated)} | {depth} replies "
            f"| {elapsed:.2f} s |"
        )
    sequential = times["sequential"][0]
    elapsed, replies, depth = times["DAG-concurrent"]
    print(
        f"\nDAG-concurrent: {sequential / elapsed:.2f}x faster than sequential "
        f"(bound: {replies} replies / {depth} on the critical path = {replies / depth:.2f}x)"
    )
    print()


def critical_path(specs: list[FileSpec]) -> int:
    """The longest chain of replies, each waiting for the one before (API.md needs none)."""
    depth: dict[str, int] = {}
    for spec in specs:  # dependency order
        depth[spec.path] = 1 + max((depth.get(d, 0) for d in spec.depends_on), default=0)
    return max(depth[s.path] for s in specs if s.path != "API.md")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("section", choices=("context", "walltime", "all"))
    parser.add_argument("--delay", type=float, default=1.0, help="seconds per reply")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    litellm_module()
    req = requirements()
    files = offline_files(req)
    server = FakeOpenAI().start()
    try:
        if args.section in ("context", "all"):
            await bench_context(server, req, files)
        if args.section in ("walltime", "all"):
            await bench_walltime(server, req, files, args.delay, args.concurrency)
    finally:
        server.close()


if __name__ == "__main__":
    asyncio.run(main())
