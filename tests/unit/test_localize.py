"""The ranking of suspicious lines (`sandbox/localize.py`) and the reading of the sandbox's
per-test coverage (`sandbox/spectra.py`), on small hand-made projects whose faulty line is known.
Pure data: no Docker, no coverage run."""

from __future__ import annotations

import json

import pytest

from service_creator.domain.reports import Location, TestCase
from service_creator.sandbox.localize import (
    Counts,
    Line,
    Spectrum,
    dstar,
    localize,
    ochiai,
    rank_of,
    why,
)
from service_creator.sandbox.spectra import context_tests, localization, read_contexts, spectrum


def lines(path: str, *numbers: int) -> frozenset[Line]:
    return frozenset((path, n) for n in numbers)


def project(
    tests: dict[str, tuple[str, frozenset[Line]]],
    frames: dict[str, list[Line]] | None = None,
    computes: frozenset[Line] = frozenset(),
) -> Spectrum:
    """{test id: (outcome, lines it ran)} → a spectrum."""
    return Spectrum(
        coverage={test_id: ran for test_id, (_, ran) in tests.items()},
        failed=frozenset(t for t, (outcome, _) in tests.items() if outcome == "failed"),
        passed=frozenset(t for t, (outcome, _) in tests.items() if outcome == "passed"),
        frames=frames or {},
        computes=computes,
    )


# --- hand-made projects: (spectrum, failing test, the faulty line) ---------------------------

# billing.py: 1 def, 2 `amount = quantity + unit_price` (the bug), 3 return; 10-12 another
# function; 20-21 the module's setup, run by everyone. The failing test checks an amount; two
# passing ones bill with quantity 2 and price 2, where + and * agree.
WRONG_VALUE = project(
    {
        "t.py::test_amount": ("failed", lines("billing.py", 2, 3, 20, 21)),
        "t.py::test_two_by_two": ("passed", lines("billing.py", 2, 3, 20, 21)),
        "t.py::test_other": ("passed", lines("billing.py", 10, 11, 12, 20, 21)),
        "t.py::test_more": ("passed", lines("billing.py", 10, 11, 20, 21)),
        "t.py::test_setup": ("passed", lines("billing.py", 20, 21)),
    }
)
# calc.py: a branch only the failing test takes holds the bug (line 6); its condition (line 5)
# is evaluated by every test.
BRANCH = project(
    {
        "t.py::test_negative": ("failed", lines("calc.py", 1, 2, 5, 6)),
        "t.py::test_positive": ("passed", lines("calc.py", 1, 2, 3, 4, 5)),
        "t.py::test_zero": ("passed", lines("calc.py", 1, 2, 3, 5)),
    }
)
# two failing tests of one bug (line 4) in a helper that a passing test also reaches; the
# second failing test runs one more line of its own.
TWO_FAILURES = project(
    {
        "t.py::test_a": ("failed", lines("svc.py", 1, 2, 4, 9)),
        "t.py::test_b": ("failed", lines("svc.py", 1, 2, 4, 8)),
        "t.py::test_c": ("passed", lines("svc.py", 1, 2, 3, 9)),
        "t.py::test_d": ("passed", lines("svc.py", 1, 2, 3, 4, 8, 9)),
        "t.py::test_e": ("passed", lines("svc.py", 1, 2, 3, 8)),
        "t.py::test_f": ("passed", lines("svc.py", 1, 2, 3, 8, 9)),
    }
)
# a function (lines 30-33) only the failing test runs raises at line 33: every line of it has
# the same spectrum; the traceback's project frame (line 33) is what tells them apart.
RAISES = project(
    {
        "t.py::test_parse": ("failed", lines("parse.py", 1, 30, 31, 32, 33)),
        "t.py::test_ok": ("passed", lines("parse.py", 1, 2)),
    },
    frames={"t.py::test_parse": [("parse.py", 33)]},
)
# bills.py: `bill` (lines 10-14) is run only by the failing test; line 13 computes the total
# with the wrong operator, between lines that fetch and pass values on:
#   11 instance = repo.get(instance_id)   12 lines = bill_lines(instance)
#   13 total = sum(amounts) - instance.credit   14 return Bill(instance.id, lines, total)
TOTAL = project(
    {
        "t.py::test_bill": ("failed", lines("bills.py", 1, 11, 12, 13, 14, 20)),
        "t.py::test_lines": ("passed", lines("bills.py", 1, 20)),
        "t.py::test_get": ("passed", lines("bills.py", 1)),
    },
    computes=lines("bills.py", 13, 21),
)
CASES = {
    "wrong value": (WRONG_VALUE, "t.py::test_amount", ("billing.py", 2)),
    "branch": (BRANCH, "t.py::test_negative", ("calc.py", 6)),
    "two failures": (TWO_FAILURES, "t.py::test_a", ("svc.py", 4)),
    "raises": (RAISES, "t.py::test_parse", ("parse.py", 33)),
    "total": (TOTAL, "t.py::test_bill", ("bills.py", 13)),
}
TIED = ("raises", "total")  # the faulty line ties with others of its function


