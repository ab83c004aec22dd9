"""A failing test's ranked lines as findings: warnings on the top N project lines, linked to the
failing assertion and back; a line the traceback already marks is enriched, not repeated; the
CLI prints them under their failure."""

from __future__ import annotations

import pytest

from service_creator.domain.config import Settings
from service_creator.domain.reports import (
    SUSPICIOUS_CODE,
    Localization,
    Location,
    SuspiciousLine,
    TestCase,
    TestLocalization,
    TestReport,
)
from service_creator.frontends.cli.render import render_report
from service_creator.sandbox.results import report_findings

FAILING = "tests/test_suite.py::test_invoice_total"
ASSERTION = Location(path="tests/test_suite.py", line=432)
WHY = "run by the 1 failing test and by {} of 65 passing ones"


def ranked(*lines: tuple[str, int, float, int]) -> list[SuspiciousLine]:
    return [
        SuspiciousLine(
            location=Location(path=path, line=line),
            score=score,
            failing=1,
            passing=passing,
            why=WHY.format(passing),
        )
        for path, line, score, passing in lines
    ]


LINES = ranked(
    ("service_manager.py", 63, 0.71, 1),
    ("service_manager.py", 60, 0.58, 2),
    ("models.py", 12, 0.5, 3),
    ("api_endpoints.py", 88, 0.12, 64),
)


def failing_report(
    lines: list[SuspiciousLine], source_location: Location | None = None
) -> TestReport:
    tests = [
        TestCase(id="tests/test_suite.py::test_health", outcome="passed"),
        TestCase(
            id=FAILING,
            outcome="failed",
            message="assert 10.0 == 21.0",
            location=ASSERTION,
            source_location=source_location,
        ),
    ]
    localization = Localization(
        failing=1, passing=65, tests=[TestLocalization(test_id=FAILING, lines=lines)]
    )
    return TestReport(outcome="failed", tests=tests, passed=1, failed=1, localization=localization)


def test_the_top_three_lines_are_warnings_linked_to_the_assertion() -> None:
    findings = report_findings(failing_report(LINES))

    assertion, *suspicious = findings
    assert [f.code for f in findings] == ["test-failed", *[SUSPICIOUS_CODE] * 3]
    assert [f.location for f in suspicious] == [line.location for line in LINES[:3]]
    first = suspicious[0]
    assert first.severity == "warning" and first.source == "service-creator"
    assert first.test_id == FAILING and first.score == 0.71
    assert first.message == f"suspicious (0.71) for {FAILING}: {WHY.format(1)}"
    assert all(f.related == [ASSERTION] for f in suspicious)
    assert assertion.severity == "error"
    assert assertion.related == [line.location for line in LINES[:3]]


@pytest.mark.parametrize("limit", [0, 1, 3, 10])
def test_the_setting_caps_the_lines_per_failing_test(limit: int) -> None:
    findings = report_findings(failing_report(LINES), limit)

    marked = [f for f in findings if f.code == SUSPICIOUS_CODE]
    assert len(marked) == min(limit, len(LINES))
    assert findings[0].related == [f.location for f in marked]


def test_a_line_the_traceback_marks_gets_its_score_instead_of_a_second_finding() -> None:
    frame = Location(path="service_manager.py", line=60)
    findings = report_findings(failing_report(LINES, source_location=frame))

    assertion, at_frame, *suspicious = findings
    assert at_frame.location == frame and at_frame.code == "test-failed"
    assert at_frame.message.endswith(f"; suspicious (0.58): {WHY.format(2)}")
    assert [f.location.line for f in suspicious] == [63, 12]  # 60 counted, not repeated
    assert assertion.related == [frame, *[f.location for f in suspicious]]


def test_no_localization_no_suspicious_lines() -> None:
    report = failing_report([])
    report.localization = None

    assert [f.code for f in report_findings(report)] == ["test-failed"]


def test_the_setting_comes_from_the_environment() -> None:
    default = Settings.from_env({})
    assert default.suspicious_lines == 3
    assert Settings.from_env({"SERVICE_CREATOR_SUSPICIOUS_LINES": "0"}).suspicious_lines == 0


def test_the_cli_prints_them_under_their_failure() -> None:
    report = failing_report(LINES)
    text = render_report(report, report_findings(report))

    lines = text.splitlines()
    failure = lines.index(f"  tests/test_suite.py:432: {FAILING}: assert 10.0 == 21.0")
    assert lines[failure + 1 :] == [
        f"    service_manager.py:63 suspicious (0.71): {WHY.format(1)}",
        f"    service_manager.py:60 suspicious (0.58): {WHY.format(2)}",
        f"    models.py:12 suspicious (0.50): {WHY.format(3)}",
    ]
