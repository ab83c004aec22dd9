"""The consistency check across the files of one project (codeintel/consistency.py)."""

from __future__ import annotations

import pytest

from service_creator.codeintel.consistency import check_consistency, path_matches
from service_creator.codeintel.index import ContextIndex
from service_creator.domain.project import GeneratedFile
from service_creator.domain.requirements import FEATURES_BY_SERVICE_TYPE, Requirements
from service_creator.generation.offline.generator import render_project

CONFIG = """\
from functools import lru_cache

from pydantic_settings import BaseSettings

SERVICE_NAME = "svc"


class Base(BaseSettings):
    log_level: str = "INFO"


class Settings(Base):
    api_key: str = "dev"
    vendor_timeout_seconds: float = 5.0

    @property
    def is_production(self) -> bool:
        return False


settings = Settings()


@lru_cache
def get_settings() -> Settings:
    return Settings()
"""

SCHEMAS = """\
from pydantic import BaseModel

from config import SERVICE_NAME


class ProvisionIn(BaseModel):
    name: str


class ProvisionOut(ProvisionIn):
    id: str
"""

API = """\
from fastapi import APIRouter, Depends, FastAPI

import config
from config import Settings, get_settings, settings
from schemas import ProvisionIn, ProvisionOut

app = FastAPI(title=config.SERVICE_NAME)
router = APIRouter(prefix="/v1")


@app.post("/instances")
def create(body: ProvisionIn, s: Settings = Depends(get_settings)) -> ProvisionOut:
    timeout = settings.vendor_timeout_seconds
    return ProvisionOut(id="1", name=body.name)


@app.get("/instances/{instance_id}")
def read(instance_id: str) -> ProvisionOut:
    level = get_settings().log_level
    return settings.model_dump()


@router.post("/instances/{instance_id}/usage")
def usage(instance_id: str, settings: Settings = Depends(get_settings)):
    return settings.is_production


@app.delete("/instances/{instance_id}")
def delete(instance_id: str): ...
"""

TESTS = """\
from fastapi.testclient import TestClient

from api_endpoints import app
from schemas import ProvisionOut

BASE = "/v1/instances"
client = TestClient(app)


def test_create():
    client.post("/instances", json={"name": "a"})


def test_read(iid="abc"):
    client.get(f"/instances/{iid}?verbose=1")


def test_usage(iid="abc"):
    client.post(BASE + "/" + iid + "/usage", json={})


def test_delete(iid="abc"):
    client.request("DELETE", "http://testserver/instances/" + iid)
"""


def project(**changes: str) -> list[GeneratedFile]:
    files = {
        "config.py": CONFIG,
        "schemas.py": SCHEMAS,
        "api_endpoints.py": API,
        "test_suite.py": TESTS,
    }
    files.update({path.replace("__", "."): text for path, text in changes.items()})
    return [GeneratedFile(path=path, content=text) for path, text in files.items()]


def one(findings):
    assert len(findings) == 1, [f.message for f in findings]
    return findings[0]


def test_a_consistent_project_has_no_findings():
    assert check_consistency(project()) == []
    assert check_consistency(ContextIndex.from_files(project())) == []


# --- imports --------------------------------------------------------------------------------


def test_an_import_of_a_missing_name_is_found_on_its_line_and_column():
    api = API.replace("from schemas import ProvisionIn, ProvisionOut", "from schemas import (\n"
                      "    ProvisionIn,\n    ProvisionRequest,\n    ProvisionOut,\n)")  # fmt: skip
    finding = one(check_consistency(project(api_endpoints__py=api)))
    assert finding.source == "consistency"
    assert finding.code == "import"
    assert (finding.location.path, finding.location.line, finding.location.column) == (
        "api_endpoints.py",
        5,
        1,
    )
    assert finding.message == (
        "api_endpoints.py imports ProvisionRequest from schemas, but schemas.py defines no "
        "ProvisionRequest (it has: ProvisionOut, ProvisionIn)"  # the closest names first
    )


def test_the_column_points_at_the_name():
    tests = TESTS.replace(
        "from schemas import ProvisionOut", "from schemas import ProvisionOut, Gone"
    )
    finding = one(check_consistency(project(test_suite__py=tests)))
    assert (finding.location.line, finding.location.column) == (4, 35)
    assert "defines no Gone (it has: ProvisionIn, ProvisionOut)" in finding.message


def test_imports_that_resolve_are_not_findings():
    extra = """\
from config import SERVICE_NAME as NAME
from schemas import SERVICE_NAME
from schemas import *
from fastapi import NotInOurProject
from . import schemas
from .schemas import ProvisionOut
import os
import schemas as s

x = s.ProvisionIn
y = os.nothing_we_check
"""
    assert check_consistency([*project(), GeneratedFile(path="extra.py", content=extra)]) == []


