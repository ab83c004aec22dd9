"""Prompts, resources, and the words the calling model reads (next steps, findings).

Resources, per session the caller opened:
  service-creator://sessions/{id}/requirements   the interview's requirements (JSON)
  service-creator://sessions/{id}/report         the last test run: report and findings (JSON)
  service-creator://sessions/{id}/files/{path}   each generated file
  service-creator://sessions/{id}/diffs/{path}   the last update's unified diff of a file it
                                                 changed (kept with the update's history)
`resources/list` lists the ones that exist for the caller's sessions; the templates are listed
too. Reading checks the session belongs to the caller, and files are read only when the
generation manifest lists them (so nothing else in the folder is exposed).
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceError
from mcp.server.mcpserver.prompts.base import UserMessage
from mcp.types import CallToolResult, ContentBlock, Resource, ResourceLink, TextContent
from pydantic import BaseModel

from service_creator import operations
from service_creator.domain.config import DEFAULT_SUSPICIOUS_LINES
from service_creator.domain.errors import ServiceCreatorError
from service_creator.domain.workspace_path import WorkspacePath
from service_creator.frontends.mcp.state import App, OpenSession, scope_of
from service_creator.frontends.mcp.views import FindingsView
from service_creator.operations.io import (
    FixFailureOutput,
    RunTestsOutput,
    SessionRef,
    UpdateOutput,
)

if TYPE_CHECKING:
    from mcp.server import MCPServer

    from service_creator.frontends.mcp.jobs import Job

BASE = "service-creator://sessions"
DIFF_MIME = "text/x-diff"
TURN_BY_TURN = (
    "Ask the user this question (show the explanation and the options' labels), then call "
    "answer_question with session_id and their answer."
)


def next_step(job: Job) -> str:
    if job.status == "running":
        return f"Call get_job with job_id '{job.id}' and wait_seconds 25 to follow it."
    if job.status == "cancelled":
        return f"The job was cancelled; call {job.kind} again to start over."
    if job.status != "succeeded":
        return f"Deal with the error, then call {job.kind} again."
    if job.kind == "run_tests":
        passed = getattr(job.result, "exit_code", 1) == 0
        return (
            "All tests pass."
            if passed
            else "Call get_findings for the failures; fix_failure can repair one by test_id."
        )
    if job.kind == "generate_service" and getattr(job.result, "status", "") == "incomplete":
        missing = getattr(job.result, "missing", [])
        return (
            f"The project is incomplete ({len(missing)} files missing, see `missing` and "
            "`stopped`): deal with the cause (budget, provider, cancel), then call generate "
            "again; files already written are kept."
        )
    return "Call run_tests to test the service in the sandbox."


def last_tests(entry: OpenSession, suspicious_lines: int) -> RunTestsOutput | None:
    """The session's last test run: this server's, else the one saved in the workspace (its
    findings with `suspicious_lines` ranked lines per failing test, as the settings say)."""
    if entry.tests is None:
        entry.tests = operations.last_tests(entry.workspace, suspicious_lines)
    return entry.tests


def remember_fix(entry: OpenSession, fix: FixFailureOutput) -> None:
    """A fix ran the tests again: the session's last run is the one it saved."""
    if fix.report is not None:
        entry.tests = None


def findings_view(
    entry: OpenSession, suspicious_lines: int = DEFAULT_SUSPICIOUS_LINES
) -> FindingsView:
    findings = []
    view: dict[str, Any] = {"session_id": entry.session_id}
    tests = last_tests(entry, suspicious_lines)
    if tests is not None:
        report = tests.report
        findings += tests.findings
        view |= {"test_outcome": report.outcome, "passed": report.passed}
        view |= {"failed": report.failed, "errors": report.errors}
        if report.localization is not None:
            view["suspicious_lines"] = report.localization.tests
        message = f"Last test run: {report.outcome}, {report.passed} passed, {report.failed} failed"
    else:
        message = "No test run yet: call run_tests."
    if entry.generation is not None:
        findings += entry.generation.findings
    return FindingsView(**view, findings=findings, message=message)


# --- resources ------------------------------------------------------------------------------


