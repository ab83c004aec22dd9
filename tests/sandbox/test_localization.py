"""Per-test coverage in the sandbox and the ranking it feeds: a planted wrong-value bug (`+` for
`*`) is the first line the failing test implicates, in a second pass after the failing run or
in the one traced pass; a passing run records nothing."""

from __future__ import annotations

import pytest
from sandbox_helpers import ProjectFactory

from service_creator.domain.config import Settings
from service_creator.domain.reports import Location
from service_creator.sandbox.runs import run_in_sandbox
from service_creator.sandbox.spectra import CoverageMode

pytestmark = pytest.mark.docker

BILLING = """\
def line_amount(quantity, unit_price):
    if quantity < 0:
        raise ValueError("negative quantity")
    return quantity + unit_price


def total(lines):
    return sum(line_amount(q, p) for q, p in lines)


def discount(amount, percent):
    return amount - amount * percent / 100
"""
BUG = Location(path="app/billing.py", line=4)
TESTS = """\
import pytest

from app.billing import discount, line_amount, total


def test_negative_quantity_is_refused():
    with pytest.raises(ValueError):
        line_amount(-1, 5)


def test_two_by_two():
    assert line_amount(2, 2) == 4


def test_total():
    assert total([]) == 0
    assert total([(2, 2)]) == 4


def test_discount():
    assert discount(100, 10) == 90


def test_amount():
    assert line_amount(3, 5) == 15
"""
FAILING = "tests/test_billing.py::test_amount"


@pytest.mark.parametrize("mode", ["on-failure", "first-pass"])
def test_the_planted_bug_ranks_first(
    mode: CoverageMode,
    sandbox_image: str,
    sandbox_settings: Settings,
    make_project: ProjectFactory,
) -> None:
    workspace = make_project(
        {"app/__init__.py": "", "app/billing.py": BILLING, "tests/test_billing.py": TESTS}
    )
    report = run_in_sandbox(workspace, sandbox_settings, warm=False, coverage=mode)

    assert (report.outcome, report.passed, report.failed) == ("failed", 4, 1)
    assert "1 failed, 4 passed" in report.output  # the first pass's output is the run's
    found = report.localization
    assert found is not None, report.message
    assert (found.message, found.formula, found.failing, found.passing) == ("", "ochiai", 1, 4)
    assert found.seconds > 0 and found.mode == mode
    (failing,) = found.tests
    assert failing.test_id == FAILING
    first, second = failing.lines[:2]
    assert first.location == BUG
    assert (first.failing, first.passing, first.score) == (1, 2, 0.5774)
    assert first.why == "run by the 1 failing test and by 2 of 4 passing ones"
    assert second.location == Location(path="app/billing.py", line=2) and second.score < first.score
    assert all(not s.location.path.startswith("tests/") for s in failing.lines)


def test_a_passing_run_records_no_coverage(
    sandbox_image: str, sandbox_settings: Settings, make_project: ProjectFactory
) -> None:
    fixed = BILLING.replace("quantity + unit_price", "quantity * unit_price")
    workspace = make_project(
        {"app/__init__.py": "", "app/billing.py": fixed, "tests/test_billing.py": TESTS}
    )
    report = run_in_sandbox(workspace, sandbox_settings, warm=True)
    assert (report.outcome, report.passed, report.localization) == ("passed", 5, None)


def test_auto_traces_the_one_pass_and_a_passing_run_exports_nothing(
    sandbox_image: str, sandbox_settings: Settings, make_project: ProjectFactory
) -> None:
    files = {"app/__init__.py": "", "app/billing.py": BILLING, "tests/test_billing.py": TESTS}
    workspace = make_project(files)
    failed = run_in_sandbox(workspace, sandbox_settings, warm=True, coverage="auto")
    assert failed.localization is not None and failed.localization.mode == "first-pass"
    assert failed.localization.tests[0].lines[0].location == BUG

    fixed = BILLING.replace("quantity + unit_price", "quantity * unit_price")
    passed = run_in_sandbox(
        workspace, sandbox_settings, warm=True, coverage="auto", overlay={"app/billing.py": fixed}
    )
    assert (passed.outcome, passed.localization) == ("passed", None)


PARAMETRIZED = """\
import pytest

from app.billing import line_amount


@pytest.mark.parametrize("quantity, price, expected", [(2, 2, 4), (3, 5, 15), (-1, 1, None)])
def test_amount(quantity, price, expected):
    if expected is None:
        with pytest.raises(ValueError):
            line_amount(quantity, price)
    else:
        assert line_amount(quantity, price) == expected
"""


@pytest.mark.parametrize("mode", ["on-failure", "first-pass"])
def test_parametrized_cases_have_their_own_lines(
    mode: CoverageMode,
    sandbox_image: str,
    sandbox_settings: Settings,
    make_project: ProjectFactory,
) -> None:
    workspace = make_project(
        {"app/__init__.py": "", "app/billing.py": BILLING, "tests/test_billing.py": PARAMETRIZED}
    )
    report = run_in_sandbox(workspace, sandbox_settings, warm=False, coverage=mode)

    assert (report.outcome, report.passed, report.failed) == ("failed", 2, 1)
    found = report.localization
    assert found is not None and found.passing == 2, report.message
    (failing,) = found.tests
    assert failing.test_id == "tests/test_billing.py::test_amount[3-5-15]"
    top = failing.lines[0]
    # the raising case never reaches the bug: it is run by 1 of the 2 passing cases, not both
    assert (top.location, top.failing, top.passing) == (BUG, 1, 1)


def test_a_selected_run_localizes_when_a_mode_is_named(
    sandbox_image: str, sandbox_settings: Settings, make_project: ProjectFactory
) -> None:
    workspace = make_project(
        {"app/__init__.py": "", "app/billing.py": BILLING, "tests/test_billing.py": TESTS}
    )
    chosen = [
        FAILING,
        "tests/test_billing.py::test_two_by_two",
        "tests/test_billing.py::test_negative_quantity_is_refused",
    ]

    report = run_in_sandbox(
        workspace, sandbox_settings, warm=True, select=chosen, coverage="first-pass"
    )
    assert (report.passed, report.failed) == (2, 1)
    found = report.localization
    assert found is not None and (found.failing, found.passing) == (1, 2)
    assert found.tests[0].lines[0].location == BUG

    plain = run_in_sandbox(workspace, sandbox_settings, warm=True, select=chosen)
    assert (plain.failed, plain.localization) == (1, None)  # auto: no coverage for a selection


LABELS = """\
def label(code):
    name = code.strip()
    return name.upper()


def size(code):
    return len(code)
"""
LABEL_TESTS = """\
from app.labels import label, size


def test_label():
    assert label(" a ") == "a"


def test_size():
    assert size("ab") == 2
"""


def test_a_returned_value_goes_before_the_line_that_fetched_it(
    sandbox_image: str, sandbox_settings: Settings, make_project: ProjectFactory
) -> None:
    workspace = make_project(
        {"app/__init__.py": "", "app/labels.py": LABELS, "tests/test_labels.py": LABEL_TESTS}
    )
    report = run_in_sandbox(workspace, sandbox_settings, warm=True, coverage="first-pass")

    found = report.localization
    assert found is not None and report.failed == 1, report.output
    first, second = found.tests[0].lines[:2]
    assert first.score == second.score  # both run by the failing test alone: the tie-break
    assert [first.location.line, second.location.line] == [3, 2]
