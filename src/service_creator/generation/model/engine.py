"""The model engine: every planned file written by a litellm model, one prompt per file.

Each prompt (prompts/codegen.j2) carries the file's purpose, the requirements, the plan, and the
symbol tables of the files it is built on (codeintel/index.py, cut by codeintel/views.py), not
their whole text. Files (the README too) are generated along the plan's DAG
(generation/pipeline.py), then checked across files and repaired (generation/model/repair.py);
then API.md is written from the final
symbol tables, and the README again if a repair changed a file it was written from. The ledger
records every call; a spent budget or a provider failure stops the work cleanly, keeping what
was done. Whatever way the run ends (complete, stopped, cancelled), a file that fails its check
(generation/validate.py) is not handed over to be written: `Generation.not_written` says why.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal, cast

from service_creator.codeintel.index import ContextIndex
from service_creator.codeintel.views import dependency_context
from service_creator.domain.config import Settings
from service_creator.domain.project import FileSpec, GeneratedFile
from service_creator.domain.reports import Finding, Location
from service_creator.domain.requirements import Requirements
from service_creator.generation.model.docs import api_markdown
from service_creator.generation.model.floor import Floor
from service_creator.generation.model.repair import Repairer
from service_creator.generation.pipeline import (
    STOPS,
    Generation,
    OnFileDone,
    generate,
    withhold_invalid,
)
from service_creator.generation.plan import Seed, exports, plan, under_test, with_interfaces
from service_creator.generation.validate import blocks, validate
from service_creator.llm.client import LLM, Message
from service_creator.llm.ledger import Ledger
from service_creator.llm.reply import code_from_reply, fence_for, join_continuation
from service_creator.resources import render

log = logging.getLogger(__name__)

ContextMode = Literal["symbols", "whole"]
MAX_CONTINUATIONS = 2
CONTINUE = (
    "Your reply was cut off. Continue exactly where it stopped: no repetition, no preamble, "
    "and close the code block at the end."
)
README = "README.md"
API_DOC = FileSpec(
    path="API.md",
    purpose="The HTTP API: every route and the models it takes and returns",
    language="markdown",
    depends_on=["api_endpoints.py", "schemas.py"],
)
DOCS = frozenset({README, API_DOC.path})
NOTES: dict[str, list[str]] = {
    "config.py": ["settings come from environment variables, with defaults that work in tests"],
    "api_endpoints.py": [
        "the FastAPI application object is a module-level variable named `app`",
        "every route declares its request and response models from schemas.py",
    ],
    "test_suite.py": [
        "pytest tests that call every route of api_endpoints.py through "
        "fastapi.testclient.TestClient(app)",
        "no network: the vendor device is the simulated one from vendor_integration.py",
    ],
    "vendor_integration.py": ["a simulated device is the default, so tests need no network"],
}


def stage_of(spec: FileSpec) -> str:
    if spec.language == "markdown":
        return "docs"
    return "tests" if Path(spec.path).name.startswith("test") else "codegen"


class ModelEngine:
    """The `Engine` for any litellm model; `run` is the whole model pipeline."""

    def __init__(
        self,
        settings: Settings,
        *,
        workspace: Path | None = None,
        ledger: Ledger | None = None,
        context: ContextMode = "symbols",
        seed: Seed | None = None,
    ) -> None:
        self.name = settings.model
        self.settings = settings
        self.ledger = ledger or Ledger(
            workspace, budget_tokens=settings.budget_tokens, budget_usd=settings.budget_usd
        )
        self.llm = LLM(settings, self.ledger)
        self.context_mode = context
        self.seed = seed
        self._offline: tuple[Requirements, list[GeneratedFile]] | None = None
        self.index = ContextIndex()
        self.specs: list[FileSpec] = []
        self._texts: dict[str, str] = {}
        self.cut_off: dict[str, str] = {}  # files whose reply ran into the reply cap, and why
        self.built_on_broken: dict[str, set[str]] = {}  # file: dependencies it saw not parse
        self.changes: list[str] = []  # files changed after they were written, in order
        self.written_at: dict[str, int] = {}  # file: len(changes) when it was last written

    def plan(self, requirements: Requirements) -> list[FileSpec]:
        """The project's plan with its interfaces from the seed (generation/plan.py; none without a
        seed), plus API.md."""
        specs = plan(requirements)
        if (offline := self.offline_project(requirements)) is not None:
            specs = with_interfaces(specs, offline)
        return [*specs, API_DOC]

    def offline_project(self, requirements: Requirements) -> list[GeneratedFile] | None:
        """The seed's project for `requirements` (the plan's interfaces, and the floor), made
        once for them."""
        if self.seed is None:
            return None
        if self._offline is None or self._offline[0] != requirements:
            self._offline = (requirements, self.seed(requirements))
        return self._offline[1]

    # --- one file ----------------------------------------------------------------------------

    async def render(
        self, spec: FileSpec, requirements: Requirements, done: dict[str, GeneratedFile]
    ) -> str:
        for path in spec.depends_on:
            if path in done:
                self.remember(done[path])
        self.written_at[spec.path] = len(self.changes)
        self.built_on_broken[spec.path] = {
            path for path in spec.depends_on if (t := self.index.table(path)) and t.errors
        }
        prompt = self.codegen_prompt(spec, requirements, self.context_for(spec))
        return await self.ask_file(spec, self.messages(requirements, spec, prompt), stage_of(spec))

    def remember(self, file: GeneratedFile) -> None:
        self.index.update(file.path, file.content)
        self._texts[file.path] = file.content

    def context_for(self, spec: FileSpec, extra: Sequence[str] = ()) -> str:
        """What the files `spec` is built on (and `extra` files) define: their symbol tables cut
        to what `spec` can use (codeintel/views.py), or their whole text in "whole" mode (the
        benchmark's baseline)."""
        paths = list(dict.fromkeys([*spec.depends_on, *extra]))
        if self.context_mode == "whole":
            return "\n\n".join(f"# {p}\n{self._texts[p]}" for p in paths if p in self._texts)
        return dependency_context(self.index, spec, paths, whole=under_test(spec, self.specs))

    def codegen_prompt(self, spec: FileSpec, requirements: Requirements, context: str) -> str:

        specs = self.specs or self.plan(requirements)
        return render(
            "codegen.j2",
            spec=spec,
            requirements=requirement_lines(requirements),
            plan=specs,
            exports=exports(specs, spec.path),
            context=context,
            notes=NOTES.get(spec.path, []),
            fence=fence_for(spec.language),
        )

    def messages(self, requirements: Requirements, spec: FileSpec, prompt: str) -> list[Message]:

        system = render(
            "system.j2",
            requirements=requirements.model_dump(mode="json"),
        )
        return [{"role": "system", "content": system}, {"role": "user", "content": prompt}]

    async def ask_file(self, spec: FileSpec, messages: list[Message], stage: str) -> str:
        """The file's content from the model's reply; a cut-off reply is continued."""
        reply = await self.llm.complete(stage, messages, purpose=spec.path)
        text = reply.content
        for _ in range(MAX_CONTINUATIONS):
            if reply.finish_reason != "length":
                break
            more: list[Message] = [
                *messages,
                {"role": "assistant", "content": text},
                {"role": "user", "content": CONTINUE},
            ]
            reply = await self.llm.complete(stage, more, purpose=f"{spec.path} (continued)")
            text = join_continuation(text, reply.content)
        code, complete = code_from_reply(text, spec)
        if reply.finish_reason == "length":
            self.cut_off[spec.path] = cut_off_message(self.settings, stage)
            log.warning("%s: %s", spec.path, self.cut_off[spec.path])
        elif not complete:
            log.warning("%s: the reply was still cut off; validation will tell", spec.path)
        else:
            self.cut_off.pop(spec.path, None)
        return code

    # --- the pipeline ------------------------------------------------------------------------

    async def run(
        self,
        specs: list[FileSpec],
        requirements: Requirements,
        *,
        on_file_done: OnFileDone = lambda done, total, path: None,
        is_cancelled: Callable[[], bool] = lambda: False,
        concurrency: int | None = None,
    ) -> Generation:
        """Generate, check and repair, fall back to the offline project where the model failed
        (with a seed: floor.py), document. Without a seed, raises the provider's error when not a
        single file could be generated; otherwise a stop is reported in `Generation.stopped`."""
        self.specs = specs
        code = [s for s in specs if s.path != API_DOC.path]  # the README too, from its deps
        total = len(specs)
        repairs: dict[str, int] = {}
        offline = self.offline_project(requirements)
        floor = Floor(code, offline) if offline is not None else None
        with self.ledger.stage("pipeline"):
            generation = await generate(
                code,
                requirements,
                self,
                on_file_done=lambda done, _total, path: on_file_done(done, total, path),
                is_cancelled=is_cancelled,
                concurrency=concurrency or self.settings.concurrency,
                withhold=False,  # repaired first; withheld below, whatever way the run ends
            )
            generation.findings += self.cut_off_findings(generation)  # repair cases
            if generation.stopped is not None and not generation.files and floor is None:
                self.ledger.stop(generation.stopped.message)
                self.ledger.save()
                raise generation.stopped
            for file in generation.files:
                self.remember(file)
            if not generation.cancelled and generation.stopped is None:
                repairer = Repairer(self, requirements)
                generation = await repairer.run(generation)
                repairs = repairer.attempts
                self.changes += sorted(repairer.changed)
                redo = [
                    s for s in code if self.built_on_broken.get(s.path, set()) & repairer.changed
                ]
                await self._regenerate(redo, requirements, generation, concurrency)
            withhold_invalid(generation)  # the repair skipped or not: nothing invalid is written
            if not generation.cancelled and floor is not None:
                await self._fall_back(floor, requirements, generation, repairs)
            if not generation.cancelled:
                await self._documents(specs, requirements, generation)
                if generation.stopped is None:
                    on_file_done(total, total, "documentation")
        withhold_invalid(generation)  # a document written again may fail its check
        if not generation.cancelled and floor is not None:
            await asyncio.to_thread(floor.fall_back, generation, floor.missing(generation, {}))
        generation.by_model = [  # API.md is ours, from the final symbol tables
            f.path for f in generation.files if f.path not in {*generation.fallbacks, API_DOC.path}
        ]
        if generation.stopped is not None:
            self.ledger.stop(generation.stopped.message)
        self.ledger.save()
        return generation

    async def _fall_back(
        self,
        floor: Floor,
        requirements: Requirements,
        generation: Generation,
        repairs: dict[str, int],
    ) -> None:
        """The offline version for each file the model did not make valid. While the model is
        up, the files built on those are written again on the offline versions; when it is not,
        those built on a version that did not parse fall back too. Then whatever disagrees
        across files falls back (floor.py)."""
        fallen = await self._offline_for(floor, generation, floor.missing(generation, repairs))
        if fallen and generation.stopped is None:
            redo = [s for s in floor.dependents(fallen) if s.path not in generation.fallbacks]
            await self._regenerate(redo, requirements, generation, None)
            withhold_invalid(generation)
            await self._offline_for(floor, generation, floor.missing(generation, {}))
        elif fallen:
            stale = {
                path: f"written on a version of {', '.join(sorted(deps & set(fallen)))} that "
                "did not parse, and the model is down"
                for path, deps in self.built_on_broken.items()
                if deps & set(fallen) and path not in generation.fallbacks
            }
            await self._offline_for(floor, generation, stale)
        before = set(generation.fallbacks)
        await asyncio.to_thread(floor.agree, generation)  # validates what falls back
        self._took(generation, [p for p in generation.fallbacks if p not in before])

    async def _offline_for(
        self, floor: Floor, generation: Generation, reasons: dict[str, str]
    ) -> list[str]:
        """The offline versions of `reasons`' files in place (validated off the event loop)."""
        return self._took(generation, await asyncio.to_thread(floor.fall_back, generation, reasons))

    def _took(self, generation: Generation, paths: list[str]) -> list[str]:
        """`paths` changed in `generation` after being written (a repair, a fallback, written
        again): the files written later are built on the new versions."""
        files = {f.path: f for f in generation.files}
        for path in paths:
            self.remember(files[path])
            self.changes.append(path)
        return paths

    def changed_since(self, path: str) -> set[str]:
        """The files that changed after `path` was last written."""
        return set(self.changes[self.written_at.get(path, 0) :])

    async def _regenerate(
        self,
        specs: list[FileSpec],
        requirements: Requirements,
        generation: Generation,
        concurrency: int | None,
    ) -> None:
        """Write `specs` again (their dependencies changed under them); a new version that
        passes its check replaces the old one. A stop is recorded in `generation`."""
        if not specs or generation.stopped is not None or generation.cancelled:
            return
        log.info(
            "writing again on their changed dependencies: %s", ", ".join(s.path for s in specs)
        )
        written_at = dict(self.written_at)
        again = await generate(
            specs,
            requirements,
            self,
            concurrency=concurrency or self.settings.concurrency,
            withhold=False,
        )
        generation.stopped = again.stopped
        again.findings += self.cut_off_findings(again)
        files = {f.path: f for f in generation.files}
        replaced: list[str] = []
        for file in again.files:
            own = [f for f in again.findings if f.location.path == file.path]
            if any(map(blocks, own)) and file.path in files:
                self.written_at[file.path] = written_at.get(file.path, 0)  # the earlier stays
                continue  # the consistency check will judge it
            files[file.path] = file
            self.remember(file)
            replaced.append(file.path)
            generation.findings = [
                f for f in generation.findings if f.location.path != file.path
            ] + own
        self.changes += replaced
        for path in replaced:  # each was written on the new versions of those before it
            self.written_at[path] = len(self.changes)
        order = {s.path: i for i, s in enumerate(self.specs)}
        generation.files = sorted(files.values(), key=lambda f: order.get(f.path, 0))

    async def _documents(
        self, specs: list[FileSpec], requirements: Requirements, generation: Generation
    ) -> None:
        """API.md from the final symbol tables, once every file is there; the README again if a
        repair changed a file it was written from. A stopped generation gets no new documents
        (an earlier, complete README or API.md is not replaced by a partial one)."""
        wanted = {s.path: s for s in specs if s.path in DOCS}
        files = {f.path: f for f in generation.files}
        complete = {s.path for s in specs if s.path != API_DOC.path} <= files.keys()
        if API_DOC.path in wanted and complete:
            tables = [t for t in (self.index.table(path) for path in files) if t]
            content = api_markdown(requirements, tables)
            files[API_DOC.path] = await self._checked(
                API_DOC, GeneratedFile(path=API_DOC.path, content=content), generation
            )
        readme = wanted.get(README)
        stale = self.changed_since(README) & set(readme.depends_on) if readme else set[str]()
        if README in generation.fallbacks:
            stale = set[str]()  # the offline README, of the offline project's kind
        if readme is not None and README in files and stale:
            try:
                if generation.stopped is None:
                    content = await self.render(readme, requirements, {})
                    files[README] = await self._checked(
                        readme, GeneratedFile(path=README, content=content), generation
                    )
            except STOPS as exc:
                generation.stopped = exc
            if generation.stopped is not None:
                generation.findings.append(
                    Finding(
                        location=Location(path=README, line=1),
                        message=f"README.md describes {', '.join(sorted(stale))} as they were "
                        f"before the repair ({generation.stopped.message})",
                        severity="info",
                    )
                )
        order = {s.path: i for i, s in enumerate(specs)}
        generation.files = sorted(files.values(), key=lambda f: order.get(f.path, 0))

    async def _checked(
        self, spec: FileSpec, file: GeneratedFile, generation: Generation
    ) -> GeneratedFile:
        """`file` validated, its findings in place of any earlier version's."""
        checked, findings = await asyncio.to_thread(validate, spec, file)
        generation.findings = [
            f for f in generation.findings if f.location.path != file.path
        ] + findings
        return checked

    def cut_off_findings(self, generation: Generation) -> list[Finding]:
        """An error per file whose reply ran into the reply cap: a case for the repair round."""
        written = {f.path: f.content for f in generation.files}
        return [
            Finding(
                location=Location(path=path, line=max(1, written[path].count("\n"))),
                message=message,
            )
            for path, message in self.cut_off.items()
            if path in written
        ]


def cut_off_message(settings: Settings, stage: str) -> str:
    cap = settings.max_tokens_for(stage)
    return (
        f"the model's reply ran into the reply cap of {cap} tokens {MAX_CONTINUATIONS + 1} times "
        "and the file is cut off: write it shorter, and end it (raise "
        f"SERVICE_CREATOR_MAX_TOKENS_{stage.upper()} if it is really this long)"
    )


def requirement_lines(requirements: Requirements) -> str:
    """The requirements, one `name: value` line each (lists joined by commas, empty values
    left out): the same facts as their JSON in two thirds of the tokens."""
    lines: list[str] = []
    # model_dump is untyped (Any values); in JSON mode they are JSON values
    dumped: dict[str, object] = requirements.model_dump(mode="json", exclude_none=True)
    for name, value in dumped.items():
        if isinstance(value, dict):
            mapping = cast(dict[str, object], value)  # a JSON object: str keys
            value = ", ".join(f"{key}: {item}" for key, item in mapping.items())
        elif isinstance(value, list):
            value = ", ".join(map(str, cast(list[object], value)))
        if value not in ("", None):
            lines.append(f"{name}: {value}")
    return "\n".join(lines)
