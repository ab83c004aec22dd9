"""The fix operation: repair what a failing test implicates, then run the tests again.

The failure comes from the last test report of the workspace (operations/testing.py saves
every run's; when there is none, the tests are run first). What it implicates
(operations/fix_target.py): the failing frame in the project's own source, else the test's file and
the files it is built on. The offline engine restores each of those whose content differs from
its templates' (a real repair when the user broke one). A model is asked to fix one file: the
file of the test's most suspicious line when the run localized the failure, else the failing
source file, else the one candidate the user changed, else the test; with the failure and the
symbol tables of the files it is built on. With suspicious lines in functions of a Python file,
the prompt is focused on them (operations/fix_prompt.py) and the model returns the functions it
changed, spliced into the file (codeintel/functions.py); a reply with none of them is followed
by one whole-file call. Otherwise it sees and returns the whole file. Either way the
result is validated, and the new files go through the Writer; the tests run again and the new
report is returned (and saved).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from service_creator.codeintel.functions import (
    SpliceError,
    replace_functions,
)
from service_creator.domain.config import Settings
from service_creator.domain.errors import ServiceCreatorError
from service_creator.domain.ports import Progress, Writer
from service_creator.domain.project import FileSpec, GeneratedFile
from service_creator.domain.reports import Finding, SuspiciousLine, TestCase, TestReport
from service_creator.domain.requirements import Requirements
from service_creator.domain.workspace_path import WorkspacePath
from service_creator.generation.model.engine import ModelEngine
from service_creator.generation.offline.generator import render_file
from service_creator.generation.plan import plan
from service_creator.generation.validate import blocks, validate
from service_creator.generation.workspace import FilesystemWriter, Workspace
from service_creator.interview.interview import Interview
from service_creator.llm.ledger import Ledger
from service_creator.operations.fix_prompt import Focus, fix_prompt, focus_on
from service_creator.operations.fix_target import (
    candidates,
    focus_lines,
    model_target,
    suspicious_lines,
)
from service_creator.operations.interview import open_session
from service_creator.operations.io import FixFailureInput, FixFailureOutput, RunTestsInput
from service_creator.operations.testing import load_report, run_tests, tests_output

log = logging.getLogger(__name__)

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
    focused: bool = True,
) -> FixFailureOutput:
    """Fix the file the failing test `inp.test_id` implicates, then run the tests again.

    Everything happens in `inp.workspace`, the folder the caller resolved (never the one a
    session file names). `focused=False` sends a model the whole file even when the run ranked
    suspicious lines (the benchmark's baseline)."""
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
        ranked = suspicious_lines(report, case.id) if focused else []
        spec = await asyncio.to_thread(model_target, case, specs, site, ranked)
        lines = focus_lines(ranked, spec.path)
        progress.report(1, 3, f"Asking {settings.model_for('review')} to fix {spec.path}")
        fixed = await fixed_by_model(spec, requirements, case, report, site, settings, lines)
        if isinstance(fixed, Finding):  # nothing invalid is written: the user's file stays
            return FixFailureOutput(
                workspace=str(workspace),
                test_id=case.id,
                engine=settings.model,
                report=report,
                findings=[fixed],
                message=f"The model's fix of {spec.path} was not written: line "
                f"{fixed.location.line}: {fixed.message}",
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
        findings=tests_output(after, settings.suspicious_lines).findings,
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


async def fixed_by_model(
    spec: FileSpec,
    requirements: Requirements,
    case: TestCase,
    report: TestReport,
    site: Workspace,
    settings: Settings,
    lines: list[SuspiciousLine],
) -> GeneratedFile | Finding:
    """The model's fix of `spec`, validated; or why it is not to be written. A focused reply
    that defines none of the focused functions (the fault is elsewhere in the file: the
    localization missed it) is followed by one call with the whole file."""
    current = await asyncio.to_thread(site.read, spec.path) or ""
    focus = focus_on(spec, lines, current)
    ledger = Ledger(
        site.root,
        kind="fix",
        budget_tokens=settings.budget_tokens,
        budget_usd=settings.budget_usd,
    )
    if (entry := focus.ledger_entry(spec.path)) is not None:
        ledger.focus(entry)
    engine = ModelEngine(settings, workspace=site.root, ledger=ledger)
    try:
        try:
            content = await model_fix(
                engine, spec, requirements, case, report, site, current, focus
            )
        except SpliceError as exc:
            log.info("%s: %s; asking again with the whole file", spec.path, exc)
            ledger.whole_file_after(str(exc))
            whole = Focus(lines=focus.lines, functions=[])
            content = await model_fix(
                engine, spec, requirements, case, report, site, current, whole
            )
    finally:
        ledger.save()
    fixed, findings = await asyncio.to_thread(
        validate, spec, GeneratedFile(path=spec.path, content=content)
    )
    return next((f for f in findings if blocks(f)), fixed)


async def model_fix(
    engine: ModelEngine,
    spec: FileSpec,
    requirements: Requirements,
    case: TestCase,
    report: TestReport,
    site: Workspace,
    current: str,
    focus: Focus,
) -> str:
    """Ask the `review` stage's model to fix `spec` for the failing test (fix_failure.j2): the
    new content of the file, the model's functions spliced in when the prompt was focused
    (SpliceError when its reply defines none of them)."""
    prompt = fix_prompt(engine, spec, case, report, site, current, focus)
    code = await engine.ask_file(spec, engine.messages(requirements, spec, prompt), "review")
    if not focus.functions:
        return code
    content, _ = replace_functions(current, [f.name for f in focus.functions], code)
    return content
