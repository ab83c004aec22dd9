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
