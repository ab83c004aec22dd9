"""The mutation benchmark of fault localization: how high the faulty line ranks.

    .venv/bin/python bench/localize.py [--seed 18] [--mutants 220] [--quick] [--out FILE]
    .venv/bin/python bench/localize.py --analyze FILE     # the ranks again, from a saved run

It renders the 20 service type x vendor projects of the offline engine (the answers of
tests/e2e/cases.py), then in each applies single-line mutations to the project code, never to
the tests: an arithmetic or comparison operator swapped, a number changed by one, a returned
value replaced by None, a condition negated, a call's last argument dropped. The sites are
found with `ast`; a mutant rewrites exactly one line. A probe run per project (an always-failing
test added through the overlay, so the traced run keeps its coverage) records every test's lines
in the unmutated project; only lines some test runs are mutated. The candidates of each kind are
shuffled with the seed and the kinds taken in turn, each mutant run in the project's warm
sandbox container with the mutated file as the overlay (the project's files are never written)
and only the tests that run the mutated line selected: a test that does not run it runs the
same code and ends the same, so the mutant's spectrum is its run's tests as recorded plus every
other test as the probe recorded it. A mutant is kept when at least one test fails (collection
errors do not count), until the project has its share. The Dockerfile is blanked in the
overlay so no service check runs: it does not feed the ranking.

The rank of a mutant: its mutated line's 1-based position in a failing test's full ranking
(every line the test ran, `localize(..., limit=None)`), the best over the failing tests, as a
user reading each failure's list sees it. A mutant whose line no failing test ran is a miss (not
in any top-k; its rank for the mean is one past the longest of the failing tests' rankings).
Every spectrum is kept in the saved run, so formulas and tie-breaks are compared on the same
coverage without running anything again.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import functools
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

SEED = 18
MUTANTS = 220  # at least 200 kept, spread over the 20 projects
TRIES_PER_PROJECT = 80  # candidates tried at most per project
KINDS = ("operator", "constant", "return", "condition", "argument")
PROBE = "tests/test_zz_localize_probe.py"
PROBE_TEST = "def test_zz_localize_probe():\n    assert False, 'the benchmark probe'\n"
SWAPS: dict[type[ast.AST], str] = {
    ast.Add: "-",
    ast.Sub: "+",
    ast.Mult: "/",
    ast.Div: "*",
    ast.FloorDiv: "*",
    ast.Mod: "//",
    ast.Lt: "<=",
    ast.LtE: "<",
    ast.Gt: ">=",
    ast.GtE: ">",
    ast.Eq: "!=",
    ast.NotEq: "==",
}
OPERATOR_TEXT: dict[type[ast.AST], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
}


# --- mutants (pure) -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutant:
    """One line of one file rewritten."""

    path: str  # workspace-relative POSIX path
    line: int  # 1-based
    kind: str  # operator, constant, return, condition, argument
    before: str  # the line as it was
    after: str  # the line as the mutant has it


def mutants_of(path: str, source: str) -> list[Mutant]:
    """Every single-line mutant of a Python file, in source order."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    lines = source.splitlines()
    found: list[Mutant] = []
    skipped = docstring_lines(tree)
    for node in ast.walk(tree):
        for kind, line, col, end, text in sites(node, lines):
            if line in skipped:
                continue
            before = lines[line - 1]
            after = before[:col] + text + before[end:]
            if after != before and compiles(lines, line, after):
                found.append(Mutant(path, line, kind, before, after))
    return sorted(set(found), key=lambda m: (m.line, m.kind, m.after))


Site = tuple[str, int, int, int, str]  # kind, line, start column, end column, replacement


