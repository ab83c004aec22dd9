"""The MCP-only models: server options and the structured output of the job and findings tools.

The interview tools return the operation's `InterviewState` as it is; a job carries its
operation's output (operations/io.py) once it succeeded.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import Field

from service_creator.domain.errors import ConfigError
from service_creator.domain.node_ids import NodeIds
from service_creator.domain.reports import Finding, Outcome, TestLocalization
from service_creator.domain.wire import WireModel
from service_creator.frontends.mcp.jobs import JobKind, JobStatus
from service_creator.operations.io import (
    FixFailureOutput,
    GenerateOutput,
    RunTestsOutput,
    SessionRef,
)

if TYPE_CHECKING:
    from service_creator.operations.generate import Engine

DEFAULT_RETURN_AFTER = 25.0
DEFAULT_ELICIT_ROUNDS = 10
MAX_WAIT = 25.0
ENV = "SERVICE_CREATOR_MCP_"


@dataclass(frozen=True)
class ServerOptions:
    """How the server behaves; `service-creator mcp` uses the defaults.

    return_after: seconds a long tool call waits for its job before returning the job id
        (many clients drop a call after about 60 s, so it stays well under).
    elicit_rounds: questions asked per `start_interview` call on the 2026-07-28 protocol,
        where each one is a round trip; clients give up after 10 rounds by default.
    engine: the generation engine (None: the one the settings name); tests pass their own.
    """

    return_after: float = DEFAULT_RETURN_AFTER
    elicit_rounds: int = DEFAULT_ELICIT_ROUNDS
    engine: Engine | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServerOptions:
        """`SERVICE_CREATOR_MCP_RETURN_AFTER` (seconds) and `..._ELICIT_ROUNDS` override."""
        env = os.environ if env is None else env
        try:
            return cls(
                return_after=float(env.get(f"{ENV}RETURN_AFTER") or DEFAULT_RETURN_AFTER),
                elicit_rounds=int(env.get(f"{ENV}ELICIT_ROUNDS") or DEFAULT_ELICIT_ROUNDS),
            )
        except ValueError as exc:
            raise ConfigError(f"invalid {ENV}* setting: {exc}") from None


class JobBase(WireModel):
    job_id: str = Field(description="Pass to get_job to follow the job")
    kind: JobKind
    session_id: str
    status: JobStatus = Field(description="running until it succeeded, failed or was cancelled")
    done: int = Field(description="Steps done so far (files generated, tests run, ...)")
    total: int | None = Field(None, description="Steps in all, when known")
    message: str = Field(description="What the job is doing now")
    elapsed_seconds: float
    error: str | None = Field(None, description="Why the job failed, and what to do about it")
    next_step: str = Field(description="What to call next")


class GenerateJob(JobBase):
    generation: GenerateOutput | None = Field(None, description="The result, once succeeded")


class TestsJob(JobBase):
    __test__ = False

    test_run: RunTestsOutput | None = Field(None, description="The result, once succeeded")


class FixJob(JobBase):
    fix: FixFailureOutput | None = Field(None, description="The result, once succeeded")


class JobView(JobBase):
    """get_job's answer: the job, with the result of its kind once it succeeded."""

    generation: GenerateOutput | None = Field(None, description="generate_service's result")
    test_run: RunTestsOutput | None = Field(None, description="run_tests's result")
    fix: FixFailureOutput | None = Field(None, description="fix_failure's result")


RESULT_FIELD: dict[str, str] = {
    "generate_service": "generation",
    "run_tests": "test_run",
    "fix_failure": "fix",
}


class RunTestsArguments(SessionRef):
    """run_tests's parameters: the session, and the tests to run when not all of them."""

    tests: NodeIds | None = Field(
        default=None,
        description="Run only these tests (test_id values from get_findings); the other "
        "tests keep their last results",
    )


class FindingsView(WireModel):
    session_id: str
    test_outcome: Outcome | None = Field(None, description="Outcome of the last test run, if any")
    passed: int = 0
    failed: int = 0
    errors: int = 0
    findings: list[Finding] = Field(
        description="Failing tests (source 'service-creator', with test_id) and generation "
        "findings (ruff, consistency), each with a workspace-relative file and line"
    )
    suspicious_lines: list[TestLocalization] = Field(
        default=[],
        description="Per failing test, the project lines it implicates, most suspicious first "
        "(spectrum score from per-test coverage, and why); the top ones are also findings "
        "with code 'suspicious-line'",
    )
    message: str
