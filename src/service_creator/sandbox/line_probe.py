"""pytest with each test's project lines recorded: the sandbox's per-test coverage.

Runs in the sandbox as the sandbox user (the runner passes this file's text to `python -c`):

    python -c LINE_PROBE WORK OUT EXPORT -- PYTEST_ARGS...

Standard library and pytest only. The project's modules (the `.py` files under WORK that are
not tests) are compiled with a probe before each statement, `__sc_lines__.add(LINE)`, into a
set per module; around each test the sets are emptied and then read into the test's lines.
No tracer: `sys.settrace` (coverage's tracer on Python 3.11) slows every call of every library
the tests go through, about doubling the suite; a probe costs one set insertion per project
statement run (bench/localize_cost.py). Lines are counted as coverage.py counts them: a
statement's first line, an `except` clause's line when it catches, never a docstring.

Written to OUT as JSON when EXPORT says ("failed": only when tests failed; "always"):
{"contexts": {node id: {"/work/file.py": [lines]}}, "computes": {"/work/file.py": [lines]},
"tests": [the node ids run], "sources": {"/work/file.py": its text}}, where `computes` are the
run lines that make a value: a statement with an operator (arithmetic, comparison, boolean,
augmented assignment) or a return of a value; `computes` and `sources` feed the ranking's
tie-break.
"""

from __future__ import annotations

import ast
import importlib.abc
import importlib.machinery
import json
import os
import sys
from collections.abc import Generator, Sequence
from types import CodeType, ModuleType
from typing import cast

import pytest

PROBES = "__sc_lines__"
TEST_DIRS = {"tests", "test"}
NO_CODE = (ast.Global, ast.Nonlocal)  # statements without code: coverage never counts them


def is_test(path: str) -> bool:
    name = os.path.basename(path)
    folders = set(path.split(os.sep)[:-1])
    test_name = name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
    return test_name or bool(folders & TEST_DIRS)


BODIES = ("body", "orelse", "finalbody", "handlers", "cases")
ANNOTATIONS = ("annotation", "returns")  # never run: the projects import annotations


def statement_lines(node: ast.stmt) -> set[int]:
    """The lines a statement's code is on, as coverage.py's raw data has them: its first line
    and every line an expression of it (not of its body, not an annotation) starts on."""
    lines = {node.lineno}
    for field, value in ast.iter_fields(node):
        if field not in BODIES and field not in ANNOTATIONS:
            lines.update(code_lines(value))
    return lines


def code_lines(value: object) -> set[int]:
    parts: list[object] = list(cast(list[object], value)) if isinstance(value, list) else [value]
    lines: set[int] = set()
    for part in parts:
        if not isinstance(part, ast.AST):
            continue
        if isinstance(part, ast.expr):
            lines.add(part.lineno)
        for field, child in ast.iter_fields(part):
            if field not in ANNOTATIONS:
                lines.update(code_lines(child))
    return lines


def probe(line: int, at: ast.AST) -> ast.Expr:
    call = ast.Expr(
        ast.Call(
            ast.Attribute(ast.Name(PROBES, ast.Load()), "add", ast.Load()),
            [ast.Constant(line)],
            [],
        )
    )
    return ast.copy_location(call, at)


def is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)


