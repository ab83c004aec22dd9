"""Selecting tests to run: node ids are checked before they reach pytest, and a selected run is
merged into the suite's last report so the tests it did not run keep their findings."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from service_creator.domain.errors import WorkspaceError
from service_creator.domain.reports import (
    SUSPICIOUS_CODE,
    Localization,
    Location,
    SuspiciousLine,
    TestCase,
    TestLocalization,
    TestReport,
)
from service_creator.domain.workspace_path import WorkspacePath
from service_creator.operations.io import RunTestsInput
from service_creator.sandbox.results import merged_report, report_findings
from service_creator.sandbox.selection import selected_tests

FIRST = "tests/test_suite.py::test_total"
SECOND = "tests/test_suite.py::test_discount"
PASSING = "tests/test_suite.py::test_health"


@pytest.mark.parametrize(
    "node_id",
    [
        "-k",
        "--rootdir=/",
        "/etc/test_x.py",
        "../tests/test_suite.py",
        "tests/../../test_x.py::test_a",
        "app/service.py::test_x",
        "requirements.txt",
        "tests/test_suite.py::",
        "tests/test_suite.py::-p",
        "tests\\test_suite.py",
        "tests/test_suite.py::test_a\nx",
    ],
)
def test_refused_node_ids(node_id: str, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="tests"):
        RunTestsInput(workspace=WorkspacePath(tmp_path), tests=[node_id])
    with pytest.raises(WorkspaceError, match="cannot select the tests to run"):
        selected_tests(tmp_path, [node_id])


def test_accepted_node_ids_name_files_the_project_has(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_suite.py").write_text("def test_total():\n    pass\n")
    chosen = [FIRST, "tests/test_suite.py", "tests/test_suite.py::TestA::test_b[1-2]"]

    assert selected_tests(tmp_path, chosen) == chosen
    assert RunTestsInput(workspace=WorkspacePath(tmp_path), tests=chosen).tests == chosen
    with pytest.raises(WorkspaceError, match=r"the project has no tests/test_other\.py"):
        selected_tests(tmp_path, ["tests/test_other.py::test_a"])
    assert selected_tests(tmp_path, ["tests/test_new.py"], {"tests/test_new.py": ""}) == [
        "tests/test_new.py"
    ]


def failure(test_id: str, line: int) -> TestCase:
    at = Location(path="tests/test_suite.py", line=line)
    return TestCase(id=test_id, outcome="failed", message="assert 1 == 2", location=at)


def ranking(test_id: str, line: int) -> TestLocalization:
    why = "run by the 2 failing tests and by 0 of 1 passing ones"
    found = SuspiciousLine(
        location=Location(path="billing.py", line=line), score=1.0, failing=2, passing=0, why=why
    )
    return TestLocalization(test_id=test_id, lines=[found])


SUITE = TestReport(
    outcome="failed",
    tests=[TestCase(id=PASSING, outcome="passed"), failure(FIRST, 10), failure(SECOND, 20)],
    passed=1,
    failed=2,
    localization=Localization(failing=2, passing=1, tests=[ranking(FIRST, 4), ranking(SECOND, 7)]),
)


def test_a_selected_failing_test_keeps_the_others_and_its_ranking() -> None:
    rerun = TestReport(outcome="failed", tests=[failure(FIRST, 11)], failed=1)

    merged = merged_report(SUITE, rerun)

    assert [(t.id, t.outcome) for t in merged.tests] == [
        (PASSING, "passed"),
        (FIRST, "failed"),
        (SECOND, "failed"),
    ]
    assert merged.tests[1].location == Location(path="tests/test_suite.py", line=11)
    assert (merged.outcome, merged.passed, merged.failed) == ("failed", 1, 2)
    suspicious = [f for f in report_findings(merged) if f.code == SUSPICIOUS_CODE]
    assert [(f.test_id, f.location.line) for f in suspicious] == [(FIRST, 4), (SECOND, 7)]
    assert suspicious[0].related == [Location(path="tests/test_suite.py", line=11)]


def test_a_selected_test_that_now_passes_drops_its_findings_only() -> None:
    rerun = TestReport(outcome="passed", tests=[TestCase(id=SECOND, outcome="passed")], passed=1)

    merged = merged_report(SUITE, rerun)

    assert (merged.outcome, merged.passed, merged.failed) == ("failed", 2, 1)
    assert {f.test_id for f in report_findings(merged)} == {FIRST}
    assert merged.localization is not None
    assert [t.test_id for t in merged.localization.tests] == [FIRST]


def test_the_last_failure_fixed_makes_the_suite_pass() -> None:
    first_only = merged_report(
        SUITE, TestReport(outcome="passed", tests=[TestCase(id=SECOND, outcome="passed")])
    )
    rerun = TestReport(outcome="passed", tests=[TestCase(id=FIRST, outcome="passed")], passed=1)

    merged = merged_report(first_only, rerun)

    assert (merged.outcome, merged.passed, merged.failed, merged.localization) == (
        "passed",
        3,
        0,
        None,
    )
    assert report_findings(merged) == []


def test_a_run_that_could_not_start_leaves_the_last_report() -> None:
    broken = TestReport(outcome="sandbox_error", message="no engine")

    assert merged_report(SUITE, broken) == SUITE
    assert merged_report(None, broken) == broken
