"""What the CLI commands do, behind the fast-starting parser in cli.py."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from service_creator.config import Settings
from service_creator.core.models import AnswerValue, Question
from service_creator.terminal import ProgressBar, TerminalAsker
from service_creator.tools.generate import GenerateInput, GenerateOutput, generate_service
from service_creator.tools.interview import InterviewState, StartInterviewInput, start_interview
from service_creator.tools.ports import Asker, NoProgress
from service_creator.tools.scripted import DEMO_ANSWERS, ScriptedAsker


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
        workspace=args.workspace, session_id=args.session, restart=args.restart
    )
    return await start_interview(inp, settings, asker)


async def run_generate(workspace: str, session_id: str | None, *, quiet: bool) -> GenerateOutput:
    settings = Settings.from_env()
    progress = NoProgress() if quiet else ProgressBar()
    inp = GenerateInput(workspace=workspace, session_id=session_id)
    return await generate_service(inp, settings, progress)


def print_generation(output: GenerateOutput) -> None:
    out = sys.stderr
    print(f"Generated {len(output.files)} files into {output.workspace}", file=out)
    print(f"  written: {len(output.written)}, unchanged: {len(output.unchanged)}", file=out)
    for path in output.conflicts:
        print(f"  kept your edited {path}; the new version is {path}.new", file=out)
    for finding in output.findings:
        loc = finding.location
        print(f"  {loc.path}:{loc.line}: [{finding.source}] {finding.message}", file=out)


async def run_demo(workspace: str | None) -> int:
    """The scripted end-to-end run: interview, generation, then the tests in the sandbox."""
    root = Path(workspace or tempfile.mkdtemp(prefix="service-creator-demo-"))
    print(f"Service Creator demo (offline engine) in {root}\n", file=sys.stderr)
    settings = Settings.from_env()
    asker = ScriptedAsker(DEMO_ANSWERS, on_answer=_echo)
    state = await start_interview(
        StartInterviewInput(workspace=str(root), restart=True), settings, asker
    )
    print(f"\n{state.summary}\n", file=sys.stderr)
    output = await generate_service(
        GenerateInput(workspace=str(root), session_id=state.session_id), settings, ProgressBar()
    )
    print_generation(output)
    print(
        "\nThe sandbox test run is not part of this version yet; "
        f"run `pytest` in {root} to test the service on this machine.",
        file=sys.stderr,
    )
    return 0
