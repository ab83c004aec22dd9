"""Symbol tables (codeintel/symbols.py) and the context index (codeintel/index.py)."""

from __future__ import annotations

import ast
import random
from pathlib import Path

import pytest

from service_creator.codeintel import parsing
from service_creator.codeintel.incremental import changed_span, point_at
from service_creator.codeintel.index import ContextIndex, symbols
from service_creator.codeintel.outline import render_table
from service_creator.domain.project import FileSpec, GeneratedFile


def rows(table):
    return [(s.kind, s.name, s.line, s.detail, s.parent) for s in table.symbols]


def of_kind(table, kind):
    return [(s.name, s.line, s.detail, s.parent) for s in table.symbols if s.kind == kind]


# --- Python ---------------------------------------------------------------------------------

PYTHON = '''\
"""Models."""
from __future__ import annotations

import os
import a.b.c as abc
from typing import Any, Optional as Opt
from .models import Instance
from . import schemas
from config import *

LIMIT = 10
name: str = "svc"
a, b = 1, 2


class Plan(str, Enum):
    BASIC = "basic"


@dataclass
class Instance(BaseModel):
    """An instance."""

    model_config = ConfigDict(frozen=True)
    id: str
    plan: Plan = Plan.BASIC
    tags: list[str] = Field(
        default_factory=list,  # none yet
    )

    def provision(self, x: int, *args, **kw) -> str:
        def inner(): ...
        return ""

    @property
    async def status(
        self,
        verbose: bool = False,  # more words
    ) -> dict[str, Any]:  # the status
        pass


class Detailed(Instance):
    extra: int = 0


def top(a, b=1): return a


async def fetch(url: str) -> bytes:
    import json
    class Local: ...
'''


def test_python_imports_one_symbol_per_bound_name():
    table = symbols("models.py", PYTHON)
    assert of_kind(table, "import") == [
        ("annotations", 2, "from __future__ import annotations", ""),
        ("os", 4, "import os", ""),
        ("abc", 5, "import a.b.c as abc", ""),
        ("Any", 6, "from typing import Any", ""),
        ("Opt", 6, "from typing import Optional as Opt", ""),
        ("Instance", 7, "from .models import Instance", ""),
        ("schemas", 8, "from . import schemas", ""),
        ("*", 9, "from config import *", ""),
    ]


def test_python_classes_bases_fields_methods_and_signatures():
    table = symbols("models.py", PYTHON)
    assert of_kind(table, "class") == [
        ("Plan", 16, "(str, Enum)", ""),
        ("Instance", 21, "(BaseModel)", ""),
        ("Detailed", 43, "(Instance)", ""),
    ]
    assert of_kind(table, "field") == [
        ("BASIC", 17, '= "basic"', "Plan"),
        ("model_config", 24, "= ConfigDict(frozen=True)", "Instance"),
        ("id", 25, ": str", "Instance"),
        ("plan", 26, ": Plan = Plan.BASIC", "Instance"),
        ("tags", 27, ": list[str] = Field(default_factory=list)", "Instance"),
        ("extra", 44, ": int = 0", "Detailed"),
    ]
    assert of_kind(table, "method") == [
        ("provision", 31, "(self, x: int, *args, **kw) -> str", "Instance"),
        ("status", 36, "async (self, verbose: bool = False) -> dict[str, Any]", "Instance"),
    ]
    assert table.pydantic_models() == {"Instance", "Detailed"}


def test_python_functions_variables_and_nothing_nested():
    table = symbols("models.py", PYTHON)
    assert of_kind(table, "function") == [
        ("top", 47, "(a, b=1)", ""),
        ("fetch", 50, "async (url: str) -> bytes", ""),
    ]
    assert of_kind(table, "variable") == [
        ("LIMIT", 11, "= 10", ""),
        ("name", 12, ': str = "svc"', ""),
    ]
    assert "inner" not in table.names()
    assert "Local" not in table.names()
    assert "json" not in table.names()
    assert table.top_level() >= {"Plan", "Instance", "Detailed", "top", "fetch", "LIMIT", "os"}
    assert table.errors == []


