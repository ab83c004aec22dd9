"""The sandbox's overhead: one project's tests on the host, then in the sandbox cold and warm,
under runc and under gVisor (runsc).

    .venv/bin/python bench/sandbox.py [--runs 7] [--project DIR] [--no-runsc]

Without `--project` it renders a generated service (the offline engine's vFirewall on Cisco)
when the generator is available, else writes a small FastAPI service with its tests. The
three ways take turns, run after run, so a busy machine slows them alike; all run the same
pytest options the sandbox uses, temporary files go to a tmpfs on both sides (the sandbox's
only writable places are tmpfs), and the host runs in a venv holding
exactly the sandbox image's packages (installed from the same wheelhouse), so the difference
is the sandbox's overhead and nothing else. Targets: a warm re-run within 0.3 s of
the host run; a cold run within 1.5 s.

A sandbox run also starts the service after the tests when the project's Dockerfile runs
uvicorn (the generated one does; the fixture project has no Dockerfile): the time that check
takes (start, two calls, stop) is the runner's own measure, printed per way, and the
overhead is shown with and without it.

The runsc ways run on a private dockerd with runsc registered (scripts/gvisor-dockerd.sh,
started in a temporary folder and stopped at the end; needs root), from a copy of the project
so that each runtime keeps its own warm container.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from service_creator.domain.config import Settings
from service_creator.domain.errors import ServiceCreatorError
from service_creator.sandbox import docker as sandbox
from service_creator.sandbox.docker import PYTEST_ARGS
from service_creator.sandbox.image import build_image
from service_creator.sandbox.runs import close_warm, run_in_sandbox
from service_creator.sandbox.wheelhouse import BASE_PACKAGES

APP = """\
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

app = FastAPI()
RULES: dict[str, "Rule"] = {}


class Rule(BaseModel):
    name: str
    action: str
    port: int


@app.post("/rules", status_code=201)
def create(rule: Rule) -> Rule:
    if rule.name in RULES:
        raise HTTPException(409, "exists")
    RULES[rule.name] = rule
    return rule


@app.get("/rules/{name}")
def read(name: str) -> Rule:
    if name not in RULES:
        raise HTTPException(404, "no such rule")
    return RULES[name]


@app.delete("/rules/{name}", status_code=204)
def delete(name: str) -> None:
    RULES.pop(name, None)
"""
TESTS = """\
import pytest
from fastapi.testclient import TestClient

from app.main import RULES, app

client = TestClient(app)


@pytest.fixture(autouse=True)
def empty():
    RULES.clear()


@pytest.mark.parametrize("port", [22, 80, 443, 8080])
def test_create_and_read(port):
    rule = {"name": f"r{port}", "action": "allow", "port": port}
    assert client.post("/rules", json=rule).status_code == 201
    assert client.get(f"/rules/r{port}").json() == rule


def test_conflict():
    rule = {"name": "r", "action": "deny", "port": 1}
    client.post("/rules", json=rule)
    assert client.post("/rules", json=rule).status_code == 409


def test_missing():
    assert client.get("/rules/none").status_code == 404


def test_delete():
    client.post("/rules", json={"name": "r", "action": "deny", "port": 1})
    assert client.delete("/rules/r").status_code == 204
    assert client.get("/rules/r").status_code == 404
"""


def fixture_project(root: Path) -> tuple[Path, str]:
    for relative, text in {
        "app/__init__.py": "",
        "app/main.py": APP,
        "tests/test_api.py": TESTS,
    }.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root, "fixture FastAPI service (7 tests)"


def generated_project(root: Path) -> tuple[Path, str] | None:
    try:
        from service_creator.domain.requirements import Requirements
        from service_creator.generation.offline.generator import render_project  # type: ignore[import-not-found]
    except ImportError:
        return None
    requirements = Requirements(
        service_type="vFirewall",
        service_name="bench-firewall",
        vendors=["Cisco"],
        features=["traffic_filtering", "nat"],
        pricing_model="monthly",
        vendor_api="REST",
        auth_methods=["api_key"],
        logging=["json"],
        deployment="docker_compose",
    )
    try:
        files = render_project(requirements)
    except ServiceCreatorError as exc:
        print(f"the generator failed ({exc}); using the fixture project", file=sys.stderr)
        return None
    for generated in files:
        path = root / generated.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(generated.content)
    return root, "generated vFirewall / Cisco service (offline engine)"


def timed(action: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def host_venv(settings: Settings) -> Path:
    """A host venv with exactly the sandbox image's packages, from the same wheelhouse."""
    digest = hashlib.sha256(" ".join(BASE_PACKAGES).encode()).hexdigest()[:12]
    venv = settings.sandbox.wheelhouse.parent / f"bench-venv-{digest}"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--no-index"]
        pip += ["--find-links", str(settings.sandbox.wheelhouse), *BASE_PACKAGES]
        subprocess.run(pip, check=True)
    return python


