"""Generation: render every planned file with an engine, concurrently along the plan's DAG,
then validate each one. The offline engine and every model engine share this pipeline."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from typing import Protocol

from service_creator.core.ledger import BudgetExceeded
from service_creator.core.llm_errors import LLMError
from service_creator.core.models import FileSpec, Finding, GeneratedFile, Requirements
from service_creator.core.validate import validate
from service_creator.errors import ServiceCreatorError

# a model engine stops the generation cleanly on these; the files done so far are kept
STOPS = (BudgetExceeded, LLMError)


class Engine(Protocol):
    name: str

    async def render(
        self, spec: FileSpec, requirements: Requirements, done: dict[str, GeneratedFile]
    ) -> str:
        """The content of `spec`; `done` holds the files generated so far (its dependencies)."""
        ...


class OfflineEngine:
    """The embedded engine: jinja2 project templates, no network, deterministic."""

    name = "offline"

    async def render(
        self, spec: FileSpec, requirements: Requirements, done: dict[str, GeneratedFile]
    ) -> str:
        from service_creator.offline.generator import render_file

        return render_file(spec, requirements)


@dataclass
class Generation:
    files: list[GeneratedFile] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    cancelled: bool = False
    stopped: ServiceCreatorError | None = None  # why a model engine stopped early


OnFileDone = Callable[[int, int, str], None]


async def generate(
    specs: list[FileSpec],
    requirements: Requirements,
    engine: Engine,
    *,
    on_file_done: OnFileDone = lambda done, total, path: None,
    is_cancelled: Callable[[], bool] = lambda: False,
    concurrency: int = 4,
) -> Generation:
    """Every file of `specs`, each started once the files it depends on are done."""
    by_path = {spec.path: spec for spec in specs}
    graph = TopologicalSorter({s.path: [d for d in s.depends_on if d in by_path] for s in specs})
    graph.prepare()
    done: dict[str, GeneratedFile] = {}
    result = Generation()
    limit = asyncio.Semaphore(concurrency)

    async def one(spec: FileSpec) -> tuple[GeneratedFile, list[Finding]]:
        async with limit:
            content = await engine.render(spec, requirements, done)
            return await asyncio.to_thread(
                validate, spec, GeneratedFile(path=spec.path, content=content)
            )

    running: dict[asyncio.Task, str] = {}
    try:
        while graph.is_active():
            if is_cancelled():
                result.cancelled = True
                break
            if result.stopped is None:  # once stopped, the files under way still finish
                for path in graph.get_ready():
                    running[asyncio.create_task(one(by_path[path]))] = path
            if not running:
                break
            finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                path = running.pop(task)
                try:
                    file, findings = task.result()
                except STOPS as exc:
                    result.stopped = result.stopped or exc
                    continue
                done[path] = file
                result.findings.extend(findings)
                graph.done(path)
                on_file_done(len(done), len(specs), path)
    finally:
        for task in running:
            task.cancel()
    order = {spec.path: i for i, spec in enumerate(specs)}
    result.files = sorted(done.values(), key=lambda f: order[f.path])
    return result
