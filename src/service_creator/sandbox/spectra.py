"""The sandbox's per-test coverage (`coverage.json`, written by the sandbox user: untrusted) →
a `Spectrum` of project lines per test → the run's `Localization`.

The runner names each test's context by its pytest node id, which is the JUnit test id. A
context named as `coverage`'s own `test_function` dynamic context names a test (`module.Class.
function`, the module as imported) is matched by the module's last name and the qualified
name, its parametrized cases sharing its lines. Only project files that are not tests count.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Literal, cast

from service_creator.domain.reports import Localization, TestCase
from service_creator.domain.testfiles import is_test_file
from service_creator.sandbox.dependence import feeds, guards
from service_creator.sandbox.localize import Line, Spectrum, localize

# "auto": "first-pass" for the whole suite, "off" for a selection; the runner knows only the
# other three.
CoverageMode = Literal["off", "first-pass", "on-failure", "auto"]
DEFAULT_COVERAGE: CoverageMode = "auto"
TracedMode = Literal["first-pass", "on-failure"]
MAX_LINE = 1_000_000
MAX_SOURCE = 1 << 20  # characters of one module's text
PARAMS = re.compile(r"\[.*\]$", re.S)
FAILING = ("failed", "error")


def workspace_path(raw: str, root: str) -> str | None:
    """A measured file as a workspace-relative POSIX path; None outside the project or a test."""
    path = PurePosixPath(raw)
    try:
        relative = path.relative_to(root) if path.is_absolute() else path
    except ValueError:
        return None
    if not relative.parts or ".." in relative.parts or not relative.name.endswith(".py"):
        return None
    text = relative.as_posix()
    return None if is_test_file(text) else text


def load(data: bytes) -> dict[str, object]:
    """The exported JSON object; empty when it is not one."""
    try:
        parsed: object = json.loads(data)
    except ValueError:
        return {}
    return as_dict(parsed)


def read_contexts(data: bytes | dict[str, object], root: str) -> dict[str, frozenset[Line]]:
    """{context: project lines} from the exported JSON; what is malformed is left out."""
    contexts = as_dict((load(data) if isinstance(data, bytes) else data).get("contexts"))
    found: dict[str, frozenset[Line]] = {}
    for context, files in contexts.items():
        lines = read_lines(files, root)
        if lines:
            found[context] = lines
    return found


def read_computes(data: bytes | dict[str, object], root: str) -> frozenset[Line]:
    """The lines the export found to compute with an operator (`computes`: {path: [lines]})."""
    return read_lines((load(data) if isinstance(data, bytes) else data).get("computes"), root)


def read_sources(data: dict[str, object], root: str) -> dict[str, str]:
    """The project modules' text as the traced pass compiled it (`sources`: {path: text})."""
    found: dict[str, str] = {}
    for raw_path, text in as_dict(data.get("sources")).items():
        path = workspace_path(raw_path, root)
        if path is not None and isinstance(text, str) and len(text) <= MAX_SOURCE:
            found[path] = text
    return found


def read_traced(data: dict[str, object]) -> frozenset[str] | None:
    """The node ids the traced pass ran (`tests`): a passing test it did not run (a second pass
    that ended early) is no part of the spectrum. None when the export does not say."""
    tests = data.get("tests")
    if not isinstance(tests, list):
        return None
    return frozenset(t for t in cast(list[object], tests) if isinstance(t, str))


def read_lines(files: object, root: str) -> frozenset[Line]:
    """{measured path: [line numbers]} as project lines; what is malformed is left out."""
    lines: set[Line] = set()
    for raw_path, numbers in as_dict(files).items():
        path = workspace_path(raw_path, root)
        if path is None or not isinstance(numbers, list):
            continue
        for number in cast(list[object], numbers):
            if isinstance(number, int) and not isinstance(number, bool):
                lines.update([(path, number)] if 0 < number < MAX_LINE else [])
    return frozenset(lines)


def as_dict(value: object) -> dict[str, object]:
    return cast(dict[str, object], value) if isinstance(value, dict) else {}


def test_key(test_id: str) -> tuple[str, str] | None:
    """(module's last name, qualified name) of a test id: `a/test_x.py::C::t[1]` → (test_x, C.t)."""
    file, _, rest = test_id.partition("::")
    if not rest or not file.endswith(".py"):
        return None
    names = [PARAMS.sub("", part) for part in rest.split("::")]
    return PurePosixPath(file).stem, ".".join(names)


def context_tests(contexts: Iterable[str], tests: list[TestCase]) -> dict[str, list[str]]:
    """Each context's test ids: its own when it is a node id, else those of the module's last
    name and the qualified name."""
    by_key: dict[tuple[str, str], list[str]] = {}
    for case in tests:
        key = test_key(case.id)
        if key is not None:
            by_key.setdefault(key, []).append(case.id)
    node_ids = {case.id for case in tests}
    matched: dict[str, list[str]] = {}
    for context in contexts:
        if context in node_ids:
            matched[context] = [context]
            continue
        parts = context.split(".")
        for split in range(1, len(parts)):
            ids = by_key.get((parts[split - 1], ".".join(parts[split:])))
            if ids:
                matched[context] = ids
                break
    return matched


def spectrum(data: bytes, tests: list[TestCase], root: str) -> Spectrum:
    parsed = load(data)
    contexts = read_contexts(parsed, root)
    coverage: dict[str, frozenset[Line]] = {}
    for context, ids in context_tests(contexts, tests).items():
        for test_id in ids:
            coverage[test_id] = coverage.get(test_id, frozenset[Line]()) | contexts[context]
    frames: dict[str, list[Line]] = {}
    for case in tests:
        if case.outcome in FAILING and case.source_location is not None:
            where = case.source_location
            frames[case.id] = [(where.path, where.line)]
    passed = frozenset(t.id for t in tests if t.outcome == "passed")
    traced = read_traced(parsed)
    sources = read_sources(parsed, root)
    return Spectrum(
        coverage=coverage,
        failed=frozenset(t.id for t in tests if t.outcome in FAILING and "::" in t.id),
        passed=passed if traced is None else passed & traced,
        frames=frames,
        computes=read_computes(parsed, root),
        feeds=feeds(sources, [line for lines in frames.values() for line in lines])
        if sources
        else None,
        guards=guards(sources),
    )


def localization(
    data: bytes | None, answer: object, tests: list[TestCase], root: str
) -> Localization | None:
    """The run's localization when tests failed and coverage was asked for; else None."""
    info = as_dict(answer)
    if not info or not any(t.outcome in FAILING for t in tests):
        return None
    seconds = info.get("seconds")
    cost = float(seconds) if isinstance(seconds, int | float) else 0.0
    given = info.get("mode")
    mode: TracedMode | None = None
    if given == "first-pass":
        mode = "first-pass"
    elif given == "on-failure":
        mode = "on-failure"
    error = info.get("error")
    if isinstance(error, str) and error:
        return Localization(mode=mode, seconds=cost, message=error[:1000])
    if data is None:
        return Localization(mode=mode, seconds=cost, message="the sandbox returned no coverage")
    found = localize(spectrum(data, tests, root))
    found.mode, found.seconds = mode, round(cost, 3)
    if not found.failing:
        found.message = "no failing test ran project code that coverage measured"
    return found
