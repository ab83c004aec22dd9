"""The plan: which files a service project has, and which files each one is built on.

The plan is a DAG whose edges are the project's real imports. Config, models, schemas and the
vendor integration stand alone (the SQL schema follows the models, as an ORM's would); the
service manager builds on them, the API on it, the tests on the API; the docs and deployment
files hang off what they describe. Files with no path between them generate concurrently, so
every edge here costs wall time: add one only for an import.

The interfaces: which names each file imports from the files it is built on. `with_interfaces`
takes them from a seed, a project for the same requirements whose files are known to work
together; the caller supplies it (a `Seed`: operations/generate.py passes the offline engine's
project). A model then writes each file knowing which names other files will import from it
(`exports`), and sees of each dependency what it imports from it (codeintel/views.py), except
in a test file, which sees the files it tests (`under_test`) whole.

The reads: which requirements (fields of `Requirements`; each interview question answers one,
`requirement_of`) each file's content reads. A change of requirements regenerates the files that
read a changed one and, since a file is written against the files it is built on, every file
built on those, transitively (`files_touched`); the others are not rendered again. The table is
declared here and checked against the offline templates (tests/unit/test_plan_reads.py renders
every file under changed answers: only the files declared to read a changed requirement differ).
"""

from __future__ import annotations

from collections.abc import Callable
from graphlib import TopologicalSorter

from service_creator.codeintel.consistency import imported_names
from service_creator.domain.project import FileSpec, GeneratedFile
from service_creator.domain.requirements import Requirements
from service_creator.domain.testfiles import is_test_file

EVERY_REQUIREMENT = list(Requirements.model_fields)

_ALL: tuple[FileSpec, ...] = (
    FileSpec(
        path="requirements.txt",
        purpose="Python dependencies",
        language="text",
        reads=["vendor_api"],
    ),
    FileSpec(
        path="pyproject.toml",
        purpose="ruff, black and pytest settings",
        language="text",
        reads=["description", "service_name", "service_type", "vendor_api", "vendors"],
    ),
    FileSpec(
        path="config.py",
        purpose="Settings from the environment",
        language="python",
        reads=[
            *("api_docs_url", "auth_methods", "description", "logging", "price"),
            *("pricing_model", "products", "service_name", "service_type", "tiers"),
            *("vendor_api", "vendors"),
        ],
    ),
    FileSpec(
        path="models.py",
        purpose="Domain models and their persistence (applies database_schema.sql)",
        language="python",
        reads=["logging", "service_type"],
    ),
    FileSpec(
        path="database_schema.sql",
        purpose="SQL schema of the service's state: the tables behind the domain models",
        language="sql",
        depends_on=["models.py"],
        reads=["logging", "service_name", "vendors"],
    ),
    FileSpec(
        path="schemas.py",
        purpose="Pydantic request and response schemas of the API",
        language="python",
        reads=["features", "logging", "pricing_model", "service_type", "vendors"],
    ),
    FileSpec(
        path="vendor_integration.py",
        purpose="Client for the vendor device API, with a simulated device",
        language="python",
        reads=["api_docs_url", "features", "products", "service_type", "vendor_api", "vendors"],
    ),
    FileSpec(
        path="service_manager.py",
        purpose="Provisioning, update, delete, status and billing",
        language="python",
        depends_on=["config.py", "models.py", "schemas.py", "vendor_integration.py"],
        reads=["logging", "price", "pricing_model", "service_type"],
    ),
    FileSpec(
        path="api_endpoints.py",
        purpose="FastAPI application: routes, auth, logging",
        language="python",
        depends_on=[
            "config.py",
            "models.py",
            "schemas.py",
            "vendor_integration.py",
            "service_manager.py",
        ],
        reads=["auth_methods", "logging", "pricing_model", "service_name", "service_type"],
    ),
    FileSpec(
        path="test_suite.py",
        purpose="pytest suite exercising every endpoint",
        language="python",
        depends_on=[
            "config.py",
            "models.py",
            "schemas.py",
            "vendor_integration.py",
            "api_endpoints.py",
        ],
        reads=[
            "auth_methods",
            "features",
            "logging",
            "price",
            "pricing_model",
            "products",
            "service_name",
            "service_type",
            "vendor_api",
            "vendors",
        ],
    ),
    FileSpec(
        path="portal_integration.js",
        purpose="Customer portal client for the API",
        language="javascript",
        depends_on=["api_endpoints.py", "schemas.py"],
        reads=[
            "auth_methods",
            "logging",
            "pricing_model",
            "service_name",
            "service_type",
            "vendors",
        ],
    ),
    FileSpec(
        path="README.md",
        purpose="What the service does and how to run it",
        language="markdown",
        depends_on=["api_endpoints.py", "config.py"],
        reads=EVERY_REQUIREMENT,
    ),
    FileSpec(
        path="Dockerfile",
        purpose="Container image of the service",
        language="dockerfile",
        depends_on=["requirements.txt", "config.py"],
        reads=["service_name"],
    ),
    FileSpec(
        path="docker-compose.yml",
        purpose="Local deployment",
        language="yaml",
        depends_on=["Dockerfile", "config.py"],
        reads=["auth_methods", "deployment", "logging", "service_name", "vendors"],
    ),
    FileSpec(
        path="kubernetes.yaml",
        purpose="Kubernetes deployment, service and config",
        language="yaml",
        depends_on=["Dockerfile", "config.py"],
        reads=["auth_methods", "deployment", "logging", "price", "service_name"],
    ),
    FileSpec(
        path=".github/workflows/ci.yml",
        purpose="CI: lint and test",
        language="yaml",
        depends_on=["requirements.txt", "pyproject.toml"],
        reads=["service_name"],
    ),
)

