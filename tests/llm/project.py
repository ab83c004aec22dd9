"""A small, consistent service project (as ruff and black leave it), and a scripted model
that "writes" it.

`ScriptedModel` answers codegen prompts with these files wrapped in prose and fences (as models
do), and lets a test override what it answers for a path: broken first, fixed on repair, etc.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

from fake_openai import Call, Reply

from service_creator.domain.project import FileSpec

CONFIG = '''"""Settings from the environment."""

import os

from pydantic import BaseModel


class Settings(BaseModel):
    service_name: str = os.environ.get("SERVICE_NAME", "vfw")
    max_instances: int = int(os.environ.get("MAX_INSTANCES", "10"))


settings = Settings()
'''

SCHEMAS = '''"""Request and response schemas."""

from pydantic import BaseModel, Field


class InstanceCreate(BaseModel):
    name: str = Field(min_length=1)
    vendor: str = "Cisco"


class Instance(BaseModel):
    id: int
    name: str
    vendor: str
    status: str = "active"
'''

MANAGER = '''"""Provisioning."""

from config import settings
from schemas import Instance, InstanceCreate


class ServiceManager:
    def __init__(self) -> None:
        self.instances: dict[int, Instance] = {}

    def create(self, request: InstanceCreate) -> Instance:
        if len(self.instances) >= settings.max_instances:
            raise ValueError("too many instances")
        instance = Instance(id=len(self.instances) + 1, name=request.name, vendor=request.vendor)
        self.instances[instance.id] = instance
        return instance

    def get(self, instance_id: int) -> Instance | None:
        return self.instances.get(instance_id)

    def all(self) -> list[Instance]:
        return list(self.instances.values())
'''

API = '''"""The HTTP API."""

from fastapi import FastAPI, HTTPException

from config import settings
from schemas import Instance, InstanceCreate
from service_manager import ServiceManager

app = FastAPI(title=settings.service_name)
manager = ServiceManager()


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/instances", response_model=Instance, status_code=201)
def create_instance(request: InstanceCreate) -> Instance:
    return manager.create(request)


@app.get("/instances/{instance_id}", response_model=Instance)
def get_instance(instance_id: int) -> Instance:
    instance = manager.get(instance_id)
    if instance is None:
        raise HTTPException(status_code=404, detail="no such instance")
    return instance


@app.get("/instances", response_model=list[Instance])
def list_instances() -> list[Instance]:
    return manager.all()
'''

TESTS = '''"""Every route."""

from fastapi.testclient import TestClient

from api_endpoints import app

client = TestClient(app)


def test_health():
    assert client.get("/health").json() == {"status": "ok"}


def test_create_get_and_list():
    created = client.post("/instances", json={"name": "edge"})
    assert created.status_code == 201
    instance_id = created.json()["id"]
    assert client.get(f"/instances/{instance_id}").json()["name"] == "edge"
    assert len(client.get("/instances").json()) >= 1
'''

README = "# vfw\n\nA virtual firewall as a service.\n\n```bash\nuvicorn api_endpoints:app\n```\n"

FILES = {
    "config.py": CONFIG,
    "schemas.py": SCHEMAS,
    "service_manager.py": MANAGER,
    "api_endpoints.py": API,
    "test_suite.py": TESTS,
    "README.md": README,
}

SPECS = [
    FileSpec(path="config.py", purpose="Settings", language="python"),
    FileSpec(path="schemas.py", purpose="Schemas", language="python"),
    FileSpec(
        path="service_manager.py",
        purpose="Provisioning",
        language="python",
        depends_on=["config.py", "schemas.py"],
    ),
    FileSpec(
        path="api_endpoints.py",
        purpose="FastAPI routes",
        language="python",
        depends_on=["config.py", "schemas.py", "service_manager.py"],
    ),
    FileSpec(
        path="test_suite.py",
        purpose="pytest suite",
        language="python",
        depends_on=["api_endpoints.py", "schemas.py"],
    ),
    FileSpec(
        path="README.md",
        purpose="What it does",
        language="markdown",
        depends_on=["api_endpoints.py", "config.py"],
    ),
    FileSpec(
        path="API.md",
        purpose="The HTTP API",
        language="markdown",
        depends_on=["api_endpoints.py", "schemas.py"],
    ),
]

_PATH = re.compile(r"(?:Write the file|The file|fails\. The failure points at) `([^`]+)`")


def requested_path(call: Call) -> str:
    """Which file a codegen, repair or fix prompt is about."""
    for message in call.body["messages"]:
        if message["role"] == "user" and (found := _PATH.search(message["content"])):
            return found.group(1)
    raise AssertionError("not a file prompt")


def kind_of(call: Call) -> str:
    prompt = next(m["content"] for m in call.body["messages"] if m["role"] == "user")
    if prompt.startswith("The file "):
        return "repair"
    return "fix" if prompt.startswith("The test ") else "codegen"


def fenced(path: str, content: str) -> str:
    fence = "markdown" if path.endswith(".md") else "python"
    return f"Sure! Here is `{path}`:\n\n```{fence}\n{content}```\n\nIt follows the plan."


class ScriptedModel:
    """A responder for FakeOpenAI: the project's files, with per-path overrides.

    `overrides[path]` is a list of replies used in order for that path (then the good file);
    each may be a string (the file's content, fenced by us) or a Reply.
    """

    def __init__(self, files: dict[str, str] | None = None, delay: float = 0.0) -> None:
        self.files = dict(files or FILES)
        self.overrides: dict[str, list[str | Reply]] = {}
        self.delay = delay
        self.seen: list[tuple[str, str]] = []  # (kind, path) in arrival order
        self.on_call: Callable[[Call], None] | None = None
        self._lock = threading.Lock()

    def __call__(self, call: Call) -> Reply:
        path, kind = requested_path(call), kind_of(call)
        with self._lock:
            self.seen.append((kind, path))
            queue = self.overrides.get(path)
            planned = queue.pop(0) if queue else None
        if self.on_call:
            self.on_call(call)
        if isinstance(planned, Reply):
            return planned
        content = planned if planned is not None else self.files[path]
        return Reply(fenced(path, content), delay=self.delay)

    def count(self, kind: str, path: str | None = None) -> int:
        return sum(1 for k, p in self.seen if k == kind and path in (None, p))
