"""Long work: generation (offline engine) with progress, jobs that outlive the call, get_job."""

from __future__ import annotations

import asyncio
import threading

import anyio
from mcp import Client
from mcp_helpers import (
    ANSWERS,
    WAIT,
    GatedEngine,
    answer_turn_by_turn,
    finish_job,
    make_server,
    stdio_server,
)
from pydantic import BaseModel

from service_creator.domain.errors import CancelledByUser
from service_creator.frontends.mcp.jobs import Jobs, ProgressForwarder
from service_creator.generation.plan import plan
from service_creator.interview.interview import requirements_from

SPECS = plan(requirements_from(ANSWERS))


async def interviewed(client, workspace) -> str:
    state = await client.call_tool("start_interview", {"workspace": str(workspace)})
    return (await answer_turn_by_turn(client, state.structured_content))["session_id"]


async def test_generation_reports_progress_and_returns_the_files(server, workspace):
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total, message))

    async with Client(server) as client:
        sid = await interviewed(client, workspace)
        result = await client.call_tool(
            "generate_service", {"session_id": sid}, progress_callback=on_progress
        )
        assert not result.is_error, result.content[0].text
        view = result.structured_content
        shown = (await client.call_tool("get_session", {"session_id": sid})).structured_content
    assert view["status"] == "succeeded" and view["kind"] == "generate_service"
    generation = view["generation"]
    assert generation["files"] == [s.path for s in SPECS]
    assert sorted(generation["written"]) == sorted(generation["files"])
    assert all((workspace / path).is_file() for path in generation["files"])
    assert view["done"] == view["total"] == len(SPECS)
    assert "run_tests" in view["next_step"]
    assert shown["status"] == "generated"
    values = [done for done, _, _ in progress]
    assert values == sorted(set(values)), "progress must increase with each notification"
    assert values[-1] == len(SPECS) and progress[-1][1] == len(SPECS)
    assert {message for _, _, message in progress} & {s.path for s in SPECS}


async def test_a_job_that_outlives_the_call_is_followed_with_get_job(workspace):
    """return_after=0 stands for the 30-s limit: the call returns the job at once. One file is
    held back, so the job is certainly still running while its progress is read."""
    held = max(SPECS, key=lambda s: len(s.depends_on))
    engine = GatedEngine(held.path)
    progressed = anyio.Event()

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        if done > 0:
            progressed.set()

    async with Client(make_server(return_after=0, engine=engine)) as client:
        sid = await interviewed(client, workspace)
        started = await client.call_tool("generate_service", {"session_id": sid})
        first = started.structured_content
        assert first["status"] == "running" and first["job_id"]
        assert "get_job" in first["next_step"] and first["generation"] is None
        followed: list[dict] = []

        async def follow() -> None:  # a get_job that waits, with progress notifications
            arguments = {"job_id": first["job_id"], "wait_seconds": 25}
            result = await client.call_tool("get_job", arguments, progress_callback=on_progress)
            followed.append(result.structured_content)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(follow)
            with anyio.fail_after(WAIT):
                await engine.reached.wait()
                await progressed.wait()
            running = await client.call_tool("get_job", {"job_id": first["job_id"]})
            middle = running.structured_content
            assert middle["status"] == "running" and middle["generation"] is None
            assert 0 < middle["done"] < middle["total"] == len(SPECS)
            assert middle["message"] in {s.path for s in SPECS}
            again = await client.call_tool("generate_service", {"session_id": sid})
            assert again.structured_content["job_id"] == first["job_id"]  # joins, no second run
            engine.gate.set()
        final = await finish_job(client, followed[0])
    assert final["status"] == "succeeded" and final["done"] == len(SPECS)
    assert (workspace / held.path).is_file()


async def test_generation_before_the_interview_is_complete_is_an_error(server, workspace):
    async with Client(server) as client:
        state = await client.call_tool("start_interview", {"workspace": str(workspace)})
        sid = state.structured_content["session_id"]
        result = await client.call_tool("generate_service", {"session_id": sid})
    assert result.is_error
    assert "The interview is not finished" in result.content[0].text
    assert "answer 'service_type' next" in result.content[0].text


async def test_unknown_job(server):
    async with Client(server) as client:
        result = await client.call_tool("get_job", {"job_id": "nope"})
    assert result.is_error and "Unknown job 'nope'" in result.content[0].text


async def test_generation_as_a_job_over_stdio(workspace):
    params = stdio_server(SERVICE_CREATOR_MCP_RETURN_AFTER="0")
    async with Client(params, read_timeout_seconds=WAIT) as client:
        sid = await interviewed(client, workspace)
        started = await client.call_tool("generate_service", {"session_id": sid})
        assert started.structured_content["status"] == "running"
        final = await finish_job(client, started.structured_content)
    assert final["status"] == "succeeded"
    assert final["generation"]["files"] == [s.path for s in SPECS]


