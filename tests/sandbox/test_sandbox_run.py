"""Real runs in the sandbox: results, findings, warm re-runs, extra packages, cancellation."""

from __future__ import annotations

import asyncio
import subprocess
import threading

import docker
import pytest
from sample_project import SMALL_PROJECT
from sandbox_helpers import ProjectFactory, our_containers

from service_creator.domain.config import Settings
from service_creator.domain.errors import CancelledByUser
from service_creator.frontends.cli.render import render_report
from service_creator.operations.io import RunTestsInput
from service_creator.operations.testing import exit_status, run_tests
from service_creator.sandbox import docker as sandbox
from service_creator.sandbox.runs import run_in_sandbox

pytestmark = pytest.mark.docker


class Recorder:
    def __init__(self, cancel_at: str | None = None) -> None:
        self.messages: list[str] = []
        self.threads: set[int] = set()
        self.cancel_at = cancel_at
        self.cancel = threading.Event()
        self.tests_started = asyncio.Event()

    def report(self, done: int, total: int | None, message: str) -> None:
        self.messages.append(message)
        if "running the tests" in message:
            self.tests_started.set()
        self.threads.add(threading.get_ident())
        if self.cancel_at and self.cancel_at in message:
            self.cancel.set()

    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()


def test_failing_test_has_locations_in_test_and_source(
    sandbox_image: str, sandbox_settings: Settings, make_project: ProjectFactory
) -> None:
    report = run_in_sandbox(make_project(SMALL_PROJECT), sandbox_settings, warm=False)

    assert report.outcome == "failed"
    assert (report.passed, report.failed, report.errors) == (1, 2, 0)
    by_id = {t.id: t for t in report.tests}
    zero = by_id["tests/test_calc.py::test_divide_by_zero"]
    assert zero.outcome == "failed"
    assert "ZeroDivisionError" in zero.message
    assert (zero.location.path, zero.location.line) == ("tests/test_calc.py", 9)
    assert (zero.source_location.path, zero.source_location.line) == ("app/calc.py", 2)
    wrong = by_id["tests/test_calc.py::test_wrong_sum"]
    assert (wrong.location.path, wrong.location.line) == ("tests/test_calc.py", 13)
    assert wrong.source_location is None
    assert "3 passed" not in report.output and "2 failed, 1 passed" in report.output


async def test_run_tests_tool_gives_findings_that_point_at_each_other(
    sandbox_image: str, sandbox_settings: Settings, make_project: ProjectFactory
) -> None:
    progress = Recorder()
    workspace = make_project(SMALL_PROJECT)
    out = await run_tests(RunTestsInput(workspace=str(workspace)), sandbox_settings, progress)

    assert out.exit_code == 1 == exit_status(out.report)
    places = {(f.location.path, f.location.line): f for f in out.findings}
    at_test, at_source = places[("tests/test_calc.py", 9)], places[("app/calc.py", 2)]
    assert at_test.related == [at_source.location]
    assert at_source.related == [at_test.location]
    assert at_test.test_id == at_source.test_id == "tests/test_calc.py::test_divide_by_zero"
    assert ("tests/test_calc.py", 13) in places
    assert "running the tests" in progress.messages
    assert progress.threads == {threading.get_ident()}  # reports arrive on the loop's thread
    text = render_report(out.report, out.findings)
    assert "tests/test_calc.py:13" in text and "app/calc.py:2" in text


async def test_all_passing_exits_zero(
    sandbox_image: str, sandbox_settings: Settings, make_project: ProjectFactory
) -> None:
    files = {**SMALL_PROJECT, "tests/test_calc.py": "def test_ok():\n    assert True\n"}
    out = await run_tests(
        RunTestsInput(workspace=str(make_project(files))), sandbox_settings, Recorder()
    )
    assert (out.report.outcome, out.exit_code, out.findings) == ("passed", 0, [])


def test_syntax_and_collection_errors_are_located(
    sandbox_image: str, sandbox_settings: Settings, make_project: ProjectFactory
) -> None:
    files = {
        **SMALL_PROJECT,
        "app/broken.py": "x = 1\ndef f(\n",
        "tests/test_broken_import.py": "from app import broken\n\n\ndef test_y():\n    pass\n",
        "tests/test_bad_syntax.py": "def test_x(:\n    pass\n",
    }
    report = run_in_sandbox(make_project(files), sandbox_settings, warm=False)

    by_id = {t.id: t for t in report.tests}
    syntax = by_id["tests/test_bad_syntax.py"]
    assert syntax.outcome == "error" and "SyntaxError" in syntax.message
    assert (syntax.location.path, syntax.location.line) == ("tests/test_bad_syntax.py", 1)
    chain = by_id["tests/test_broken_import.py"]
    assert (chain.location.path, chain.location.line) == ("tests/test_broken_import.py", 1)
    assert (chain.source_location.path, chain.source_location.line) == ("app/broken.py", 2)
    assert by_id["tests/test_calc.py::test_add"].outcome == "passed"  # collection went on


