"""A test file the user adds to a generated project is collected with the generated suite:
the project's pytest settings use pytest's standard discovery (`test_*.py`, `*_test.py`), by
`python -m pytest` in the project folder as by the sandbox (`service-creator test`)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from cases import CLI, generate
from ci_steps import run_step
from mcp_helpers import ANSWERS

from service_creator.domain.config import Settings

pytestmark = pytest.mark.slow

USER_TESTS = """\
def test_billing_extra_passes():
    assert round(0.1 + 0.2, 2) == 0.3


def test_billing_extra_fails():
    assert 1 + 1 == 3
"""
ADDED = {
    "test_billing_extra.py::test_billing_extra_passes": "passed",
    "test_billing_extra.py::test_billing_extra_fails": "failed",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated project with the user's own test file beside the generated suite."""
    folder = tmp_path_factory.mktemp("user-tests")
    generate(ANSWERS, folder)
    root = folder / "project"
    (root / "test_billing_extra.py").write_text(USER_TESTS, encoding="utf-8")
    return root


def test_the_generated_settings_use_standard_discovery(project: Path) -> None:
    pyproject = (project / "pyproject.toml").read_text(encoding="utf-8")
    assert "python_files" not in pyproject  # pytest's default: test_*.py and *_test.py


def test_python_m_pytest_collects_the_added_tests(project: Path) -> None:
    step = run_step("python -m pytest -q -rA", project)

    assert step.result.returncode == 1, step.output()  # the added failing test, only
    lines = step.result.stdout.splitlines()
    assert "PASSED test_billing_extra.py::test_billing_extra_passes" in lines, step.output()
    assert any(
        line.startswith("FAILED test_billing_extra.py::test_billing_extra_fails") for line in lines
    ), step.output()
    assert any(line.startswith("PASSED test_suite.py::") for line in lines), step.output()
    assert re.search(r"^1 failed, \d+ passed", step.result.stdout, re.M), step.output()


@pytest.mark.docker
def test_the_sandbox_collects_the_added_tests(
    project: Path, sandbox_image: str, sandbox_settings: Settings
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICE_CREATOR_")}
    env["SERVICE_CREATOR_SANDBOX_RUNTIME"] = sandbox_settings.sandbox.runtime
    env["SERVICE_CREATOR_SANDBOX_BASE_IMAGE"] = sandbox_settings.sandbox.base_image
    done = subprocess.run(
        [*CLI, "test", "--workspace", str(project), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    output = json.loads(done.stdout)
    report = output["report"]
    outcomes = {test["id"]: test["outcome"] for test in report["tests"]}
    assert {test_id: outcomes.get(test_id) for test_id in ADDED} == ADDED, report["output"]
    assert any(test_id.startswith("test_suite.py::") for test_id in outcomes)
    assert report["failed"] == 1 and output["exit_code"] == 1, report["output"][-4000:]
    assert done.returncode == 1, done.stderr[-2000:]
