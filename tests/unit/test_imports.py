"""The package's imports point down: no cycle, and no module imports a layer above its own.

Every import counts, wherever it is written: at the top, inside a function, under
`TYPE_CHECKING`. The layers, top to bottom, are written here once.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import service_creator

PACKAGE = Path(service_creator.__file__).parent
LAYERS: list[tuple[str, ...]] = [
    ("service_creator.__main__",),
    ("service_creator.frontends",),  # CLI, LSP, MCP
    ("service_creator.operations",),  # what a front door can ask for
    (  # the subsystems
        "service_creator.interview",
        "service_creator.generation",
        "service_creator.sandbox",
    ),
    ("service_creator.codeintel", "service_creator.llm"),  # what the subsystems build on
    ("service_creator.domain",),  # models, ports, settings, errors, the workspace value
    ("service_creator.resources",),  # prompts, queries, the interview graph, the catalog
    ("service_creator",),
]


def module_files() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def known(name: str, modules: dict[str, Path]) -> str:
    """The module `name` is, or the package it is a name in."""
    while name not in modules and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def imported(module: str, path: Path, modules: dict[str, Path]) -> Iterator[str]:
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("service_creator"):
                    yield known(alias.name, modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parents = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parents, *([base] if base else [])])
            if base.startswith("service_creator"):
                for alias in node.names:
                    yield known(f"{base}.{alias.name}", modules)


def import_graph() -> dict[str, set[str]]:
    modules = module_files()
    return {
        module: set(imported(module, path, modules)) - {module} for module, path in modules.items()
    }


def layer_of(module: str) -> int:
    for index, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle() -> None:
    assert cycles(import_graph()) == []


def test_no_import_runs_up_a_layer() -> None:
    upward = [
        f"{module} -> {target}"
        for module, targets in sorted(import_graph().items())
        for target in sorted(targets)
        if layer_of(target) < layer_of(module)
    ]
    assert upward == []


def test_packages_of_one_layer_do_not_import_each_other() -> None:
    """The subsystems stand side by side: the interview, generation and the sandbox know nothing
    of each other (the operations combine them), nor do the code intelligence and the model."""

    def package(module: str) -> str:
        for prefixes in LAYERS:
            for prefix in prefixes:
                if module == prefix or module.startswith(prefix + "."):
                    return prefix
        return module

    sideways = [
        f"{module} -> {target}"
        for module, targets in sorted(import_graph().items())
        for target in sorted(targets)
        if layer_of(target) == layer_of(module) and package(target) != package(module)
    ]
    assert sideways == []


def test_front_doors_call_operations_only() -> None:
    """A front door speaks the domain's vocabulary and asks the operations for work: it does not
    drive the interview, the generator, the sandbox or the parser itself."""
    allowed = ("frontends", "operations", "domain")
    reaching = [
        f"{module} -> {target}"
        for module, targets in sorted(import_graph().items())
        if module.startswith("service_creator.frontends.")
        for target in sorted(targets)
        if target != "service_creator" and target.split(".")[1] not in allowed
    ]
    assert reaching == []


def test_the_walk_sees_deferred_and_type_checking_imports(tmp_path: Path) -> None:
    source = tmp_path / "x.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from service_creator.operations.testing import RunTestsInput\n"
        "def later():\n"
        "    from ..sandbox import runs\n"
        "    import service_creator.frontends.mcp.server\n"
    )
    found = set(imported("service_creator.generation.x", source, module_files()))
    assert found == {
        "service_creator.operations.testing",
        "service_creator.sandbox.runs",
        "service_creator.frontends.mcp.server",
    }
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