ROUTES = """\
from fastapi import APIRouter, FastAPI

app = FastAPI()
router = APIRouter(
    prefix="/v1",
    tags=["x"],
)


@app.get("/instances/{instance_id}", response_model=Out)
async def get_instance(instance_id: str) -> Out: ...


@router.post('/instances/{instance_id}/usage', status_code=201)
@requires_auth
def record_usage(instance_id: str, body: UsageIn): ...


@app.on_event("startup")
def startup(): ...


@app.websocket("/ws")
async def ws(socket): ...


@pytest.mark.parametrize("x", [1])
def test_x(x): ...


@app.delete(f"/instances/{{instance_id}}")
def delete(instance_id): ...
"""


def test_a_signature_ends_at_the_colon_whatever_comments_follow_it():
    source = (
        "class A(Base):  # the base\n    # first\n"
        "    def f(self, x: int) -> int:  # why\n        # a comment first\n        return x\n\n\n"
        "def g(\n    a,  # the a\n) -> str:\n    # later\n    return ''\n"
    )
    assert rows(symbols("m.py", source)) == [
        ("class", "A", 1, "(Base)", ""),
        ("method", "f", 3, "(self, x: int) -> int", "A"),
        ("function", "g", 8, "(a) -> str", ""),
    ]


def test_fastapi_routes_with_method_path_handler_and_router_prefix():
    table = symbols("api_endpoints.py", ROUTES)
    assert of_kind(table, "route") == [
        ("get_instance", 10, "GET /instances/{instance_id}", ""),
        ("record_usage", 14, "POST /v1/instances/{instance_id}/usage", ""),
        ("delete", 31, "DELETE /instances/{instance_id}", ""),
    ]
    method, path, symbol = table.routes()[0]
    assert (method, path, symbol.name) == ("GET", "/instances/{instance_id}", "get_instance")
    assert "startup" in table.names("function")


def test_python_syntax_errors_give_lines_and_the_rest_still_extracts():
    table = symbols("broken.py", "import os\n\ndef f(:\n    pass\n\nclass Ok:\n    x: int\n")
    assert table.errors == [3]
    assert "Ok" in table.names("class")
    assert "x" in table.names("field")


def test_render_is_compact_and_nests_members():
    table = symbols("models.py", PYTHON)
    text = render_table(table)
    assert text.splitlines()[:6] == [
        "# models.py (python)",
        "from __future__ import annotations",
        "import os",
        "import a.b.c as abc",
        "from typing import Any, Optional as Opt",
        "from .models import Instance",
    ]
    assert "class Instance(BaseModel)\n    model_config = ConfigDict(" in text
    assert "    def provision(self, x: int, *args, **kw) -> str\n" in text
    assert "    async def status(self, verbose: bool = False) -> dict[str, Any]\n" in text
    assert "\nasync def fetch(url: str) -> bytes" in text
    assert "class Plan(str, Enum)\n    BASIC = " in text
    assert "LIMIT = 10\nname: str = " in text
    routes = render_table(symbols("api.py", ROUTES))
    assert "GET /instances/{instance_id} -> get_instance\nasync def get_instance(" in routes


def test_a_model_whose_bases_do_not_say_pydantic_is_marked():
    source = "class Strict(BaseModel):\n    x: int\n\n\nclass Out(Strict):\n    y: int\n"
    text = render_table(symbols("schemas.py", source), header=False)
    assert text == "class Strict(BaseModel)\n    x: int\nclass Out(Strict)  # pydantic\n    y: int"


def test_long_details_are_cut():
    table = symbols("x.py", "X = " + repr("a" * 500) + "\n")
    assert len(table.symbols[0].detail) == 100
    assert table.symbols[0].detail.endswith("...")


# --- JavaScript -----------------------------------------------------------------------------

