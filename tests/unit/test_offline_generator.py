"""The offline engine's project templates: determinism, plan order, strictness, and content.

The slow end-to-end proof (lint, format and the generated test suites) is in
tests/e2e/test_offline_combinations.py; here everything runs in-process and fast, including a
sweep of every service type, vendor, product and vendor API through the generated device clients.
"""

from __future__ import annotations

import ast
import glob
import importlib.util
import itertools
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType
from typing import Any

import black
import pytest
import yaml

from service_creator.domain import catalog
from service_creator.domain.errors import GenerationError
from service_creator.domain.project import FileSpec
from service_creator.domain.requirements import (
    FEATURES_BY_SERVICE_TYPE,
    SERVICE_TYPES,
    VENDORS,
    Requirements,
)
from service_creator.generation.offline import generator, samples
from service_creator.generation.offline.generator import render_file, render_project, template_name
from service_creator.generation.offline.pysource import py, py_text
from service_creator.generation.plan import plan

APIS = ("REST", "NETCONF", "SSH", "SDK")


def requirements(**overrides: Any) -> Requirements:
    answers: dict[str, Any] = {
        "service_type": "vRouter",
        "service_name": "edge-router",
        "vendors": ["Cisco"],
        "features": ["bgp", "static_routes"],
        "pricing_model": "monthly",
        "price": 12.5,
        "vendor_api": "REST",
        "auth_methods": ["api_key"],
        "logging": ["json"],
        "deployment": "both",
    }
    return Requirements(**{**answers, **overrides})


def files_of(r: Requirements) -> dict[str, str]:
    return {f.path: f.content for f in render_project(r)}


# --- the API -----------------------------------------------------------------------------------


def test_output_is_deterministic() -> None:
    r = requirements(vendors=["Cisco", "Juniper"], auth_methods=["jwt", "oauth2"])
    first = render_project(r)
    generator.environment.cache_clear()
    assert render_project(r) == first
    assert render_project(Requirements.model_validate(r.model_dump())) == first


@pytest.mark.parametrize("deployment", ["docker_compose", "kubernetes", "both"])
def test_files_come_in_plan_order(deployment: str) -> None:
    r = requirements(deployment=deployment)
    assert [f.path for f in render_project(r)] == [spec.path for spec in plan(r)]


def test_render_file_matches_render_project() -> None:
    r = requirements()
    rendered = files_of(r)
    for spec in plan(r):
        assert render_file(spec, r) == rendered[spec.path]


def test_every_file_is_non_empty_and_ends_with_a_newline() -> None:
    for path, content in files_of(requirements()).items():
        assert content.strip(), path
        assert content.endswith("\n") and not content.endswith("\n\n"), path


def test_every_planned_file_has_a_packaged_template() -> None:
    """Each template is found by the package-data glob `offline/templates/**/*` (which, like
    setuptools, skips hidden directories: hence `github/`, not `.github/`)."""
    package = Path(generator.__file__).parents[1]
    packaged = {
        Path(p).relative_to(package / "offline" / "templates").as_posix()
        for p in glob.glob(str(package / "offline/templates/**/*"), recursive=True)
        if Path(p).is_file()
    }
    names = {template_name(spec.path) for spec in plan(requirements())}
    assert template_name(".github/workflows/ci.yml") == "github/workflows/ci.yml.j2"
    assert names <= packaged
    assert all(name.endswith(".j2") for name in packaged)


def test_a_missing_template_value_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real = generator.build_context

    def without_name(r: Requirements) -> dict[str, Any]:
        context = real(r)
        del context["name"]
        return context

    monkeypatch.setattr(generator, "build_context", without_name)
    spec = next(s for s in plan(requirements()) if s.path == "config.py")
    with pytest.raises(GenerationError, match="undefined") as caught:
        render_file(spec, requirements())
    assert "'name' is undefined" in str(caught.value)


def test_an_unknown_file_is_an_error() -> None:
    spec = FileSpec(path="notes.txt", purpose="nothing we render", language="text")
    with pytest.raises(GenerationError, match="no template"):
        render_file(spec, requirements())


# --- content follows the answers -----------------------------------------------------------------


def test_bgp_router_content() -> None:
    files = files_of(requirements(features=["bgp"], vendor_api="SSH"))
    assert "class BgpConfig(Strict)" in files["schemas.py"]
    assert "class BgpNeighbor(Strict)" in files["schemas.py"]
    assert "def _bgp_neighbors(" in files["vendor_integration.py"]
    assert "router bgp {local_as}" in files["vendor_integration.py"]
    assert "class StaticRoute" not in files["schemas.py"]
    assert '"bgp_neighbor"' in files["test_suite.py"]
    assert "static_route" not in files["vendor_integration.py"]


