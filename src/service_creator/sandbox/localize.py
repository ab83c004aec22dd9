"""Spectrum-based fault localization: which project lines a failing test implicates.

Pure: per-test line coverage and the tests' outcomes in, ranked lines out. For a line, `ef` and
`ep` are the failing and passing tests that ran it, `nf` and `np` all failing and passing tests.

- Ochiai: ef / sqrt(nf * (ef + ep)), the baseline of the literature (GZoltar's default).
- DStar (star 2): ef² / (ep + nf - ef); a line run by every failing test and no passing one
  (denominator 0) scores above any other.

Each failing test gets the lines it ran itself, scored against the whole spectrum (every
failing test counts). The lines of a function that the same tests ran all score the same, so
the tie-break decides among them: first a line that is a frame of the test's own traceback
(the project code it failed in, deepest first), then a line that makes a value: one that
computes with an operator (arithmetic, a comparison, a boolean or augmented assignment: where a
wrong value is made, rather than passed on) or returns a value (where it leaves its function
for the caller that fails with it), then path and line. On the mutation benchmark
(bench/localize.py) the return lines lift the faulty line into the top 3 more often.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from service_creator.domain.reports import (
    Localization,
    LocalizationFormula,
    Location,
    SuspiciousLine,
    TestLocalization,
)

TOP_LINES = 10
Line = tuple[str, int]  # workspace-relative POSIX path, 1-based line


@dataclass(frozen=True)
class Spectrum:
    """Per-test coverage of project lines and which tests failed."""

    coverage: Mapping[str, frozenset[Line]]  # test id -> lines it ran
    failed: frozenset[str]  # ids of the failing tests
    passed: frozenset[str]  # ids of the passing tests (those without coverage ran nothing)
    frames: Mapping[str, Sequence[Line]] = field(default_factory=dict[str, Sequence[Line]])
    # failing test id -> project frames of its traceback, outermost first (the tie-break)
    computes: frozenset[Line] = frozenset()  # lines that compute or return a value (tie-break)


@dataclass(frozen=True)
class Counts:
    ef: int
    ep: int
    nf: int
    np: int


def ochiai(c: Counts) -> float:
    if c.ef == 0:
        return 0.0
    return c.ef / math.sqrt(c.nf * (c.ef + c.ep))


def dstar(c: Counts, star: int = 2) -> float:
    if c.ef == 0:
        return 0.0
    denominator = c.ep + c.nf - c.ef
    if denominator == 0:
        return float(c.nf**star * 2)  # above every line with a nonzero denominator
    return c.ef**star / denominator


FORMULAS = {"ochiai": ochiai, "dstar": dstar}


def line_counts(spectrum: Spectrum) -> dict[Line, Counts]:
    """ef and ep of every line some test ran."""
    failing: dict[Line, int] = {}
    passing: dict[Line, int] = {}
    for test_id, lines in spectrum.coverage.items():
        if test_id in spectrum.failed:
            target = failing
        elif test_id in spectrum.passed:
            target = passing
        else:
            continue
        for line in lines:
            target[line] = target.get(line, 0) + 1
    nf, np = len(spectrum.failed), len(spectrum.passed)
    return {
        line: Counts(failing.get(line, 0), passing.get(line, 0), nf, np)
        for line in failing.keys() | passing.keys()
    }


def why(c: Counts) -> str:
    """ "run by the 1 failing test and by 3 of 64 passing ones"."""
    if c.nf == 1:
        failing = "the 1 failing test"
    elif c.ef == c.nf:
        failing = f"all {c.nf} failing tests"
    else:
        failing = f"{c.ef} of the {c.nf} failing tests"
    if c.ep == 0:
        passing = f"by none of {c.np} passing ones" if c.np else "by no passing test"
        return f"run by {failing} and {passing}"
    return f"run by {failing} and by {c.ep} of {c.np} passing ones"


def rank_test(
    test_id: str,
    spectrum: Spectrum,
    counts: Mapping[Line, Counts],
    formula: LocalizationFormula = "ochiai",
    *,
    tie_break: bool = True,
    limit: int | None = TOP_LINES,
) -> list[SuspiciousLine]:
    """The lines `test_id` ran, most suspicious first (at most `limit`)."""
    score = FORMULAS[formula]
    frames = list(spectrum.frames.get(test_id, ())) if tie_break else []
    depth = {line: index for index, line in enumerate(frames)}  # deeper frames: higher index
    lines = spectrum.coverage.get(test_id, frozenset[Line]())
    scored = [(score(counts[line]), line) for line in lines if line in counts]

    computes = spectrum.computes if tie_break else frozenset[Line]()

    def key(item: tuple[float, Line]) -> tuple[float, int, bool, str, int]:
        value, line = item
        return (-value, -depth.get(line, -1), line not in computes, line[0], line[1])

    ranked = sorted(scored, key=key)
    if limit is not None:
        ranked = ranked[:limit]
    return [
        SuspiciousLine(
            location=Location(path=path, line=number),
            score=round(value, 4),
            failing=counts[(path, number)].ef,
            passing=counts[(path, number)].ep,
            why=why(counts[(path, number)]),
        )
        for value, (path, number) in ranked
    ]


def localize(
    spectrum: Spectrum,
    formula: LocalizationFormula = "ochiai",
    *,
    tie_break: bool = True,
    limit: int | None = TOP_LINES,
) -> Localization:
    """Per failing test (in id order), its ranked lines."""
    counts = line_counts(spectrum)
    tests = [
        TestLocalization(
            test_id=test_id,
            lines=rank_test(test_id, spectrum, counts, formula, tie_break=tie_break, limit=limit),
        )
        for test_id in sorted(spectrum.failed)
    ]
    traced = sum(1 for test_id in spectrum.failed if spectrum.coverage.get(test_id))
    return Localization(formula=formula, failing=traced, passing=len(spectrum.passed), tests=tests)


def rank_of(localization: Localization, test_id: str, line: Line) -> int | None:
    """1-based rank of `line` among `test_id`'s lines; None when it is not listed."""
    for test in localization.tests:
        if test.test_id == test_id:
            for index, suspect in enumerate(test.lines, 1):
                if (suspect.location.path, suspect.location.line) == line:
                    return index
    return None