def sites(node: ast.AST, lines: Sequence[str]) -> Iterator[Site]:
    if isinstance(node, ast.BinOp) and type(node.op) in SWAPS:
        yield from operator_site(node.left, node.right, node.op, lines)
    elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in SWAPS:
        yield from operator_site(node.left, node.comparators[0], node.ops[0], lines)
    elif isinstance(node, ast.Constant) and on_one_line(node):
        value: object = node.value
        if isinstance(value, int | float) and not isinstance(value, bool):
            yield ("constant", node.lineno, node.col_offset, end_col(node), repr(value + 1))
    elif isinstance(node, ast.Return) and node.value is not None and on_one_line(node.value):
        if not (isinstance(node.value, ast.Constant) and node.value.value is None):
            value_node = node.value
            yield ("return", value_node.lineno, value_node.col_offset, end_col(value_node), "None")
    elif isinstance(node, ast.If | ast.While) and on_one_line(node.test):
        test = node.test
        text = segment(lines, test)
        yield ("condition", test.lineno, test.col_offset, end_col(test), f"not ({text})")
    elif isinstance(node, ast.Call) and on_one_line(node):
        yield from argument_site(node)


def operator_site(
    left: ast.expr, right: ast.expr, op: ast.AST, lines: Sequence[str]
) -> Iterator[Site]:
    """The operator between `left` and `right`, swapped, when both ends are on one line."""
    if left.end_lineno != right.lineno or left.end_col_offset is None:
        return
    line = lines[right.lineno - 1]
    start, stop = left.end_col_offset, right.col_offset
    between = line[start:stop]
    symbol = OPERATOR_TEXT[type(op)]
    offset = between.find(symbol)
    if offset < 0 or between.strip().strip("()") != symbol:
        return
    yield ("operator", right.lineno, start + offset, start + offset + len(symbol), SWAPS[type(op)])


def argument_site(call: ast.Call) -> Iterator[Site]:
    """The call without its last argument (positional or keyword, whichever ends last)."""
    arguments: list[ast.expr | ast.keyword] = [*call.args, *call.keywords]
    arguments.sort(key=lambda a: (a.lineno, a.col_offset))
    if not arguments:
        return
    last = arguments[-1]
    if last.end_col_offset is None:
        return
    start = arguments[-2].end_col_offset if len(arguments) > 1 else last.col_offset
    if start is None:
        return
    yield ("argument", call.lineno, start, last.end_col_offset, "")


def on_one_line(node: ast.expr | ast.stmt) -> bool:
    return node.lineno == node.end_lineno and node.end_col_offset is not None


def end_col(node: ast.expr | ast.stmt) -> int:
    return node.end_col_offset if node.end_col_offset is not None else node.col_offset


def segment(lines: Sequence[str], node: ast.expr) -> str:
    return lines[node.lineno - 1][node.col_offset : end_col(node)]


def docstring_lines(tree: ast.Module) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                first = body[0]
                found.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return found


