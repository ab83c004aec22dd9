"""The plan's interfaces: the names each file imports from the files it is built on, taken from
the seed (the offline engine's project), and what follows from them."""

from __future__ import annotations

import ast

import pytest
from test_offline_generator import requirements

from service_creator.domain.project import FileSpec, GeneratedFile
from service_creator.generation.offline.generator import render_project
from service_creator.generation.plan import exports, plan, under_test, with_interfaces


def module_imports(files: list[GeneratedFile]) -> dict[str, dict[str, list[str]]]:
    """The same facts by Python's own parser: `from <project module> import <name>` statements
    at the top level of each file."""
    modules = {f.path.removesuffix(".py"): f.path for f in files if f.path.endswith(".py")}
    found: dict[str, dict[str, list[str]]] = {}
    for file in files:
        if not file.path.endswith(".py"):
            continue
        for node in ast.parse(file.content).body:
            if isinstance(node, ast.ImportFrom) and node.module in modules:
                names = found.setdefault(file.path, {}).setdefault(modules[node.module], [])
                names += [a.name for a in node.names if a.name not in names]
    return found


@pytest.mark.parametrize(
    "overrides",
    [
        {},  # a vRouter
        {"service_type": "vFirewall", "features": ["traffic_filtering", "nat"]},
        {"auth_methods": ["jwt", "basic", "mtls"], "logging": ["json", "prometheus", "audit"]},
        {"service_type": "vRouter", "features": ["bgp"], "pricing_model": "usage_based"},
        {"vendors": ["Palo Alto", "F5"], "vendor_api": "SSH", "pricing_model": "tiered"},
    ],
)
def test_the_interfaces_are_the_seed_projects_imports(overrides: dict[str, object]):
    req = requirements(**overrides)
    seed = render_project(req)
    specs = with_interfaces(plan(req), seed)
    by_path = {s.path: s for s in specs}
    expected = module_imports(seed)
    assert expected  # the seed's files do import from each other
    for path, imported in expected.items():
        assert by_path[path].uses == imported
        assert set(imported) <= set(by_path[path].depends_on)  # an edge for every import
    assert all(not s.uses for s in specs if s.path not in expected)


def test_an_import_without_an_edge_of_the_plan_is_not_an_interface():
    seed = [
        GeneratedFile(path="a.py", content="X = 1\n"),
        GeneratedFile(path="b.py", content="Y = 2\n"),
        GeneratedFile(path="c.py", content="from a import X\nfrom b import Y\nimport os\n"),
    ]
    specs = [
        FileSpec(path="a.py", purpose="", language="python"),
        FileSpec(path="c.py", purpose="", language="python", depends_on=["a.py"]),
    ]
    assert with_interfaces(specs, seed)[1].uses == {"a.py": ["X"]}


def test_exports_are_what_the_other_files_import():
    req = requirements()
    specs = with_interfaces(plan(req), render_project(req))
    config = exports(specs, "config.py")
    assert {"Settings", "load_settings", "SERVICE_NAME"} <= set(config)
    assert len(config) == len(set(config))
    assert "ServiceManager" in exports(specs, "service_manager.py")
    assert exports(specs, "test_suite.py") == [] and exports(specs, "Dockerfile") == []


def test_a_test_file_tests_the_dependencies_none_of_the_others_is_built_on():
    req = requirements()
    specs = with_interfaces(plan(req), render_project(req))
    by_path = {s.path: s for s in specs}
    assert under_test(by_path["test_suite.py"], specs) == {"api_endpoints.py"}
    assert under_test(by_path["api_endpoints.py"], specs) == set()  # not a test file
    alone = by_path["test_suite.py"]
    assert under_test(alone, []) == set(alone.depends_on)  # without the plan: all of them