def test_a_relative_import_of_a_missing_name_is_found():
    extra = "from .schemas import Missing\n"
    finding = one(check_consistency([*project(), GeneratedFile(path="extra.py", content=extra)]))
    assert "extra.py imports Missing from .schemas, but schemas.py defines no Missing" in (
        finding.message
    )


def test_a_module_attribute_that_does_not_exist_is_found():
    api = API.replace("FastAPI(title=config.SERVICE_NAME)", "FastAPI(title=config.SERVICE_TITLE)")
    finding = one(check_consistency(project(api_endpoints__py=api)))
    assert finding.location.line == 7
    assert finding.location.column == API.splitlines()[6].index("SERVICE_NAME") + 1
    assert finding.message.startswith(
        "api_endpoints.py uses config.SERVICE_TITLE, but config.py defines no SERVICE_TITLE "
        "(it has: SERVICE_NAME, "
    )


def test_a_target_with_syntax_errors_is_named_in_the_message():
    schemas = SCHEMAS.replace("class ProvisionOut(ProvisionIn):", "class ProvisionOut(ProvisionIn:")
    tests = TESTS.replace("from schemas import ProvisionOut", "from schemas import Gone")
    finding = one(check_consistency(project(schemas__py=schemas, test_suite__py=tests)))
    assert finding.message.endswith("; schemas.py has syntax errors on line 10")


# --- routes have tests ----------------------------------------------------------------------


def test_a_route_without_a_test_is_found_on_the_route():
    tests = TESTS.replace('client.request("DELETE", "http://testserver/instances/" + iid)', "pass")
    finding = one(check_consistency(project(test_suite__py=tests)))
    assert finding.code == "untested-route"
    assert (finding.location.path, finding.location.line) == ("api_endpoints.py", 28)
    assert finding.message == (
        "DELETE /instances/{instance_id} (delete in api_endpoints.py) has no test; "
        "the tests call it only with GET"
    )


def test_a_route_whose_path_is_never_called_says_so():
    tests = TESTS.replace('BASE + "/" + iid + "/usage"', 'BASE + "/" + iid + "/usages"')
    finding = one(check_consistency(project(test_suite__py=tests)))
    assert finding.message == (
        "POST /v1/instances/{instance_id}/usage (usage in api_endpoints.py) has no test; "
        "no client.post(...) call in test_suite.py matches the path"
    )


def test_routes_are_not_checked_without_a_test_file():
    files = [f for f in project() if f.path != "test_suite.py"]
    assert check_consistency(files) == []


def test_calls_in_any_test_file_count():
    tests = TESTS.replace('client.request("DELETE", "http://testserver/instances/" + iid)', "pass")
    more = GeneratedFile(
        path="tests/test_more.py",
        content="URL = f'/instances/{1}'\n\ndef test_delete(client):\n    client.delete(URL)\n",
    )
    assert check_consistency([*project(test_suite__py=tests), more]) == []


@pytest.mark.parametrize(
    ("template", "path", "expected"),
    [
        ("/instances", "/instances", True),
        ("/instances", "/instances/", True),
        ("/instances/{id}", "/instances/abc", True),
        ("/instances/{id}", "/instances/{}", True),
        ("/instances/{id}/usage", "/instances/{}/usage", True),
        ("/instances/{id}/usage", "/instances/{}/billing", False),
        ("/instances/{id}", "/instances", False),
        ("/instances", "/instances/abc", False),
        ("/instances/{id}", "/instances/a/b", False),
        ("/healthz", "/health", False),
        ("/instances/static", "/instances/{}", True),  # an f-string field matches anything
        ("/instances/static", "/inst-{}", False),
        ("/files/{rest:path}", "/files/a/b/c", True),
    ],
)
def test_path_matching(template, path, expected):
    assert path_matches(template, path) is expected


# --- settings ---------------------------------------------------------------------------------


def test_a_setting_that_does_not_exist_is_found():
    api = API.replace("settings.vendor_timeout_seconds", "settings.vendor_timeout")
    finding = one(check_consistency(project(api_endpoints__py=api)))
    assert finding.code == "setting"
    assert (finding.location.line, finding.location.column) == (13, 24)
    assert finding.message == (
        "api_endpoints.py uses settings.vendor_timeout, but config.py's Settings has no field "
        "vendor_timeout (it has: vendor_timeout_seconds, api_key, is_production, log_level)"
    )