def compiles(lines: Sequence[str], number: int, after: str) -> bool:
    text = "\n".join([*lines[: number - 1], after, *lines[number:]]) + "\n"
    try:
        compile(text, "<mutant>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def apply(source: str, mutant: Mutant) -> str:
    lines = source.splitlines(keepends=True)
    ending = lines[mutant.line - 1][len(mutant.before) :]
    lines[mutant.line - 1] = mutant.after + ending
    return "".join(lines)


def candidates(
    sources: dict[str, str], ran: set[tuple[str, int]], seed: int, project: str
) -> list[Mutant]:
    """The project's mutants on lines some test runs: each kind shuffled with the seed, then
    the kinds taken in turn (call arguments outnumber the other sites five to one)."""
    by_kind: dict[str, list[Mutant]] = {kind: [] for kind in KINDS}
    for path in sorted(sources):
        for mutant in mutants_of(path, sources[path]):
            if (path, mutant.line) in ran:
                by_kind[mutant.kind].append(mutant)
    shuffle = random.Random(f"{seed}:{project}").shuffle
    for kind in KINDS:
        shuffle(by_kind[kind])
    queues = [by_kind[kind] for kind in KINDS]
    return [q[i] for i in range(max(map(len, queues), default=0)) for q in queues if i < len(q)]


# --- ranks (pure) -------------------------------------------------------------------------------

Ranking = list[tuple[str, int]]  # a failing test's lines, most suspicious first


def rank_in(rankings: Sequence[Ranking], line: tuple[str, int]) -> int | None:
    """The best 1-based position of `line` among the failing tests' rankings; None: no test
    that failed ran it."""
    positions = [r.index(line) + 1 for r in rankings if line in r]
    return min(positions) if positions else None


def miss_rank(rankings: Sequence[Ranking]) -> int:
    return max((len(r) for r in rankings), default=0) + 1


@dataclass
class Score:
    """Top-k hit rates and the mean rank of one way of ranking, over the mutants."""

    ranks: list[int | None] = field(default_factory=list[int | None])
    misses: list[int] = field(default_factory=list[int])  # the rank a miss counts as

    def add(self, rank: int | None, miss: int) -> None:
        self.ranks.append(rank)
        self.misses.append(miss)

    def top(self, k: int) -> float:
        hits = sum(1 for r in self.ranks if r is not None and r <= k)
        return hits / len(self.ranks) if self.ranks else 0.0

    def mean(self) -> float:
        counted = [r if r is not None else m for r, m in zip(self.ranks, self.misses, strict=True)]
        return statistics.fmean(counted) if counted else 0.0

    def missed(self) -> int:
        return sum(1 for r in self.ranks if r is None)


# --- the sandbox side ---------------------------------------------------------------------------


@dataclass
class Record:
    """One kept mutant: where, and the spectrum its run recorded (JSON-ready)."""

    project: str
    mutant: Mutant
    failed: list[str]
    passed: list[str]
    coverage: dict[str, list[tuple[str, int]]]
    frames: dict[str, list[tuple[str, int]]]
    computes: list[tuple[str, int]]
    seconds: float  # the mutant's sandbox run
    failures: dict[str, dict[str, object]] = field(default_factory=dict[str, dict[str, object]])
    # failing test id -> its message and the test line it failed at (for tie-break studies)


def spectrum_from(record: Record):  # type: ignore[no-untyped-def]
    from service_creator.sandbox.localize import Spectrum

    return Spectrum(
        coverage={t: frozenset((p, n) for p, n in lines) for t, lines in record.coverage.items()},
        failed=frozenset(record.failed),
        passed=frozenset(record.passed),
        frames={t: [(p, n) for p, n in f] for t, f in record.frames.items()},
        computes=frozenset((p, n) for p, n in record.computes),
    )


def value_lines(source: str) -> tuple[set[int], set[int]]:
    """(lines with an operator, lines returning a value) of a file: the runner's `computing`
    (sandbox/runner.py), split in its two kinds to compare the tie-break with and without the
    second."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(), set()
    operators: set[int] = set()
    returns: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Return) and node.value is not None:
            returns.add(node.lineno)
        elif isinstance(node, ast.AugAssign):
            operators.add(node.lineno)
        elif isinstance(node, ast.stmt):
            parts = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)]
            if any(is_operator(n) for part in parts for n in ast.walk(part)):
                operators.add(node.lineno)
    return operators, returns


def is_operator(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, ast.Not)
    return isinstance(node, ast.BinOp | ast.Compare | ast.BoolOp)


@functools.cache
def rendered_sources(project: str) -> dict[str, str]:
    """The project files (not tests) of one combination, rendered again (deterministic)."""
    from service_creator.domain.testfiles import is_test_file
    from service_creator.generation.offline.generator import render_project

    cases = e2e_cases()
    return {
        f.path: f.content
        for f in render_project(cases.CASES[project])
        if f.path.endswith(".py") and not is_test_file(f.path)
    }


def e2e_cases():  # type: ignore[no-untyped-def]
    folder = str(Path(__file__).resolve().parents[1] / "tests" / "e2e")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    import cases  # type: ignore[import-not-found]

    return cases


def tie_break_lines(record: Record, with_returns: bool) -> frozenset[tuple[str, int]]:
    """The mutant's lines that make a value, as the runner classifies them (with or without
    the returns); only lines some test ran matter."""
    found: set[tuple[str, int]] = set()
    for path, source in rendered_sources(record.project).items():
        if path == record.mutant.path:
            source = apply(source, record.mutant)
        operators, returns = value_lines(source)
        found.update((path, n) for n in operators | (returns if with_returns else set()))
    return frozenset(found)


def rankings(
    record: Record,
    formula: str,
    tie_break: bool,
    with_returns: bool = True,
    dependence: bool = True,
) -> list[Ranking]:
    from service_creator.sandbox.localize import localize

    spectrum = spectrum_from(record)
    if tie_break:
        spectrum = dataclasses.replace(spectrum, computes=tie_break_lines(record, with_returns))
    if tie_break and dependence:
        failing_lines = frozenset(line for lines in spectrum.frames.values() for line in lines)
        feeds, guards = dependence_of(record.project, record.mutant, failing_lines)
        spectrum = dataclasses.replace(spectrum, feeds=feeds, guards=guards)
    found = localize(spectrum, formula, tie_break=tie_break, limit=None)  # type: ignore[arg-type]
    return [[(s.location.path, s.location.line) for s in t.lines] for t in found.tests]


@functools.cache
def dependence_of(project: str, mutant: Mutant, failing_lines: frozenset[tuple[str, int]]):  # type: ignore[no-untyped-def]
    """The mutated project's dependence facts, as the runner's report builds them."""
    from service_creator.sandbox.dependence import feeds, guards

    sources = dict(rendered_sources(project))
    sources[mutant.path] = apply(sources[mutant.path], mutant)
    return feeds(sources, failing_lines), guards(sources)


def reported_rankings(record: Record) -> list[Ranking]:
    """The failing tests' rankings as the run reported them (Ochiai, the runner's tie-break)."""
    from service_creator.sandbox.localize import localize

    found = localize(spectrum_from(record), limit=None)
    return [[(s.location.path, s.location.line) for s in t.lines] for t in found.tests]


# (formula, tie-break, returns count as making a value, dependence): each row adds to the next
WAYS = [
    ("ochiai", True, True, True),
    ("ochiai", True, True, False),
    ("ochiai", True, False, False),
    ("ochiai", False, False, False),
    ("dstar", True, True, True),
    ("dstar", False, False, False),
]
TIE_BREAKS = {
    (True, True, True): "frames, the returns the failing line received, computing conditions",
    (True, True, False): "frames, then lines computing or returning a value (before)",
    (True, False, False): "frames, then lines computing with an operator (before that)",
    (False, False, False): "none",
}


def summary(records: Sequence[Record]) -> str:
    out = [
        f"{len(records)} mutants in {len({r.project for r in records})} projects",
        "| formula | tie-break | top-1 | top-3 | top-5 | mean rank | not ranked |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for formula, tie_break, with_returns, dependence in WAYS:
        score = Score()
        for record in records:
            ranked = rankings(record, formula, tie_break, with_returns, dependence)
            score.add(rank_in(ranked, (record.mutant.path, record.mutant.line)), miss_rank(ranked))
        out.append(
            f"| {formula} | {TIE_BREAKS[tie_break, with_returns, dependence]} | "
            f"{score.top(1):.1%} | {score.top(3):.1%} | {score.top(5):.1%} | {score.mean():.2f} | "
            f"{score.missed()} |"
        )
    kinds: dict[str, list[Record]] = {}
    for record in records:
        kinds.setdefault(record.mutant.kind, []).append(record)
    out.append("\nOchiai with the tie-break, by kind of mutant:")
    for kind, group in sorted(kinds.items()):
        score = Score()
        for record in group:
            ranked = rankings(record, "ochiai", True)
            score.add(rank_in(ranked, (record.mutant.path, record.mutant.line)), miss_rank(ranked))
        out.append(
            f"  {kind}: {len(group)} mutants, top-1 {score.top(1):.0%}, top-3 {score.top(3):.0%},"
            f" mean rank {score.mean():.2f}"
        )
    seconds = [r.seconds for r in records]
    if seconds:
        out.append(
            "\nsandbox run per mutant (warm, the tests that run the line, traced): median "
            f"{statistics.median(seconds):.2f} s"
        )
    return "\n".join(out)


# --- a second pass on fewer tests (what it would cost the ranking) ---------------------------


@functools.cache
def test_names(project: str) -> dict[tuple[str, str], frozenset[str]]:
    """{(test file, test function): the names its source uses}: its fixtures, the functions
    and attributes it calls, its strings' path segments (what a second pass could pick the
    passing tests most like the failing ones by, before running anything)."""
    from service_creator.domain.testfiles import is_test_file
    from service_creator.generation.offline.generator import render_project

    found: dict[tuple[str, str], frozenset[str]] = {}
    for generated in render_project(e2e_cases().CASES[project]):
        if not (generated.path.endswith(".py") and is_test_file(generated.path)):
            continue
        for node in ast.walk(ast.parse(generated.content)):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
                found[generated.path, node.name] = frozenset(names_in(node))
    return found


def names_in(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.update(part for part in node.value[:200].split("/") if part)
    return names


def test_function(test_id: str) -> tuple[str, str]:
    file, _, rest = test_id.partition("::")
    return file, rest.split("::")[-1].split("[")[0]


def most_alike(record: Record, functions: int) -> set[str]:
    """The passing tests of the failing tests' own functions and of the `functions` other test
    functions whose names overlap theirs most (Jaccard)."""
    names = test_names(record.project)
    failing = {test_function(t) for t in record.failed}
    wanted = frozenset[str]().union(*(names.get(f, frozenset[str]()) for f in failing))

    def likeness(function: tuple[str, str]) -> float:
        theirs = names.get(function, frozenset[str]())
        return len(theirs & wanted) / len(theirs | wanted) if theirs | wanted else 0.0

    others = sorted({test_function(t) for t in record.passed} - failing)
    others.sort(key=lambda f: -likeness(f))
    chosen = failing | set(others[:functions])
    return {t for t in record.passed if test_function(t) in chosen}


def subset_summary(records: Sequence[Record]) -> str:
    out = [
        "\nA second pass on the failing tests and the passing ones most like them (Ochiai, the"
        " tie-break):",
        "| passing test functions besides the failing ones' | tests traced (median) | top-1 "
        "| top-3 | top-5 | mean rank | mutants whose rank changed |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for functions in (None, 5, 10, 20):
        score, sizes, changed = Score(), list[int](), 0
        for record in records:
            line = (record.mutant.path, record.mutant.line)
            full = rankings(record, "ochiai", True)
            kept = set(record.passed) if functions is None else most_alike(record, functions)
            fewer = dataclasses.replace(
                record,
                passed=sorted(kept),
                coverage={
                    t: c for t, c in record.coverage.items() if t in kept or t in record.failed
                },
            )
            ranked = rankings(fewer, "ochiai", True)
            score.add(rank_in(ranked, line), miss_rank(ranked))
            sizes.append(len(kept) + len(record.failed))
            changed += rank_in(ranked, line) != rank_in(full, line)
        out.append(
            f"| {'all' if functions is None else functions} | {statistics.median(sizes):.0f} | "
            f"{score.top(1):.1%} | {score.top(3):.1%} | {score.top(5):.1%} | {score.mean():.2f} |"
            f" {changed} |"
        )
    return "\n".join(out)


def projects(root: Path, names: Sequence[str]) -> dict[str, Path]:
    """The offline engine's projects of the named combinations, rendered under `root`."""
    from service_creator.generation.offline.generator import render_project

    cases = e2e_cases()
    made: dict[str, Path] = {}
    for name in names:
        folder = root / name
        for generated in render_project(cases.CASES[name]):
            target = folder / generated.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(generated.content)
        made[name] = folder
    return made


