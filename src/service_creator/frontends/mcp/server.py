"""The MCP server: the operations as MCP tools, plus prompts and resources.

A thin adapter: each tool takes its operation's input fields as parameters (`takes`), looks up
the caller's session, calls the operation and returns its output. A tool names its session by
`session_id` (one this client opened) or by `workspace` (that folder's current session, under
the client's roots), so a client that keeps nothing between calls (one process per call, or
the 2026-07-28 protocol without sessions) can run the whole workflow. `ServiceCreatorError` becomes
a tool error with its message and hint; a long operation becomes a job (`jobs.py`). The work
loads behind `service_creator.operations` when a tool first runs, so `tools/list` answers about
as fast as a bare server.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Annotated, Any, ParamSpec, TypeVar

import anyio
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, InputRequiredResult, ToolAnnotations
from pydantic import BaseModel, Field

from service_creator import __version__, operations
from service_creator.domain.config import Settings
from service_creator.domain.errors import ServiceCreatorError
from service_creator.domain.workspace_path import WorkspacePath
from service_creator.frontends.mcp import content
from service_creator.frontends.mcp.content import error_text
from service_creator.frontends.mcp.interview import run_start_interview
from service_creator.frontends.mcp.jobs import Job, JobKind, JobProgress, Jobs, ProgressForwarder
from service_creator.frontends.mcp.roots import (
    RootsNeeded,
    client_roots,
    resolve_workspace,
    roots_request,
    shared_folders,
)
from service_creator.frontends.mcp.schemas import typed_tool
from service_creator.frontends.mcp.signatures import takes
from service_creator.frontends.mcp.state import App, OpenSession, scope_of
from service_creator.frontends.mcp.views import (
    MAX_WAIT,
    RESULT_FIELD,
    FindingsView,
    FixJob,
    GenerateJob,
    JobBase,
    JobView,
    RunTestsArguments,
    ServerOptions,
    TestsJob,
)
from service_creator.operations.io import (
    AnswerQuestionInput,
    ChangeRequirementInput,
    FixFailureInput,
    FixFailureOutput,
    GenerateInput,
    GenerateOutput,
    InterviewState,
    RunTestsInput,
    RunTestsOutput,
    SessionRef,
    StartInterviewInput,
    UpdateOutput,
)

INSTRUCTIONS = """\
Service Creator interviews the user about a cloud network service they want to offer
(vFirewall, vRouter, vLoadBalancer or vVPN on Cisco, Palo Alto, Fortinet, F5 or Juniper),
generates the whole project into a workspace folder, and tests it in a Docker sandbox.
Order: start_interview (then answer_question until the status is 'complete', unless the
questions were asked through forms) -> generate_service -> run_tests -> get_findings ->
fix_failure. Every tool after start_interview takes the session_id it returned, or the
workspace folder instead (its current session). Long calls return a job_id; follow it with
get_job."""

V = TypeVar("V", bound=JobBase)
P = ParamSpec("P")
R = TypeVar("R")


def _hints(
    title: str, *, read_only: bool, idempotent: bool, open_world: bool = False
) -> ToolAnnotations:
    return ToolAnnotations(
        title=title,
        read_only_hint=read_only,
        destructive_hint=False if not read_only else None,
        idempotent_hint=idempotent,
        open_world_hint=open_world,
    )


@contextmanager
def tool_errors() -> Iterator[None]:
    """Our errors reach the calling model as tool errors that say what to do."""
    try:
        yield
    except ServiceCreatorError as exc:
        raise ToolError(error_text(exc)) from exc


def _caller(ctx: Context) -> tuple[App, str]:
    return App.of(ctx), scope_of(ctx.headers)


async def _session(
    ctx: Context, arguments: dict[str, Any]
) -> tuple[App, str, OpenSession, WorkspacePath]:
    """The session a call names, and its workspace checked against the client's roots again
    (every tool that writes, reads or runs goes through here).

    By `session_id` alone: a session this client opened (any other is unknown to it). By
    `workspace`: that folder's session (`session_id`, else its current one), the folder
    checked against the client's roots as `start_interview` checks it; the client then owns
    the session like one it opened. Raises `RootsNeeded` (see `asks_roots`).
    """
    app, scope = _caller(ctx)
    workspace, session_id = arguments.get("workspace"), arguments.get("session_id")
    with tool_errors():
        if workspace is None:
            if session_id is None:
                raise ToolError(
                    "Name the session: pass the session_id start_interview returned, or "
                    "the workspace folder (its current session)"
                )
            entry = app.registry.get(scope, session_id)
        else:
            folders = shared_folders(await client_roots(ctx))
            site = resolve_workspace(workspace, folders, create=False)
            ref = SessionRef(workspace=site, session_id=session_id)
            found = await asyncio.to_thread(operations.current_session, ref)
            entry = app.registry.open(scope, found, site, folders)
        return app, scope, entry, entry.checked()


def asks_roots(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R | InputRequiredResult]]:
    """A tool that may need the client's roots first: on 2026-07-28 it asks for them with an
    `InputRequiredResult` (the client calls again with them and the same arguments)."""

    @functools.wraps(fn)
    async def call(*args: P.args, **kwargs: P.kwargs) -> R | InputRequiredResult:
        try:
            return await fn(*args, **kwargs)
        except RootsNeeded:
            return roots_request()

    return call


# --- the interview --------------------------------------------------------------------------


@takes(StartInterviewInput)
async def start_interview(ctx: Context, **arguments: Any) -> InterviewState | InputRequiredResult:
    """Start, or resume, the interview that specifies the service; call this first.

    The workspace is the folder of the new service's project (created if missing); a relative
    path is taken inside the client's first root when it shares roots. If the client supports
    elicitation, each question is put to the user as a form and the call returns when the
    interview is complete (status 'complete', with the summary and the requirements), paused
    (the user declined), or after a batch of questions (call again to continue). Otherwise it
    returns the current question (text, explanation, kind, options): ask the user and send the
    answer with answer_question. The returned session_id is what every other tool takes
    (or the same workspace instead); a finished session is reopened by passing it back.
    """
    with tool_errors():
        return await run_start_interview(ctx, arguments)


@takes(AnswerQuestionInput, optional=("workspace",))
@asks_roots
async def answer_question(ctx: Context, **arguments: Any) -> InterviewState | InputRequiredResult:
    """Answer the interview's current question (for clients without elicitation).

    Returns the next question, or status 'complete' with the summary once the user confirmed
    it ('confirm' question: true). An answer that does not fit is refused with what is
    allowed, and nothing changes. Answering 'confirm' with false asks which answer to change.
    """
    app, _, entry, site = await _session(ctx, arguments)
    with tool_errors():
        inp = AnswerQuestionInput(**arguments | _named(entry, site))
        state = await operations.answer_question(inp, app.settings)
    if state.question is not None:
        return state.model_copy(update={"message": content.TURN_BY_TURN})
    return state.model_copy(update={"message": "Interview complete: call generate_service."})


@takes(SessionRef, optional=("workspace",))
@asks_roots
async def get_session(ctx: Context, **arguments: Any) -> InterviewState | InputRequiredResult:
    """An interview's state: status (in_progress, paused, complete, generated), step, the
    current question, and the requirements once complete."""
    app, _, entry, site = await _session(ctx, arguments)
    with tool_errors():
        return await operations.get_session(SessionRef(**_named(entry, site)), app.settings)


def _named(entry: OpenSession, site: WorkspacePath) -> dict[str, Any]:
    """The session the call named, as the operation's input fields."""
    return {"workspace": site, "session_id": entry.session_id}


