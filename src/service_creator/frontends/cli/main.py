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
    args = build_parser().parse_args(argv)
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


def error_line(exc: Exception) -> str:
    """One line: what went wrong, then what to do about it (`hint`)."""
    message = " ".join(str(getattr(exc, "message", exc)).split("\n"))
    hint = getattr(exc, "hint", None)
    return f"error: {message} (hint: {hint})" if hint else f"error: {message}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="service-creator",
        description="Interview, generate and test a cloud service project.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    interview = _command(commands, "interview", "ask the interview questions", _interview)
    _workspace_args(interview)
    interview.add_argument("--answers", metavar="FILE.yaml", help="answer from a YAML mapping")
    interview.add_argument("--restart", action="store_true", help="start over in a new session")

    generate = _command(commands, "generate", "generate the service project", _generate)
    _workspace_args(generate)

    test = _command(commands, "test", "run the project's tests in the Docker sandbox", _test)
    test.add_argument("--workspace", metavar="DIR", default=".", help="project folder (default: .)")
    test.add_argument("--warm", action="store_true", help="reuse a prepared container")
    test.add_argument("--json", action="store_true", help="print one JSON object on stdout")

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


def _workspace_args(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--workspace", metavar="DIR", default=".", help="project folder (default: .)")
    sub.add_argument("--session", metavar="ID", help="session id (default: the latest)")
    sub.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def _emit_json(model: Any) -> None:
    print(model.model_dump_json(indent=2, exclude_none=True))


def _interview(args: argparse.Namespace) -> int:
    from service_creator.frontends.cli.commands import print_notes, run_interview

    state = asyncio.run(run_interview(args))
    if args.json:
        _emit_json(state)
    else:
        print_notes(state.notes)
        print(state.summary or state.message, file=sys.stderr)
        print(f"session {state.session_id} in {state.workspace}: {state.status}", file=sys.stderr)
    return 0 if state.status == "complete" else 1


def _generate(args: argparse.Namespace) -> int:
    from service_creator.frontends.cli.commands import print_generation, run_generate

    output = asyncio.run(run_generate(args.workspace, args.session, quiet=args.json))
    if args.json:
        _emit_json(output)
    else:
        print_generation(output)
    return 0


def _test(args: argparse.Namespace) -> int:
    from service_creator.frontends.cli.commands import run_sandbox_tests
    from service_creator.operations.testing import render_report

    output = asyncio.run(run_sandbox_tests(args.workspace, warm=args.warm, quiet=args.json))
    if args.json:
        _emit_json(output)
    else:
        print(render_report(output))
    return output.exit_code


def _build(args: argparse.Namespace) -> int:
    from service_creator.frontends.cli.commands import build_sandbox_image

    print(asyncio.run(build_sandbox_image()))
    return 0


def _info(args: argparse.Namespace) -> int:
    from service_creator.domain.config import Settings
    from service_creator.sandbox.docker import docker_client
    from service_creator.sandbox.doctor import render_info, sandbox_info

    settings = Settings.from_env()
    info = sandbox_info(docker_client(settings), settings)
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