JAVASCRIPT = """\
import axios, { get as fetchIt, post } from "./http.js";
import * as api from "api";
import "./polyfill.js";
const fs = require("fs");
const { join, resolve: res } = require("path");

export const API_BASE = "/v1";
export function listInstances(client, { limit = 10 } = {}) {
  function helper() {}
}
export const createInstance = async (client, body) => client.post(body);
const single = x => x * 2;
const named = function (a) { return a; };
let counter = 0;
function* ids() {}

export default class PortalClient extends BaseClient {
  token = null;
  static version = 2;
  constructor(baseUrl) { super(); }
  async request(method, path) {}
  get ready() { return true; }
}

export { single, named as alias };
module.exports = { listInstances, helper: named };
module.exports.extra = 1;
exports.more = 2;
"""


def test_javascript_imports_including_require():
    table = symbols("portal.js", JAVASCRIPT)
    assert of_kind(table, "import") == [
        ("axios", 1, 'import axios from "./http.js"', ""),
        ("fetchIt", 1, 'import { get as fetchIt } from "./http.js"', ""),
        ("post", 1, 'import { post } from "./http.js"', ""),
        ("api", 2, 'import * as api from "api"', ""),
        ("./polyfill.js", 3, 'import "./polyfill.js"', ""),
        ("fs", 4, 'const fs = require("fs")', ""),
        ("join", 5, 'const { join } = require("path")', ""),
        ("res", 5, 'const { res } = require("path")', ""),
    ]


def test_javascript_functions_classes_and_variables():
    table = symbols("portal.js", JAVASCRIPT)
    assert of_kind(table, "function") == [
        ("listInstances", 8, "(client, { limit = 10 } = {})", ""),
        ("createInstance", 11, "async (client, body)", ""),
        ("single", 12, "(x)", ""),
        ("named", 13, "(a)", ""),
        ("ids", 15, "()", ""),
    ]
    assert of_kind(table, "variable") == [
        ("API_BASE", 7, '= "/v1"', ""),
        ("counter", 14, "= 0", ""),
    ]
    assert of_kind(table, "class") == [("PortalClient", 17, "extends BaseClient", "")]
    assert of_kind(table, "method") == [
        ("constructor", 20, "(baseUrl)", "PortalClient"),
        ("request", 21, "async (method, path)", "PortalClient"),
        ("ready", 22, "get ()", "PortalClient"),
    ]
    assert of_kind(table, "field") == [
        ("token", 18, "= null", "PortalClient"),
        ("version", 19, "= 2", "PortalClient"),
    ]
    assert "helper" not in table.names("function")


def test_javascript_exports_es_and_commonjs():
    table = symbols("portal.js", JAVASCRIPT)
    assert [(name, line, detail) for name, line, detail, _ in of_kind(table, "export")] == [
        ("API_BASE", 7, ""),
        ("listInstances", 8, ""),
        ("createInstance", 11, ""),
        ("default", 17, "PortalClient"),
        ("single", 25, ""),
        ("alias", 25, ""),
        ("listInstances", 26, "module.exports"),
        ("helper", 26, "module.exports"),
        ("extra", 27, "module.exports"),
        ("more", 28, "module.exports"),
    ]
    text = render_table(table)
    assert "export function listInstances(client, { limit = 10 } = {})" in text
    assert "export async function createInstance(client, body)" in text
    assert "export default class PortalClient extends BaseClient\n    token = null" in text
    assert "    async request(method, path)" in text
    assert "export single, alias" in text
    assert "module.exports: listInstances, helper" in text


# --- YAML -----------------------------------------------------------------------------------

COMPOSE = """\
version: "3.9"
services:
  api:
    build: .
    ports: ["8000:8000"]
  db:
    image: postgres:16
volumes: {data: {}}
"""

KUBERNETES = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: svc-config
data:
  LOG_LEVEL: info
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: svc, labels: {app: svc}}
spec:
  replicas: 2
---
kind: "Service"
metadata:
  name: 'svc'
