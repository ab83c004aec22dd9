"""The offline engine's projects, proven as delivered: every service type with every vendor.

Each combination varies the other answers (vendor API, pricing, authentication, logging,
features, product) so every option is used somewhere. Each project is generated the way a user
does it: an answers file, `service-creator interview --answers`, then `service-creator generate`
(the real generate operation: render, validate, write) into its own folder. What it wrote is then
checked as its CI checks it, with the steps read from its own `.github/workflows/ci.yml` (ruff,
black, pytest; see ci_steps.py), plus `node` on the portal client and the YAML files parsed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from cases import ANSWERS, APIS, AUTH, CASES, CLI, COMBINATIONS, LOGGING, PRICING, generate
from ci_steps import CI_STEPS, Step, clean_env, failures, run_ci

from service_creator.domain.config import Settings
from service_creator.domain.requirements import (
    FEATURES_BY_SERVICE_TYPE,
    SERVICE_TYPES,
    VENDORS,
    AnswerValue,
)
from service_creator.generation.validate import PROJECT_TOOLS

pytestmark = pytest.mark.slow

MIN_TESTS = 40  # every generated suite has at least this many tests
# Calls every function of the portal client with a fetch that records instead of sending.
PORTAL_DRIVER = """
import { pathToFileURL } from "node:url";
const portal = await import(pathToFileURL(process.argv[1]).href);
const calls = [];
const fetch = async (url, init) => {
  const { method, headers, body } = init;
  calls.push({ url: String(url), method, headers, body: body ?? null });
  const status = init.method === "DELETE" ? 204 : 200;
  return { status, ok: true, json: async () => ({}), text: async () => "" };
};
const client = portal.createClient({
  baseUrl: "https://svc.example.net", apiKey: "key", token: "token",
  username: "user", password: "pässword", fetch,
});
const id = "0123456789abcdef0123456789abcdef";
await client.health();
await client.listInstances("acme");
await client.createInstance({ name: "edge-1", tenant: "acme", config: {} });
await client.getInstance(id);
await client.updateInstance(id, {});
await client.deleteInstance(id);
await client.getStatus(id);
await client.recordUsage(id, 1.5);
await client.listUsage(id);
await client.getBilling(id);
if (client.getMetrics) await client.getMetrics();
if (client.listAudit) await client.listAudit(5);
console.log(JSON.stringify(calls));
"""


@dataclass
class Checked:
    """What `generate` reported and wrote for one case, and what the checks found."""

    directory: Path
    generated: dict[str, object]  # `generate --json`
    files: list[str]
    ci: list[Step] = field(default_factory=list[Step])
    node: subprocess.CompletedProcess[str] | None = None
    portal: subprocess.CompletedProcess[str] | None = None
    yaml_error: str = ""


def _node(arguments: list[str], directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", *arguments],
        cwd=directory,
        env={**clean_env(directory.parent), "PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _check(folder: Path, answers: dict[str, AnswerValue]) -> Checked:
    generated = generate(answers, folder)
    directory = folder / "project"
    files = generated["files"]
    assert isinstance(files, list)
    checked = Checked(directory, generated, [str(f) for f in files])
    checked.ci = run_ci(directory)
    checked.node = _node(["--check", "portal_integration.js"], directory)
    checked.portal = _node(
        ["--input-type=module", "-e", PORTAL_DRIVER, "portal_integration.js"], directory
    )
    try:
        for name in checked.files:
            if name.endswith((".yml", ".yaml")):
                list(yaml.safe_load_all((directory / name).read_text(encoding="utf-8")))
    except yaml.YAMLError as exc:
        checked.yaml_error = str(exc)
    return checked


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Checked]:
    """Every case generated and checked, two at a time (the machine has two cores)."""
    root = tmp_path_factory.mktemp("offline-projects")

    def one(case: str) -> Checked:
        folder = root / case
        folder.mkdir()
        return _check(folder, ANSWERS[case])

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(CASES, pool.map(one, CASES), strict=True))


def _output(result: subprocess.CompletedProcess[str] | None) -> str:
    assert result is not None
    return (result.stdout + result.stderr)[-6000:]


def test_the_cases_are_every_combination() -> None:
    assert set(COMBINATIONS) <= set(CASES) and len(COMBINATIONS) == 20


@pytest.mark.parametrize("case", CASES)
def test_generate_wrote_every_file_of_its_report(checked: dict[str, Checked], case: str) -> None:
    """What the user gets is what `generate` reported: every file written, none in conflict."""
    generated = checked[case].generated
    assert generated["engine"] == "offline"
    assert sorted(generated["written"]) == sorted(checked[case].files)  # type: ignore[arg-type]
    assert generated["conflicts"] == [] and generated["findings"] == []
    for name in checked[case].files:
        assert (checked[case].directory / name).is_file(), name


@pytest.mark.parametrize("case", CASES)
def test_the_project_passes_its_ci(checked: dict[str, Checked], case: str) -> None:
    """ruff, black and pytest as the project's CI runs them, on what `generate` wrote."""
    steps = checked[case].ci
    assert [step.command for step in steps] == CI_STEPS
    assert all(step.passed for step in steps), failures(steps)
    tests = steps[-1].result.stdout
    passed = re.search(r"(\d+) passed", tests)
    assert passed and int(passed.group(1)) > MIN_TESTS, tests[-6000:]
    assert not re.search(r"\d+ (failed|errors?|skipped)", tests), tests[-6000:]