def project_sources(folder: Path) -> dict[str, str]:
    from service_creator.domain.testfiles import is_test_file

    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*.py")):
        relative = path.relative_to(folder).as_posix()
        if not is_test_file(relative):
            found[relative] = path.read_text()
    return found


class Capture:
    """The sandbox's coverage answer of the last run, as `results.build_report` reads it, and
    the settings the runs use."""

    def __init__(self, settings: object) -> None:
        from service_creator.sandbox import results

        self.settings = settings
        self.last: tuple[bytes | None, object, list[object], str] | None = None
        original: Callable[..., object] = results.localization

        def keep(data: bytes | None, answer: object, tests: list[object], root: str) -> object:
            self.last = (data, answer, tests, root)
            return original(data, answer, tests, root)

        results.localization = keep  # type: ignore[assignment]
        self.restore = lambda: setattr(results, "localization", original)


def sandbox_run(
    folder: Path, overlay: dict[str, str], capture: Capture, select: Sequence[str] = ()
) -> tuple[object, float]:
    """The project's tests (or `select`) with `overlay`, in its warm container, traced."""
    from service_creator.domain.config import Settings
    from service_creator.sandbox.runs import run_in_sandbox

    assert isinstance(capture.settings, Settings)
    capture.last = None
    begun = time.perf_counter()
    report = run_in_sandbox(
        folder,
        capture.settings,
        warm=True,
        overlay=overlay,
        coverage="first-pass",
        select=list(select),
    )
    return report, time.perf_counter() - begun