# --- long work: jobs ------------------------------------------------------------------------


def job_view(job: Job, view: type[V]) -> V:
    """The job as `view` (its kind's model, or JobView), with its result once it has one (a
    cancelled generation has one too: the files written before it stopped)."""
    return view(
        job_id=job.id,
        kind=job.kind,
        session_id=job.session_id,
        status=job.status,
        done=job.done,
        total=job.total,
        message=job.message,
        elapsed_seconds=round(job.elapsed, 3),
        error=job.error,
        next_step=content.next_step(job),
        **{RESULT_FIELD[job.kind]: job.result},
    )


async def _follow(ctx: Context, app: App, job: Job, seconds: float, view: type[V]) -> V:
    await app.jobs.wait(job, seconds, ProgressForwarder(ctx.report_progress))
    return job_view(job, view)


async def _start(
    ctx: Context,
    app: App,
    entry: OpenSession,
    kind: JobKind,
    work: Any,
    on_done: Any,
    view: type[V],
) -> V:
    scope, session_id = scope_of(ctx.headers), entry.session_id
    job = app.jobs.running(scope, session_id, kind) or app.jobs.start(
        kind, scope, session_id, work, on_done
    )
    shown = await _follow(ctx, app, job, app.options.return_after, view)
    if shown.status == "failed":
        raise ToolError(shown.error or f"{kind} failed")
    return shown


