"""Fixing a failing test: the implicated file is repaired (by the model, or re-rendered by the
offline engine), written through the Writer, and the tests run again. Tests run on the host here
(real pytest, the same JUnit parsing as the sandbox); the sandbox's own tests cover Docker."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fake_openai import Reply
from project import FILES, MANAGER, ScriptedModel

from service_creator.domain.config import Settings
from service_creator.domain.errors import ServiceCreatorError
from service_creator.domain.ports import NoProgress
from service_creator.domain.project import GeneratedFile
from service_creator.domain.reports import TestReport
from service_creator.domain.workspace_path import WorkspacePath, workspace_path
from service_creator.generation.workspace import FilesystemWriter
from service_creator.operations.fix import fix_failure
from service_creator.operations.interview import start_interview
from service_creator.operations.io import FixFailureInput, StartInterviewInput
from service_creator.operations.scripted import DEMO_ANSWERS, ScriptedAsker
from service_creator.operations.testing import load_report, save_report
from service_creator.sandbox.results import parse_junit

FAILING = "test_suite.py::test_create_get_and_list"
BROKEN = MANAGER.replace("name=request.name", 'name=request.name + "-x"')


class HostTests:
    """Runs the workspace's pytest on the host; counts the runs."""

    def __init__(self) -> None:
        self.runs = 0

    async def __call__(self, workspace: WorkspacePath, settings: Settings, progress) -> TestReport:
        self.runs += 1
        report = await asyncio.to_thread(host_pytest, workspace.path)
        save_report(workspace.path, report)
        return report


def host_pytest(workspace: Path) -> TestReport:
    xml = workspace / ".service-creator" / "junit.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={xml}"],
        cwd=workspace,
        env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        capture_output=True,
        check=False,
    )
    tests = parse_junit(xml.read_bytes(), root=str(workspace))
    failed = sum(t.outcome == "failed" for t in tests)
    return TestReport(
        outcome="failed" if failed else "passed",
        tests=tests,
        passed=sum(t.outcome == "passed" for t in tests),
        failed=failed,
    )


async def project(workspace: Path, files: dict[str, str]) -> None:
    """A finished interview and the small project on disk, as if we had generated it."""
    await start_interview(
        StartInterviewInput(workspace=str(workspace)), Settings(), ScriptedAsker(DEMO_ANSWERS)
    )
    generated = [GeneratedFile(path=p, content=c) for p, c in files.items() if p.endswith(".py")]
    await FilesystemWriter(workspace).apply(generated, "test project")


async def test_the_model_fixes_the_file_the_failure_points_at(server, settings, tmp_path):
    await project(tmp_path, FILES)
    (tmp_path / "service_manager.py").write_text(BROKEN)  # the user breaks it
    runner = HostTests()
    before = await runner(workspace_path(tmp_path), settings, NoProgress())
    case = next(t for t in before.tests if t.id == FAILING)
    assert case.outcome == "failed" and case.source_location is None  # the assert is in the test
    model = ScriptedModel()
    server.responder = model

    output = await fix_failure(
        FixFailureInput(workspace=str(tmp_path), test_id=FAILING),
        settings,
        NoProgress(),
        run_tests=runner,
    )
    assert output.report.outcome == "passed" and runner.runs == 2
    # the assert failed in the test; of the files it is built on, the user changed just one
    assert output.files == ["service_manager.py"]
    assert (tmp_path / "service_manager.py").read_text() == MANAGER
    assert output.message.endswith("now passes")
    prompt = server.calls[0].prompt
    assert f"The test `{FAILING}` of the project fails" in prompt
    assert "<<<DATA" in prompt and "edge-x" in prompt  # the failure, fenced as data
    assert load_report(tmp_path).outcome == "passed"


async def test_the_failing_frame_in_the_source_is_the_file_fixed(server, settings, tmp_path):
    await project(tmp_path, FILES)
    crash = MANAGER.replace("return list(self.instances.values())", "return 1 / 0")
    (tmp_path / "service_manager.py").write_text(crash)
    runner = HostTests()
    before = await runner(workspace_path(tmp_path), settings, NoProgress())
    case = next(t for t in before.tests if t.id == FAILING)
    assert case.source_location.path == "service_manager.py"
    model = ScriptedModel()
    server.responder = model

    output = await fix_failure(
        FixFailureInput(workspace=str(tmp_path), test_id=FAILING),
        settings,
        NoProgress(),
        run_tests=runner,
    )
    assert output.files == ["service_manager.py"] and output.written == ["service_manager.py"]
    assert (tmp_path / "service_manager.py").read_text() == MANAGER
    assert output.report.outcome == "passed" and output.findings == []
    assert model.seen == [("fix", "service_manager.py")]
    prompt = server.calls[0].prompt
    assert "return 1 / 0" in prompt and "def test_create_get_and_list" in prompt
    ledgers = list((tmp_path / ".service-creator" / "ledger").glob("*.json"))
    assert len(ledgers) == 1 and '"kind": "fix"' in ledgers[0].read_text()