"""


def test_yaml_top_level_keys_with_their_keys():
    table = symbols("docker-compose.yml", COMPOSE)
    assert rows(table) == [
        ("key", "version", 1, '"3.9"', ""),
        ("key", "services", 2, "api, db", ""),
        ("key", "volumes", 8, "data", ""),
    ]
    lines = ['version: "3.9"', "services: api, db", "volumes: data"]
    assert render_table(table).splitlines()[1:] == lines


def test_yaml_kubernetes_documents_give_kind_and_name():
    table = symbols("kubernetes.yaml", KUBERNETES)
    assert rows(table) == [
        ("kind", "ConfigMap", 1, "svc-config", ""),
        ("kind", "Deployment", 8, "svc", ""),
        ("kind", "Service", 14, "svc", ""),
    ]
    assert table.names("kind") == {"ConfigMap", "Deployment", "Service"}


# --- Dockerfile -----------------------------------------------------------------------------

DOCKERFILE = """\
ARG PY=3.12
FROM python:${PY}-slim AS build
ENV PIP_NO_CACHE_DIR=1 APP_HOME=/app
WORKDIR /app
RUN pip install -r requirements.txt

FROM python:3.12-slim
USER 10001
EXPOSE 8000 9090/udp
HEALTHCHECK CMD curl -f http://localhost:8000/health || exit 1
CMD ["uvicorn", "api_endpoints:app", "--host", "0.0.0.0"]
ENTRYPOINT ["/entrypoint.sh"]
"""


def test_dockerfile_stages_ports_and_instructions():
    table = symbols("Dockerfile", DOCKERFILE)
    assert rows(table) == [
        ("variable", "PY", 1, "ARG 3.12", ""),
        ("stage", "build", 2, "python:${PY}-slim", ""),
        ("variable", "PIP_NO_CACHE_DIR", 3, "ENV 1", "build"),
        ("variable", "APP_HOME", 3, "ENV /app", "build"),
        ("key", "WORKDIR", 4, "/app", "build"),
        ("stage", "1", 7, "python:3.12-slim", ""),
        ("key", "USER", 8, "10001", "1"),
        ("port", "8000", 9, "EXPOSE", "1"),
        ("port", "9090/udp", 9, "EXPOSE", "1"),
        ("key", "HEALTHCHECK", 10, "CMD curl -f http://localhost:8000/health || exit 1", "1"),
        ("key", "CMD", 11, '["uvicorn", "api_endpoints:app", "--host", "0.0.0.0"]', "1"),
        ("key", "ENTRYPOINT", 12, '["/entrypoint.sh"]', "1"),
    ]
    text = render_table(table)
    assert "FROM python:${PY}-slim AS build\n    ENV PIP_NO_CACHE_DIR=1" in text
    assert "FROM python:3.12-slim\n    USER 10001\n    EXPOSE 8000\n" in text


# --- SQL and the rest ------------------------------------------------------------------------


def test_sql_tables_and_columns():
    sql = """\