@pytest.mark.parametrize("name", [n for n in CASES if n not in TIED])
@pytest.mark.parametrize("formula", ["ochiai", "dstar"])
def test_the_faulty_line_ranks_first(name: str, formula: str) -> None:
    spectrum, test_id, faulty = CASES[name]
    found = localize(spectrum, formula)  # type: ignore[arg-type]
    assert rank_of(found, test_id, faulty) == 1, found.tests


def test_the_frame_tie_break_puts_the_raising_line_first_where_scores_tie() -> None:
    spectrum, test_id, faulty = CASES["raises"]
    assert rank_of(localize(spectrum, tie_break=False), test_id, faulty) == 4  # by line order
    assert rank_of(localize(spectrum), test_id, faulty) == 1


def test_the_tie_break_helps_on_the_hand_made_cases_and_never_hurts() -> None:
    def top1(tie_break: bool) -> int:
        return sum(
            rank_of(localize(s, tie_break=tie_break), t, faulty) == 1
            for s, t, faulty in CASES.values()
        )

    assert (top1(False), top1(True)) == (3, 5)


def test_the_computing_line_goes_first_among_tied_lines() -> None:
    spectrum, test_id, faulty = CASES["total"]
    assert rank_of(localize(spectrum, tie_break=False), test_id, faulty) == 3
    assert rank_of(localize(spectrum), test_id, faulty) == 1


def test_scores_and_why_of_the_wrong_value_case() -> None:
    found = localize(WRONG_VALUE)
    assert (found.formula, found.failing, found.passing) == ("ochiai", 1, 4)
    (amount,) = found.tests
    first = amount.lines[0]
    assert (first.location, first.score) == (Location(path="billing.py", line=2), 0.7071)
    assert (first.failing, first.passing) == (1, 1)
    assert first.why == "run by the 1 failing test and by 1 of 4 passing ones"
    assert [s.location.line for s in amount.lines] == [2, 3, 20, 21]  # only lines it ran
    assert amount.lines[-1].why == "run by the 1 failing test and by 4 of 4 passing ones"


def test_formulas() -> None:
    assert ochiai(Counts(ef=1, ep=3, nf=1, np=64)) == pytest.approx(0.5)
    assert ochiai(Counts(ef=0, ep=3, nf=1, np=64)) == 0.0
    assert dstar(Counts(ef=2, ep=2, nf=3, np=10)) == pytest.approx(4 / 3)
    # run by every failing test and no passing one: above anything with a denominator
    assert dstar(Counts(ef=2, ep=0, nf=2, np=10)) > dstar(Counts(ef=2, ep=1, nf=2, np=10))


def test_why_words_the_counts() -> None:
    assert why(Counts(1, 3, 1, 64)) == "run by the 1 failing test and by 3 of 64 passing ones"
    assert why(Counts(2, 0, 2, 5)) == "run by all 2 failing tests and by none of 5 passing ones"
    assert why(Counts(1, 5, 3, 9)) == "run by 1 of the 3 failing tests and by 5 of 9 passing ones"
    assert why(Counts(1, 0, 1, 0)) == "run by the 1 failing test and by no passing test"