@pytest.mark.parametrize(
    ("service_type", "feature", "marker"),
    [
        ("vFirewall", "traffic_filtering", "class FirewallRule(Strict)"),
        ("vFirewall", "nat", "class NatRule(Strict)"),
        ("vFirewall", "vpn", "class Tunnel(Strict)"),
        ("vRouter", "ospf", "class OspfConfig(Strict)"),
        ("vRouter", "vrf", "class Vrf(Strict)"),
        ("vLoadBalancer", "health_checks", "class HealthCheck(Strict)"),
        ("vLoadBalancer", "l7_routing", "class L7Rule(Strict)"),
        ("vVPN", "mfa", "class Mfa(Strict)"),
        ("vVPN", "split_tunnelling", "class SplitTunnel(Strict)"),
    ],
)
def test_feature_schemas_come_and_go(service_type: str, feature: str, marker: str) -> None:
    others = [f for f in FEATURES_BY_SERVICE_TYPE[service_type] if f != feature]
    with_it = files_of(requirements(service_type=service_type, features=[feature]))
    without = files_of(requirements(service_type=service_type, features=others))
    assert marker in with_it["schemas.py"]
    assert marker not in without["schemas.py"]


def test_load_balancers_always_have_pools() -> None:
    files = files_of(requirements(service_type="vLoadBalancer", features=["ssl_offload"]))
    assert "class Pool(Strict)" in files["schemas.py"]
    assert "class VirtualServer(Strict)" in files["schemas.py"]


def test_vendor_api_shapes() -> None:
    rest = files_of(requirements(service_type="vFirewall", features=["nat"], vendors=["F5"]))
    assert 'base_path = "/mgmt/tm"' in rest["vendor_integration.py"]
    assert "import httpx" in rest["vendor_integration.py"]
    netconf = files_of(requirements(vendor_api="NETCONF", vendors=["Juniper"]))
    assert "<edit-config>" in netconf["vendor_integration.py"]
    assert "class NetconfTransport" in netconf["vendor_integration.py"]
    assert "import httpx" not in netconf["vendor_integration.py"]
    ssh = files_of(requirements(vendor_api="SSH", vendors=["Fortinet"]))
    assert "class SshTransport" in ssh["vendor_integration.py"]
    assert "def native_commands" in ssh["vendor_integration.py"]
    sdk = files_of(requirements(vendor_api="SDK", vendors=["Palo Alto"]))
    assert 'module = "panos"' in sdk["vendor_integration.py"]
    assert "class SdkObjects" in sdk["vendor_integration.py"]


def test_only_the_chosen_auth_methods_are_generated() -> None:
    files = files_of(requirements(auth_methods=["basic", "mtls"]))
    api = files["api_endpoints.py"]
    assert "def authenticate_basic(" in api and "def authenticate_mtls(" in api
    assert "verify_jwt" not in api and "X-API-Key" not in api and "introspect" not in api
    assert "basic" in files["portal_integration.js"]
    assert "apiKey" not in files["portal_integration.js"]


def test_only_the_chosen_logging_is_generated() -> None:
    plain = files_of(requirements(logging=["syslog"]))["api_endpoints.py"]
    assert "SysLogHandler" in plain and "/metrics" not in plain and "/audit" not in plain
    full = files_of(requirements(logging=["prometheus", "audit", "elk"]))
    assert '@router.get("/metrics"' in full["api_endpoints.py"]
    assert '@router.get("/audit"' in full["api_endpoints.py"]
    assert "class EcsFormatter" in full["api_endpoints.py"]
    assert "CREATE TABLE IF NOT EXISTS audit_log" in full["database_schema.sql"]
    assert "audit_log" not in files_of(requirements(logging=["json"]))["database_schema.sql"]


@pytest.mark.parametrize(
    ("model", "marker"),
    [
        ("monthly", "Monthly fee"),
        ("hourly", "Uptime"),
        ("usage_based", "Usage, "),
        ("tiered", "Tier {tier + 1}"),
    ],
)
def test_billing_follows_the_pricing_model(model: str, marker: str) -> None:
    files = files_of(requirements(pricing_model=model, price=3.5, tiers=4))
    assert marker in files["service_manager.py"]
    assert 'DEFAULT_PRICE = "3.5"' in files["config.py"]
    assert f"def test_billing_follows_the_{model}_model" in files["test_suite.py"]