CREATE TABLE IF NOT EXISTS instances (
    id TEXT PRIMARY KEY,
    price NUMERIC(10, 2) NOT NULL,
    created_at TIMESTAMP,
    PRIMARY KEY (id)
);
create table "usage" (instance_id TEXT REFERENCES instances(id), units INTEGER);
"""
    table = symbols("database_schema.sql", sql)
    assert rows(table) == [
        ("class", "instances", 1, "TABLE", ""),
        ("field", "id", 2, "TEXT PRIMARY KEY", "instances"),
        ("field", "price", 3, "NUMERIC(10, 2) NOT NULL", "instances"),
        ("field", "created_at", 4, "TIMESTAMP", "instances"),
        ("class", "usage", 7, "TABLE", ""),
        ("field", "instance_id", 7, "TEXT REFERENCES instances(id)", "usage"),
        ("field", "units", 7, "INTEGER", "usage"),
    ]
    assert render_table(table).splitlines()[1:3] == ["TABLE instances", "    id TEXT PRIMARY KEY"]


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("a/b.py", "python"),
        ("portal_integration.js", "javascript"),
        ("x.mjs", "javascript"),
        ("kubernetes.yaml", "yaml"),
        (".github/workflows/ci.yml", "yaml"),
        ("Dockerfile", "dockerfile"),
        ("deploy/Dockerfile.prod", "dockerfile"),
        ("api.dockerfile", "dockerfile"),
        ("database_schema.sql", "sql"),
        ("README.md", "markdown"),
        ("requirements.txt", "text"),
        ("Makefile", "text"),
    ],
)
def test_language_from_the_file_name(path, language):
    assert parsing.language_for(path) == language


def test_unsupported_languages_give_an_empty_table():
    table = symbols("requirements.txt", "fastapi>=0.110\n")
    assert (table.language, table.symbols, table.errors) == ("text", [], [])


# --- the index: cache, incremental update, context ------------------------------------------


def test_same_content_is_not_parsed_again():
    index = ContextIndex()
    first = index.update("models.py", PYTHON)
    assert (index.full_parses, index.incremental_parses) == (1, 0)
    assert index.update("models.py", PYTHON) is first
    assert (index.full_parses, index.incremental_parses, index.hash_hits) == (1, 0, 1)
    index.update("models.py", PYTHON + "\nX = 1\n")
    assert (index.full_parses, index.incremental_parses) == (1, 1)


def test_content_seen_before_is_not_parsed_again_even_under_another_path():
    index = ContextIndex()
    index.update("a.py", PYTHON)
    index.update("a.py", PYTHON.replace("LIMIT", "MAX"))
    # back to the first version: the tree is at hand, so an incremental parse, with no hash
    index.update("a.py", PYTHON)
    index.update("b.py", PYTHON)  # the same content elsewhere: the first parse's hash
    assert (index.full_parses, index.incremental_parses, index.hash_hits) == (1, 2, 1)
    assert index.table("b.py").path == "b.py"
    assert rows(index.table("b.py")) == rows(symbols("b.py", PYTHON))


EDITS = [
    ("LIMIT = 10", "LIMIT = 20\nDEBUG = True"),  # grow a line, add one
    ("    plan: Plan = Plan.BASIC\n", ""),  # delete a field
    ("class Detailed(Instance):", "class Detailed(Instance, Mixin):"),
    ('"""Models."""\n', ""),  # at the very start
    ("class Local: ...\n", "class Local: ...\n\n\ndef added(x: int) -> int: ...\n"),  # end
    ("def top(a, b=1)", "def top(a, b=1, *, c: str = 'é')"),  # multi-byte text
    ("async def fetch(", "async def fetch(\n"),  # break a signature over lines
    ("class Plan(str, Enum):", "class Plan(str, Enum:"),  # a syntax error
    ("class Plan(str, Enum:", "class Plan(str, Enum):"),  # and its repair
]


def test_incremental_updates_give_the_cold_parse_table():
    index = ContextIndex()
    index.update("models.py", PYTHON)
    text = PYTHON
    for old, new in EDITS:
        assert old in text
        text = text.replace(old, new, 1)
        table = index.update("models.py", text)
        assert rows(table) == rows(symbols("models.py", text)), (old, new)
        assert table.errors == symbols("models.py", text).errors
    # the syntax error is parsed cold; its repair, incrementally from that cold tree
    assert (index.full_parses, index.incremental_parses, index.hash_hits) == (2, len(EDITS) - 1, 0)
    assert index.table("models.py").errors == []


SNIPPETS = (
    "X_{n} = {n}\n",
    "def added_{n}(a: int, *rest) -> None:\n{i}    pass\n",
    "class Added{n}(Base):\n{i}    field_{n}: int = {n}\n",
    "import os as os_{n}\n",
    "a_{n} = 1; b_{n} = 2\n",
    "@app.get('/x/{n}')\n{i}def route_{n}(): ...\n",
)


def valid_edit(source: str, generator: random.Random, n: int) -> str:
    """A random edit that leaves valid Python: a statement inserted before a line with that
    line's indentation, a line deleted, or a name changed."""
    lines = source.splitlines(keepends=True)
    while True:
        at = generator.randrange(len(lines))
        indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())].rstrip("\n")
        choice = generator.random()
        if choice < 0.5:
            snippet = generator.choice(SNIPPETS).format(n=n, i=indent)
            edited = [*lines[:at], indent + snippet, *lines[at:]]
        elif choice < 0.8:
            edited = lines[:at] + lines[at + 1 :]
        else:
            edited = [*lines[:at], lines[at].replace("self", "this", 1), *lines[at + 1 :]]
        text = "".join(edited)
        try:
            ast.parse(text)
        except SyntaxError:
            continue
        return text