def test_the_list_is_capped() -> None:
    many = project({"t.py::test_x": ("failed", lines("m.py", *range(1, 40)))})
    assert len(localize(many).tests[0].lines) == 10
    assert len(localize(many, limit=None).tests[0].lines) == 39


# --- the sandbox's coverage.json ---------------------------------------------------------------


def case(test_id: str, outcome: str, source: Location | None = None) -> TestCase:
    return TestCase(id=test_id, outcome=outcome, source_location=source)  # type: ignore[arg-type]


def test_contexts_are_read_as_project_lines_without_tests_or_outsiders() -> None:
    data = {
        "contexts": {
            "test_calc.test_sum": {
                "/work/app/calc.py": [1, 2, 0, -3, True, "4", 10**9],
                "/work/tests/test_calc.py": [5],
                "/work/conftest.py": [1],
                "/usr/lib/python3.11/json/__init__.py": [1],
                "/work/../etc/x.py": [1],
                "/work/notes.txt": [1],
            },
            "test_calc.test_empty": {"/work/tests/helpers.py": [1]},
            "bad": [1, 2],
            "worse": {"/work/app/calc.py": "1"},
        }
    }
    found = read_contexts(json.dumps(data).encode(), "/work")
    assert found == {"test_calc.test_sum": lines("app/calc.py", 1, 2)}
    assert read_contexts(b"not json", "/work") == {}
    assert read_contexts(b"[1]", "/work") == {}


def test_contexts_match_test_ids_by_module_and_qualified_name() -> None:
    tests = [
        case("tests/test_calc.py::test_sum", "passed"),
        case("tests/test_calc.py::TestDiv::test_zero", "failed"),
        case("tests/test_calc.py::test_p[1]", "passed"),
        case("tests/test_calc.py::test_p[2]", "failed"),
        case("tests/other/test_calc.py::test_lonely", "passed"),
    ]
    contexts = [
        "test_calc.test_sum",
        "tests.test_calc.TestDiv.test_zero",
        "test_calc.test_p",
        "test_calc.helper",
        "test_calc.test_lonely",
    ]
    assert context_tests(contexts, tests) == {
        "test_calc.test_sum": ["tests/test_calc.py::test_sum"],
        "tests.test_calc.TestDiv.test_zero": ["tests/test_calc.py::TestDiv::test_zero"],
        "test_calc.test_p": ["tests/test_calc.py::test_p[1]", "tests/test_calc.py::test_p[2]"],
        "test_calc.test_lonely": ["tests/other/test_calc.py::test_lonely"],
    }


def test_the_report_field_from_a_runner_answer() -> None:
    tests = [
        case("tests/test_b.py::test_amount", "failed"),
        case("tests/test_b.py::test_two", "passed"),
        case("tests/test_b.py::test_other", "passed"),
        case("requirements.txt:3", "error"),  # no test: not in the spectrum
    ]
    data = {
        "contexts": {
            "test_b.test_amount": {"/work/billing.py": [2, 3, 20]},
            "test_b.test_two": {"/work/billing.py": [3, 20]},
            "test_b.test_other": {"/work/billing.py": [20]},
        }
    }
    answer = {"mode": "on-failure", "seconds": 1.23456}
    found = localization(json.dumps(data).encode(), answer, tests, "/work")
    assert found is not None
    assert (found.failing, found.passing, found.seconds, found.message) == (1, 2, 1.235, "")
    assert found.mode == "on-failure"
    (amount,) = found.tests
    assert amount.test_id == "tests/test_b.py::test_amount"
    assert [(s.location.line, s.score) for s in amount.lines] == [
        (2, 1.0),
        (3, 0.7071),
        (20, 0.5774),
    ]


