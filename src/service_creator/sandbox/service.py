"""The service check, host side: what to start and call after the tests, from the project's
files, and what the runner's answer means.

The project's `Dockerfile` says how the service runs: its last `CMD` (exec or shell form)
must run uvicorn (`uvicorn mod:app …` or `python -m uvicorn …`), else there is no service to
start. The runner starts the same app with the same options, but on a free port of the
container's loopback (`--host`, `--port`, sockets, workers, reload and TLS options are
dropped). It calls two routes: the health route (the path the Dockerfile's `HEALTHCHECK` calls,
else a usual health path the app module declares) and the app module's first other `GET` route
without path parameters, with the development credentials the project documents (its README
lists them; `config.py` holds them: `DEV_API_KEYS`, `DEV_BASIC_USERS`, `DEV_OAUTH2_TOKENS`,
`DEV_JWT_SECRET`, `DEV_MTLS_FINGERPRINTS`). Project files are only parsed here (`ast`, never
imported) and read through no link; the credentials reach the runner in `job.json`.

A failed check points at the last project frame of the service's traceback, else at the line
of the app module that creates the app.
"""

from __future__ import annotations

import ast
import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from service_creator.domain.confine import normalize_relative
from service_creator.domain.errors import UnsafeFileError, WorkspaceError
from service_creator.domain.python_ast import parse_python
from service_creator.domain.reports import Location, RouteCheck, ServiceCheck
from service_creator.domain.safe_files import read_project_text
from service_creator.sandbox.credentials import as_list, as_mapping, credentials
from service_creator.sandbox.results import frames
from service_creator.sandbox.runner import ServiceJob, ServiceRequest

DOCKERFILE = "Dockerfile"
CONFIG = "config.py"
START_LIMIT = 30.0
REQUEST_TIMEOUT = 10.0
FILE_LIMIT = 1 << 20
OUTPUT_SHOWN = 8 << 10
HEALTH_PATHS = ("/healthz", "/health", "/livez", "/readyz", "/ready", "/ping")
ROUTE_PATH = re.compile(r"^/[A-Za-z0-9._~/-]*$")
HEALTH_URL = re.compile(r"https?://[^/\s'\"]+(/[A-Za-z0-9._~/-]*)")
MODULE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit)\b.*$", re.M)
# uvicorn's options that take no value; every other option takes one (or is `--opt=value`)
FLAGS = frozenset(
    {
        "--reload",
        "--http2",
        "--access-log",
        "--no-access-log",
        "--use-colors",
        "--no-use-colors",
        "--proxy-headers",
        "--no-proxy-headers",
        "--server-header",
        "--no-server-header",
        "--date-header",
        "--no-date-header",
        "--version",
        "--help",
        "--reset-contextvars",
        "--factory",
    }
)
# where and how it listens, and how many processes: the check decides those
DROPPED = frozenset(
    {
        "--host",
        "--port",
        "--uds",
        "--fd",
        "--workers",
        "--reload",
        "--reload-dir",
        "--reload-include",
        "--reload-exclude",
        "--reload-delay",
        "--version",
        "--help",
        "--ssl-keyfile",
        "--ssl-certfile",
        "--ssl-keyfile-password",
        "--ssl-version",
        "--ssl-cert-reqs",
        "--ssl-ca-certs",
        "--ssl-ciphers",
    }
)


@dataclass(frozen=True)
class ServicePlan:
    """What the runner is to start and call; `job` None when there is nothing to start."""

    job: ServiceJob | None
    reason: str = ""
    command: str = ""
    entry: Location | None = None


@dataclass(frozen=True)
class Uvicorn:
    app: str
    options: list[str]


# --- the plan ------------------------------------------------------------------------------------


class ProjectFiles:
    """The project's text files as the run sees them: the overlay first, then the disk."""

    def __init__(self, workspace: Path, overlay: Mapping[str, str] | None) -> None:
        self.workspace = workspace
        self.overlay = {normalize_relative(k): v for k, v in (overlay or {}).items()}

    def text(self, relative: str) -> str | None:
        if relative in self.overlay:
            return self.overlay[relative]
        try:
            return read_project_text(self.workspace, relative, limit=FILE_LIMIT)
        except (OSError, UnsafeFileError, WorkspaceError):
            return None