@pytest.mark.parametrize("case", CASES)
def test_validation_formats_with_the_settings_the_project_carries(
    checked: dict[str, Checked], case: str
) -> None:
    """The ruff and black settings validation applies are the project's pyproject.toml's."""
    project = tomllib.loads((checked[case].directory / "pyproject.toml").read_text())
    applied = tomllib.loads(PROJECT_TOOLS.read_text())
    assert project["tool"]["ruff"] == applied["tool"]["ruff"]
    assert project["tool"]["black"] == applied["tool"]["black"]
    assert "python_files" not in project["tool"]["pytest"]["ini_options"]  # the standard ones


@pytest.mark.parametrize("case", CASES)
def test_the_portal_client_parses(checked: dict[str, Checked], case: str) -> None:
    result = checked[case].node
    assert result is not None and result.returncode == 0, _output(result)


@pytest.mark.parametrize("case", CASES)
def test_portal_client_calls_every_route(checked: dict[str, Checked], case: str) -> None:
    """Each client function hits a route of the API, with the credentials it was given."""
    result = checked[case].portal
    assert result is not None and result.returncode == 0, _output(result)
    calls = json.loads(result.stdout)
    api = (checked[case].directory / "api_endpoints.py").read_text(encoding="utf-8")
    routes = {(m.upper(), p) for m, p in re.findall(r'@router\.(\w+)\("([^"]+)"', api)}
    called = {
        (call["method"], re.sub(r"/[0-9a-f]{32}", "/{instance_id}", call["url"].split("?")[0]))
        for call in calls
    }
    assert {(m, "https://svc.example.net" + p) for m, p in routes} == called
    methods = CASES[case].auth_methods
    for call in calls:
        headers = call["headers"]
        if call["url"].endswith("/healthz") or methods == ["mtls"]:
            continue
        assert "X-API-Key" in headers or "Authorization" in headers, call
    create = next(c for c in calls if c["method"] == "POST" and c["url"].endswith("/instances"))
    assert json.loads(create["body"])["vendor"] == CASES[case].vendors[0]


@pytest.mark.parametrize("case", CASES)
def test_yaml_parses(checked: dict[str, Checked], case: str) -> None:
    assert checked[case].yaml_error == ""


@pytest.mark.parametrize("case", CASES)
def test_deployment_files_follow_the_answer(checked: dict[str, Checked], case: str) -> None:
    files = set(checked[case].files)
    deployment = CASES[case].deployment
    assert ("docker-compose.yml" in files) == (deployment in ("docker_compose", "both"))
    assert ("kubernetes.yaml" in files) == (deployment in ("kubernetes", "both"))
    assert {"Dockerfile", ".github/workflows/ci.yml", "test_suite.py"} <= files


def test_every_option_is_covered() -> None:
    """The rotation reaches every answer: a gap here means an option is never proven."""
    used: dict[str, set[str]] = {
        "api": set(),
        "pricing": set(),
        "auth": set(),
        "logging": set(),
        "features": set(),
    }
    for requirements in CASES.values():
        used["api"].add(requirements.vendor_api)
        used["pricing"].add(requirements.pricing_model)
        used["auth"].update(requirements.auth_methods)
        used["logging"].update(requirements.logging)
        used["features"].update(requirements.features)
    assert used["api"] == set(APIS)
    assert used["pricing"] == set(PRICING)
    assert used["auth"] == set(AUTH)
    assert used["logging"] == set(LOGGING)
    assert used["features"] == {f for fs in FEATURES_BY_SERVICE_TYPE.values() for f in fs}
    pairs = {(r.service_type, v) for r in CASES.values() for v in r.vendors}
    assert pairs >= {(t, v) for t in SERVICE_TYPES for v in VENDORS}


# --- in the sandbox: the tests, the device transports, and the service started --------------


@pytest.fixture(scope="module")
def sandboxed(
    checked: dict[str, Checked], sandbox_image: str, sandbox_settings: Settings
) -> dict[str, dict[str, Any]]:
    """`service-creator test --json` on every written project, two at a time: its suite (with
    the real device transports against loopback servers), then its service started and called."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICE_CREATOR_")}
    env["SERVICE_CREATOR_SANDBOX_RUNTIME"] = sandbox_settings.sandbox.runtime
    env["SERVICE_CREATOR_SANDBOX_BASE_IMAGE"] = sandbox_settings.sandbox.base_image

    def one(case: str) -> dict[str, Any]:
        done = subprocess.run(
            [*CLI, "test", "--workspace", str(checked[case].directory), "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.stdout, done.stderr[-4000:]
        return json.loads(done.stdout)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(CASES, pool.map(one, CASES), strict=True))


@pytest.mark.docker
@pytest.mark.parametrize("case", CASES)
def test_the_project_runs_in_the_sandbox(sandboxed: dict[str, dict[str, Any]], case: str) -> None:
    output = sandboxed[case]
    report = output["report"]
    assert output["exit_code"] == 0, report["message"] or report["output"][-6000:]
    assert report["passed"] > MIN_TESTS and report["failed"] == report["errors"] == 0
    transports = [t["id"] for t in report["tests"] if "real_transport" in t["id"]]
    assert transports and all(
        t["outcome"] == "passed" for t in report["tests"] if t["id"] in transports
    )
    service = report["service"]
    assert service is not None and service["outcome"] == "passed", service
    assert [check["status"] for check in service["checks"]] == [200, 200], service["checks"]