def test_a_setting_read_through_the_factory_or_a_parameter_is_checked():
    api = API.replace("get_settings().log_level", "get_settings().loglevel")
    api = api.replace("return settings.is_production", "return settings.production")
    findings = check_consistency(project(api_endpoints__py=api))
    assert [f.message.split(", but")[0] for f in findings] == [
        "api_endpoints.py uses get_settings().loglevel",
        "api_endpoints.py uses settings.production",
    ]


def test_settings_in_a_file_that_does_not_import_config_are_not_checked():
    other = GeneratedFile(
        path="other.py", content="def f(settings):\n    return settings.whatever\n"
    )
    assert check_consistency([*project(), other]) == []


def test_a_dataclass_settings_class_is_found_by_what_config_returns():
    config = """\
from dataclasses import dataclass


@dataclass
class DeviceSettings:
    url: str = ""


@dataclass
class AppConfig:
    devices: dict
    price: str = "1"


def load_settings() -> AppConfig:
    return AppConfig({})
"""
    user = """\
from config import AppConfig, load_settings


def price(settings: AppConfig) -> str:
    return settings.price + settings.currency
"""
    files = [
        GeneratedFile(path="config.py", content=config),
        GeneratedFile(path="billing.py", content=user),
    ]
    finding = one(check_consistency(files))
    assert finding.message == (
        "billing.py uses settings.currency, but config.py's AppConfig has no field currency "
        "(it has: devices, price)"
    )


# --- the offline engine's projects ------------------------------------------------------------

COMBINATIONS = [
    ("vFirewall", ["Cisco"], "REST", ["api_key"], "kubernetes", "monthly"),
    ("vRouter", ["Juniper", "Cisco"], "NETCONF", ["oauth2", "jwt"], "both", "usage_based"),
    ("vLoadBalancer", ["F5"], "SDK", ["mtls"], "docker_compose", "tiered"),
    ("vVPN", ["Palo Alto", "Fortinet"], "SSH", ["basic", "api_key"], "both", "hourly"),
]


@pytest.mark.parametrize(
    ("service", "vendors", "api", "auth", "deployment", "pricing"), COMBINATIONS
)
def test_the_offline_projects_are_consistent(service, vendors, api, auth, deployment, pricing):
    requirements = Requirements(
        service_type=service,
        service_name="edge-svc",
        vendors=vendors,
        features=list(FEATURES_BY_SERVICE_TYPE[service]),
        pricing_model=pricing,
        vendor_api=api,
        auth_methods=auth,
        logging=["json", "prometheus"],
        deployment=deployment,
    )
    index = ContextIndex.from_files(render_project(requirements))
    assert check_consistency(index) == []
    # and the check has something to check: routes with their tests, imports between files
    assert len(index.table("api_endpoints.py").routes()) >= 5
    assert any(
        s.detail.startswith("from schemas import") for s in index.table("api_endpoints.py").symbols
    )
    assert all(not table.errors for table in index.tables())


def test_a_broken_offline_project_is_caught():
    service, vendors, api, auth, deployment, pricing = COMBINATIONS[0]
    requirements = Requirements(
        service_type=service,
        service_name="edge-svc",
        vendors=vendors,
        features=["nat"],
        pricing_model=pricing,
        vendor_api=api,
        auth_methods=auth,
        logging=["json"],
        deployment=deployment,
    )
    files = {f.path: f for f in render_project(requirements)}
    api_text = files["api_endpoints.py"].content
    route = next(line for line in api_text.splitlines() if line.startswith("@router.get"))
    broken = api_text.replace(route, route.replace("@router.get", "@router.put"), 1)
    broken = broken.replace("from schemas import ", "from schemas import Missing, ", 1)
    files["api_endpoints.py"] = GeneratedFile(path="api_endpoints.py", content=broken)
    codes = sorted(f.code for f in check_consistency(list(files.values())))
    assert codes == ["import", "untested-route"]


def test_a_path_variable_takes_its_last_value_before_the_call():
    tests = TESTS.replace(
        'client.request("DELETE", "http://testserver/instances/" + iid)',
        'url = "/elsewhere"\n    url = f"/instances/{iid}"\n    client.delete(url)\n'
        '    url = "/later"',
    )
    assert check_consistency(project(test_suite__py=tests)) == []


def test_packages_and_their_submodules_resolve():
    files = [
        GeneratedFile(path="pkg/__init__.py", content="from .core import run\n"),
        GeneratedFile(path="pkg/core.py", content="def run(): ...\n"),
        GeneratedFile(path="pkg/extra.py", content="from . import core\nfrom .core import run\n"),
        GeneratedFile(
            path="main.py", content="from pkg import core, run\nfrom pkg.core import go\n"
        ),
    ]
    finding = one(check_consistency(files))
    assert finding.message.startswith(
        "main.py imports go from pkg.core, but pkg/core.py defines no go (it has: run)"
    )