@pytest.mark.parametrize("module", ["consistency.py", "symbols.py"])
def test_random_valid_edits_of_a_real_module_are_incremental_and_equal_to_cold(module):
    source = Path(parsing.__file__).with_name(module).read_text()
    generator = random.Random(7)
    index = ContextIndex()
    index.update(module, source)
    for n in range(60):
        source = valid_edit(source, generator, n)
        assert rows(index.update(module, source)) == rows(symbols(module, source)), n
    assert (index.full_parses, index.incremental_parses + index.hash_hits) == (1, 60)
    assert index.spliced_updates == index.incremental_parses


def test_random_breaking_edits_still_give_the_cold_table():
    """Edits anywhere, most leaving a syntax error: then the table is the cold parse's."""
    source = Path(parsing.__file__).with_name("consistency.py").read_text()
    generator = random.Random(4)
    index = ContextIndex()
    index.update("consistency.py", source)
    for _ in range(60):
        start = generator.randrange(len(source) + 1)
        end = min(len(source), start + generator.choice((0, 1, 5, 40, 300)))
        insert = generator.choice(("", "x", "\n", "def f(a):\n    pass\n", "é", "  (", "class"))
        source = source[:start] + insert + source[end:]
        table = index.update("consistency.py", source)
        cold = symbols("consistency.py", source)
        assert (rows(table), table.errors) == (rows(cold), cold.errors)


def test_changed_span_and_points():
    assert changed_span(b"abcdef", b"abXYef") == (2, 4, 4)
    assert changed_span(b"abc", b"abc\nd") == (3, 3, 5)
    assert changed_span(b"aaaa", b"aa") == (2, 4, 2)  # prefix and suffix never overlap
    assert changed_span(b"", b"x") == (0, 0, 1)
    assert point_at(b"ab\ncd\n", 4) == (1, 1)
    assert point_at("é\nx".encode(), 2) == (0, 2)  # byte columns


def test_points_read_from_the_tree_are_the_points_counted_from_the_top():
    source = (PYTHON + "\n\n# trailing comment\n\n").encode()
    root = parsing.parser("python").parse(source).root_node
    for offset in range(len(source) + 1):
        assert point_at(source, offset, root) == point_at(source, offset), offset


def test_changed_span_agrees_with_a_byte_by_byte_scan():
    def scan(old: bytes, new: bytes) -> tuple[int, int, int]:
        start = 0
        while start < min(len(old), len(new)) and old[start] == new[start]:
            start += 1
        end = 0
        while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
            end += 1
        return start, len(old) - end, len(new) - end

    pick = random.Random(4)
    for _ in range(2000):
        old = bytes(pick.choice(b"ab\n") for _ in range(pick.randint(0, 12)))
        new = bytes(pick.choice(b"ab\n") for _ in range(pick.randint(0, 12)))
        assert changed_span(old, new) == scan(old, new), (old, new)


def test_index_keeps_no_trees_when_asked():
    index = ContextIndex(keep_trees=False)
    index.update("a.py", "x = 1\n")
    index.update("a.py", "x = 2\n")
    assert (index.full_parses, index.incremental_parses) == (2, 0)
    assert index.tree("a.py") is None


