"""The fix operation: repair what a failing test implicates, then run the tests again.

The failure comes from the last test report of the workspace (operations/testing.py saves
every run's; when there is none, the tests are run first). What it implicates
(operations/fix_target.py): the failing frame in the project's own source, else the test's file and
the files it is built on. The offline engine restores each of those whose content differs from
its templates' (a real repair when the user broke one). A model is asked to fix one file: the
file of the test's most suspicious line when the run localized the failure, else the failing
source file, else the one candidate the user changed, else the test; with the failure and the
symbol tables of the files it is built on. With suspicious lines in functions of a Python file,
the prompt is focused: those lines, the functions that hold them, the rest of the file as a
symbol table and the failing test's function, the context cut to what those functions use;
the model returns the functions it changed and they are spliced into the file
(codeintel/functions.py); a reply with none of them is followed by one whole-file call.
Otherwise it sees the whole file (and test file) and returns the whole file. Either way the
result is validated, and the new files go through the Writer; the tests run again and the new
report is returned (and saved).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from service_creator.codeintel.functions import (
    FunctionUnit,
    SpliceError,
    function_units,
    replace_functions,
)
from service_creator.codeintel.outline import is_private, render_table
from service_creator.codeintel.symbols import SymbolTable, symbols
from service_creator.codeintel.views import IDENTIFIER
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
from service_creator.llm.ledger import FixFocus, Ledger
from service_creator.llm.reply import fence_for
from service_creator.operations.fix_target import (
    candidates,
    focus_lines,
    model_target,
    suspicious_lines,
)
from service_creator.operations.interview import open_session
from service_creator.operations.io import FixFailureInput, FixFailureOutput, RunTestsInput
from service_creator.operations.testing import load_report, run_tests, tests_output
from service_creator.resources import render

log = logging.getLogger(__name__)

FAILURE_CHARS = 6000  # of pytest's output, around the failing test
ATTRIBUTE = re.compile(r"\.([A-Za-z_]\w*)")
WHOLE_MODULE = "*"  # in imported_names: the module is imported, not names from it
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


@dataclass(frozen=True)
class Focus:
    """What a model's fix is shown of the file it fixes: the failing test's suspicious lines,
    and the functions of the file that hold them (none: the whole file is sent)."""

    lines: list[SuspiciousLine]
    functions: list[FunctionUnit]

    def ledger_entry(self, path: str) -> FixFocus | None:
        if not self.lines:
            return None
        return FixFocus(
            path=path,
            lines=[f"{s.location.path}:{s.location.line}" for s in self.lines],
            functions=[f.name for f in self.functions],
            whole_file=not self.functions,
        )


def focus_on(spec: FileSpec, lines: list[SuspiciousLine], current: str) -> Focus:
    """The functions of `spec` that hold its suspicious lines, in the file's order; none when a
    line of it is outside every function (or the file is not Python): then the whole file."""
    own = [s.location.line for s in lines if s.location.path == spec.path]
    if not own or spec.language != "python" or not current:
        return Focus(lines=lines, functions=[])
    units = function_units(current)
    holding = [next((u for u in units if u.start <= line <= u.end), None) for line in own]
    if any(u is None for u in holding):
        return Focus(lines=lines, functions=[])
    names = {u.name for u in holding if u is not None}
    return Focus(lines=lines, functions=[u for u in units if u.name in names])


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


def fix_prompt(
    engine: ModelEngine,
    spec: FileSpec,
    case: TestCase,
    report: TestReport,
    site: Workspace,
    current: str,
    focus: Focus,
) -> str:
    """The fix's prompt: focused on `focus.functions` when there are some, else the whole file
    (and the whole test file)."""
    for path in spec.depends_on:
        text = site.read(path)
        if text is not None:
            engine.remember(GeneratedFile(path=path, content=text))
    test_file = case.id.split("::")[0]
    test_text = (site.read(test_file) or "") if test_file != spec.path else ""
    functions = focus.functions
    return render(
        "fix_failure.j2",
        test_id=case.id,
        path=spec.path,
        failure=failure_text(case, report),
        suspicious=suspicious_text(focus.lines, site),
        functions="\n".join(
            f"# {spec.path}, lines {f.start}-{f.end}: {f.name}\n{f.text(current)}"
            for f in functions
        ),
        names=[f.name for f in functions],
        outline=render_table(symbols(spec.path, current), header=False) if functions else "",
        content=current,
        test_source=test_function(case.id, test_text) if functions else test_text,
        context=focused_context(
            engine, spec, current, "\n".join(f.text(current) for f in functions)
        )
        if functions
        else engine.context_for(spec),
        fence=fence_for(spec.language),
    )


def focused_context(engine: ModelEngine, spec: FileSpec, current: str, code: str) -> str:
    """What the files `spec` is built on define that `code` (the focused functions of `current`)
    uses: of the names the file imports from each, those `code` names, or whose members it uses
    as attributes (`self.repo.get(...)`: the imported classes with a `get`), with the types they
    mention (codeintel/views.py). A module imported whole (`import models`) offers every name."""
    words = set(IDENTIFIER.findall(code))
    attributes = set(ATTRIBUTE.findall(code))
    imported = imported_names(symbols(spec.path, current))
    uses: dict[str, list[str]] = {}
    for path in spec.depends_on:
        table = engine.index.table(path)
        offered = imported.get(path)
        if table is None or offered is None:
            continue
        members: dict[str, set[str]] = {}
        for symbol in table.symbols:
            if symbol.parent:
                members.setdefault(symbol.parent, set()).add(symbol.name)
        named = [
            s.name
            for s in table.symbols
            if not s.parent
            and s.kind not in ("import", "export")
            and (s.name in offered or (WHOLE_MODULE in offered and not is_private(s.name)))
            and (s.name in words or members.get(s.name, set()) & attributes)
        ]
        if named:
            uses[path] = list(dict.fromkeys(named))
    return engine.context_for(spec.model_copy(update={"depends_on": list(uses), "uses": uses}))


def imported_names(table: SymbolTable) -> dict[str, set[str]]:
    """path of a project module (`a/b.py` for `a.b`): the names imported from it, or
    `WHOLE_MODULE` for `import a.b`."""
    found: dict[str, set[str]] = {}
    for symbol in table.symbols:
        if symbol.kind != "import":
            continue
        words = symbol.detail.split()
        if len(words) >= 4 and words[0] == "from" and words[2] == "import":
            found.setdefault(module_path(words[1]), set()).add(words[3])
        elif len(words) >= 2 and words[0] == "import":
            found.setdefault(module_path(words[1]), set()).add(WHOLE_MODULE)
    return found


def module_path(module: str) -> str:
    return module.lstrip(".").replace(".", "/") + ".py"


def suspicious_text(lines: list[SuspiciousLine], site: Workspace) -> str:
    """One line each: `path:line (score): why` and the line's text."""
    texts: dict[str, list[str]] = {}
    shown: list[str] = []
    for s in lines:
        path, number = s.location.path, s.location.line
        if path not in texts:
            texts[path] = (site.read(path) or "").split("\n")
        source = texts[path][number - 1].strip() if number <= len(texts[path]) else ""
        shown.append(f"{path}:{number} ({s.score:.2f}, {s.why}): {source}")
    return "\n".join(shown)


def test_function(test_id: str, test_text: str) -> str:
    """The failing test's function (`test_x` or `TestC::test_x`, parameters stripped) in its
    file; the whole file when it is not found there."""
    name = ".".join(test_id.split("::")[1:]).split("[")[0]
    unit = next((u for u in function_units(test_text) if u.name == name), None)
    return unit.text(test_text) if unit is not None else test_text


def failure_text(case: TestCase, report: TestReport) -> str:
    """The test's message, and pytest's output around its name (capped)."""
    name = case.id.split("::")[-1]
    output = report.output
    at = output.find(f"_ {name} _")
    if at < 0:
        at = max(0, output.find(name))
    excerpt = output[at : at + FAILURE_CHARS] if output else ""
    return f"{case.outcome}: {case.message}\n\n{excerpt}".strip()