async def test_without_a_saved_report_the_tests_run_first(server, settings, tmp_path):
    await project(tmp_path, FILES)
    (tmp_path / "service_manager.py").write_text(
        MANAGER.replace("return list(self.instances.values())", "return 1 / 0")
    )
    server.responder = ScriptedModel()
    runner = HostTests()
    output = await fix_failure(
        FixFailureInput(workspace=str(tmp_path), test_id="test_create_get_and_list"),
        settings,
        NoProgress(),
        run_tests=runner,
    )
    assert runner.runs == 2 and output.report.outcome == "passed"


async def test_a_passing_or_unknown_test_is_not_fixed(server, settings, tmp_path):
    await project(tmp_path, FILES)
    runner = HostTests()
    await runner(workspace_path(tmp_path), settings, NoProgress())
    inp = FixFailureInput(workspace=str(tmp_path), test_id="test_suite.py::test_health")
    output = await fix_failure(inp, settings, NoProgress(), run_tests=runner)
    assert "nothing to fix" in output.message and output.files == [] and server.calls == []
    with pytest.raises(ServiceCreatorError, match="No test 'test_nope'"):
        await fix_failure(
            FixFailureInput(workspace=str(tmp_path), test_id="test_nope"),
            settings,
            NoProgress(),
            run_tests=runner,
        )


async def test_a_provider_error_during_a_fix_is_a_clear_error(server, settings, tmp_path):
    await project(tmp_path, FILES)
    (tmp_path / "service_manager.py").write_text(BROKEN)
    runner = HostTests()
    await runner(workspace_path(tmp_path), settings, NoProgress())
    server.responder = lambda call: Reply(status=429, headers={"Retry-After": "600"})
    with pytest.raises(ServiceCreatorError, match="rate limited"):
        await fix_failure(
            FixFailureInput(workspace=str(tmp_path), test_id=FAILING),
            settings,
            NoProgress(),
            run_tests=runner,
        )
    assert (tmp_path / "service_manager.py").read_text() == BROKEN  # nothing written


@pytest.mark.slow
async def test_offline_fix_restores_the_generated_version_of_what_the_user_broke(tmp_path):
    from service_creator.operations.generate import generate_service
    from service_creator.operations.io import GenerateInput

    offline = Settings()
    await start_interview(
        StartInterviewInput(workspace=str(tmp_path)), offline, ScriptedAsker(DEMO_ANSWERS)
    )
    await generate_service(GenerateInput(workspace=str(tmp_path)), offline, NoProgress())
    manager = tmp_path / "service_manager.py"
    generated = manager.read_text()
    line = "    return BillLine(description, quantity, unit_price, amount)\n"
    assert line in generated
    manager.write_text(generated.replace(line, line.replace("amount)", "amount * 2)")))
    runner = HostTests()
    before = await runner(workspace_path(tmp_path), offline, NoProgress())
    failing = [t.id for t in before.tests if t.outcome == "failed"]
    assert failing == ["test_suite.py::test_billing_follows_the_monthly_model"]

    output = await fix_failure(
        FixFailureInput(workspace=str(tmp_path), test_id=failing[0]),
        offline,
        NoProgress(),
        run_tests=runner,
    )
    assert output.files == ["service_manager.py"] and output.written == ["service_manager.py"]
    assert manager.read_text() == generated
    assert output.report.outcome == "passed" and output.message.endswith("now passes")


async def test_a_fix_that_does_not_pass_its_check_is_not_written(server, settings, tmp_path):
    """Nothing invalid is written: a model's fix that does not parse leaves the user's file."""
    await project(tmp_path, FILES)
    (tmp_path / "service_manager.py").write_text(BROKEN)
    runner = HostTests()
    await runner(workspace_path(tmp_path), settings, NoProgress())
    server.responder = lambda call: Reply(content="```python\ndef broken(:\n    pass\n```")

    output = await fix_failure(
        FixFailureInput(workspace=str(tmp_path), test_id=FAILING),
        settings,
        NoProgress(),
        run_tests=runner,
    )

    assert (tmp_path / "service_manager.py").read_text() == BROKEN
    assert output.files == [] and runner.runs == 1
    assert output.message.startswith("The model's fix of service_manager.py was not written")
    assert output.findings and output.findings[0].location.path == "service_manager.py"
