"""The service check in real containers: after the tests the sandbox starts the generated
service as its Dockerfile's CMD does (uvicorn, on the container's loopback), calls its health
route and one authenticated route with the credentials its README documents, and stops it."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import pytest
from sandbox_helpers import ProjectFactory, settings_with

from service_creator.domain.config import Settings
from service_creator.domain.ports import NoProgress
from service_creator.domain.reports import Location, TestReport
from service_creator.domain.requirements import Requirements
from service_creator.frontends.cli.render import render_report
from service_creator.operations.generate import generate_service
from service_creator.operations.interview import start_interview
from service_creator.operations.io import GenerateInput, StartInterviewInput
from service_creator.operations.scripted import DEMO_ANSWERS, ScriptedAsker
from service_creator.sandbox.results import report_findings
from service_creator.sandbox.runs import run_in_sandbox

generator = pytest.importorskip("service_creator.generation.offline.generator")

pytestmark = [pytest.mark.docker]

CRASH = (
    'import sys\n\nif "pytest" not in sys.modules:\n    raise RuntimeError("refusing to serve")\n'
)
HANGING_APP = """\
import sys
import time

from fastapi import FastAPI

if "pytest" not in sys.modules:
    time.sleep(3600)  # a service that never gets to listen

app = FastAPI()


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}
"""
HANGING_TEST = """\
from fastapi.testclient import TestClient

from app import app


def test_health():
    assert TestClient(app).get("/healthz").status_code == 200
"""
HANGING_DOCKERFILE = """\
FROM python:3.11-slim
COPY app.py .
CMD ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "8000"]
"""


@pytest.fixture(scope="module")
def demo_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project `service-creator demo` generates (offline engine, the demo's answers)."""
    folder = tmp_path_factory.mktemp("demo")
    offline = Settings()

    async def make() -> None:
        asker = ScriptedAsker(DEMO_ANSWERS)
        await start_interview(StartInterviewInput(workspace=str(folder)), offline, asker)
        await generate_service(GenerateInput(workspace=str(folder)), offline, NoProgress())

    asyncio.run(make())
    return folder


def generated(folder: Path, auth: str) -> Path:
    requirements = Requirements(
        service_type="vRouter",
        service_name=f"vrouter-{auth.replace('_', '-')}",
        vendors=["Juniper"],
        features=["bgp", "ospf"],
        pricing_model="hourly",
        vendor_api="REST",
        auth_methods=[auth],
        logging=["json"],
        deployment="docker_compose",
    )
    for file in generator.render_project(requirements):
        path = folder / file.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(file.content)
    return folder


def calls(report: TestReport) -> list[tuple[str, str, int | None]]:
    assert report.service is not None
    return [(check.method, check.path, check.status) for check in report.service.checks]


def test_the_demo_service_starts_and_answers_its_routes(
    sandbox_image: str, sandbox_settings: Settings, demo_project: Path
) -> None:
    report = run_in_sandbox(demo_project, sandbox_settings, warm=False)

    assert report.outcome == "passed", report.message
    service = report.service
    assert service is not None
    assert service.outcome == "passed", service.message + service.output
    assert service.started and service.start_seconds is not None
    assert 0 < service.start_seconds < service.seconds
    assert service.command == "uvicorn api_endpoints:app --proxy-headers"
    assert calls(report) == [("GET", "/healthz", 200), ("GET", "/instances", 200)]
    assert service.checks[1].auth == "api_key"  # the demo's first method, as its README says
    assert "Application startup complete" in service.output
    assert "Finished server process" in service.output  # stopped cleanly
    assert report_findings(report) == []
    line = render_report(report, []).splitlines()[1]
    assert line.startswith("service started in ")
    assert line.endswith(", GET /healthz 200, GET /instances 200 (api_key)")