@takes(GenerateInput, optional=("workspace",))
@asks_roots
async def generate_service(ctx: Context, **arguments: Any) -> GenerateJob | InputRequiredResult:
    """Generate the whole service project into the session's workspace from the finished
    interview: API, vendor integrations, billing, tests, Dockerfile, docker-compose,
    Kubernetes manifests, CI.

    Files the user changed since they were generated are kept (the new version goes beside
    them as <name>.new). Returns within about 25 s: status 'succeeded' with the files, or
    'running' with a job_id to follow with get_job. Then call run_tests.
    """
    app, _, entry, site = await _session(ctx, arguments)
    inp = GenerateInput(**arguments | _named(entry, site))

    async def work(progress: JobProgress) -> BaseModel:
        return await operations.generate_service(
            inp, app.settings, progress, engine=app.options.engine
        )

    def remember(out: GenerateOutput) -> None:
        entry.generation = out

    return await _start(ctx, app, entry, "generate_service", work, remember, view=GenerateJob)


@takes(RunTestsArguments, optional=("workspace",))
@asks_roots
async def run_tests(ctx: Context, **arguments: Any) -> TestsJob | InputRequiredResult:
    """Run the generated project's tests in an isolated Docker sandbox (no network, limited
    memory and time) and report the outcome; `tests` runs only those (test_id values).

    Returns within about 25 s with the result, or 'running' with a job_id to follow with
    get_job. Failing tests become findings with file and line, and the project lines each
    one implicates (suspicious lines, ranked): read them with get_findings.
    """
    app, _, entry, site = await _session(ctx, arguments)
    inp = RunTestsInput(workspace=site, tests=arguments.get("tests"))

    async def work(progress: JobProgress) -> BaseModel:
        return await operations.run_tests(inp, app.settings, progress)

    def remember(out: RunTestsOutput) -> None:
        entry.tests = None if inp.tests else out  # a selection: the merged run, on disk

    return await _start(ctx, app, entry, "run_tests", work, remember, view=TestsJob)


@takes(FixFailureInput, optional=("workspace",))
@asks_roots
async def fix_failure(ctx: Context, **arguments: Any) -> FixJob | InputRequiredResult:
    """Repair what one failing test implicates, write the fix into the workspace, and run
    the tests again; the result says whether the test now passes.

    With a model configured (SERVICE_CREATOR_MODEL) the model rewrites the failing file;
    with the offline engine, generated files the user broke are restored. Returns within
    about 25 s, or 'running' with a job_id to follow with get_job.
    """
    app, _, entry, site = await _session(ctx, arguments)
    inp = FixFailureInput(**arguments | _named(entry, site))

    async def work(progress: JobProgress) -> BaseModel:
        return await operations.fix_failure(inp, app.settings, progress)

    def remember(out: FixFailureOutput) -> None:
        content.remember_fix(entry, out)

    return await _start(ctx, app, entry, "fix_failure", work, remember, view=FixJob)


async def get_job(
    job_id: Annotated[str, Field(description="The job_id a long tool call returned")],
    ctx: Context,
    wait_seconds: Annotated[
        float,
        Field(ge=0, le=MAX_WAIT, description="Wait up to this long for the job to finish"),
    ] = 0,
) -> JobView:
    """A background job's status (running, succeeded, failed, cancelled), progress (done of
    total, message) and, once finished, its result. Pass wait_seconds (up to 25) to wait for
    the job to finish instead of asking again and again."""
    app, scope = _caller(ctx)
    job = app.jobs.get(scope, job_id)
    if job is None:
        raise ToolError(f"Unknown job '{job_id}' for this client; long tools return job ids")
    return await _follow(ctx, app, job, min(wait_seconds, MAX_WAIT), JobView)