def host_run(project: Path, python: Path) -> None:
    """pytest on the host; its temporary files on a tmpfs too (/dev/shm), as in the sandbox."""
    args = [a for a in PYTEST_ARGS if not a.startswith(("--rootdir", "--junitxml"))]
    memory = "/dev/shm" if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(dir=memory) as scratch:
        cmd = [str(python), "-m", "pytest", *args, f"--rootdir={project}"]
        cmd.append(f"--junitxml={scratch}/junit.xml")
        env = {**os.environ, "TMPDIR": scratch, "PYTHONDONTWRITEBYTECODE": "1"}
        done = subprocess.run(cmd, cwd=project, env=env, capture_output=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the host run failed:\n{done.stdout.decode()[-3000:]}")


INSIDE: dict[str, list[float]] = {}
SERVICE: dict[str, list[float]] = {}  # the service check's own time, per way
STARTED: dict[str, list[float]] = {}  # ... of which until the service answered
GVISOR_DOCKERD = Path(__file__).resolve().parents[1] / "scripts" / "gvisor-dockerd.sh"
ENGINE_CLIENTS: dict[str, dict] = {}


@contextlib.contextmanager
def on_engine(host: str | None) -> Iterator[None]:
    """Run the sandbox on the engine at `host` (None: the environment's), each with its client."""
    saved = os.environ.get("DOCKER_HOST")
    if host:
        os.environ["DOCKER_HOST"] = host
    sandbox._clients = ENGINE_CLIENTS.setdefault(host or "", {})  # one client kept per engine
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("DOCKER_HOST", None)
        else:
            os.environ["DOCKER_HOST"] = saved


@contextlib.contextmanager
def gvisor_engine() -> Iterator[str]:
    """A private dockerd with runsc (scripts/gvisor-dockerd.sh), stopped at the end."""
    directory = tempfile.mkdtemp(prefix="sc-gvisor-", dir="/tmp")
    script = ["bash", str(GVISOR_DOCKERD)]
    env = {**os.environ, "SANDBOX_PYTHON": sys.executable}
    subprocess.run([*script, "start", directory], check=True, env=env, stdin=subprocess.DEVNULL)
    try:
        yield f"unix://{directory}/docker.sock"
    finally:
        close_warm()
        subprocess.run([*script, "stop", directory], check=True, stdin=subprocess.DEVNULL)
        shutil.rmtree(directory, ignore_errors=True)


def sandbox_run(name: str, project: Path, settings: Settings, warm: bool, host: str | None) -> None:
    with on_engine(host):
        report = run_in_sandbox(project, settings, warm=warm)
    if report.outcome != "passed":
        raise SystemExit(f"the sandbox run ended {report.outcome}: {report.output[-3000:]}")
    if report.runtime != settings.sandbox.runtime:
        raise SystemExit(f"{name} ran under {report.runtime}, not {settings.sandbox.runtime}")
    INSIDE.setdefault(name, []).append(report.duration)  # the runner's own time
    service = report.service
    if service is not None and service.outcome == "passed":
        SERVICE.setdefault(name, []).append(service.seconds)
        STARTED.setdefault(name, []).append(service.start_seconds or 0.0)


def line(name: str, times: list[float], host: float | None = None) -> str:
    median = statistics.median(times)
    extra = ""
    if host is not None:
        extra = f"  +{median - host:5.2f} s over the host, {median / host:4.2f}x"
    return f"{name:11} median {median:5.2f} s  (min {min(times):.2f}, max {max(times):.2f}){extra}"


def sandbox_ways(
    project: Path, settings: Settings, runsc_project: Path | None, runsc_host: str | None
) -> dict[str, Callable[[], None]]:
    """cold and warm under runc; with a gVisor engine, cold and warm under runsc too."""
    runc = settings_for(settings, "runc")
    ways: dict[str, Callable[[], None]] = {
        "cold": lambda: sandbox_run("cold", project, runc, False, None),
        "warm": lambda: sandbox_run("warm", project, runc, True, None),
    }
    if runsc_project is not None and runsc_host is not None:
        runsc = settings_for(settings, "runsc")
        ways["cold runsc"] = lambda: sandbox_run(
            "cold runsc", runsc_project, runsc, False, runsc_host
        )
        ways["warm runsc"] = lambda: sandbox_run(
            "warm runsc", runsc_project, runsc, True, runsc_host
        )
    return ways


def settings_for(settings: Settings, runtime: str) -> Settings:
    sandbox_settings = settings.sandbox.model_copy(update={"runtime": runtime})
    return settings.model_copy(update={"sandbox": sandbox_settings})


def report(times: dict[str, list[float]]) -> None:
    host_median = statistics.median(times["host"])
    print(line("host", times["host"]))
    for name, values in times.items():
        if name != "host":
            print(line(name, values, host_median))
    for name, values in times.items():
        if name in INSIDE:
            inside = statistics.median(INSIDE[name][-len(values) :])
            outside = statistics.median(values) - inside
            print(f"{name}: in the container {inside:.2f} s, around it {outside:.2f} s (median)")
    for runtime_way in ("cold runsc", "warm runsc"):
        if runtime_way in INSIDE:
            runc_way = runtime_way.split()[0]
            ratio = statistics.median(INSIDE[runtime_way]) / statistics.median(INSIDE[runc_way])
            print(f"{runtime_way}: in the container {ratio:.2f}x the runc time")
    for name, values in SERVICE.items():
        check, start = statistics.median(values), statistics.median(STARTED[name])
        without = statistics.median(times[name]) - check - host_median
        print(
            f"{name}: service check {check:.2f} s (answering after {start:.2f} s); "
            f"without it +{without:.2f} s over the host"
        )
    print("load average (1, 5, 15 min) at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    cold_over = statistics.median(times["cold"]) - host_median
    warm_over = statistics.median(times["warm"]) - host_median
    print(f"target cold within 1.5 s of the host: {'met' if cold_over <= 1.5 else 'MISSED'}")
    print(f"target warm within 0.3 s of the host: {'met' if warm_over <= 0.3 else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--project", type=Path)
    parser.add_argument("--no-runsc", action="store_true", help="skip the gVisor (runsc) ways")
    options = parser.parse_args()
    settings = Settings.from_env()
    print(f"sandbox image: {build_image(settings)}")
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-sandbox-")))
        if options.project:
            project, what = options.project.resolve(), str(options.project)
        else:
            project, what = generated_project(scratch / "p") or fixture_project(scratch / "p")
        runsc_project, runsc_host = None, None
        if not options.no_runsc:
            runsc_project = Path(shutil.copytree(project, scratch / "runsc-copy"))
            runsc_host = stack.enter_context(gvisor_engine())
        print(f"project: {what}; runs: {options.runs} each")
        python = host_venv(settings)
        host_run(project, python)  # warm the page cache
        ways = {"host": lambda: host_run(project, python)}
        ways.update(sandbox_ways(project, settings, runsc_project, runsc_host))
        for name, action in ways.items():  # prepares the warm containers
            if name.startswith("warm"):
                action()
        INSIDE.clear()
        SERVICE.clear()
        STARTED.clear()
        times: dict[str, list[float]] = {name: [] for name in ways}
        for _ in range(options.runs):  # interleaved, so load changes hit all of them alike
            for name, action in ways.items():
                times[name] += timed(action, 1)
        close_warm()
    report(times)


if __name__ == "__main__":
    main()