def test_deployment_files_parse() -> None:
    files = files_of(requirements(logging=["prometheus"]))
    documents = list(yaml.safe_load_all(files["kubernetes.yaml"]))
    kinds = {d["kind"] for d in documents}
    assert {"Deployment", "Service", "ConfigMap"} <= kinds
    deployment = next(d for d in documents if d["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    compose = yaml.safe_load(files["docker-compose.yml"])
    assert "edge-router" in compose["services"]
    workflow = yaml.safe_load(files[".github/workflows/ci.yml"])
    steps = " ".join(str(s.get("run", "")) for s in workflow["jobs"]["test"]["steps"])
    assert "ruff check" in steps and "black --check" in steps and "pytest" in steps
    assert "FROM python:3.11-slim" in files["Dockerfile"]
    assert "USER app" in files["Dockerfile"] and "HEALTHCHECK" in files["Dockerfile"]


def test_requirements_txt_names_only_the_sandbox_packages() -> None:
    lines = files_of(requirements())["requirements.txt"].split()
    assert [re.split(r"[<>=]", line)[0] for line in lines] == [
        "fastapi",
        "uvicorn",
        "pydantic",
        "httpx",
        "pytest",
    ]
    assert all(">=" in line for line in lines)


def test_free_text_stays_inside_literals() -> None:
    """The longest description and product labels the validators allow become literals that
    fit the line length and evaluate back to the same text."""
    description = ("Firewall rules; NAT (static) + VPN: 1,000 tenants - " * 4)[:200].strip()
    product = ("Custom appliance image v7.2, hardened (FIPS) - " * 5)[:200].strip()
    r = requirements(description=description, products={"Cisco": product})
    files = files_of(r)
    for path, content in files.items():
        if path.endswith(".py"):
            assert max(len(line) for line in content.splitlines()) <= 100, path
            ast.parse(content)
    config = files["config.py"]
    namespace: dict[str, Any] = {}
    exec(compile(config.split("\n\n\n")[0] + "\n", "config.py", "exec"), namespace)  # constants
    assert namespace["DESCRIPTION"] == description
    assert namespace["PRODUCTS"] == {"Cisco": product}


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        'say "hi"',
        "it's",
        {"a": [1, 2.5, None, True], "b": {"c": "d"}},
        [[1, 2], [], {}],
        {"k" * 30: "v" * 60},
    ],
)
def test_python_literals_are_exact_and_black_stable(value: Any) -> None:
    source = f"x = {py(value)}\n"
    assert ast.literal_eval(py(value)) == value
    assert black.format_str(source, mode=black.Mode(line_length=100)) == source


def test_long_text_splits_into_a_black_stable_concatenation() -> None:
    text = "word " * 60
    source = f"TEXT = {py_text(text, 0, 7)}\n"
    assert ast.literal_eval(py_text(text, 0, 7)) == text
    assert black.format_str(source, mode=black.Mode(line_length=100)) == source


# --- every vendor, product and API through the generated device clients --------------------------


def _load(path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import a generated module under a unique name (dropped from sys.modules after the test)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    return module


SWEEP = [
    (service_type, vendor, product.label, api)
    for service_type, vendor in itertools.product(SERVICE_TYPES, VENDORS)
    for product in catalog.products(service_type, vendor)
    for api in APIS
]
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


@pytest.mark.parametrize(("service_type", "vendor", "product", "api"), SWEEP)
def test_device_clients_speak_each_vendor_api(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    service_type: str,
    vendor: str,
    product: str,
    api: str,
) -> None:
    features = list(FEATURES_BY_SERVICE_TYPE[service_type])
    r = requirements(
        service_type=service_type,
        vendors=[vendor],
        products={vendor: product},
        features=features,
        vendor_api=api,
    )
    files = files_of(r)
    for name in ("schemas.py", "vendor_integration.py"):
        (tmp_path / name).write_text(files[name], encoding="utf-8")
    tag = re.sub(r"\W", "_", f"{service_type}_{vendor}_{product}_{api}")
    schemas = _load(tmp_path / "schemas.py", f"gen_schemas_{tag}", monkeypatch)
    integration = _load(tmp_path / "vendor_integration.py", f"gen_vendor_{tag}", monkeypatch)
    sample = samples.combined(service_type, features)
    create = schemas.InstanceConfig.model_validate(sample.create).model_dump(mode="json")
    update = schemas.InstanceConfig.model_validate(sample.update).model_dump(mode="json")

    device = integration.SimulatedDevice(vendor)
    client = integration.build_clients({}, {vendor: device})[vendor]
    client.provision("i1", samples.INSTANCE_NAME, create)
    created = device.received("create")
    assert {(r.kind, r.name) for r in created} == set(sample.objects)
    client.update("i1", samples.INSTANCE_NAME, create, update)
    assert {(r.kind, r.name) for r in device.received("delete")} == set(sample.deleted_on_update)
    client.deprovision("i1", samples.INSTANCE_NAME, update)
    assert not device.objects
    assert client.status("i1")["state"] == "up"

    for request in device.requests:
        _assert_shaped(api, request)


def _assert_shaped(api: str, request: Any) -> None:
    if api in ("REST", "SDK"):
        assert request.target.startswith("/"), request
        assert request.method in ("GET", "POST", "PUT", "PATCH", "DELETE")
        if request.payload:
            assert isinstance(json.loads(request.payload), dict)
        if api == "SDK" and request.operation in ("create", "update", "delete"):
            assert request.call.endswith("." + request.operation), request
    elif api == "NETCONF":
        root = ET.fromstring(request.payload)
        assert root.tag.endswith("}rpc")
    else:
        lines = request.payload.splitlines()
        assert lines, request
        for line in lines:
            assert line.strip() and line == line.rstrip(), request.payload
            assert "  " not in line.strip(), request.payload
            assert not PLACEHOLDER.search(line), request.payload
