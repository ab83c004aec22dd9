"""The service check's host side, without Docker: what a project's files say to start and call,
and what the runner's answer means."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path

import pytest

from service_creator.domain.reports import Location
from service_creator.sandbox.service import (
    ServicePlan,
    plan_service,
    service_check,
    uvicorn_command,
)

APP = """\
from fastapi import FastAPI

READ = "things:read"
ALL_SCOPES = frozenset({READ, "things:write"})

app = FastAPI()


@app.get("/health")
def health(): ...


@app.get("/things/{name}")
def one(name: str): ...


@app.get("/things")
def things(): ...
"""
CONFIG = """\
SERVICE_NAME = "things"
DEV_JWT_SECRET = "s3cret"
DEV_BASIC_USERS = {"admin": "pw"}
"""


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        (tmp_path / relative).write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    ("cmd", "app", "options"),
    [
        (
            '["uvicorn", "api:app", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers"]',
            "api:app",
            ["--proxy-headers"],
        ),
        (
            "uvicorn --port=80 --workers 4 --log-level debug pkg.main:app",
            "pkg.main:app",
            ["--log-level", "debug"],
        ),
        (
            '["python", "-m", "uvicorn", "main:create", "--factory", "--reload"]',
            "main:create",
            ["--factory"],
        ),
        ('["sh", "-c", "exec uvicorn web:app --host 0.0.0.0 --ssl-keyfile k.pem"]', "web:app", []),
    ],
)
def test_uvicorn_commands_keep_the_app_and_drop_how_it_listens(
    cmd: str, app: str, options: list[str]
) -> None:
    found = uvicorn_command(cmd)
    assert found is not None
    assert (found.app, found.options) == (app, options)


@pytest.mark.parametrize(
    "cmd", ['["gunicorn", "api:app"]', "python main.py", '["uvicorn"]', "[not json", "uvicorn ../x"]
)
def test_other_commands_start_nothing(cmd: str) -> None:
    assert uvicorn_command(cmd) is None


def test_the_plan_names_the_routes_and_the_first_documented_credentials(tmp_path: Path) -> None:
    dockerfile = "FROM python\n# a comment\nCMD uvicorn \\\n    api:app --port 9000\n"
    plan = plan_service(
        project(tmp_path, {"Dockerfile": dockerfile, "api.py": APP, "config.py": CONFIG})
    )

    assert plan.job is not None and plan.command == "uvicorn api:app"
    assert plan.entry == Location(path="api.py", line=APP.splitlines().index("app = FastAPI()") + 1)
    health, route = plan.job["requests"]
    assert (health["path"], health["headers"], health["auth"]) == ("/health", {}, None)
    assert (route["path"], route["auth"]) == ("/things", "basic")  # basic comes before jwt
    assert route["headers"] == {"Authorization": "Basic " + base64.b64encode(b"admin:pw").decode()}


def test_a_jwt_is_signed_as_the_readme_says(tmp_path: Path) -> None:
    config = CONFIG.replace('DEV_BASIC_USERS = {"admin": "pw"}\n', "")
    files = {"Dockerfile": 'CMD ["uvicorn", "api:app"]', "api.py": APP, "config.py": config}
    plan = plan_service(project(tmp_path, files))

    assert plan.job is not None
    route = plan.job["requests"][1]
    assert route["auth"] == "jwt"
    token = route["headers"]["Authorization"].removeprefix("Bearer ")
    header, claims, signature = token.split(".")
    expected = hmac.new(b"s3cret", f"{header}.{claims}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(signature + "==") == expected
    body = json.loads(base64.urlsafe_b64decode(claims + "=="))
    assert (body["iss"], body["aud"], body["scope"]) == (
        "things",
        "things",
        "things:read things:write",
    )


def test_a_missing_app_module_points_at_the_dockerfile_cmd(tmp_path: Path) -> None:
    plan = plan_service(project(tmp_path, {"Dockerfile": "FROM x\n\nCMD uvicorn gone:app\n"}))
    assert plan.job is not None and plan.job["requests"] == []
    assert plan.entry == Location(path="Dockerfile", line=3)


def test_the_overlay_is_what_is_planned(tmp_path: Path) -> None:
    overlay = {"Dockerfile": 'CMD ["uvicorn", "api:app"]', "api.py": APP}
    assert plan_service(tmp_path).job is None
    assert plan_service(tmp_path, overlay).job is not None


def test_no_dockerfile_no_service(tmp_path: Path) -> None:
    plan = plan_service(tmp_path)
    check = service_check(plan, None, "")
    assert check is not None and check.outcome == "skipped"
    assert check.message == "no service to start: the project has no Dockerfile"


TRACEBACK = """\
Traceback (most recent call last):
  File "/opt/sandbox/lib/python3.11/site-packages/uvicorn/importer.py", line 19, in import_it
  File "/work/api.py", line 7, in <module>
    import config
  File "/work/config.py", line 12, in <module>
    raise ValueError("bad")
ValueError: bad
"""
PLAN = ServicePlan(
    job={"app": "api:app", "options": [], "start_timeout": 1, "request_timeout": 1, "requests": []},
    command="uvicorn api:app",
    entry=Location(path="api.py", line=5),
)


def test_a_crash_points_at_the_last_project_frame() -> None:
    answer = {
        "started": False,
        "checks": [],
        "message": "the service exited (status 1) before it answered",
    }
    check = service_check(PLAN, answer, TRACEBACK)
    assert check is not None and check.outcome == "failed"
    assert check.location == Location(path="config.py", line=12)
    assert check.message.endswith("; ValueError: bad")


def test_a_non_2xx_answer_fails_at_the_app_without_a_traceback() -> None:
    checks = [
        {"method": "GET", "path": "/health", "status": 200, "auth": None},
        {"method": "GET", "path": "/things", "status": 401, "auth": "basic"},
        "junk",
    ]
    check = service_check(PLAN, {"started": True, "start_seconds": 0.5, "checks": checks}, "")
    assert check is not None and check.outcome == "failed"
    assert check.message == "GET /things 401"
    assert check.location == PLAN.entry
    assert [c.status for c in check.checks] == [200, 401]


def test_a_runner_that_said_nothing_is_no_check() -> None:
    assert service_check(PLAN, None, "") is None
    assert service_check(PLAN, ["not", "a", "dict"], "") is None