def captured_spectrum(capture: Capture):  # type: ignore[no-untyped-def]
    from service_creator.sandbox.spectra import spectrum

    if capture.last is None or capture.last[0] is None:
        return None
    data, _, tests, root = capture.last
    return spectrum(data, tests, root)  # type: ignore[arg-type]


def merged(probe, run):  # type: ignore[no-untyped-def]
    """The whole suite's spectrum of a mutant: the tests the mutant's run ran, as it recorded
    them; every other test as the probe run recorded it (a test that does not run the mutated
    line runs the same code and ends the same)."""
    from service_creator.sandbox.localize import Spectrum

    ran = run.failed | run.passed
    coverage = {t: lines for t, lines in probe.coverage.items() if t not in ran and t != PROBE_ID}
    coverage.update(run.coverage)
    return Spectrum(
        coverage=coverage,
        failed=run.failed,
        passed=(probe.passed - ran) | run.passed,
        frames=dict(run.frames),
        computes=probe.computes | run.computes,
    )


def spectrum_record(
    project: str, mutant: Mutant, probe: object, capture: Capture, report: object, seconds: float
) -> Record | None:
    from service_creator.domain.reports import TestReport

    assert isinstance(report, TestReport)
    run = captured_spectrum(capture)
    if run is None or not run.failed:
        return None
    found = merged(probe, run)
    failing = sorted(found.failed)
    return Record(
        project=project,
        mutant=mutant,
        failed=failing,
        passed=sorted(found.passed),
        coverage={t: sorted(lines) for t, lines in found.coverage.items()},
        frames={t: list(f) for t, f in found.frames.items()},
        computes=sorted(found.computes),
        seconds=seconds,
        failures={
            case.id: {
                "message": case.message[:2000],
                "at": [case.location.path, case.location.line] if case.location else None,
            }
            for case in report.tests
            if case.id in failing
        },
    )


