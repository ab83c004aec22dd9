"""`service-creator`: the terminal front door.

Start-up imports only argparse: each command imports what it needs when it runs, so
`service-creator --help` stays fast (litellm, docker, tree-sitter and black load lazily).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import Any

from service_creator import __version__

Command = Callable[[argparse.Namespace], int]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(_command_in(argv)).parse_args(argv)
    if not hasattr(args, "run"):
        build_parser().print_help(sys.stderr)
        return 2
    from service_creator.domain.errors import ServiceCreatorError

    try:
        return args.run(args)
    except ServiceCreatorError as exc:
        print(error_line(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


def _command_in(argv: list[str]) -> str | None:
    return next((arg for arg in argv if not arg.startswith("-")), None)


def error_line(exc: Exception) -> str:
    """One line: what went wrong, then what to do about it (`hint`)."""
    message = " ".join(str(getattr(exc, "message", exc)).split("\n"))
    hint = getattr(exc, "hint", None)
    return f"error: {message} (hint: {hint})" if hint else f"error: {message}"


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; the flags of an operation's command are derived from its input model, and
    only for `command` (the one being run), so the bare parser loads no model."""
    parser = argparse.ArgumentParser(
        prog="service-creator",
        description="Interview, generate and test a cloud service project.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def operation(name: str, help_text: str, run: Command, model: str) -> None:
        sub = _command(commands, name, help_text, run)
        if name == command:
            from service_creator.frontends.cli.flags import add_model_flags
            from service_creator.operations import io

            add_model_flags(sub, getattr(io, model))
        sub.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        if name == "interview":
            sub.add_argument("--answers", metavar="FILE.yaml", help="answer from a YAML mapping")

    operation("interview", "ask the interview questions", _interview, "StartInterviewInput")
    operation("generate", "generate the service project", _generate, "GenerateInput")
    operation("test", "run the project's tests in the Docker sandbox", _test, "RunTestsInput")
    operation("fix", "repair what a failing test implicates, test again", _fix, "FixFailureInput")

    sandbox = commands.add_parser("sandbox", help="manage the sandbox image")
    sandbox_commands = sandbox.add_subparsers(title="sandbox commands", metavar="COMMAND")
    _command(
        sandbox_commands, "build", "build the sandbox image (only when inputs changed)", _build
    )
    _command(sandbox_commands, "info", "the engine, its runtimes and the sandbox image", _info)

    demo = _command(commands, "demo", "scripted interview, generation and tests", _demo)
    demo.add_argument("--workspace", metavar="DIR", help="where to generate (default: a temp dir)")
    lsp = _command(commands, "lsp", "run the language server (stdio by default)", _lsp)
    lsp.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")
    lsp.add_argument("--stdio", action="store_true", help="use stdio (the default)")
    mcp = _command(commands, "mcp", "run the MCP server (stdio by default)", _mcp)
    mcp.add_argument("--http", action="store_true", help="serve streamable HTTP, bearer token")
    mcp.add_argument("--host", default="127.0.0.1", help="HTTP address (default: 127.0.0.1)")
    mcp.add_argument("--port", type=int, default=8765, help="HTTP port (default 8765, 0: any)")
    return parser


def _command(commands: Any, name: str, help_text: str, run: Command) -> argparse.ArgumentParser:
    sub = commands.add_parser(name, help=help_text, description=help_text)
    sub.set_defaults(run=run)
    return sub


def _emit_json(model: Any) -> None:
    print(model.model_dump_json(indent=2, exclude_none=True))


def _interview(args: argparse.Namespace) -> int:
    from service_creator.frontends.cli.commands import run_interview
    from service_creator.frontends.cli.render import print_notes

    state = asyncio.run(run_interview(args))
    if args.json:
        _emit_json(state)
    else:
        print_notes(state.notes)
        print(state.summary or state.message, file=sys.stderr)
        print(f"session {state.session_id} in {state.workspace}: {state.status}", file=sys.stderr)
    return 0 if state.status == "complete" else 1


def _generate(args: argparse.Namespace) -> int:
    from service_creator.frontends.cli.commands import run_generate
    from service_creator.frontends.cli.render import print_generation

    output = asyncio.run(run_generate(args))
    if args.json:
        _emit_json(output)
    else:
        print_generation(output)
    return 0


def _test(args: argparse.Namespace) -> int:
    from service_creator.frontends.cli.commands import run_sandbox_tests
    from service_creator.frontends.cli.render import render_report

    output = asyncio.run(run_sandbox_tests(args))
    if args.json:
        _emit_json(output)
    else:
        print(render_report(output.report, output.findings))
    return output.exit_code


def _fix(args: argparse.Namespace) -> int:
    from service_creator.frontends.cli.commands import run_fix
    from service_creator.frontends.cli.render import render_report

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


def _build(args: argparse.Namespace) -> int:
    from service_creator.frontends.cli.commands import build_sandbox_image

    print(asyncio.run(build_sandbox_image()))
    return 0


def _info(args: argparse.Namespace) -> int:
    from service_creator import operations
    from service_creator.domain.config import Settings
    from service_creator.frontends.cli.render import render_info

    info = operations.sandbox_info(Settings.from_env())
    print(render_info(info))
    return 1 if info.problems else 0


def _demo(args: argparse.Namespace) -> int:
    from service_creator.frontends.cli.commands import run_demo

    return asyncio.run(run_demo(args.workspace))


def _lsp(args: argparse.Namespace) -> int:
    from service_creator.frontends.lsp import main as serve

    return serve(tcp=args.tcp)


def _mcp(args: argparse.Namespace) -> int:
    from service_creator.frontends.mcp import serve

    return serve(http=args.http, host=args.host, port=args.port)