def error_text(exc: ServiceCreatorError) -> str:
    """One line for the calling model: what went wrong, and what to do about it."""
    return f"{exc.message} (hint: {exc.hint})" if exc.hint else exc.message


def _entry(ctx: Context, session_id: str) -> tuple[App, OpenSession, WorkspacePath]:
    """The caller's session, its workspace checked against the client's roots again."""
    app = App.of(ctx)
    try:
        entry = app.registry.get(scope_of(ctx.headers), session_id)
        return app, entry, entry.checked()
    except ServiceCreatorError as exc:
        raise ResourceError(error_text(exc)) from None


async def read_requirements(session_id: str, ctx: Context) -> str:
    app, _, site = _entry(ctx, session_id)
    ref = SessionRef(workspace=site, session_id=session_id)
    try:
        state = await operations.get_session(ref, app.settings)
    except ServiceCreatorError as exc:
        raise ResourceError(exc.message) from None
    if state.requirements is None:
        raise ResourceError(f"The interview of session '{session_id}' is not complete yet")
    return state.requirements.model_dump_json(indent=2)


async def read_report(session_id: str, ctx: Context) -> str:
    app, entry, _ = _entry(ctx, session_id)
    tests = await asyncio.to_thread(last_tests, entry, app.settings.suspicious_lines)
    if tests is None:
        raise ResourceError(f"Session '{session_id}' has no test run yet; call run_tests")
    return tests.model_dump_json(indent=2)


async def read_file(session_id: str, path: str, ctx: Context) -> str:
    _, entry, site = _entry(ctx, session_id)
    if path not in await asyncio.to_thread(operations.generated_files, entry.workspace):
        raise ResourceError(f"'{path}' is not a file generated in session '{session_id}'")
    try:
        text = await asyncio.to_thread(operations.read_file, site, path)
    except ServiceCreatorError as exc:
        raise ResourceError(exc.message) from None
    if text is None:
        raise ResourceError(f"'{path}' was generated but no longer exists")
    return text


def diff_uri(session_id: str, path: str) -> str:
    return f"{BASE}/{session_id}/diffs/{path}"


def with_diff_links(update: UpdateOutput, session_id: str) -> CallToolResult:
    """The update as the tool's result: each changed file names its diff resource (diff_uri),
    and the content links to each after the JSON text."""
    links: list[ContentBlock] = []
    for file in update.files:
        if file.diff:
            file.diff_uri = diff_uri(session_id, file.path)
            links.append(
                ResourceLink(
                    type="resource_link",
                    uri=file.diff_uri,
                    name=f"diff-{file.path}",
                    description=f"{file.status}: the change to {file.path}",
                    mime_type=DIFF_MIME,
                )
            )
    structured = update.model_dump(mode="json", by_alias=True)
    text = TextContent(type="text", text=json.dumps(structured, indent=2))
    return CallToolResult(content=[text, *links], structured_content=structured)


def _last_diffs(workspace: WorkspacePath) -> dict[str, str]:
    try:
        return operations.update_diffs(workspace)
    except ServiceCreatorError as exc:
        raise ResourceError(error_text(exc)) from None


async def read_diff(session_id: str, path: str, ctx: Context) -> str:
    _, _, site = _entry(ctx, session_id)
    diff = (await asyncio.to_thread(_last_diffs, site)).get(path)
    if diff is None:
        raise ResourceError(
            f"The last update in session '{session_id}' did not change '{path}' "
            "(or there is no update to undo)"
        )
    return diff


def _diff_resources(entry: OpenSession) -> list[Resource]:
    try:
        paths = sorted(_last_diffs(entry.workspace))
    except ResourceError:  # an unreadable history lists nothing; reading it says why
        return []
    return [
        Resource(
            uri=diff_uri(entry.session_id, path),
            name=f"diff-{path}",
            description=f"The last update's change to {path}",
            mime_type=DIFF_MIME,
        )
        for path in paths
    ]


def _complete(entry: OpenSession) -> bool:
    ref = SessionRef(workspace=entry.workspace, session_id=entry.session_id)
    return operations.session_status(ref) in ("complete", "generated")


