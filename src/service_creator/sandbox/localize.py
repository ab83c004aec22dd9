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
for the caller that fails with it), then path and line. Two rules from the project's
dependence (sandbox/dependence.py) then move lines past higher scores, each saying why:

- the returns whose value the failing line (the deepest frame) received go right after it;
  when it received no project function's value, the failing line itself goes first;
- a condition that computes goes right after the best line of the branch it guards: a branch
  only failing tests take is where a wrong condition, or a wrong value in it, sent them.

On the mutation benchmark (bench/localize.py) the returns lift the faulty line into the top 3
more often, and the dependence rules more again (BENCHMARKS.md).
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
    feeds: Mapping[Line, Mapping[Line, int]] | None = None
    # failing line -> the returns its statement may receive, by call-chain level
    # (dependence.feeds); None: not worked out (no sources), so no rule uses it
    guards: Mapping[Line, Line] = field(default_factory=dict[Line, Line])
    # line -> the condition it depends on (dependence.guards)


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


Key = tuple[float, float, bool, str, int, float]


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
    ran = spectrum.coverage.get(test_id, frozenset[Line]())
    value = {line: score(counts[line]) for line in ran if line in counts}
    if tie_break:
        order = TieBreak(spectrum, list(spectrum.frames.get(test_id, ())), value)
        keys, reasons = order.keys(), order.reasons
    else:
        keys = {line: (-v, 1.0, True, line[0], line[1], 0.0) for line, v in value.items()}
        reasons = {}
    ranked = sorted(value, key=keys.__getitem__)
    if limit is not None:
        ranked = ranked[:limit]
    return [
        SuspiciousLine(
            location=Location(path=line[0], line=line[1]),
            score=round(value[line], 4),
            failing=counts[line].ef,
            passing=counts[line].ep,
            why="; ".join([why(counts[line]), *reasons.get(line, [])]),
        )
        for line in ranked
    ]


class TieBreak:
    """The order among a failing test's lines beyond their scores (the module's docstring)."""

    def __init__(self, spectrum: Spectrum, frames: list[Line], value: Mapping[Line, float]):
        self.spectrum, self.frames, self.value = spectrum, frames, value
        self.reasons: dict[Line, list[str]] = {}

    def keys(self) -> dict[Line, Key]:
        place = {line: float(index) for index, line in enumerate(self.frames)}  # deeper: higher
        first = self.place_fed_returns(place)
        computes = self.spectrum.computes
        keys: dict[Line, Key] = {
            line: (-v, -place.get(line, -1.0), line not in computes, line[0], line[1], 0.0)
            for line, v in self.value.items()
        }
        if first is not None:
            keys[first] = (min(keys.values())[0], -math.inf, *keys[first][2:])
        self.place_guards(keys)
        return keys

    def place_fed_returns(self, place: dict[Line, float]) -> Line | None:
        """The returns whose value the deepest frame's line received go right after it; when it
        received no project function's value, the frame line itself goes first (returned)."""
        if self.spectrum.feeds is None or not self.frames or self.frames[-1] not in self.value:
            return None
        deepest = self.frames[-1]
        fed = self.spectrum.feeds.get(deepest, {})
        for line, level in fed.items():
            if line in self.value and line not in place and self.value[line] >= self.value[deepest]:
                place[line] = place[deepest] - 0.5 - 0.01 * level
                self.reason(line, f"returns the value line {deepest[1]} fails with")
        if any(line in self.value for line, level in fed.items() if level == 0):
            return None
        self.reason(deepest, "the failing line, fed no value by project code the test ran")
        return deepest

    def place_guards(self, keys: dict[Line, Key]) -> None:
        """A condition that computes goes right after the best line it guards."""
        guards = self.spectrum.guards
        guarded: dict[Line, list[Line]] = {}
        for line in self.value:
            guard = guards.get(line)
            if guard in self.value and guard != line and guard in self.spectrum.computes:
                guarded.setdefault(guard, []).append(line)

        def nesting(line: Line) -> int:
            outer = guards.get(line)
            return 0 if outer is None else 1 + nesting(outer)

        for guard in sorted(guarded, key=nesting, reverse=True):  # inner guards first
            best = min(guarded[guard], key=keys.__getitem__)
            lifted = (*keys[best][:-1], keys[best][-1] + 1)
            if lifted < keys[guard]:
                keys[guard] = lifted
                self.reason(guard, f"its condition leads to line {best[1]}")

    def reason(self, line: Line, text: str) -> None:
        self.reasons.setdefault(line, []).append(text)


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