def test_no_field_without_failures_or_without_an_answer_and_a_message_on_errors() -> None:
    passing = [case("t/test_a.py::test_x", "passed")]
    failing = [case("t/test_a.py::test_x", "failed")]
    assert localization(b"{}", {"mode": "first-pass"}, passing, "/work") is None
    assert localization(None, None, failing, "/work") is None
    stopped = localization(
        None, {"error": "the coverage pass was stopped: time limit"}, failing, "/work"
    )
    assert stopped is not None and stopped.message.endswith("time limit") and not stopped.tests
    missing = localization(None, {"seconds": 1}, failing, "/work")
    assert missing is not None and missing.message == "the sandbox returned no coverage"
    empty = localization(b'{"contexts": {}}', {"seconds": 1}, failing, "/work")
    assert empty is not None and empty.message.startswith("no failing test ran project code")


def test_the_traceback_frame_reaches_the_ranking() -> None:
    tests = [
        case("t/test_p.py::test_parse", "failed", Location(path="parse.py", line=33)),
        case("t/test_p.py::test_ok", "passed"),
    ]
    data = {
        "contexts": {
            "test_p.test_parse": {"/work/parse.py": [30, 31, 32, 33]},
            "test_p.test_ok": {"/work/parse.py": [1]},
        }
    }
    built = spectrum(json.dumps(data).encode(), tests, "/work")
    assert built.frames == {"t/test_p.py::test_parse": [("parse.py", 33)]}
    assert built.computes == frozenset()
    data["computes"] = {"/work/parse.py": [31, "x"], "/work/tests/test_p.py": [3]}
    assert spectrum(json.dumps(data).encode(), tests, "/work").computes == {("parse.py", 31)}
    found = localization(json.dumps(data).encode(), {"seconds": 0}, tests, "/work")
    assert found is not None and found.tests[0].lines[0].location.line == 33


def test_a_context_named_by_node_id_is_that_test_alone() -> None:
    tests = [
        case("tests/test_calc.py::test_p[1]", "passed"),
        case("tests/test_calc.py::test_p[2]", "failed"),
        case("tests/test_calc.py::TestDiv::test_zero", "failed"),
    ]
    contexts = [
        "tests/test_calc.py::test_p[1]",
        "tests/test_calc.py::test_p[2]",
        "tests/test_calc.py::TestDiv::test_zero",
        "tests/test_calc.py::test_gone",  # not in the report: left out
    ]
    assert context_tests(contexts, tests) == {
        "tests/test_calc.py::test_p[1]": ["tests/test_calc.py::test_p[1]"],
        "tests/test_calc.py::test_p[2]": ["tests/test_calc.py::test_p[2]"],
        "tests/test_calc.py::TestDiv::test_zero": ["tests/test_calc.py::TestDiv::test_zero"],
    }
    data = {
        "contexts": {
            "tests/test_calc.py::test_p[1]": {"/work/app/calc.py": [1, 2]},
            "tests/test_calc.py::test_p[2]": {"/work/app/calc.py": [1, 3]},
        }
    }
    found = spectrum(json.dumps(data).encode(), tests, "/work")
    assert found.coverage == {
        "tests/test_calc.py::test_p[1]": lines("app/calc.py", 1, 2),
        "tests/test_calc.py::test_p[2]": lines("app/calc.py", 1, 3),
    }


def test_a_passing_test_the_traced_pass_did_not_run_is_out_of_the_spectrum() -> None:
    tests = [
        case("t.py::test_bad", "failed"),
        case("t.py::test_ran", "passed"),
        case("t.py::test_not_traced", "passed"),
    ]
    data = {
        "contexts": {"t.py::test_bad": {"/work/a.py": [1, 2]}, "t.py::test_ran": {}},
        "tests": ["t.py::test_bad", "t.py::test_ran", 3],
    }
    found = spectrum(json.dumps(data).encode(), tests, "/work")
    assert (found.failed, found.passed) == ({"t.py::test_bad"}, {"t.py::test_ran"})
    without = spectrum(json.dumps({"contexts": data["contexts"]}).encode(), tests, "/work")
    assert without.passed == {"t.py::test_ran", "t.py::test_not_traced"}
