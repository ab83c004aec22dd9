"""The offline engine's projects, proven: every service type with every vendor.

Each combination varies the other answers (vendor API, pricing, authentication, logging,
features, product) so every option is used somewhere. Every project is rendered into its own
directory and checked the way its CI would: `ruff check` and `black --check` with the project's
own pyproject.toml, `node --check` on the portal client, the YAML files parsed, and the project's
own test suite run by pytest in a subprocess with a clean environment.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from service_creator.domain import catalog
from service_creator.domain.requirements import (
    FEATURES_BY_SERVICE_TYPE,
    SERVICE_TYPES,
    VENDORS,
    Requirements,
)
from service_creator.generation.offline.generator import render_project

pytestmark = pytest.mark.slow

APIS = ("REST", "NETCONF", "SSH", "SDK")
PRICING = ("monthly", "hourly", "usage_based", "tiered")
AUTH = ("api_key", "oauth2", "jwt", "mtls", "basic")
LOGGING = ("json", "syslog", "prometheus", "audit", "elk")
PRICES = (10.0, 0.25, 1999.99, 0.05, 42.0)
LONG_DESCRIPTION = (
    "Managed virtual network functions for regulated tenants: provisioned in minutes, "
    "billed exactly, audited end to end, and kept on the supported vendor API versions (v2) "
    "at all times, no exceptions."
)
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


def _combination(index: int, service_type: str, vendor: str) -> Requirements:
    """One of the 20 combinations; `index` rotates the other answers."""
    type_index = SERVICE_TYPES.index(service_type)
    features = list(FEATURES_BY_SERVICE_TYPE[service_type])
    if index % 3 == 2:  # every third project: a single feature, to exercise the lean paths
        features = [features[index % len(features)]]
    products = catalog.products(service_type, vendor)
    return Requirements(
        service_type=service_type,
        service_name=f"{service_type.lower()}-{catalog.vendor_slug(vendor)}-svc",
        vendors=[vendor],
        products={vendor: products[index % len(products)].label},
        features=features,
        pricing_model=PRICING[index % 4],
        price=PRICES[index % len(PRICES)],
        tiers=2 + index % 4,
        vendor_api=APIS[(type_index + VENDORS.index(vendor)) % 4],
        api_docs_url="https://developer.example.com/api/v2" if index % 2 else None,
        auth_methods=[AUTH[index % 5]] + ([AUTH[(index + 2) % 5]] if index % 2 else []),
        logging=[LOGGING[index % 5], LOGGING[(index + 1) % 5]]
        + (["audit"] if index % 4 == 0 else []),
        deployment="both",
        description=LONG_DESCRIPTION if index % 5 == 0 else "",
    )


def combinations() -> dict[str, Requirements]:
    cases = {}
    for index, (service_type, vendor) in enumerate((t, v) for t in SERVICE_TYPES for v in VENDORS):
        requirements = _combination(index, service_type, vendor)
        cases[f"{service_type}-{catalog.vendor_slug(vendor)}"] = requirements
    cases["vRouter-multivendor"] = Requirements(
        service_type="vRouter",
        service_name="multi-vendor-router",
        vendors=["Cisco", "Juniper", "Palo Alto"],
        products={"Cisco": "CSR1000v"},
        features=["bgp", "static_routes", "vrf"],
        pricing_model="hourly",
        price=0.75,
        vendor_api="SSH",
        auth_methods=["jwt", "api_key"],
        logging=["json", "prometheus", "audit"],
        deployment="both",
    )
    cases["vVPN-compose-only"] = Requirements(
        service_type="vVPN",
        service_name="vpn-compose",
        vendors=["Fortinet", "Cisco"],
        products={"Cisco": "Catalyst 8000V"},
        features=["site_to_site", "remote_access", "mfa", "split_tunnelling"],
        pricing_model="usage_based",
        price=0.02,
        vendor_api="REST",
        auth_methods=["oauth2", "mtls"],
        logging=["elk", "syslog"],
        deployment="docker_compose",
    )
    return cases


CASES = combinations()


@dataclass
class Checked:
    """What the checks of one rendered project found."""

    directory: Path
    files: list[str]
    ruff: subprocess.CompletedProcess[str] | None = None
    black: subprocess.CompletedProcess[str] | None = None
    node: subprocess.CompletedProcess[str] | None = None
    portal: subprocess.CompletedProcess[str] | None = None
    pytest: subprocess.CompletedProcess[str] | None = None
    yaml_error: str = ""


def _clean_env(home: Path) -> dict[str, str]:
    """No PYTHONPATH or virtualenv of ours, and no third-party pytest plugins: like the sandbox."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }


def _run(command: list[str], directory: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=directory,
        env=_clean_env(directory.parent),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _check(directory: Path, requirements: Requirements) -> Checked:
    files = render_project(requirements)
    for generated in files:
        path = directory / generated.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(generated.content, encoding="utf-8")
    checked = Checked(directory, [f.path for f in files])
    python = sys.executable
    checked.ruff = _run([python, "-m", "ruff", "check", "--no-cache", "."], directory, 60)
    checked.black = _run([python, "-m", "black", "--check", "--diff", "."], directory, 60)
    checked.node = _run(["node", "--check", "portal_integration.js"], directory, 60)
    checked.portal = _run(
        ["node", "--input-type=module", "-e", PORTAL_DRIVER, "portal_integration.js"],
        directory,
        60,
    )
    try:
        for name in checked.files:
            if name.endswith((".yml", ".yaml")):
                list(yaml.safe_load_all((directory / name).read_text(encoding="utf-8")))
    except yaml.YAMLError as exc:
        checked.yaml_error = str(exc)
    checked.pytest = _run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        directory,
        300,
    )
    return checked


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Checked]:
    """Every case rendered and checked, two at a time (the machine has two cores)."""
    root = tmp_path_factory.mktemp("offline-projects")

    def one(case: str) -> Checked:
        directory = root / case / "project"
        directory.mkdir(parents=True)
        return _check(directory, CASES[case])

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(CASES, pool.map(one, CASES), strict=True))


def _output(result: subprocess.CompletedProcess[str] | None) -> str:
    assert result is not None
    return (result.stdout + result.stderr)[-6000:]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("tool", ["ruff", "black", "node"])  # node: the portal client parses
def test_the_project_passes(checked: dict[str, Checked], case: str, tool: str) -> None:
    result = getattr(checked[case], tool)
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


@pytest.mark.parametrize("case", CASES)
def test_project_tests_pass(checked: dict[str, Checked], case: str) -> None:
    result = checked[case].pytest
    output = _output(result)
    assert result is not None and result.returncode == 0, output
    passed = re.search(r"(\d+) passed", output)
    assert passed and int(passed.group(1)) > MIN_TESTS, output
    assert not re.search(r"\d+ (failed|errors?|skipped)", output), output


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
