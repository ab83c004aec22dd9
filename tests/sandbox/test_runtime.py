"""The sandbox's runtime (runc or gVisor's runsc), resolved against real engines: the main one
(runc only) and a private dockerd with runsc registered. Each test names its engine, so it
runs the same in a runc and in a runsc session."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import docker
import pytest
from sandbox_helpers import ProjectFactory, our_containers, settings_with

from service_creator.domain.config import Settings
from service_creator.domain.errors import SandboxError
from service_creator.sandbox import docker as sandbox
from service_creator.sandbox.runs import run_in_sandbox
from service_creator.sandbox.runtime import (
    RUNSC_BYTES_PER_PROCESS,
    RUNSC_MIN_PROCESSES,
    parse_bytes,
    resolve_runtime,
    runsc_process_limit,
)

GVISOR_PROBE = """\
import pathlib
import subprocess


def test_the_kernel_is_gvisor():
    version = pathlib.Path('/proc/version').read_text()
    assert version != {host_version!r}, version
    log = subprocess.run(['dmesg'], capture_output=True, text=True, check=True).stdout
    assert log.splitlines()[0].endswith('Starting gVisor...'), log
"""
RUNC_PROBE = """\
import pathlib


def test_the_kernel_is_the_hosts():
    assert pathlib.Path('/proc/version').read_text() == {host_version!r}
"""


@pytest.fixture
def main_engine(main_docker_host: str) -> docker.DockerClient:
    client = docker.DockerClient(base_url=main_docker_host)
    if "runsc" in client.info().get("Runtimes", {}):
        pytest.skip("the main engine has runsc registered: no engine here lacks it")
    return client


def engine_settings(settings: Settings, runtime: str) -> Settings:
    return settings_with(settings, runtime=runtime)


def use_engine(monkeypatch: pytest.MonkeyPatch, host: str) -> None:
    """Make `run_in_sandbox` talk to `host` (it opens `docker.from_env()`; clients are kept)."""
    monkeypatch.setenv("DOCKER_HOST", host)
    monkeypatch.setattr(sandbox, "_clients", {})


def host_version() -> str:
    return pathlib.Path("/proc/version").read_text()


def test_process_limit_under_runsc_is_what_the_memory_holds() -> None:
    settings = Settings()
    assert parse_bytes("512m") == 512 << 20 and parse_bytes("1g") == 1 << 30
    assert parse_bytes("65536") == 65536 and parse_bytes("64kb") == 64 << 10
    assert runsc_process_limit(settings) == (512 << 20) // RUNSC_BYTES_PER_PROCESS
    assert runsc_process_limit(settings_with(settings, memory="64m")) == RUNSC_MIN_PROCESSES
    roomy = settings_with(settings, memory="64g", pids_limit=100)
    assert runsc_process_limit(roomy) == 100


@pytest.mark.docker
def test_auto_and_runsc_resolve_to_runsc_on_an_engine_that_has_it(
    gvisor_engine, sandbox_settings: Settings
) -> None:
    client = docker.DockerClient(base_url=gvisor_engine.host)
    assert "runsc" in client.info()["Runtimes"]
    assert resolve_runtime(client, engine_settings(sandbox_settings, "auto")) == "runsc"
    assert resolve_runtime(client, engine_settings(sandbox_settings, "runsc")) == "runsc"
    assert resolve_runtime(client, engine_settings(sandbox_settings, "runc")) == "runc"


@pytest.mark.docker
def test_runsc_on_an_engine_without_it_is_a_clear_error(
    main_engine: docker.DockerClient, sandbox_settings: Settings
) -> None:
    assert resolve_runtime(main_engine, engine_settings(sandbox_settings, "auto")) == "runc"
    with pytest.raises(SandboxError) as caught:
        resolve_runtime(main_engine, engine_settings(sandbox_settings, "runsc"))
    assert "'runsc' is not registered with the Docker engine" in caught.value.message
    hint = caught.value.hint or ""
    assert "apt-get install runsc" in hint
    assert '"runtimeArgs": ["--platform=ptrace", "--network=none"]' in hint


@pytest.mark.docker
def test_a_run_under_runsc_reports_it_and_runs_on_gvisors_kernel(
    gvisor_engine,
    sandbox_image: str,
    sandbox_settings: Settings,
    make_project: ProjectFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_engine(monkeypatch, gvisor_engine.host)
    probe = GVISOR_PROBE.format(host_version=host_version())
    project = make_project({"tests/test_kernel.py": probe})
    report = run_in_sandbox(project, engine_settings(sandbox_settings, "runsc"), warm=False)

    assert report.outcome == "passed", report.output + report.message
    assert report.passed == 1
    assert report.runtime == "runsc"
    assert our_containers(docker.DockerClient(base_url=gvisor_engine.host)) == []


@pytest.mark.docker
def test_a_run_under_runc_reports_it_and_runs_on_the_hosts_kernel(
    main_engine: docker.DockerClient,
    main_docker_host: str,
    sandbox_image: str,
    sandbox_settings: Settings,
    make_project: ProjectFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_engine(monkeypatch, main_docker_host)
    project = make_project({"tests/test_kernel.py": RUNC_PROBE.format(host_version=host_version())})
    report = run_in_sandbox(project, engine_settings(sandbox_settings, "auto"), warm=False)

    assert report.outcome == "passed", report.output + report.message
    assert report.passed == 1
    assert report.runtime == "runc"


def sandbox_info(host: str, runtime: str) -> subprocess.CompletedProcess[str]:
    """`service-creator sandbox info`, as a user runs it, against the engine at `host`."""
    env = {**os.environ, "DOCKER_HOST": host, "SERVICE_CREATOR_SANDBOX_RUNTIME": runtime}
    command = [sys.executable, "-m", "service_creator", "sandbox", "info"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.docker
def test_sandbox_info_shows_the_runtime_each_engine_gives(
    gvisor_engine, main_engine: docker.DockerClient, main_docker_host: str, sandbox_image: str
) -> None:
    gvisor = sandbox_info(gvisor_engine.host, "auto")
    assert gvisor.returncode == 0, gvisor.stdout + gvisor.stderr
    assert "runtime setting:  auto" in gvisor.stdout
    assert "runtime used:     runsc" in gvisor.stdout
    assert f"sandbox image:    {sandbox_image} (present)" in gvisor.stdout

    plain = sandbox_info(main_docker_host, "runsc")
    assert plain.returncode == 1, plain.stdout + plain.stderr
    assert "runtime used:     none" in plain.stdout
    assert "problem: the sandbox runtime 'runsc' is not registered" in plain.stdout
    assert "apt-get install runsc" in plain.stdout