def plan_service(workspace: Path, overlay: Mapping[str, str] | None = None) -> ServicePlan:
    """The service check of the project in `workspace` (with `overlay` over its files)."""
    files = ProjectFiles(workspace, overlay)
    dockerfile = files.text(DOCKERFILE)
    if dockerfile is None:
        return ServicePlan(None, "no service to start: the project has no Dockerfile")
    instructions = dockerfile_instructions(dockerfile)
    command = last_instruction(instructions, "CMD")
    if command is None:
        return ServicePlan(None, "no service to start: the Dockerfile has no CMD")
    server = uvicorn_command(command[0])
    if server is None:
        return ServicePlan(None, "no service to start: the Dockerfile's CMD does not run uvicorn")
    module, _, attribute = server.app.partition(":")
    app_dir = option_value(server.options, "--app-dir") or "."
    source_path = module_path(app_dir, module)
    source = files.text(source_path) if source_path else None
    tree = parse(source)
    entry = app_line(tree, attribute or "app", "--factory" in server.options)
    healthcheck = last_instruction(instructions, "HEALTHCHECK")
    health = health_path(healthcheck[0] if healthcheck else None, tree)
    requests: list[ServiceRequest] = []
    if health is not None:
        requests.append({"method": "GET", "path": health, "headers": {}, "auth": None})
    route = first_get_route(tree, {health} if health else set())
    if route is not None:
        auth, headers = credentials(parse(files.text(CONFIG)), tree)
        requests.append({"method": "GET", "path": route, "headers": headers, "auth": auth})
    job: ServiceJob = {
        "app": server.app,
        "options": server.options,
        "start_timeout": START_LIMIT,
        "request_timeout": REQUEST_TIMEOUT,
        "requests": requests,
    }
    shown = shlex.join(["uvicorn", server.app, *server.options])
    located = Location(path=DOCKERFILE, line=command[1])  # the app module is not there
    if source_path and source is not None:
        located = Location(path=source_path, line=entry)
    return ServicePlan(job, command=shown, entry=located)


def dockerfile_instructions(text: str) -> list[tuple[str, str, int]]:
    """(INSTRUCTION, arguments, line) in order; continuations joined, comments dropped."""
    found: list[tuple[str, str, int]] = []
    pending, first = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        first = first or number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        word, _, rest = (pending + line).strip().partition(" ")
        found.append((word.upper(), rest.strip(), first))
        pending, first = "", 0
    return found


def last_instruction(instructions: list[tuple[str, str, int]], name: str) -> tuple[str, int] | None:
    """The arguments and line of the last `name` of the last build stage (the one that runs)."""
    stage = instructions
    starts = [i for i, (word, _, _) in enumerate(instructions) if word == "FROM"]
    if starts:
        stage = instructions[starts[-1] :]
    values = [(rest, line) for word, rest, line in stage if word == name]
    return values[-1] if values else None


def command_words(arguments: str) -> list[str] | None:
    """A CMD's words: exec form (a JSON array of strings) or shell form."""
    if arguments.startswith("["):
        try:
            words: object = json.loads(arguments)
        except ValueError:
            return None
        items = as_list(words)
        strings = [w for w in items if isinstance(w, str)]
        return strings if isinstance(words, list) and len(strings) == len(items) else None
    try:
        return shlex.split(arguments)
    except ValueError:
        return None


def uvicorn_command(arguments: str) -> Uvicorn | None:
    """The app and the options of a CMD running uvicorn, or None."""
    words = command_words(arguments) or []
    if words[:2] in (["sh", "-c"], ["/bin/sh", "-c"]) and len(words) == 3:
        words = command_words(words[2]) or []
    words = [w for w in words if w != "exec"][:64]
    if words and Path(words[0]).name == "uvicorn":
        rest = words[1:]
    elif words and Path(words[0]).name.startswith("python") and words[1:3] == ["-m", "uvicorn"]:
        rest = words[3:]
    else:
        return None
    app: str | None = None
    options: list[str] = []
    index = 0
    while index < len(rest):
        word = rest[index]
        index += 1
        if not word.startswith("-"):
            app = app or word
            continue
        name, has_value, _ = word.partition("=")
        takes_value = not has_value and name not in FLAGS
        value = [rest[index]] if takes_value and index < len(rest) else []
        index += len(value)
        if name not in DROPPED:
            options += [word, *value]
    if app is None or not MODULE.match(app.partition(":")[0]):
        return None
    return Uvicorn(app, options)


def option_value(options: list[str], name: str) -> str | None:
    for index, word in enumerate(options):
        if word == name and index + 1 < len(options):
            return options[index + 1]
        if word.startswith(name + "="):
            return word.partition("=")[2]
    return None


def module_path(app_dir: str, module: str) -> str | None:
    """The app module's workspace-relative file, or None when it cannot be one."""
    relative = "/".join([*Path(app_dir).parts, *module.split(".")]) + ".py"
    try:
        return normalize_relative(relative.removeprefix("./"))
    except WorkspaceError:
        return None


