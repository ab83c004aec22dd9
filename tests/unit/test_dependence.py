"""The dependence tie-break of the ranking (`sandbox/dependence.py` read from a project's sources,
`sandbox/localize.py` using it), on small hand-made projects whose faulty line is known: a wrong
condition sends the failing test down a branch only it takes; a wrong value is returned by a
function the failing line calls. Pure data: no Docker."""

from __future__ import annotations

import json
import textwrap

from service_creator.domain.reports import Location, TestCase
from service_creator.sandbox.dependence import feeds, guards
from service_creator.sandbox.localize import Line, Spectrum, localize, rank_of
from service_creator.sandbox.spectra import spectrum

# validate(): line 3 is the bug (`>=` for `>`), so `duplicates` is never empty and the branch
# of line 4 raises for every name list; line 15 calls parse(), whose return (line 12) is wrong.
CHECKS = textwrap.dedent("""\
    def validate(names):
        try:
            duplicates = [n for n in names if names.count(n) >= 1]
            if len(duplicates) > 0:
                message = f"duplicate: {duplicates}"
                raise ValueError(message)
        except TypeError:
            return None
        return names

    def parse(text):
        return int(text) + 1

    def total(texts):
        value = parse(texts[0])
        return value * 2
    """)
SOURCES = {"checks.py": CHECKS}
ALL_LINES = [("checks.py", n) for n in range(1, 17)]


def lines(*numbers: int) -> frozenset[Line]:
    return frozenset(("checks.py", n) for n in numbers)


def test_guards_map_a_branch_to_its_condition_and_a_handler_to_its_try() -> None:
    found = guards(SOURCES)
    assert found[("checks.py", 6)] == ("checks.py", 4)  # the raise: under the `if`
    assert found[("checks.py", 8)] == ("checks.py", 2)  # the handler's body: under the `try`
    assert ("checks.py", 3) not in found and ("checks.py", 4) not in found
    assert ("checks.py", 9) not in found  # after the try: unconditional


def test_feeds_follow_calls_and_the_names_a_line_reads() -> None:
    found = feeds(SOURCES, ALL_LINES)
    assert found[("checks.py", 15)] == {("checks.py", 12): 0}  # calls parse(): its return
    assert found[("checks.py", 16)] == {("checks.py", 12): 0}  # reads `value`, bound by parse()
    assert ("checks.py", 3) not in found  # calls no project function


def test_broken_sources_give_no_facts() -> None:
    assert (feeds({"x.py": "def (:"}, [("x.py", 1)]), guards({"x.py": "def (:"})) == ({}, {})


def test_feeds_are_worked_out_for_the_lines_asked_only() -> None:
    assert feeds(SOURCES, [("checks.py", 16)]) == {("checks.py", 16): {("checks.py", 12): 0}}
    assert feeds(SOURCES, [("other.py", 16)]) == {}


def branch_spectrum(with_dependence: bool) -> Spectrum:
    """Every test runs validate(); the failing one (a list that must pass) is the only one the
    wrong condition sends into the branch (5, 6); the passing ones get past it or a TypeError."""
    tests = {
        "t.py::test_unique_names_pass": ("failed", lines(2, 3, 4, 5, 6)),
        "t.py::test_empty": ("passed", lines(2, 3, 4, 9)),
        "t.py::test_one_name": ("passed", lines(2, 3, 4, 9)),
        "t.py::test_not_a_list": ("passed", lines(2, 3, 7, 8)),
    }
    return Spectrum(
        coverage={t: ran for t, (_, ran) in tests.items()},
        failed=frozenset(t for t, (outcome, _) in tests.items() if outcome == "failed"),
        passed=frozenset(t for t, (outcome, _) in tests.items() if outcome == "passed"),
        computes=lines(3, 4),
        feeds=feeds(SOURCES, ALL_LINES) if with_dependence else None,
        guards=guards(SOURCES) if with_dependence else {},
    )