def test_context_for_renders_the_dependencies_only():
    files = [
        GeneratedFile(path="config.py", content="class Settings(BaseSettings):\n    port: int\n"),
        GeneratedFile(path="models.py", content="class Instance:\n    id: str\n"),
        GeneratedFile(path="requirements.txt", content="fastapi\nuvicorn\n"),
        GeneratedFile(path="schemas.py", content="class Unrelated: ...\n"),
    ]
    index = ContextIndex.from_files(files)
    spec = FileSpec(
        path="service_manager.py",
        purpose="x",
        language="python",
        depends_on=["config.py", "models.py", "requirements.txt", "vendor_integration.py"],
    )
    assert index.context_for(spec) == (
        "# config.py (python)\nclass Settings(BaseSettings)\n    port: int\n\n"
        "# models.py (python)\nclass Instance\n    id: str\n\n"
        "# requirements.txt (text)\nfastapi\nuvicorn\n\n"
        "# vendor_integration.py (not generated yet)"
    )


def test_a_router_prefix_change_updates_routes_elsewhere_in_the_file():
    index = ContextIndex()
    index.update("api.py", ROUTES)
    edited = ROUTES.replace('prefix="/v1"', 'prefix="/v2"')
    table = index.update("api.py", edited)
    assert "POST /v2/instances/{instance_id}/usage" in {s.detail for s in table.symbols}
    assert index.spliced_updates == 0  # the prefix is not in the routes' statements
    edited = edited.replace("def startup(): ...", "def startup(x: int): ...")
    table = index.update("api.py", edited)
    assert index.spliced_updates == 1
    assert rows(table) == rows(symbols("api.py", edited))


def test_brief_rendering_drops_private_names_and_folds_foreign_imports():
    source = """\
from __future__ import annotations
import json
from dataclasses import dataclass, field
from models import Instance
from .schemas import Out
import httpx

_CACHE = {}
LIMIT = 3


class Client:
    _session: object = None
    timeout: float = 5.0

    def __init__(self, url: str) -> None: ...
    def _retry(self) -> None: ...
    def get(self, path: str) -> dict: ...


class _Hidden:
    x: int = 1


def _helper(): ...
def public(instance: Instance) -> Out: ...
"""
    table = symbols("client.py", source)
    assert render_table(table, brief=True, project={"models", "schemas"}) == (
        "# client.py (python)\n"
        "# imports: json, dataclasses, httpx\n"
        "from models import Instance\n"
        "from .schemas import Out\n"
        "LIMIT = 3\n"
        "class Client\n"
        "    timeout: float = 5.0\n"
        "    def __init__(self, url: str) -> None\n"
        "    def get(self, path: str) -> dict\n"
        "def public(instance: Instance) -> Out"
    )
    full = render_table(table)
    assert "_helper" in full
    assert "import json" in full


def test_an_edit_away_from_every_router_leaves_the_prefixes_alone():
    from service_creator.codeintel.extract_python import may_change_prefixes, router_prefixes

    old = (ROUTES + "\n" + "x = 1\n" * 80 + 'other = APIRouter(prefix="/v2")\n').encode()
    pick = random.Random(7)
    checked = 0
    for _ in range(3000):
        start = pick.randint(0, len(old))
        end = min(len(old), start + pick.randint(0, 6))
        insert = bytes(pick.choice(b'x"= \n(') for _ in range(pick.randint(0, 3)))
        new = old[:start] + insert + old[end:]
        if may_change_prefixes(old, start, end) or may_change_prefixes(
            new, start, start + len(insert)
        ):
            continue
        checked += 1
        assert router_prefixes(new) == router_prefixes(old), (start, end, insert)
    assert checked > 1000  # most edits are far from a router
    assert may_change_prefixes(old, old.index(b"/v1"), old.index(b"/v1") + 1)