PROBE_ID = f"{PROBE}::test_zz_localize_probe"


def probe_run(folder: Path, capture: Capture):  # type: ignore[no-untyped-def]
    """Every test's coverage of the unmutated project (the added probe fails, so it is kept)."""
    report, _ = sandbox_run(folder, {PROBE: PROBE_TEST, "Dockerfile": ""}, capture)
    found = captured_spectrum(capture)
    if found is None:
        raise SystemExit(f"{folder.name}: the probe run recorded no coverage: {report}")
    unexpected = sorted(found.failed - {PROBE_ID})
    if unexpected:
        raise SystemExit(f"{folder.name}: tests fail before any mutation: {unexpected}")
    return found


def running(probe, line: tuple[str, int]) -> list[str]:  # type: ignore[no-untyped-def]
    """The node ids of the tests that run `line` (its parametrized cases as one function)."""
    ids = {t.split("[")[0] for t, lines in probe.coverage.items() if line in lines}
    return sorted(ids - {PROBE_ID})


def mutate_project(
    name: str, folder: Path, wanted: int, seed: int, capture: Capture, log: Callable[[str], None]
) -> list[Record]:
    sources = project_sources(folder)
    probe = probe_run(folder, capture)
    ran = {line for lines in probe.coverage.values() for line in lines}
    kept: list[Record] = []
    tried = 0
    for mutant in candidates(sources, ran, seed, name):
        if len(kept) >= wanted or tried >= TRIES_PER_PROJECT:
            break
        tried += 1
        overlay = {mutant.path: apply(sources[mutant.path], mutant), "Dockerfile": ""}
        select = running(probe, (mutant.path, mutant.line))
        report, seconds = sandbox_run(folder, overlay, capture, select if len(select) < 200 else ())
        record = spectrum_record(name, mutant, probe, capture, report, seconds)
        rank = None
        if record is not None:
            rank = rank_in(reported_rankings(record), (mutant.path, mutant.line))
            kept.append(record)
        verdict = f"killed, rank {rank}" if record else "survived"
        log(
            f"{name} {mutant.path}:{mutant.line} {mutant.kind}: {verdict}"
            f" ({len(select)} tests, {seconds:.1f} s)"
        )
    log(f"{name}: {len(kept)} kept of {tried} tried")
    return kept


