"""The generated device transports run in the sandbox: a REST, an SDK, an SSH and a NETCONF
project pass their own tests there, through `service-creator test --workspace D`, including the
tests that drive the real transport against a loopback server (HTTP, asyncssh, NETCONF over SSH:
the image has asyncssh and ncclient, and the container's loopback is all they need)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from service_creator.domain.requirements import FEATURES_BY_SERVICE_TYPE, Requirements
from service_creator.generation.offline.generator import render_project

pytestmark = [pytest.mark.docker, pytest.mark.slow]

PROJECTS = {
    "REST": ("vFirewall", "Cisco", "test_the_real_transport_calls_the_device_api"),
    "SDK": ("vRouter", "F5", "test_the_real_transport_calls_the_device_api"),
    "SSH": ("vLoadBalancer", "Juniper", "test_the_real_transport_runs_the_cli_over_ssh"),
    "NETCONF": ("vRouter", "Cisco", "test_the_real_transport_speaks_netconf_over_ssh"),
}


@pytest.mark.parametrize("api", list(PROJECTS))
def test_the_real_transport_tests_pass_in_the_sandbox(
    sandbox_image: str, tmp_path: Path, api: str
) -> None:
    service_type, vendor, device_test = PROJECTS[api]
    requirements = Requirements(
        service_type=service_type,
        service_name=f"{service_type.lower()}-{api.lower()}",
        vendors=[vendor],
        features=list(FEATURES_BY_SERVICE_TYPE[service_type][:2]),
        pricing_model="hourly",
        vendor_api=api,
        auth_methods=["api_key"],
        logging=["json"],
        deployment="docker_compose",
    )
    for generated in render_project(requirements):
        path = tmp_path / generated.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(generated.content, encoding="utf-8")
    command = [str(Path(sys.executable).parent / "service-creator"), "test"]
    done = subprocess.run(
        [*command, "--workspace", str(tmp_path), "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=os.environ.copy(),
    )
    report = json.loads(done.stdout)["report"]
    outcomes = {test["id"].split("::", 1)[1]: test["outcome"] for test in report["tests"]}
    assert report["outcome"] == "passed", done.stdout[-4000:] + done.stderr[-2000:]
    driven = {name: outcome for name, outcome in outcomes.items() if device_test in name}
    assert driven and set(driven.values()) == {"passed"}, outcomes
