"""What the CLI commands do, behind the fast-starting parser in cli.py."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from service_creator.domain.config import Settings
from service_creator.domain.errors import SandboxError
from service_creator.domain.ports import Asker, NoProgress
from service_creator.domain.requirements import AnswerValue, Question
from service_creator.domain.workspace_path import WorkspacePath, workspace_path
from service_creator.frontends.cli.terminal import ProgressBar, TerminalAsker
from service_creator.interview.scripted import DEMO_ANSWERS, ScriptedAsker
from service_creator.operations.generate import GenerateInput, GenerateOutput, generate_service
from service_creator.operations.interview import (
    InterviewState,
    StartInterviewInput,
    start_interview,
)

if TYPE_CHECKING:  # the sandbox modules load the Docker client: only the commands that test do
    from service_creator.operations.testing import RunTestsOutput


def _echo(question: Question, value: AnswerValue) -> None:
    shown = ", ".join(map(str, value)) if isinstance(value, list) else value
    print(
        f"[{question.step_number}/{question.total_steps}] {question.text.splitlines()[0]}",
        file=sys.stderr,
    )
    print(f"    -> {shown}", file=sys.stderr)


async def run_interview(args: argparse.Namespace) -> InterviewState:
    settings = Settings.from_env()
    asker: Asker
    if args.answers:
        asker = ScriptedAsker.from_file(
            Path(args.answers), **({} if args.json else {"on_answer": _echo})
        )
    else:
        asker = TerminalAsker()
    inp = StartInterviewInput(
        workspace=workspace_path(args.workspace, create=True),
        session_id=args.session,
        restart=args.restart,
    )
    return await start_interview(inp, settings, asker)


async def run_generate(workspace: str, session_id: str | None, *, quiet: bool) -> GenerateOutput:
    """Generate into `--workspace` (the current folder by default): the folder named here,
    whatever the session file says."""
    settings = Settings.from_env()
    inp = GenerateInput(workspace=workspace_path(workspace), session_id=session_id)
    progress = NoProgress() if quiet else ProgressBar()
    return await generate_service(inp, settings, progress)


def print_notes(notes: list[str]) -> None:
    for note in notes:
        print(f"note: {note}", file=sys.stderr)


def print_generation(output: GenerateOutput) -> None:
    out = sys.stderr
    print_notes(output.notes)
    print(f"Generated {len(output.files)} files into {output.workspace}", file=out)
    print(f"  written: {len(output.written)}, unchanged: {len(output.unchanged)}", file=out)
    for path in output.conflicts:
        print(f"  kept your edited {path}; the new version is {path}.new", file=out)
    for finding in output.findings:
        loc = finding.location
        print(f"  {loc.path}:{loc.line}: [{finding.source}] {finding.message}", file=out)
    if output.stopped:
        print(f"  stopped early: {output.stopped}; the files above are kept", file=out)
    if output.cancelled:
        print("  cancelled; the files above are kept", file=out)
    if output.ledger:
        print(f"  tokens and cost: {output.ledger}", file=out)


async def run_sandbox_tests(
    workspace: str | WorkspacePath, *, warm: bool, quiet: bool
) -> RunTestsOutput:
    root = workspace if isinstance(workspace, WorkspacePath) else workspace_path(workspace)
    from service_creator.operations.fix import run_tests_saved  # saved: `fix` reads the last report
    from service_creator.operations.testing import RunTestsInput

    settings = Settings.from_env()
    progress = NoProgress() if quiet else ProgressBar()
    inp = RunTestsInput(workspace=root, warm=warm or None)
    return await run_tests_saved(inp, settings, progress)


async def build_sandbox_image() -> str:
    from service_creator.operations.testing import BuildSandboxInput, build_sandbox

    output = await build_sandbox(BuildSandboxInput(), Settings.from_env(), ProgressBar())
    return output.image


async def run_demo(workspace: str | None) -> int:
    """The scripted end-to-end run: interview, generation, then the tests in the sandbox."""
    from service_creator.operations.testing import render_report
    from service_creator.sandbox.runs import close_warm

    site = workspace_path(
        workspace or tempfile.mkdtemp(prefix="service-creator-demo-"), create=True
    )
    root = site.path
    print(f"Service Creator demo (offline engine) in {root}\n", file=sys.stderr)
    settings = Settings.from_env()
    asker = ScriptedAsker(DEMO_ANSWERS, on_answer=_echo)
    state = await start_interview(
        StartInterviewInput(workspace=site, restart=True), settings, asker
    )
    print(f"\n{state.summary}\n", file=sys.stderr)
    output = await generate_service(
        GenerateInput(workspace=site, session_id=state.session_id), settings, ProgressBar()
    )
    print_generation(output)
    print("\nRunning the service's tests in the Docker sandbox...", file=sys.stderr)
    try:
        tests = await run_sandbox_tests(site, warm=True, quiet=False)
    except SandboxError as exc:
        print(f"The sandbox cannot run: {exc}", file=sys.stderr)
        print(
            f"The service is in {root}; run `service-creator test --workspace {root}` "
            "once Docker is available (see DEVELOPERS.md).",
            file=sys.stderr,
        )
        return 2
    print(render_report(tests))
    if tests.exit_code == 0:
        tests = await _demo_break_and_fix(site, settings)
    close_warm(root)
    print(f"\nThe service is in {root}", file=sys.stderr)
    return tests.exit_code


DEMO_BUG = ("(quantity * unit_price)", "(quantity + unit_price)")


async def _demo_break_and_fix(site: WorkspacePath, settings: Settings) -> RunTestsOutput:
    """A hand edit breaks the billing; the failure shows at its lines; the fix restores it."""
    from service_creator.operations.fix import FixFailureInput, fix_failure
    from service_creator.operations.testing import RunTestsOutput, exit_status, render_report

    target = site.path / "service_manager.py"
    target.write_text(target.read_text().replace(*DEMO_BUG))
    print(
        f"\nA hand edit breaks the billing in service_manager.py: {DEMO_BUG[1]}.",
        file=sys.stderr,
    )
    broken = await run_sandbox_tests(site, warm=True, quiet=False)
    print(render_report(broken))
    failing = next((t for t in broken.report.tests if t.outcome == "failed"), None)
    if failing is None:
        return broken
    print(f"\nFixing {failing.id} with the {settings.model} engine...", file=sys.stderr)
    fixed = await fix_failure(
        FixFailureInput(workspace=site, test_id=failing.id), settings, ProgressBar()
    )
    print(fixed.message)
    return RunTestsOutput(
        report=fixed.report or broken.report,
        findings=fixed.findings,
        exit_code=exit_status(fixed.report) if fixed.report else broken.exit_code,
    )