@takes(SessionRef, optional=("workspace",))
@asks_roots
async def get_findings(ctx: Context, **arguments: Any) -> FindingsView | InputRequiredResult:
    """The problems found in the session's project, each with a workspace-relative file and
    line: failing tests from the last run_tests (with their test_id, for fix_failure) and the
    project lines each one implicates (suspicious_lines: ranked, with score and why), then
    the generation's own findings (ruff, consistency checks)."""
    app, _, entry, _ = await _session(ctx, arguments)
    return await asyncio.to_thread(content.findings_view, entry, app.settings.suspicious_lines)


@takes(ChangeRequirementInput, optional=("workspace",))
@asks_roots
async def change_requirement(
    ctx: Context, **arguments: Any
) -> Annotated[CallToolResult, UpdateOutput] | InputRequiredResult:
    """Change one answer of a generated service and update its project: only the files the
    answer touches are generated again; a file the user edited is merged with the new text
    (a conflict is kept beside it as .new, or marked in it with conflicts='markers'). Returns
    per file regenerated | merged | conflict | untouched, with a unified diff of each change
    (also a resource, diff_uri, linked from the result, kept until the next update or undo).
    Answers the change makes the interview ask again go in more_answers (the error names
    them)."""
    app, _, entry, site = await _session(ctx, arguments)
    with tool_errors():
        inp = ChangeRequirementInput(**arguments | _named(entry, site))
        update = await operations.change_requirement(inp, app.settings)
    return content.with_diff_links(update, entry.session_id)


# --- the server -----------------------------------------------------------------------------


# Each tool and the model its result is published as (its output schema ships in
# output_schemas.json, see schemas.py).
TYPED_TOOLS: list[tuple[Any, type[BaseModel]]] = [
    (start_interview, InterviewState),
    (answer_question, InterviewState),
    (get_session, InterviewState),
    (generate_service, GenerateJob),
    (get_job, JobView),
    (run_tests, TestsJob),
    (get_findings, FindingsView),
    (fix_failure, FixJob),
    (change_requirement, UpdateOutput),
]


def build_server(
    settings: Settings | None = None,
    options: ServerOptions | None = None,
    **mcp_kwargs: Any,
) -> MCPServer:
    """The MCP server; `mcp_kwargs` go to `MCPServer` (auth and token verifier for HTTP)."""
    settings = settings or Settings.from_env()
    options = options or ServerOptions()

    @asynccontextmanager
    async def lifespan(_server: MCPServer) -> AsyncIterator[App]:
        async with anyio.create_task_group() as tasks:
            yield App(settings, options, Jobs(tasks, options.return_after))
            tasks.cancel_scope.cancel()

    llm = not settings.is_offline
    hints = {
        start_interview: _hints("Start the interview", read_only=False, idempotent=False),
        answer_question: _hints("Answer a question", read_only=False, idempotent=False),
        get_session: _hints("Show an interview", read_only=True, idempotent=True),
        generate_service: _hints(
            "Generate the service", read_only=False, idempotent=not llm, open_world=llm
        ),
        get_job: _hints("Follow a job", read_only=True, idempotent=True),
        run_tests: _hints("Run the tests in the sandbox", read_only=False, idempotent=True),
        get_findings: _hints("Show test failures", read_only=True, idempotent=True),
        fix_failure: _hints(
            "Fix a failing test", read_only=False, idempotent=False, open_world=True
        ),
        change_requirement: _hints(
            "Change a requirement", read_only=False, idempotent=False, open_world=llm
        ),
    }
    tools = [
        typed_tool(
            fn,
            output,
            description=inspect.cleandoc(fn.__doc__ or ""),
            annotations=hints[fn],
        )
        for fn, output in TYPED_TOOLS
    ]
    server = MCPServer(
        "service-creator",
        version=__version__,
        instructions=INSTRUCTIONS,
        lifespan=lifespan,
        tools=tools,
        **mcp_kwargs,
    )
    content.register(server)
    return server