def _session_resources(entry: OpenSession, suspicious_lines: int) -> list[Resource]:
    sid, base = entry.session_id, f"{BASE}/{entry.session_id}"
    found = []
    if _complete(entry):
        found.append(
            Resource(
                uri=f"{base}/requirements",
                name=f"requirements-{sid}",
                description=f"Requirements of interview {sid}",
                mime_type="application/json",
            )
        )
    if last_tests(entry, suspicious_lines) is not None:
        found.append(
            Resource(
                uri=f"{base}/report",
                name=f"report-{sid}",
                description=f"Last test run of session {sid}",
                mime_type="application/json",
            )
        )
    for path in operations.generated_files(entry.workspace):
        found.append(Resource(uri=f"{base}/files/{path}", name=path, mime_type="text/plain"))
    return found + _diff_resources(entry)


def _still_shared(entry: OpenSession) -> bool:
    try:
        entry.checked()
    except ServiceCreatorError:
        return False
    return True


async def list_session_resources(ctx: Any, call_next: Any) -> Any:
    """Middleware: `resources/list` also lists the caller's sessions' resources."""
    result = await call_next(ctx)
    if ctx.method != "resources/list" or not isinstance(ctx.lifespan_context, App):
        return result
    headers = getattr(ctx.request, "headers", None)
    app: App = ctx.lifespan_context
    entries = [e for e in app.registry.sessions(scope_of(headers)) if _still_shared(e)]
    lines = app.settings.suspicious_lines
    found = [r for e in entries for r in await asyncio.to_thread(_session_resources, e, lines)]
    if isinstance(result, BaseModel):
        return result.model_copy(update={"resources": [*result.resources, *found]})
    wire = [r.model_dump(mode="json", by_alias=True, exclude_none=True) for r in found]
    return {**result, "resources": [*result.get("resources", []), *wire]}


# --- prompts --------------------------------------------------------------------------------


def create_service(workspace: str = "") -> list[UserMessage]:
    """Walk through creating a new cloud network service with Service Creator."""
    where = f"in the folder {workspace}" if workspace else "in a folder I choose"
    return [
        UserMessage(
            f"Help me create a new cloud network service {where} with Service Creator.\n"
            "1. Call start_interview with the workspace. If it returns a question, ask me it "
            "(with its explanation and options) and send my answer with answer_question; "
            "repeat until the status is 'complete', then show me the summary.\n"
            "2. Call generate_service with the session_id (follow a job_id with get_job).\n"
            "3. Call run_tests. If tests fail, call get_findings and show me each failure "
            "with its file and line.\n"
            "4. Offer to fix failures with fix_failure, then run the tests again."
        )
    ]


def fix_failing_tests(session_id: str) -> list[UserMessage]:
    """Find why the generated service's tests fail, and fix them one by one."""
    return [
        UserMessage(
            f"The tests of Service Creator session {session_id} fail.\n"
            "1. Call get_findings with the session_id. For each finding, read the file "
            f"resource {BASE}/{session_id}/files/<path> around its line and explain the cause.\n"
            "2. For each failing test, call fix_failure with its test_id (follow the job with "
            "get_job), then call run_tests to confirm, until everything passes or a fix "
            "needs my decision."
        )
    ]


def register(server: MCPServer) -> None:
    server.resource(
        f"{BASE}/{{session_id}}/requirements",
        name="requirements",
        description="The requirements a completed interview established (JSON)",
        mime_type="application/json",
    )(read_requirements)
    server.resource(
        f"{BASE}/{{session_id}}/report",
        name="report",
        description="The session's last test run: report and findings (JSON)",
        mime_type="application/json",
    )(read_report)
    server.resource(
        f"{BASE}/{{session_id}}/files/{{+path}}",
        name="generated-file",
        description="A file generated into the session's workspace",
        mime_type="text/plain",
    )(read_file)
    server.resource(
        f"{BASE}/{{session_id}}/diffs/{{+path}}",
        name="update-diff",
        description="The last change_requirement's unified diff of one file it changed",
        mime_type=DIFF_MIME,
    )(read_diff)
    server.prompt(title="Create a service")(create_service)
    server.prompt(title="Fix failing tests")(fix_failing_tests)
    server.middleware.append(list_session_resources)