# --- the job machinery on its own -----------------------------------------------------------


class Done(BaseModel):
    value: int


async def test_progress_from_a_worker_thread_reaches_the_waiter():
    sent: list[float] = []
    release = threading.Event()

    async def send(done: float, total: float | None, message: str | None) -> None:
        sent.append(done)
        if done == 2:
            release.set()

    def blocking(progress) -> Done:
        for step in (1, 2):
            progress.report(step, 3, f"step {step}")
        release.wait(WAIT)  # the waiter saw step 2 before the job ends
        progress.report(3, 3, "step 3")
        return Done(value=3)

    async with anyio.create_task_group() as tasks:
        jobs = Jobs(tasks, return_after=WAIT)

        async def work(progress) -> Done:
            return await asyncio.to_thread(blocking, progress)

        job = jobs.start("run_tests", "scope", "sid", work)
        await jobs.wait(job, WAIT, ProgressForwarder(send))
    assert job.status == "succeeded" and job.result == Done(value=3)
    assert sent[0] == 0 and 2 in sent and sent == sorted(set(sent))


async def test_cancelling_the_waiting_call_asks_the_job_to_stop():
    started, step_done = anyio.Event(), anyio.Event()

    async def work(progress) -> Done:
        started.set()
        await step_done.wait()  # a step of work; the job checks for a stop between steps
        if progress.cancelled:
            raise CancelledByUser("stopped")
        return Done(value=1)

    async with anyio.create_task_group() as tasks:
        jobs = Jobs(tasks, return_after=WAIT)
        job = jobs.start("generate_service", "scope", "sid", work)
        async with anyio.create_task_group() as caller:
            caller.start_soon(jobs.wait, job, WAIT)
            await started.wait()
            caller.cancel_scope.cancel()
        assert job.cancel_requested and not job.finished
        finished = job.next_change()
        step_done.set()
        with anyio.fail_after(WAIT):
            await finished.wait()
    assert job.status == "cancelled" and job.error == "stopped"


def test_jobs_are_visible_to_their_scope_only():
    async def main() -> None:
        async with anyio.create_task_group() as tasks:
            jobs = Jobs(tasks, return_after=WAIT)

            async def work(progress) -> Done:
                return Done(value=1)

            job = jobs.start("run_tests", "client=a", "sid", work)
            assert jobs.get("client=a", job.id) is job
            assert jobs.get("client=b", job.id) is None
            assert len(job.id) >= 20

    anyio.run(main)


async def test_a_generated_session_is_reopened_after_a_restart(workspace):
    async with Client(make_server()) as client:
        sid = await interviewed(client, workspace)
        await client.call_tool("generate_service", {"session_id": sid})
    async with Client(make_server()) as client:  # a new server process knows no session
        assert (await client.call_tool("get_session", {"session_id": sid})).is_error
        reopened = await client.call_tool(
            "start_interview", {"workspace": str(workspace), "session_id": sid}
        )
        state = reopened.structured_content
        assert (state["session_id"], state["status"]) == (sid, "generated")
        assert state["requirements"]["service_name"] == ANSWERS["service_name"]
        found = await client.call_tool("get_findings", {"session_id": sid})
        assert found.structured_content["message"] == "No test run yet: call run_tests."
        unknown = await client.call_tool(
            "start_interview", {"workspace": str(workspace), "session_id": "0123456789ab"}
        )
        assert unknown.is_error and "No session '0123456789ab'" in unknown.content[0].text


async def test_cancelling_the_call_stops_the_generation(workspace):
    """A client that gives up on the call stops the job; the next call starts a new one. The
    first progress notification names the job, so it can still be followed."""
    held = max(SPECS, key=lambda s: len(s.depends_on))
    engine = GatedEngine(held.path)
    messages: list[str] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        messages.append(message or "")

    async with Client(make_server(engine=engine)) as client:
        sid = await interviewed(client, workspace)
        arguments = {"session_id": sid}
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(client.call_tool, "generate_service", arguments, None, on_progress)
            with anyio.fail_after(WAIT):
                await engine.reached.wait()
            tasks.cancel_scope.cancel()  # the client gives up on the call
        first_id = messages[0].split()[1]
        engine.gate.set()
        result = await client.call_tool("get_job", {"job_id": first_id, "wait_seconds": 25})
        first = result.structured_content
        assert first["status"] == "cancelled" and first["generation"]["cancelled"] is True
        assert len(first["generation"]["files"]) < len(SPECS)
        assert "call generate_service again" in first["next_step"]
        again = (await client.call_tool("generate_service", arguments)).structured_content
    assert again["job_id"] != first_id and again["status"] == "succeeded"