def test_warm_reuses_one_container_and_resets_it(
    sandbox_image: str,
    sandbox_settings: Settings,
    make_project: ProjectFactory,
    docker_client: docker.DockerClient,
) -> None:
    first = {
        "tests/test_leave_things.py": (
            "import pathlib, subprocess\n\n\n"
            "def test_leave_things():\n"
            "    pathlib.Path('/tmp/marker').write_text('x')\n"
            "    pathlib.Path('left_behind.txt').write_text('x')\n"
            "    subprocess.Popen(['sleep', '1000'], start_new_session=True)\n"
        ),
    }
    workspace = make_project(first)
    report = run_in_sandbox(workspace, sandbox_settings, warm=True)
    assert report.outcome == "passed", report.output
    before = our_containers(docker_client)

    (workspace / "tests/test_leave_things.py").unlink()
    (workspace / "tests/test_clean.py").write_text(
        "import os, pathlib\n\n\n"
        "def test_clean():\n"
        "    assert not pathlib.Path('/tmp/marker').exists()\n"
        "    assert not pathlib.Path('left_behind.txt').exists()\n"
        "    assert not pathlib.Path('tests/test_leave_things.py').exists()\n"
        "    cmds = [pathlib.Path('/proc', p, 'cmdline').read_bytes()\n"
        "            for p in os.listdir('/proc') if p.isdigit()]\n"
        "    assert not [c for c in cmds if c.startswith(b'sleep\\x001000')]\n"
    )
    report = run_in_sandbox(workspace, sandbox_settings, warm=True)

    assert report.outcome == "passed", report.output
    assert [t.id for t in report.tests] == ["tests/test_clean.py::test_clean"]
    assert our_containers(docker_client) == before and len(before) == 1


def test_unobtainable_requirement_is_a_finding(
    sandbox_image: str, sandbox_settings: Settings, make_project: ProjectFactory
) -> None:
    files = {
        "requirements.txt": "fastapi\nno-such-package-service-creator-test==0.0.1\n",
        "tests/test_ok.py": "def test_ok():\n    pass\n",
    }
    report = run_in_sandbox(make_project(files), sandbox_settings, warm=False)

    missing = [t for t in report.tests if t.id.startswith("requirements.txt")]
    assert len(missing) == 1 and missing[0].location.line == 2
    assert "no-such-package-service-creator-test" in missing[0].message
    assert report.outcome == "error"
    assert any(t.id == "tests/test_ok.py::test_ok" and t.outcome == "passed" for t in report.tests)


def test_extra_requirement_is_installed_offline(
    sandbox_image: str, sandbox_settings: Settings, make_project: ProjectFactory
) -> None:
    files = {
        "requirements.txt": "# not in the image\nsix\n",
        "tests/test_six.py": (
            "import socket\n\nimport six\n\n\ndef test_six():\n"
            "    assert six.PY3\n"
            "    assert [name for _, name in socket.if_nameindex()] == ['lo']\n"
        ),
    }
    report = run_in_sandbox(make_project(files), sandbox_settings, warm=False)
    assert report.outcome == "passed", report.output + report.message


def test_cancel_through_progress_removes_the_container(
    sandbox_image: str,
    sandbox_settings: Settings,
    make_project: ProjectFactory,
    docker_client: docker.DockerClient,
) -> None:
    files = {"tests/test_slow.py": "import time\n\n\ndef test_slow():\n    time.sleep(60)\n"}
    progress = Recorder(cancel_at="running the tests")
    before = our_containers(docker_client)
    with pytest.raises(CancelledByUser):
        run_in_sandbox(make_project(files), sandbox_settings, warm=False, progress=progress)
    assert our_containers(docker_client) == before


async def test_cancelling_the_task_removes_the_container(
    sandbox_image: str,
    sandbox_settings: Settings,
    make_project: ProjectFactory,
    docker_client: docker.DockerClient,
) -> None:
    files = {"tests/test_slow.py": "import time\n\n\ndef test_slow():\n    time.sleep(60)\n"}
    progress = Recorder()
    inp = RunTestsInput(workspace=str(make_project(files)), warm=True)
    before = our_containers(docker_client)
    task = asyncio.create_task(run_tests(inp, sandbox_settings, progress))
    await asyncio.wait_for(progress.tests_started.wait(), timeout=60)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert our_containers(docker_client) == before


def gone_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_stale_containers_of_dead_owners_are_removed(
    sandbox_image: str, docker_client: docker.DockerClient
) -> None:
    host = sandbox.owner().rpartition(":")[0]
    dead_owner = f"{host}:{gone_pid()}"
    crashed = docker_client.containers.create(  # as left by a crashed process
        sandbox_image, ["true"], labels={sandbox.LABEL: "1", sandbox.OWNER_LABEL: dead_owner}
    )
    alive = docker_client.containers.create(
        sandbox_image, ["true"], labels={sandbox.LABEL: "1", sandbox.OWNER_LABEL: sandbox.owner()}
    )
    try:
        assert sandbox.remove_stale(docker_client) >= 1
        with pytest.raises(docker.errors.NotFound):
            docker_client.containers.get(crashed.id)
        assert docker_client.containers.get(alive.id)
    finally:
        sandbox.remove(alive)


def test_project_is_read_only_to_the_sandbox_user(
    sandbox_image: str, sandbox_settings: Settings, make_project: ProjectFactory
) -> None:
    files = {
        "tests/test_src.py": (
            "import os, pathlib, pytest\n\n\n"
            "def test_src_is_not_writable():\n"
            "    src = pathlib.Path('/src')\n"
            "    run = next(src.iterdir())\n"
            "    for target in (src / 'x', run / 'x', run / 'project' / 'tests' / 'test_src.py'):\n"
            "        with pytest.raises(OSError):\n"
            "            target.write_text('changed')\n"
            "    assert os.getuid() == 65534 and os.getgid() == 65534\n"
            "    pathlib.Path('written.txt').write_text('the work folder is writable')\n"
        ),
    }
    report = run_in_sandbox(make_project(files), sandbox_settings, warm=False)
    assert report.outcome == "passed", report.output
