"""Generation: render every planned file with an engine, concurrently along the plan's DAG,
then validate each one. The offline engine and every model engine share this pipeline."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from typing import Protocol

from service_creator.domain.errors import ServiceCreatorError
from service_creator.domain.project import FileSpec, GeneratedFile
from service_creator.domain.reports import Finding, Location
from service_creator.domain.requirements import Requirements
from service_creator.generation.validate import blocks, validate
from service_creator.llm.errors import LLMError
from service_creator.llm.ledger import BudgetExceeded, Ledger

# a model engine stops the generation cleanly on these; the files done so far are kept
STOPS = (BudgetExceeded, LLMError)


@dataclass
class Generation:
    files: list[GeneratedFile] = field(default_factory=list[GeneratedFile])
    findings: list[Finding] = field(default_factory=list[Finding])
    cancelled: bool = False
    stopped: ServiceCreatorError | None = None  # why a model engine stopped early
    not_written: dict[str, str] = field(default_factory=dict[str, str])  # path: why
    fallbacks: dict[str, str] = field(default_factory=dict[str, str])  # offline's, and why
    by_model: list[str] = field(default_factory=list[str])  # the files a model wrote


def withhold_invalid(generation: Generation) -> None:
    """Nothing invalid is written: a file with a finding that blocks (validate.py: it does not
    parse, fails ruff, is not the text of its kind) leaves `files` for `not_written`, with the
    first such finding as the reason, and a finding saying it was not written."""
    reasons: dict[str, str] = {}
    for finding in generation.findings:
        path = finding.location.path
        if blocks(finding) and path not in reasons:
            code = f" [{finding.code}]" if finding.code else ""
            reasons[path] = f"line {finding.location.line}: {finding.message}{code}"
    kept: list[GeneratedFile] = []
    for file in generation.files:
        reason = reasons.get(file.path)
        if reason is None:
            kept.append(file)
            continue
        generation.not_written[file.path] = reason
        generation.findings.append(
            Finding(
                location=Location(path=file.path, line=1),
                message=f"{file.path} was not written: {reason}",
            )
        )
    generation.files = kept


OnFileDone = Callable[[int, int, str], None]


class Engine(Protocol):
    """What the generate operation (operations/generate.py) asks of an engine: its plan, then `run`,
    which for the offline engine is `generate` below and for a model engine the whole model
    pipeline (generate, repair, document)."""

    name: str

    @property
    def ledger(self) -> Ledger | None:
        """The token/cost ledger of the generation (None: the engine spends nothing)."""
        ...

    def plan(self, requirements: Requirements) -> list[FileSpec]:
        """The files to generate, each after every file it depends on."""
        ...

    async def render(
        self, spec: FileSpec, requirements: Requirements, done: dict[str, GeneratedFile]
    ) -> str:
        """The content of `spec`; `done` holds the files generated so far (its dependencies)."""
        ...

    async def run(
        self,
        specs: list[FileSpec],
        requirements: Requirements,
        *,
        on_file_done: OnFileDone,
        is_cancelled: Callable[[], bool],
        concurrency: int,
    ) -> Generation:
        """Every file of `specs` (the engine's own plan), rendered and validated."""
        ...


async def generate(
    specs: list[FileSpec],
    requirements: Requirements,
    engine: Engine,
    *,
    on_file_done: OnFileDone = lambda done, total, path: None,
    is_cancelled: Callable[[], bool] = lambda: False,
    concurrency: int = 4,
    withhold: bool = True,
) -> Generation:
    """Every file of `specs`, each started once the files it depends on are rendered.

    A file's validation (parse, ruff, black) runs beside the files built on it, not before
    them: they see its rendered content (its symbols do not depend on formatting), and the
    validated version once it is ready. `concurrency` bounds the renders under way. A file
    that fails its check is withheld (`withhold_invalid`), unless `withhold` is off: a model
    engine repairs such files first, and withholds what is left itself.
    """
    by_path = {spec.path: spec for spec in specs}
    graph = TopologicalSorter({s.path: [d for d in s.depends_on if d in by_path] for s in specs})
    graph.prepare()
    done: dict[str, GeneratedFile] = {}  # what a render sees of the files it is built on
    validated: dict[str, GeneratedFile] = {}
    result = Generation()
    limit = asyncio.Semaphore(concurrency)

    async def render(spec: FileSpec) -> GeneratedFile:
        async with limit:
            content = await engine.render(spec, requirements, done)
        return GeneratedFile(path=spec.path, content=content)

    rendering: dict[asyncio.Future[GeneratedFile], str] = {}
    checking: dict[asyncio.Future[tuple[GeneratedFile, list[Finding]]], str] = {}
    try:
        while graph.is_active() or checking:
            if is_cancelled():
                result.cancelled = True
                break
            if result.stopped is None:  # once stopped, the files under way still finish
                for path in graph.get_ready():
                    rendering[asyncio.create_task(render(by_path[path]))] = path
            if not rendering and not checking:
                break
            finished, _ = await asyncio.wait(
                [*rendering, *checking], return_when=asyncio.FIRST_COMPLETED
            )
            for check in [task for task in checking if task in finished]:
                path = checking.pop(check)
                file, findings = check.result()
                done[path] = validated[path] = file
                result.findings.extend(findings)
                on_file_done(len(validated), len(specs), path)
            for task in [task for task in rendering if task in finished]:
                path = rendering.pop(task)
                try:
                    file = task.result()
                except STOPS as exc:
                    result.stopped = result.stopped or exc
                    continue
                done[path] = file
                graph.done(path)
                validating = asyncio.to_thread(validate, by_path[path], file)
                checking[asyncio.ensure_future(validating)] = path
    finally:
        for task in [*rendering, *checking]:
            task.cancel()
    order = {spec.path: i for i, spec in enumerate(specs)}
    result.files = sorted(validated.values(), key=lambda f: order[f.path])
    if withhold:
        withhold_invalid(result)
    return result