# the seed of a plan's interfaces: a working project for the requirements
Seed = Callable[[Requirements], list[GeneratedFile]]

_DEPLOYMENT_FILES = {
    "docker-compose.yml": ("docker_compose", "both"),
    "kubernetes.yaml": ("kubernetes", "both"),
}


def plan(requirements: Requirements) -> list[FileSpec]:
    """The files this service needs, each after every file it depends on."""
    specs = {
        spec.path: spec
        for spec in _ALL
        if requirements.deployment in _DEPLOYMENT_FILES.get(spec.path, (requirements.deployment,))
    }
    order = TopologicalSorter(
        {path: [d for d in spec.depends_on if d in specs] for path, spec in specs.items()}
    ).static_order()
    return [specs[path] for path in order]


def with_interfaces(specs: list[FileSpec], seed: list[GeneratedFile]) -> list[FileSpec]:
    """`specs`, each with the names it imports from each of its dependencies in `seed`."""

    imports = imported_names(seed)
    interfaced: list[FileSpec] = []
    for spec in specs:
        uses = {d: names for d, names in imports.get(spec.path, {}).items() if d in spec.depends_on}
        interfaced.append(spec.model_copy(update={"uses": uses}))
    return interfaced


def exports(specs: list[FileSpec], path: str) -> list[str]:
    """The names other files of the plan import from `path`."""
    return list(dict.fromkeys(name for spec in specs for name in spec.uses.get(path, [])))


def under_test(spec: FileSpec, specs: list[FileSpec]) -> set[str]:
    """The files a test file tests: its dependencies that none of the others is built on (the
    API, for a suite that also imports the settings and the simulated device)."""
    if not is_test_file(spec.path):
        return set()
    by_path = {s.path: s for s in specs}
    built_on = {d for path in spec.depends_on if path in by_path for d in by_path[path].depends_on}
    return set(spec.depends_on) - built_on


def requirement_of(question_id: str) -> str | None:
    """The requirement an interview question's answer sets (`product_<vendor>`: `products`), or
    None for a question that sets none (the confirmation)."""
    if question_id.startswith("product_"):
        return "products"
    return question_id if question_id in Requirements.model_fields else None


def changed_requirements(old: Requirements, new: Requirements) -> set[str]:
    """The requirements whose values differ between `old` and `new`."""
    return {name for name in Requirements.model_fields if getattr(old, name) != getattr(new, name)}


def files_touched(
    old: Requirements, new: Requirements, specs: list[FileSpec] | None = None
) -> set[str]:
    """The files of `specs` (default: `plan(new)`) to regenerate when `old` becomes `new`: the
    files that read a changed requirement, the files the old plan did not have, and every file
    built on one of those, transitively."""
    specs = plan(new) if specs is None else specs
    changed = changed_requirements(old, new)
    added = {spec.path for spec in plan(new)} - {spec.path for spec in plan(old)}
    touched = {spec.path for spec in specs if changed & set(spec.reads) or spec.path in added}
    built_on_by: dict[str, set[str]] = {}
    for spec in specs:
        for dependency in spec.depends_on:
            built_on_by.setdefault(dependency, set()).add(spec.path)
    waiting = list(touched)
    while waiting:
        for dependent in built_on_by.get(waiting.pop(), set()) - touched:
            touched.add(dependent)
            waiting.append(dependent)
    return touched