def parse(source: str | None) -> ast.Module | None:
    if source is None:
        return None
    try:
        return parse_python(source)
    except (SyntaxError, ValueError):
        return None


def app_line(tree: ast.Module | None, attribute: str, factory: bool) -> int:
    """The line that makes the app: its assignment (or, with --factory, its function)."""
    for node in tree.body if tree else []:
        function = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        if factory and function and getattr(node, "name", "") == attribute:
            return node.lineno
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id == attribute for t in targets):
            return node.lineno
    return 1


def routes(tree: ast.Module | None) -> list[tuple[str, str]]:
    """(method, path) of the module's route decorators, `@x.get("/path")`, in source order."""
    found: list[tuple[int, str, str]] = []
    nodes: list[ast.AST] = list(ast.walk(tree)) if tree else []
    for node in nodes:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for decorator in node.decorator_list:
            if not (isinstance(decorator, ast.Call) and decorator.args):
                continue
            func, first = decorator.func, decorator.args[0]
            path = first.value if isinstance(first, ast.Constant) else None
            if isinstance(func, ast.Attribute) and isinstance(path, str):
                found.append((node.lineno, func.attr.upper(), path))
    return [(method, path) for _, method, path in sorted(found)]


def health_path(healthcheck: str | None, tree: ast.Module | None) -> str | None:
    """The path the Dockerfile's HEALTHCHECK calls, else a usual health path of the app."""
    match = HEALTH_URL.search(healthcheck or "")
    if match and ROUTE_PATH.match(match[1]):
        return match[1]
    declared = {path for method, path in routes(tree) if method == "GET"}
    return next((path for path in HEALTH_PATHS if path in declared), None)


def first_get_route(tree: ast.Module | None, skip: set[str]) -> str | None:
    """The first GET route with no path parameters, other than the health route."""
    for method, path in routes(tree):
        if method == "GET" and path not in skip and ROUTE_PATH.match(path):
            return path
    return None


# --- the runner's answer -------------------------------------------------------------------------


def service_check(plan: ServicePlan, answer: object, output: str) -> ServiceCheck | None:
    """The check as the report shows it, from the runner's `service` answer (JSON, checked
    here) and the service's output; None when the runner said nothing (it did not get there)."""
    if plan.job is None:
        return ServiceCheck(outcome="skipped", message=plan.reason)
    given = as_mapping(answer)
    if not given:
        return None
    checks = [route_check(item) for item in as_list(given.get("checks"))]
    message = str(given.get("message") or "")
    started = given.get("started") is True
    check = ServiceCheck(
        outcome="skipped" if given.get("skipped") is True else "passed",
        started=started,
        start_seconds=rounded(given.get("start_seconds")),
        seconds=rounded(given.get("seconds")) or 0.0,
        command=plan.command,
        checks=[c for c in checks if c is not None],
        message=message,
        output=output[-OUTPUT_SHOWN:],
    )
    if check.outcome == "skipped":
        return check
    bad = [c for c in check.checks if c.status is None or not 200 <= c.status < 300]
    if started and not bad and not message and check.checks:
        return check
    if not check.checks and started and not message:
        check.message = "the service started; there was no route to call"
        return check
    check.outcome = "failed"
    reasons = [message] if message else []
    reasons += [f"{c.method} {c.path} {c.status or c.error or 'no answer'}" for c in bad]
    error = last_exception(output)
    if error and not bad:
        reasons.append(error)
    check.message = "; ".join(reasons) or "the service check failed"
    check.location = failure_location(output, plan.entry)
    return check


def rounded(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1e6:
        return round(float(value), 3)
    return None


def route_check(item: object) -> RouteCheck | None:
    fields = as_mapping(item)
    if not fields:
        return None
    status = fields.get("status")
    auth = fields.get("auth")
    return RouteCheck(
        method=str(fields.get("method", ""))[:16],
        path=str(fields.get("path", ""))[:200],
        status=status if isinstance(status, int) and not isinstance(status, bool) else None,
        auth=auth if isinstance(auth, str) else None,
        error=str(fields.get("error") or "")[:500],
    )


def last_exception(output: str) -> str:
    """The last `SomethingError: message` line of a traceback in the output."""
    found = EXCEPTION_LINE.findall(output)
    return str(found[-1]).strip()[:300] if found else ""


def failure_location(output: str, entry: Location | None) -> Location | None:
    """The last project frame of the service's traceback, else where the app is made."""
    trace = frames(output)
    return trace[-1] if trace else entry
