"""What a prompt shows of the files a file is built on: symbol tables cut to what it can use."""

from __future__ import annotations

from collections.abc import Collection

from service_creator.codeintel.index import ContextIndex
from service_creator.codeintel.views import dependency_context
from service_creator.domain.project import FileSpec, GeneratedFile

API = """from fastapi import FastAPI
from pydantic import BaseModel, Field
from config import settings

Vendor = Literal["Cisco", "F5"]
BANNER = "a long string literal that nobody who imports this module needs to read"
TIMEOUT = 5


class Settings(BaseModel):
    port: int = 8080
    database_url: str = Field(default="sqlite:///state.db", description="where state is kept")


class InstanceIn(BaseModel):
    name: str
    vendor: Vendor = "Cisco"


class _Cache:
    size: int = 3


class Principal:
    subject: str


def _helper() -> None:
    pass


def create_app() -> FastAPI:
    return FastAPI()


app = create_app()


@app.post("/instances")
def create_instance(body: InstanceIn, principal: str, manager: object) -> dict:
    return {}
"""
TESTS = "def test_a():\n    pass\n\n\ndef test_b():\n    pass\n"


MODELS = """from dataclasses import dataclass

DEFAULT_LIMIT = 100
Plan = Literal["basic", "pro"]


class NotFound(LookupError):
    pass


@dataclass
class Instance:
    id: str
    plan: Plan = "basic"


@dataclass
class Usage:
    quantity: float


@dataclass
class Audit:
    actor: str


class Repository:
    def get(self, instance_id: str) -> Instance | None:
        return None

    def usage(self, instance_id: str, limit: int = DEFAULT_LIMIT) -> list[Usage]:
        return []


def audit_log() -> list[Audit]:
    return []
"""


def context(
    consumer: str,
    language: str,
    *deps: str,
    uses: dict[str, list[str]] | None = None,
    whole: Collection[str] = (),
) -> str:
    index = ContextIndex.from_files(
        [
            GeneratedFile(path="api.py", content=API),
            GeneratedFile(path="models.py", content=MODELS),
            GeneratedFile(path="test_api.py", content=TESTS),
            GeneratedFile(path="requirements.txt", content="fastapi\nhttpx\n"),
        ]
    )
    spec = FileSpec(
        path=consumer, purpose="", language=language, depends_on=list(deps), uses=uses or {}
    )
    return dependency_context(index, spec, list(deps), whole=whole)


def test_a_python_file_sees_public_definitions_without_imports_or_privates():
    shown = context("manager.py", "python", "api.py")
    assert "class InstanceIn(BaseModel)" in shown and "def create_app() -> FastAPI" in shown
    assert "POST /instances -> create_instance" in shown and "def create_instance(" in shown
    assert "import" not in shown and "_helper" not in shown and "_Cache" not in shown
    assert 'Vendor = Literal["Cisco", "F5"]' in shown  # a type alias keeps its value
    assert "BANNER = ..." in shown and "nobody" not in shown  # a long literal does not
    assert "database_url: str = ..." in shown


def test_a_test_file_sees_routes_not_the_handlers_injected_parameters():
    shown = context("test_api2.py", "python", "api.py")
    assert "POST /instances -> create_instance" in shown
    assert "principal" not in shown and "def create_app() -> FastAPI" in shown


def test_a_portal_sees_the_api_surface():
    shown = context("portal.js", "javascript", "api.py")
    assert "POST /instances -> create_instance" in shown and "    name: str" in shown
    assert "class Settings(BaseModel)" in shown  # the environment it runs in
    assert "create_app" not in shown and "TIMEOUT" not in shown
    assert "Principal" not in shown  # a class with fields, but not on the wire


def test_a_file_sees_the_names_it_imports_and_the_types_they_mention():
    shown = context("manager.py", "python", "models.py", uses={"models.py": ["Repository"]})
    assert "class Repository\n    def get(self, instance_id: str) -> Instance | None" in shown
    assert "class Instance\n    id: str\n    plan: Plan = " in shown  # a return type
    assert "class Usage\n    quantity: float" in shown  # and the one of the other method
    assert 'Plan = Literal["basic", "pro"]' in shown  # a field's type, through Instance
    assert "DEFAULT_LIMIT" in shown  # a default in a signature: a name the caller may pass
    assert "Audit" not in shown and "NotFound" not in shown and "audit_log" not in shown


def test_a_field_default_is_not_followed():
    config = MODELS + "\n\nclass Config:\n    limit: int = DEFAULT_LIMIT\n"
    index = ContextIndex.from_files([GeneratedFile(path="models.py", content=config)])
    uses = {"models.py": ["Config", "NotFound"]}
    spec = FileSpec(
        path="app.py", purpose="", language="python", depends_on=["models.py"], uses=uses
    )
    assert dependency_context(index, spec, ["models.py"]) == (
        "# models.py (python)\nclass NotFound(LookupError)\n"
        "class Config\n    limit: int = DEFAULT_LIMIT"
    )


def test_a_dependency_written_otherwise_is_shown_whole():
    """The plan says `get_repository`; the file defines no such name: the file that imports
    it sees every public name, to adapt to what is there."""
    uses = {"models.py": ["Repository", "get_repository"]}
    shown = context("manager.py", "python", "models.py", uses=uses)
    assert "class NotFound(LookupError)" in shown and "def audit_log() -> list[Audit]" in shown
    assert shown == context("manager.py", "python", "models.py")


def test_a_test_file_sees_the_files_it_tests_whole():
    uses = {"api.py": ["create_app"], "models.py": ["Instance"]}
    shown = context("test_app.py", "python", "api.py", "models.py", uses=uses, whole={"api.py"})
    assert "class InstanceIn(BaseModel)" in shown and "TIMEOUT = 5" in shown  # api.py: whole
    assert "class Instance\n" in shown and "class Repository" not in shown  # models.py: used


def test_deployment_files_see_settings_routes_and_constants():
    shown = context("kubernetes.yaml", "yaml", "api.py", "test_api.py", "requirements.txt")
    assert "class Settings(BaseModel)" in shown and "    port: int = 8080" in shown
    assert "TIMEOUT = 5" in shown and "POST /instances" in shown
    assert "InstanceIn" not in shown and "create_app" not in shown
    assert "# test_api.py (python): 2 tests" in shown
    assert "fastapi\nhttpx" in shown  # a file without symbols comes as its text