def test_a_computing_condition_goes_right_after_the_branch_it_sends_the_test_into() -> None:
    test_id = "t.py::test_unique_names_pass"
    before = localize(branch_spectrum(with_dependence=False))
    after = localize(branch_spectrum(with_dependence=True))
    condition = ("checks.py", 4)
    assert rank_of(before, test_id, condition) == 3  # after 5 and 6, run by no passing test
    (ranked,) = after.tests
    assert [s.location.line for s in ranked.lines] == [5, 4, 6, 3, 2]
    assert ranked.lines[1].why.endswith("; its condition leads to line 5")


def failing_line_spectrum(with_dependence: bool) -> Spectrum:
    """test_total fails in total() at line 16 (the traceback's frame); parse()'s return, line
    12, which line 16 reads through `value`, is run by the same tests as lines 15 and 16."""
    tests = {
        "t.py::test_total": ("failed", lines(15, 16, 12)),
        "t.py::test_total_of_none": ("passed", lines(15, 16, 12)),
    }
    return Spectrum(
        coverage={t: ran for t, (_, ran) in tests.items()},
        failed=frozenset({"t.py::test_total"}),
        passed=frozenset({"t.py::test_total_of_none"}),
        frames={"t.py::test_total": [("checks.py", 16)]},
        computes=lines(15, 16),  # as if line 15 computed too: the order is the feed's doing
        feeds=feeds(SOURCES, ALL_LINES) if with_dependence else None,
        guards=guards(SOURCES) if with_dependence else {},
    )


def test_the_return_the_failing_line_received_goes_right_after_it() -> None:
    (before,) = localize(failing_line_spectrum(with_dependence=False)).tests
    (after,) = localize(failing_line_spectrum(with_dependence=True)).tests
    assert [s.location.line for s in before.lines] == [16, 15, 12]
    assert [s.location.line for s in after.lines] == [16, 12, 15]
    assert after.lines[1].why.endswith("; returns the value line 16 fails with")


def test_a_failing_line_fed_by_no_project_code_goes_first_whatever_its_score() -> None:
    tests = {
        "t.py::test_parse": ("failed", lines(12, 15)),
        "t.py::test_parse_more": ("passed", lines(12)),
        "t.py::test_parse_again": ("passed", lines(12)),
    }
    found = localize(
        Spectrum(
            coverage={t: ran for t, (_, ran) in tests.items()},
            failed=frozenset({"t.py::test_parse"}),
            passed=frozenset({"t.py::test_parse_more", "t.py::test_parse_again"}),
            frames={"t.py::test_parse": [("checks.py", 12)]},  # int() raised in parse()
            feeds=feeds(SOURCES, [("checks.py", 12)]),  # as the report asks: {}, nothing fed it
            guards=guards(SOURCES),
        )
    )
    (ranked,) = found.tests
    first, second = ranked.lines
    assert (first.location.line, second.location.line) == (12, 15)
    assert first.score < second.score  # line 12 is run by the passing tests too
    assert first.why.endswith("; the failing line, fed no value by project code the test ran")


def test_the_sandbox_export_carries_the_sources_the_ranking_reads() -> None:
    tests = [
        TestCase(id="t/test_c.py::test_unique_names_pass", outcome="failed"),
        TestCase(id="t/test_c.py::test_empty", outcome="passed"),
    ]
    data = {
        "contexts": {
            "t/test_c.py::test_unique_names_pass": {"/work/checks.py": [2, 3, 4, 5, 6]},
            "t/test_c.py::test_empty": {"/work/checks.py": [2, 3, 4, 9]},
        },
        "computes": {"/work/checks.py": [3, 4]},
        "sources": {"/work/checks.py": CHECKS, "/work/t/test_c.py": "x = 1", "/etc/x.py": ""},
    }
    built = spectrum(json.dumps(data).encode(), tests, "/work")
    assert built.guards == guards(SOURCES)  # the test file and the outsider are left out
    assert built.feeds == {}  # worked out for the failing lines only: it failed in the test
    assert spectrum(json.dumps({**data, "sources": {}}).encode(), tests, "/work").feeds is None
    (ranked,) = localize(built).tests
    assert ranked.lines[1].location == Location(path="checks.py", line=4)  # right after line 5
