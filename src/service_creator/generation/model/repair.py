"""The repair loop of the model engine: every broken fact becomes a precise repair request.

After generation, each file's own problems (it does not parse, an undefined name) and the
consistency check across files (an import of a symbol that does not exist, a route without a
test, a config name that is not in config) are grouped by the file to change, and the model is
asked to fix exactly those, with the symbol tables of the files involved. At most
`settings.repair_rounds` rounds (3); a file whose problems come back unchanged is not asked for
again (the same failure repeating stops the loop early). What remains is reported as findings;
the engine does not hand over a file that still fails its check (pipeline.withhold_invalid).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

from service_creator.codeintel.consistency import check_consistency
from service_creator.domain.config import Settings
from service_creator.domain.errors import ServiceCreatorError
from service_creator.domain.project import FileSpec, GeneratedFile
from service_creator.domain.reports import Finding
from service_creator.domain.requirements import Requirements
from service_creator.generation.pipeline import STOPS, Generation
from service_creator.generation.validate import validate
from service_creator.llm.client import Message
from service_creator.llm.ledger import Ledger
from service_creator.llm.reply import fence_for
from service_creator.resources import render

log = logging.getLogger(__name__)

Signature = frozenset[tuple[str, str]]


def needs_repair(finding: Finding) -> bool:
    """What fails the file's check (ruff's findings too: the file is not written with them) and
    what the consistency check finds across files."""
    return finding.severity == "error" or finding.source == "consistency"


def does_not_parse(finding: Finding) -> bool:
    return finding.source == "service-creator" and finding.severity == "error"


def signature(findings: list[Finding]) -> Signature:
    """What a set of problems is, regardless of where the lines moved to."""
    return frozenset((f.code or f.source, f.message) for f in findings)


class RepairEngine(Protocol):
    """What the repair loop needs of the model engine (`ModelEngine`, model/engine.py)."""

    specs: list[FileSpec]
    settings: Settings
    ledger: Ledger

    def remember(self, file: GeneratedFile) -> None: ...

    def context_for(self, spec: FileSpec, extra: Sequence[str] = ()) -> str: ...

    def messages(
        self, requirements: Requirements, spec: FileSpec, prompt: str
    ) -> list[Message]: ...

    async def ask_file(self, spec: FileSpec, messages: list[Message], stage: str) -> str: ...


class Repairer:
    def __init__(self, engine: RepairEngine, requirements: Requirements) -> None:
        self.engine = engine
        self.requirements = requirements
        self.specs = {s.path: s for s in engine.specs}
        self.changed: set[str] = set()  # files a repair rewrote
        self.attempts: dict[str, int] = {}  # repairs asked for, per file

    async def run(self, generation: Generation) -> Generation:
        files = {f.path: f for f in generation.files}
        own: dict[str, list[Finding]] = {path: [] for path in files}
        for finding in generation.findings:
            own.setdefault(finding.location.path, []).append(finding)
        across = check_consistency(list(files.values()))
        given_up: set[str] = set()
        for round_ in range(1, self.engine.settings.repair_rounds + 1):
            problems = self._problems(files, own, across, given_up)
            if not problems:
                break
            self.engine.ledger.repair_round()
            log.info("repair round %d: %s", round_, ", ".join(sorted(problems)))
            repaired, stopped = await self._round(files, problems)
            for path, (file, findings) in repaired.items():
                if file.content != files[path].content:
                    self.changed.add(path)
                files[path] = file
                own[path] = findings
                self.engine.remember(file)
            across = check_consistency(list(files.values()))
            after = self._problems(files, own, across, set())
            for path in problems:
                if path in after and signature(after[path]) == signature(problems[path]):
                    given_up.add(path)  # the same failure twice: asking again will not help
            if stopped is not None:
                generation.stopped = stopped
                break
        self.engine.ledger.data.repair_given_up = sorted(given_up)
        return self._result(generation, files, own, across)

    def _problems(
        self,
        files: dict[str, GeneratedFile],
        own: dict[str, list[Finding]],
        across: list[Finding],
        given_up: set[str],
    ) -> dict[str, list[Finding]]:
        """The findings to repair, by the file to change. While a file does not parse, only
        such files: the cross-file findings about them would be consequences, not causes."""
        unparsable = {p for p, fs in own.items() if p in files and any(map(does_not_parse, fs))}
        if unparsable:
            found = [f for p in sorted(unparsable) for f in own[p]]
        else:
            found = [f for fs in own.values() for f in fs] + across
        grouped: dict[str, list[Finding]] = {}
        for finding in found:
            path = self.target_of(finding, files)
            wanted = path in files and path in self.specs and path not in given_up
            if wanted and needs_repair(finding):
                grouped.setdefault(path, []).append(finding)
        return grouped

    def target_of(self, finding: Finding, files: dict[str, GeneratedFile]) -> str:
        """The file to change: where the finding is; for an untested route, the test file."""
        if finding.code != "untested-route":
            return finding.location.path
        tests = [p for p in files if p in self.specs and p.rsplit("/", 1)[-1].startswith("test")]
        built_on = [p for p in tests if finding.location.path in self.specs[p].depends_on]
        return (built_on or tests or [finding.location.path])[0]

    async def _round(
        self, files: dict[str, GeneratedFile], problems: dict[str, list[Finding]]
    ) -> tuple[dict[str, tuple[GeneratedFile, list[Finding]]], ServiceCreatorError | None]:
        limit = asyncio.Semaphore(self.engine.settings.concurrency)

        async def one(path: str) -> tuple[GeneratedFile, list[Finding]]:
            async with limit:
                return await self.repair(files[path], problems[path])

        paths = sorted(problems)
        results = await asyncio.gather(*(one(p) for p in paths), return_exceptions=True)
        repaired: dict[str, tuple[GeneratedFile, list[Finding]]] = {}
        stopped: ServiceCreatorError | None = None
        for path, result in zip(paths, results, strict=True):
            if isinstance(result, STOPS):
                stopped = stopped or result
            elif isinstance(result, BaseException):
                raise result
            else:
                repaired[path] = result
        return repaired, stopped

    async def repair(
        self, file: GeneratedFile, findings: list[Finding]
    ) -> tuple[GeneratedFile, list[Finding]]:
        """Ask the model to fix exactly `findings` in `file`; the new file, validated."""
        spec = self.specs[file.path]
        self.attempts[file.path] = self.attempts.get(file.path, 0) + 1
        related = [r.path for f in findings for r in f.related if r.path != file.path]
        prompt = render(
            "repair.j2",
            path=file.path,
            language=spec.language,
            problems=[_describe(f, file.path) for f in findings],
            content=file.content,
            context=self.engine.context_for(spec, related),
            fence=fence_for(spec.language),
        )
        messages = self.engine.messages(self.requirements, spec, prompt)
        content = await self.engine.ask_file(spec, messages, "review")
        return await asyncio.to_thread(
            validate, spec, GeneratedFile(path=file.path, content=content)
        )

    def _result(
        self,
        generation: Generation,
        files: dict[str, GeneratedFile],
        own: dict[str, list[Finding]],
        across: list[Finding],
    ) -> Generation:
        findings = [f for fs in own.values() for f in fs] + across
        order = {s.path: i for i, s in enumerate(self.specs.values())}
        generation.files = sorted(files.values(), key=lambda f: order[f.path])
        generation.findings = findings
        return generation


def _describe(finding: Finding, path: str) -> str:
    code = f" [{finding.code}]" if finding.code else ""
    where = "" if finding.location.path == path else f"{finding.location.path} "
    return f"{where}line {finding.location.line}: {finding.message}{code}"