class Prober(ast.NodeTransformer):
    """Puts a probe before each statement (after a docstring or the `from __future__` imports,
    which must stay first) and at the start of each `except` clause; `spans` maps a probe's line
    to the lines it stands for (`statement_lines`)."""

    def __init__(self) -> None:
        self.spans: dict[int, set[int]] = {}

    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        for field in ("body", "orelse", "finalbody"):
            body: object = getattr(node, field, None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                scope = isinstance(node, ast.Module | ast.ClassDef)
                keep_first = field == "body" and (
                    scope or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                )
                setattr(node, field, self.probed(cast(list[ast.stmt], body), keep_first))
        if isinstance(node, ast.ExceptHandler):
            node.body.insert(0, probe(node.lineno, node.body[0]))
            caught = [node.type] if node.type else []
            self.spans[node.lineno] = {node.lineno, *(n.lineno for n in caught)}
        return node

    def probed(self, body: list[ast.stmt], keep_first: bool) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for index, node in enumerate(body):
            leading = index == 0 and keep_first and is_docstring(node)
            future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
            if not (leading or future or isinstance(node, NO_CODE)):
                out.append(probe(node.lineno, node))
                self.spans[node.lineno] = statement_lines(node)
            out.append(node)
        return out


class ProbeLoader(importlib.machinery.SourceFileLoader):
    """Compiles the module with probes, never from or into `__pycache__`."""

    def get_code(self, fullname: str) -> CodeType:
        path = self.get_filename(fullname)
        source = self.get_data(path)
        SOURCES[path] = source.decode("utf-8", "replace")
        tree = ast.parse(source, path)
        prober = Prober()
        probed_tree = ast.fix_missing_locations(prober.visit(tree))
        SPANS[path] = prober.spans
        return compile(probed_tree, path, "exec", dont_inherit=True)

    def exec_module(self, module: ModuleType) -> None:
        module.__dict__[PROBES] = LINES.setdefault(self.get_filename(module.__name__), set())
        super().exec_module(module)


class ProbeFinder(importlib.abc.MetaPathFinder):
    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root) + os.sep

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return spec
        if not spec.origin or not spec.origin.endswith(".py"):
            return spec
        origin = os.path.realpath(spec.origin)
        if not origin.startswith(self.root) or is_test(origin[len(self.root) :]):
            return spec
        spec.loader = ProbeLoader(fullname, origin)
        return spec


LINES: dict[str, set[int]] = {}  # module file -> the probes run since the last test began
SOURCES: dict[str, str] = {}  # module file -> the text compiled (for the ranking's dependence)
SPANS: dict[str, dict[int, set[int]]] = {}  # module file -> {probe line: the lines it stands for}
CONTEXTS: dict[str, dict[str, list[int]]] = {}  # node id -> {module file: [lines]}
TRACED: list[str] = []


class Plugin:
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> Generator[None, object, None]:
        TRACED.append(item.nodeid)
        for lines in LINES.values():
            lines.clear()
        yield
        ran = {path: spanned(path, probes) for path, probes in LINES.items() if probes}
        if ran:
            CONTEXTS[item.nodeid] = ran


def spanned(path: str, probes: set[int]) -> list[int]:
    spans = SPANS.get(path, {})
    return sorted({line for probe in probes for line in spans.get(probe, (probe,))})


def operator(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, ast.Not)
    return isinstance(node, ast.BinOp | ast.Compare | ast.BoolOp)


def computing(path: str, wanted: set[int]) -> list[int]:
    """The `wanted` lines of the module's compiled text that make a value."""
    try:
        tree = ast.parse(SOURCES.get(path, ""))
    except (SyntaxError, ValueError, RecursionError):
        return []
    found: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt) or node.lineno not in wanted:
            continue
        if isinstance(node, ast.AugAssign) or (isinstance(node, ast.Return) and node.value):
            found.add(node.lineno)
            continue
        parts = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)]
        if any(operator(n) for part in parts for n in ast.walk(part)):
            found.add(node.lineno)
    return sorted(found)


def write(out: str) -> None:
    ran: dict[str, set[int]] = {}
    for lines_of in CONTEXTS.values():
        for path, lines in lines_of.items():
            ran.setdefault(path, set()).update(lines)
    computes = {path: computing(path, lines) for path, lines in sorted(ran.items())}
    with open(out, "w") as written:
        data = {"contexts": CONTEXTS, "computes": computes, "tests": TRACED, "sources": SOURCES}
        json.dump(data, written)


def main() -> None:
    work, out, export = sys.argv[1:4]
    # just before the path finder it asks: builtin and frozen modules stay theirs
    path_finder = sys.meta_path.index(importlib.machinery.PathFinder)
    sys.meta_path.insert(path_finder, ProbeFinder(work))
    status = int(pytest.main(sys.argv[5:], plugins=[Plugin()]))
    if export == "always" or status == 1:
        write(out)
    sys.exit(status)


if __name__ == "__main__":
    main()
