"""What the CLI commands do, behind the fast-starting parser in main.py: build the operation's
input from the flags, run it with the terminal's ports, print its output."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from service_creator import operations
from service_creator.domain.config import Settings
from service_creator.domain.errors import ConfigError, SandboxError
from service_creator.domain.ports import Asker, NoProgress, Progress
from service_creator.domain.requirements import AnswerValue, Question
from service_creator.domain.workspace_path import WorkspacePath, workspace_path
from service_creator.frontends.cli.flags import model_arguments
from service_creator.frontends.cli.render import (
    print_generation,
    print_notes,
    render_info,
    render_report,
)
from service_creator.frontends.cli.terminal import ProgressBar, TerminalAsker
from service_creator.operations.io import (
    BuildSandboxInput,
    FixFailureInput,
    FixFailureOutput,
    GenerateInput,
    GenerateOutput,
    InterviewState,
    RunTestsInput,
    RunTestsOutput,
    StartInterviewInput,
    UpdateInput,
    UpdateOutput,
)
from service_creator.operations.scripted import DEMO_ANSWERS

M = TypeVar("M", bound=BaseModel)


# --- the commands ------------------------------------------------------------------------


def _emit_json(model: BaseModel) -> None:
    print(model.model_dump_json(indent=2, exclude_none=True))


def interview(args: argparse.Namespace) -> int:
    state = asyncio.run(run_interview(args))
    if args.json:
        _emit_json(state)
    else:
        print_notes(state.notes)
        print(state.summary or state.message, file=sys.stderr)
        print(f"session {state.session_id} in {state.workspace}: {state.status}", file=sys.stderr)
    return 0 if state.status == "complete" else 1


def generate(args: argparse.Namespace) -> int:
    output = asyncio.run(run_generate(args))
    if args.json:
        _emit_json(output)
    else:
        print_generation(output)
    return 0 if output.status == "complete" else 1


def test(args: argparse.Namespace) -> int:
    output = asyncio.run(run_sandbox_tests(args))
    if args.json:
        _emit_json(output)
    else:
        print(render_report(output.report, output.findings))
    return output.exit_code


def fix(args: argparse.Namespace) -> int:
    output = asyncio.run(run_fix(args))
    if args.json:
        _emit_json(output)
    else:
        print(output.message, file=sys.stderr)
    if output.report is None:
        return 1
    if not args.json:
        print(render_report(output.report, output.findings))
    return 0 if output.report.outcome == "passed" else 1


def update(args: argparse.Namespace) -> int:
    output = asyncio.run(run_update(args))
    if args.json:
        _emit_json(output)
    else:
        print_update(output)
    return 1 if any(f.status == "conflict" for f in output.files) else 0


def print_update(output: UpdateOutput) -> None:
    """One line per file (regenerated | merged | conflict | untouched), then a summary."""
    print_notes(output.notes)
    if output.restored or output.deleted or not output.files:
        for path in output.restored:
            print(f"restored     {path}")
        for path in output.deleted:
            print(f"deleted      {path}")
        print(f"undid the update {output.history}", file=sys.stderr)
        return
    for file in output.files:
        beside = f" (new generation in {file.kept_as})" if file.kept_as else ""
        print(f"{file.status:<12} {file.path}{beside}")
    for path in output.obsolete:
        print(f"{'obsolete':<12} {path} (no longer planned; kept)")
    for finding in output.findings:
        where = f"{finding.location.path}:{finding.location.line}"
        print(f"{where}: {finding.message}", file=sys.stderr)
    counts = Counter(f.status for f in output.files)
    rendered = sum(f.rendered for f in output.files)
    summary = ", ".join(f"{counts[s]} {s}" for s in STATUSES if counts[s])
    print(
        f"changed {', '.join(output.changed) or 'nothing'}: {summary} "
        f"({rendered} of {len(output.files)} files rendered again); "
        "undo with `service-creator update --undo`",
        file=sys.stderr,
    )


STATUSES = ("regenerated", "merged", "conflict", "untouched")


def build(args: argparse.Namespace) -> int:
    print(asyncio.run(build_sandbox_image()))
    return 0


def info(args: argparse.Namespace) -> int:
    found = operations.sandbox_info(Settings.from_env())
    print(render_info(found))
    return 1 if found.problems else 0


def demo(args: argparse.Namespace) -> int:
    return asyncio.run(run_demo(args.workspace))


# --- running the operations ----------------------------------------------------------------


def _echo(question: Question, value: AnswerValue) -> None:
    shown = ", ".join(map(str, value)) if isinstance(value, list) else value
    print(
        f"[{question.step_number}/{question.total_steps}] {question.text.splitlines()[0]}",
        file=sys.stderr,
    )
    print(f"    -> {shown}", file=sys.stderr)


def _progress(args: argparse.Namespace) -> Progress:
    return NoProgress() if args.json else ProgressBar()


def _usage(model: type[BaseModel]) -> str:
    return f"service-creator {COMMAND_OF.get(model.__name__, '')}".rstrip()


COMMAND_OF = {
    "StartInterviewInput": "interview",
    "GenerateInput": "generate",
    "RunTestsInput": "test",
    "FixFailureInput": "fix",
    "UpdateInput": "update",
}


def _input(args: argparse.Namespace, model: type[M], *, create: bool = False) -> M:
    """The operation's input from the flags; the workspace validated first, so a bad folder
    is one clear line (a `WorkspaceError`), not a validation report."""
    site = workspace_path(args.workspace, create=create)
    try:
        return model(**model_arguments(args, model) | {"workspace": site})
    except ValidationError as exc:
        problem = exc.errors()[0]
        flag = "--" + "-".join(str(part) for part in problem["loc"][:1]).replace("_", "-")
        raise ConfigError(
            f"{flag}: {problem['msg']}", hint=f"see `{_usage(model)} --help`"
        ) from None


async def run_interview(args: argparse.Namespace) -> InterviewState:
    asker: Asker
    if args.answers:
        echo = {} if args.json else {"on_answer": _echo}
        asker = operations.ScriptedAsker.from_file(Path(args.answers), **echo)
    else:
        asker = TerminalAsker()
    inp = _input(args, StartInterviewInput, create=True)
    return await operations.start_interview(inp, Settings.from_env(), asker)


async def run_generate(args: argparse.Namespace) -> GenerateOutput:
    """Generate into `--workspace` (the current folder by default): the folder named here,
    whatever the session file says."""
    inp = _input(args, GenerateInput)
    return await operations.generate_service(inp, Settings.from_env(), _progress(args))


async def run_sandbox_tests(args: argparse.Namespace) -> RunTestsOutput:
    inp = _input(args, RunTestsInput)
    return await operations.run_tests(inp, Settings.from_env(), _progress(args))


async def run_fix(args: argparse.Namespace) -> FixFailureOutput:
    inp = _input(args, FixFailureInput)
    return await operations.fix_failure(inp, Settings.from_env(), _progress(args))


async def run_update(args: argparse.Namespace) -> UpdateOutput:
    """Change the `--set` answers in `--workspace`'s session and update its project; answers
    the change makes the interview ask again are asked in a terminal, else named in the error."""
    inp = _input(args, UpdateInput)
    asker = TerminalAsker() if sys.stdin.isatty() and not args.json else None
    return await operations.update_service(inp, Settings.from_env(), _progress(args), asker)


async def build_sandbox_image() -> str:
    output = await operations.build_sandbox(BuildSandboxInput(), Settings.from_env(), ProgressBar())
    return output.image


async def run_demo(workspace: str | None) -> int:
    """The scripted end-to-end run: interview, generation, then the tests in the sandbox."""
    site = workspace_path(
        workspace or tempfile.mkdtemp(prefix="service-creator-demo-"), create=True
    )
    root = site.path
    print(f"Service Creator demo (offline engine) in {root}\n", file=sys.stderr)
    settings = Settings.from_env()
    asker = operations.ScriptedAsker(DEMO_ANSWERS, on_answer=_echo)
    state = await operations.start_interview(
        StartInterviewInput(workspace=site, restart=True), settings, asker
    )
    print(f"\n{state.summary}\n", file=sys.stderr)
    output = await operations.generate_service(
        GenerateInput(workspace=site, session_id=state.session_id), settings, ProgressBar()
    )
    print_generation(output)
    print("\nRunning the service's tests in the Docker sandbox...", file=sys.stderr)
    try:
        tests = await _demo_tests(site, settings)
    except SandboxError as exc:
        print(f"The sandbox cannot run: {exc}", file=sys.stderr)
        print(
            f"The service is in {root}; run `service-creator test --workspace {root}` "
            "once Docker is available (see DEVELOPERS.md).",
            file=sys.stderr,
        )
        return 2
    if tests.exit_code == 0:
        tests = await _demo_break_and_fix(site, settings)
    operations.release_warm(site)
    print(f"\nThe service is in {root}", file=sys.stderr)
    return tests.exit_code


async def _demo_tests(site: WorkspacePath, settings: Settings) -> RunTestsOutput:
    tests = await operations.run_tests(
        RunTestsInput(workspace=site, warm=True), settings, ProgressBar()
    )
    print(render_report(tests.report, tests.findings))
    return tests


DEMO_BUG = ("(quantity * unit_price)", "(quantity + unit_price)")


async def _demo_break_and_fix(site: WorkspacePath, settings: Settings) -> RunTestsOutput:
    """A hand edit breaks the billing; the failure shows at its lines; the fix restores it."""
    target = site.path / "service_manager.py"
    target.write_text(target.read_text().replace(*DEMO_BUG))
    print(
        f"\nA hand edit breaks the billing in service_manager.py: {DEMO_BUG[1]}.",
        file=sys.stderr,
    )
    broken = await _demo_tests(site, settings)
    failing = next((t for t in broken.report.tests if t.outcome == "failed"), None)
    if failing is None:
        return broken
    print(f"\nFixing {failing.id} with the {settings.model} engine...", file=sys.stderr)
    fixed = await operations.fix_failure(
        FixFailureInput(workspace=site, test_id=failing.id), settings, ProgressBar()
    )
    print(fixed.message)
    last = await _last_tests(site)
    return last or broken


async def _last_tests(site: WorkspacePath) -> RunTestsOutput | None:
    """The run the fix made (it saved its report as the workspace's last)."""
    last = operations.last_tests(site)
    if last is not None:
        print(render_report(last.report, last.findings))
    return last