def save(records: Sequence[Record], out: Path) -> None:
    out.write_text(json.dumps([asdict(r) for r in records]))


def load(path: Path) -> list[Record]:
    raw: list[dict[str, object]] = json.loads(path.read_text())
    records: list[Record] = []
    for item in raw:
        item.pop("reported", None)  # written by the first version
        mutant = Mutant(**item.pop("mutant"))  # type: ignore[arg-type]
        records.append(Record(mutant=mutant, **item))  # type: ignore[arg-type]
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--mutants", type=int, default=MUTANTS, help="mutants to keep in all")
    parser.add_argument("--quick", action="store_true", help="2 projects, 3 mutants each")
    parser.add_argument("--projects", nargs="*", help="combinations to use (default: all 20)")
    parser.add_argument("--out", type=Path, help="save the spectra here (JSON)")
    parser.add_argument("--analyze", type=Path, help="rank a saved run's spectra again")
    options = parser.parse_args()
    if options.analyze:
        records = load(options.analyze)
        print(summary(records))
        print(subset_summary(records))
        return
    combinations: list[str] = e2e_cases().COMBINATIONS
    from service_creator.sandbox.image import build_image
    from service_creator.sandbox.runs import close_warm

    names: list[str] = options.projects or list(combinations)
    wanted = options.mutants
    if options.quick:
        names, wanted = names[:2], 6
    per_project = -(-wanted // len(names))
    from service_creator.domain.config import Settings

    settings = Settings.from_env()
    capture = Capture(settings)
    print(f"sandbox image: {build_image(settings)}", flush=True)
    started = time.perf_counter()
    records: list[Record] = []
    with tempfile.TemporaryDirectory(prefix="bench-localize-") as scratch:
        made = projects(Path(scratch), names)
        for name, folder in made.items():
            try:
                records += mutate_project(
                    name, folder, per_project, options.seed, capture, lambda s: print(s, flush=True)
                )
            finally:
                close_warm(folder)
            if options.out:
                save(records, options.out)
    print(f"\n{time.perf_counter() - started:.0f} s in all, seed {options.seed}\n")
    print(summary(records))


if __name__ == "__main__":
    main()
