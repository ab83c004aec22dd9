"""The fix operation: repair what a failing test implicates, then run the tests again.

The failure comes from the last test report of the workspace (operations/testing.py saves
every run's; when there is none, the tests are run first). What it implicates
(operations/fix_target.py): the failing frame in the project's own source, else the test's file and
the files it is built on. The offline engine restores each of those whose content differs from
its templates' (a real repair when the user broke one). A model is asked to fix one file: the
failing source file, else the one candidate the user changed, else the test; with the failure,
the test and the symbol tables of the files it is built on. The new files go through the Writer;
the tests run again and the new report is returned (and saved).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from service_creator.domain.config import Settings
from service_creator.domain.errors import ServiceCreatorError
from service_creator.domain.ports import Progress, Writer
from service_creator.domain.project import FileSpec, GeneratedFile
from service_creator.domain.reports import TestCase, TestReport
from service_creator.domain.requirements import Requirements
from service_creator.domain.workspace_path import WorkspacePath
from service_creator.generation.model.engine import ModelEngine
from service_creator.generation.offline.generator import render_file
from service_creator.generation.plan import plan
from service_creator.generation.validate import blocks, validate
from service_creator.generation.workspace import FilesystemWriter, Workspace
from service_creator.interview.interview import Interview
from service_creator.llm.ledger import Ledger
from service_creator.llm.reply import fence_for
from service_creator.operations.fix_target import candidates, model_target
from service_creator.operations.interview import open_session
from service_creator.operations.io import FixFailureInput, FixFailureOutput, RunTestsInput
from service_creator.operations.testing import load_report, run_tests, tests_output
from service_creator.resources import render

log = logging.getLogger(__name__)

FAILURE_CHARS = 6000  # of pytest's output, around the failing test
TestRunner = Callable[[WorkspacePath, Settings, Progress], Awaitable[TestReport]]


async def sandbox_tests(
    workspace: WorkspacePath,
    settings: Settings,
    progress: Progress,
    overlay: Mapping[str, str] | None = None,
) -> TestReport:
    """The workspace's tests in the Docker sandbox (`overlay`: texts tested instead of the
    files on disk); the report is saved as the workspace's last."""
    inp = RunTestsInput(workspace=workspace)
    return (await run_tests(inp, settings, progress, overlay)).report


# --- the operation -------------------------------------------------------------------------


async def fix_failure(
    inp: FixFailureInput,
    settings: Settings,
    progress: Progress,
    writer: Writer | None = None,
    *,
    run_tests: TestRunner = sandbox_tests,
) -> FixFailureOutput:
    """Fix the file the failing test `inp.test_id` implicates, then run the tests again.

    Everything happens in `inp.workspace`, the folder the caller resolved (never the one a
    session file names)."""
    workspace = inp.workspace.path
    site = Workspace(workspace)
    session, _ = await asyncio.to_thread(open_session, inp, settings, create=False)
    requirements = Interview(session).requirements()
    report = await asyncio.to_thread(load_report, workspace)
    if report is None or find_case(report, inp.test_id) is None:
        progress.report(0, 3, "Running the tests to find the failure")
        report = await run_tests(inp.workspace, settings, progress)
    case = find_case(report, inp.test_id)
    if case is None:
        raise ServiceCreatorError(
            f"No test '{inp.test_id}' in the last test run",
            hint="run the tests, then pick a failing test from the report",
        )
    if case.outcome in ("passed", "skipped"):
        return FixFailureOutput(
            workspace=str(workspace),
            test_id=case.id,
            engine=settings.model,
            report=report,
            message=f"{case.id} {case.outcome} in the last run: nothing to fix",
        )
    specs = plan(requirements)
    if settings.is_offline:
        files = await asyncio.to_thread(
            offline_restore, candidates(case, specs), requirements, site
        )
    else:
        spec = await asyncio.to_thread(model_target, case, specs, site)
        progress.report(1, 3, f"Asking {settings.model_for('review')} to fix {spec.path}")
        current = await asyncio.to_thread(site.read, spec.path)
        content = await model_fix(spec, requirements, case, report, site, current, settings)
        fixed, findings = await asyncio.to_thread(
            validate, spec, GeneratedFile(path=spec.path, content=content)
        )
        problem = next((f for f in findings if blocks(f)), None)
        if problem is not None:  # nothing invalid is written: the user's file stays as it is
            return FixFailureOutput(
                workspace=str(workspace),
                test_id=case.id,
                engine=settings.model,
                report=report,
                findings=[problem],
                message=f"The model's fix of {spec.path} was not written: line "
                f"{problem.location.line}: {problem.message}",
            )
        files = [fixed]
    if not files:
        return FixFailureOutput(
            workspace=str(workspace),
            test_id=case.id,
            engine=settings.model,
            report=report,
            message=f"Every file {case.id} depends on is as generated: nothing to restore",
        )
    # the user asked for these files to be fixed: our write may replace their changes
    await asyncio.to_thread(site.record_written, [(f.path, site.read(f.path) or "") for f in files])
    writer = writer or FilesystemWriter(site)
    written = await writer.apply(files, f"Service Creator: fix {case.id}")
    progress.report(2, 3, "Running the tests again")
    after = await run_tests(inp.workspace, settings, progress)
    still = find_case(after, case.id)
    verdict = "now passes" if still is not None and still.outcome == "passed" else "still fails"
    paths = [f.path for f in files]
    return FixFailureOutput(
        workspace=str(workspace),
        test_id=case.id,
        engine=settings.model,
        files=paths,
        written=written.written,
        unchanged=written.unchanged,
        conflicts=written.conflicts,
        report=after,
        findings=tests_output(after).findings,
        message=f"Fixed {', '.join(paths)}; {case.id} {verdict}",
    )