def test_a_service_that_crashes_at_import_is_a_finding_on_that_line(
    sandbox_image: str, sandbox_settings: Settings, demo_project: Path, tmp_path: Path
) -> None:
    project = tmp_path / "crashing"
    shutil.copytree(demo_project, project)
    module = project / "api_endpoints.py"
    source = module.read_text()
    assert source.count("\napp = create_app()\n") == 1
    module.write_text(source.replace("\napp = create_app()\n", f"\n{CRASH}app = create_app()\n"))
    raise_line = (
        module.read_text().splitlines().index('    raise RuntimeError("refusing to serve")')
    )

    report = run_in_sandbox(project, sandbox_settings, warm=False)

    assert report.passed > 0 and report.failed == report.errors == 0  # under pytest it imports
    assert report.outcome == "error"
    assert report.message.startswith("the service check failed: ")
    service = report.service
    assert service is not None and service.outcome == "failed"
    assert not service.started and service.checks == []
    assert "before it answered" in service.message
    assert "RuntimeError: refusing to serve" in service.message
    assert service.location == Location(path="api_endpoints.py", line=raise_line + 1)
    found = [f for f in report_findings(report) if f.code == "service-failed"]
    assert [f.location for f in found] == [service.location]
    assert found[0].message.startswith("the service did not start: ")
    assert "FAILED: " in render_report(report, found)


def test_a_service_that_never_answers_is_stopped_within_the_time_limit(
    sandbox_image: str, sandbox_settings: Settings, make_project: ProjectFactory
) -> None:
    project = make_project(
        {"Dockerfile": HANGING_DOCKERFILE, "app.py": HANGING_APP, "test_app.py": HANGING_TEST}
    )
    limit = 15.0
    settings = settings_with(sandbox_settings, timeout=limit)

    began = time.monotonic()
    report = run_in_sandbox(project, settings, warm=True)
    elapsed = time.monotonic() - began

    assert report.passed == 1 and report.outcome == "error"
    service = report.service
    assert service is not None and service.outcome == "failed"
    assert "did not answer on its port within" in service.message
    assert report.duration <= limit + 2  # the runner's own clock: tests and check
    assert elapsed < limit + 10
    # no traceback: the finding is where the app is made
    assert service.location == Location(
        path="app.py", line=HANGING_APP.splitlines().index("app = FastAPI()") + 1
    )
    # the reset killed it: the kept container runs the next check from a clean slate
    (project / "app.py").write_text(HANGING_APP.replace("time.sleep(3600)", "pass"))
    again = run_in_sandbox(project, settings, warm=True)
    assert again.outcome == "passed", again.message
    assert calls(again) == [("GET", "/healthz", 200)]


@pytest.mark.parametrize("auth", ["basic", "jwt", "oauth2", "mtls"])
def test_other_auth_methods_pass_with_their_documented_credentials(
    sandbox_image: str, sandbox_settings: Settings, tmp_path: Path, auth: str
) -> None:
    report = run_in_sandbox(generated(tmp_path / auth, auth), sandbox_settings, warm=False)

    service = report.service
    assert service is not None
    assert service.outcome == "passed", service.message + service.output
    assert calls(report) == [("GET", "/healthz", 200), ("GET", "/instances", 200)]
    assert service.checks[1].auth == auth
    assert report.outcome == "passed", report.message


def test_a_project_without_a_uvicorn_cmd_has_no_service_to_start(
    sandbox_image: str, sandbox_settings: Settings, make_project: ProjectFactory
) -> None:
    tests = {"test_x.py": "def test_x():\n    assert True\n"}
    bare = run_in_sandbox(make_project(tests), sandbox_settings, warm=False)
    other = make_project({**tests, "Dockerfile": 'FROM scratch\nCMD ["gunicorn", "app:app"]\n'})
    gunicorn = run_in_sandbox(other, sandbox_settings, warm=False)

    for report, why in ((bare, "has no Dockerfile"), (gunicorn, "does not run uvicorn")):
        assert report.outcome == "passed"
        assert report.service is not None and report.service.outcome == "skipped"
        assert report.service.message.startswith("no service to start: ")
        assert why in report.service.message
        assert report_findings(report) == []
    assert "service: no service to start" in render_report(bare, [])
