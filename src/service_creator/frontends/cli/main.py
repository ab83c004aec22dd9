"""`service-creator`: the terminal front door.

Start-up imports only argparse: a command's module (commands.py, servers.py) loads when it
runs, so `service-creator --help` stays fast. An operation's flags are derived from its input
model (flags.py) only for the command being run.
"""

from __future__ import annotations

import argparse
import sys
from argparse import SUPPRESS
from importlib import import_module
from typing import Any

from service_creator import __version__
from service_creator.domain.errors import ServiceCreatorError
from service_creator.frontends.cli.logs import configure_logging


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(_command_in(argv)).parse_args(argv)
    if not hasattr(args, "run"):
        build_parser().print_help(sys.stderr)
        return 2
    if args.run[0] == "commands":  # the servers configure their own log (lsp, mcp)
        configure_logging(getattr(args, "verbose", False))
    try:
        return run(args)
    except ServiceCreatorError as exc:
        print(error_line(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


def run(args: argparse.Namespace) -> int:
    """Run the parsed command: its module loads now, the CLI's one lazy seam (`commands` for
    the operations, `servers` for `lsp` and `mcp`), so the parser itself loads nothing."""
    module, name = args.run
    return getattr(import_module(f"service_creator.frontends.cli.{module}"), name)(args)


def _command_in(argv: list[str]) -> str | None:
    return next((arg for arg in argv if not arg.startswith("-")), None)


def error_line(exc: Exception) -> str:
    """One line: what went wrong, then what to do about it (`hint`)."""
    message = " ".join(str(getattr(exc, "message", exc)).split("\n"))
    hint = getattr(exc, "hint", None)
    return f"error: {message} (hint: {hint})" if hint else f"error: {message}"


VERBOSE = "log to stderr at INFO (default: no log lines; SERVICE_CREATOR_LOG_LEVEL sets a level)"


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; the flags of an operation's command are derived from its input model, and
    only for `command` (the one being run), so the bare parser loads no model."""
    parser = argparse.ArgumentParser(
        prog="service-creator",
        description="Interview, generate and test a cloud service project.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help=VERBOSE)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def operation(name: str, help_text: str, model: str) -> None:
        sub = _command(commands, name, help_text)
        if name == command:
            from service_creator.frontends.cli.flags import add_model_flags
            from service_creator.operations import io

            add_model_flags(sub, getattr(io, model))
        sub.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        if name == "interview":
            sub.add_argument("--answers", metavar="FILE.yaml", help="answer from a YAML mapping")

    operation("interview", "ask the interview questions", "StartInterviewInput")
    operation("generate", "generate the service project", "GenerateInput")
    operation("test", "run the project's tests in the Docker sandbox", "RunTestsInput")
    operation("fix", "repair what a failing test implicates, test again", "FixFailureInput")
    operation("update", "change answers, regenerate what they touch, merge", "UpdateInput")

    sandbox = commands.add_parser("sandbox", help="manage the sandbox image")
    sandbox_commands = sandbox.add_subparsers(title="sandbox commands", metavar="COMMAND")
    _command(sandbox_commands, "build", "build the sandbox image (only when inputs changed)")
    _command(sandbox_commands, "info", "the engine, its runtimes and the sandbox image")

    demo = _command(commands, "demo", "scripted interview, generation and tests")
    demo.add_argument("--workspace", metavar="DIR", help="where to generate (default: a temp dir)")
    lsp = _command(commands, "lsp", "run the language server (stdio by default)", "servers")
    lsp.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")
    lsp.add_argument("--stdio", action="store_true", help="use stdio (the default)")
    mcp = _command(commands, "mcp", "run the MCP server (stdio by default)", "servers")
    mcp.add_argument("--http", action="store_true", help="serve streamable HTTP, bearer token")
    mcp.add_argument("--host", default="127.0.0.1", help="HTTP address (default: 127.0.0.1)")
    mcp.add_argument("--port", type=int, default=8765, help="HTTP port (default 8765, 0: any)")
    return parser


def _command(
    commands: Any, name: str, help_text: str, module: str = "commands"
) -> argparse.ArgumentParser:
    """A subcommand run by the function `name` of frontends/cli/`module`.py."""
    sub = commands.add_parser(name, help=help_text, description=help_text)
    sub.set_defaults(run=(module, name))
    if module == "commands":  # after the command too; SUPPRESS keeps a `-v` given before it
        sub.add_argument("-v", "--verbose", action="store_true", default=SUPPRESS, help=VERBOSE)
    return sub