def offline_restore(
    specs: list[FileSpec], requirements: Requirements, site: Workspace
) -> list[GeneratedFile]:
    """The offline engine's version of each candidate whose content on disk differs from it."""

    restored: list[GeneratedFile] = []
    for spec in specs:
        rendered = GeneratedFile(path=spec.path, content=render_file(spec, requirements))
        file, _ = validate(spec, rendered)
        if site.read(spec.path) != file.content:
            restored.append(file)
    return restored


def find_case(report: TestReport, test_id: str) -> TestCase | None:
    """The test by node id; a bare test name or a path-less id matches too."""
    for case in report.tests:
        if case.id == test_id:
            return case
    for case in report.tests:
        if case.id.endswith("::" + test_id) or case.id.split("::")[-1] == test_id:
            return case
    return None


async def model_fix(
    spec: FileSpec,
    requirements: Requirements,
    case: TestCase,
    report: TestReport,
    site: Workspace,
    current: str | None,
    settings: Settings,
) -> str:
    """Ask the `review` stage's model to fix `spec` for the failing test (fix_failure.j2)."""

    ledger = Ledger(
        site.root,
        kind="fix",
        budget_tokens=settings.budget_tokens,
        budget_usd=settings.budget_usd,
    )
    engine = ModelEngine(settings, workspace=site.root, ledger=ledger)
    for path in spec.depends_on:
        text = site.read(path)
        if text is not None:
            engine.remember(GeneratedFile(path=path, content=text))
    test_file = case.id.split("::")[0]
    prompt = render(
        "fix_failure.j2",
        test_id=case.id,
        path=spec.path,
        failure=failure_text(case, report),
        content=current or "",
        test_source=(site.read(test_file) or "") if test_file != spec.path else "",
        context=engine.context_for(spec),
        fence=fence_for(spec.language),
    )
    try:
        return await engine.ask_file(spec, engine.messages(requirements, spec, prompt), "review")
    finally:
        ledger.save()


def failure_text(case: TestCase, report: TestReport) -> str:
    """The test's message, and pytest's output around its name (capped)."""
    name = case.id.split("::")[-1]
    output = report.output
    at = output.find(f"_ {name} _")
    if at < 0:
        at = max(0, output.find(name))
    excerpt = output[at : at + FAILURE_CHARS] if output else ""
    return f"{case.outcome}: {case.message}\n\n{excerpt}".strip()
