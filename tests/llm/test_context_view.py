"""What a prompt shows of the files a file is built on: symbol tables cut to what it can use."""

from __future__ import annotations

from service_creator.core.context import ContextIndex
from service_creator.core.context_view import dependency_context
from service_creator.core.models import FileSpec, GeneratedFile

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


def context(consumer: str, language: str, *deps: str) -> str:
    index = ContextIndex.from_files(
        [
            GeneratedFile(path="api.py", content=API),
            GeneratedFile(path="test_api.py", content=TESTS),
            GeneratedFile(path="requirements.txt", content="fastapi\nhttpx\n"),
        ]
    )
    spec = FileSpec(path=consumer, purpose="", language=language, depends_on=list(deps))
    return dependency_context(index, spec, list(deps))


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
    assert "create_app" not in shown and "TIMEOUT" not in shown


def test_deployment_files_see_settings_routes_and_constants():
    shown = context("kubernetes.yaml", "yaml", "api.py", "test_api.py", "requirements.txt")
    assert "class Settings(BaseModel)" in shown and "    port: int = 8080" in shown
    assert "TIMEOUT = 5" in shown and "POST /instances" in shown
    assert "InstanceIn" not in shown and "create_app" not in shown
    assert "# test_api.py (python): 2 tests" in shown
    assert "fastapi\nhttpx" in shown  # a file without symbols comes as its text
