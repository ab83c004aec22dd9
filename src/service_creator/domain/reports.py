"""Test runs and what they find: a report of test cases, and findings on project lines."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from service_creator.domain.wire import WireModel

Outcome = Literal["passed", "failed", "error", "skipped", "timeout", "oom", "sandbox_error"]


class Location(WireModel):
    path: str = Field(description="Workspace-relative path, POSIX separators")
    line: int = Field(ge=1, description="1-based line")
    column: int = Field(default=1, ge=1)


class TestCase(WireModel):
    __test__ = False  # not a pytest class

    id: str = Field(description="pytest node id, e.g. test_suite.py::test_create")
    outcome: Literal["passed", "failed", "error", "skipped"]
    duration: float = 0.0
    message: str = ""
    location: Location | None = Field(
        default=None, description="The test function or failing assert"
    )
    source_location: Location | None = Field(
        default=None, description="The failing frame in the project's own (non-test) source"
    )


class RouteCheck(WireModel):
    """One call the service check made to the running service."""

    method: str
    path: str
    status: int | None = Field(default=None, description="HTTP status; None when no answer")
    auth: str | None = Field(
        default=None, description="The auth method whose credentials were sent, if any"
    )
    error: str = Field(default="", description="Why there was no answer")


ServiceOutcome = Literal["passed", "failed", "skipped"]


class ServiceCheck(WireModel):
    """After the tests: the service started as its Dockerfile's CMD does, and called."""

    outcome: ServiceOutcome = Field(
        description="passed: it started and every call got a 2xx; skipped: no service to start"
    )
    started: bool = False
    start_seconds: float | None = Field(
        default=None, description="From launch until its port answered"
    )
    seconds: float = Field(default=0.0, description="The whole check: start, calls, stop")
    command: str = Field(default="", description="What was started, e.g. uvicorn api:app")
    checks: list[RouteCheck] = []
    message: str = ""
    location: Location | None = Field(
        default=None, description="Where a failure points: the traceback's or the app's line"
    )
    output: str = Field(default="", description="The service's own output, capped")


LocalizationFormula = Literal["ochiai", "dstar"]


class SuspiciousLine(WireModel):
    """A project line a failing test implicates: its spectrum score and why."""

    location: Location
    score: float = Field(description="The formula's score, higher is more suspicious")
    failing: int = Field(ge=0, description="Failing tests that ran the line")
    passing: int = Field(ge=0, description="Passing tests that ran the line")
    why: str = Field(description="e.g. run by the 1 failing test and by 3 of 64 passing ones")


class TestLocalization(WireModel):
    """The lines one failing test implicates, most suspicious first."""

    __test__ = False

    test_id: str
    lines: list[SuspiciousLine] = []


class Localization(WireModel):
    """Spectrum-based fault localization of a failing run, from per-test line coverage."""

    formula: LocalizationFormula = "ochiai"
    mode: Literal["first-pass", "on-failure"] | None = Field(
        default=None,
        description="How coverage was recorded: in the one traced pass, or a second pass",
    )
    failing: int = Field(default=0, ge=0, description="Failing tests with coverage")
    passing: int = Field(default=0, ge=0, description="Passing tests in the spectrum")
    seconds: float = Field(
        default=0.0, description="The coverage pass and its export (first pass: the traced run)"
    )
    tests: list[TestLocalization] = Field(
        default=[], description="Per failing test, its ranked lines"
    )
    message: str = Field(default="", description="Why there is no ranking, when there is none")


class TestReport(WireModel):
    __test__ = False

    outcome: Outcome
    tests: list[TestCase] = []
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    duration: float = 0.0
    output: str = Field(default="", description="pytest's output, capped")
    message: str = Field(default="", description="Why the run ended as it did, when not by itself")
    runtime: str | None = Field(
        default=None, description="OCI runtime of the sandbox: runc or runsc"
    )
    service: ServiceCheck | None = Field(
        default=None, description="The service started after the tests and called"
    )
    localization: Localization | None = Field(
        default=None, description="When tests failed: the project lines each one implicates"
    )


SUSPICIOUS_CODE = "suspicious-line"  # a finding's code on a line a failing test implicates
FindingSource = Literal["service-creator", "ruff", "consistency", "deploy-check"]
Severity = Literal["error", "warning", "info"]


class Finding(WireModel):
    location: Location
    message: str
    severity: Severity = "error"
    source: FindingSource = "service-creator"
    code: str | None = None
    test_id: str | None = None
    related: list[Location] = []
    score: float | None = Field(
        default=None, description="A suspicious line's score (code suspicious-line)"
    )
