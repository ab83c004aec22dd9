"""A model's fix focused by the localization: the billing bug planted in a generated project
(`quantity * unit_price` made `quantity + unit_price` in service_manager.py), the tests run in
the real Docker sandbox (per-test coverage ranks the lines), and the scripted model is shown the
suspicious lines and the functions that hold them, not the whole files; its function is spliced
in and the test passes. Without a localization, the whole file is sent as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_openai import Call, FakeOpenAI, Reply

from service_creator.codeintel.functions import enclosing_function, function_units
from service_creator.domain.config import Settings
from service_creator.domain.ports import NoProgress
from service_creator.domain.workspace_path import workspace_path
from service_creator.llm.ledger import LedgerData
from service_creator.operations.fix import fix_failure, sandbox_tests
from service_creator.operations.generate import generate_service
from service_creator.operations.interview import start_interview
from service_creator.operations.io import FixFailureInput, GenerateInput, StartInterviewInput
from service_creator.operations.scripted import DEMO_ANSWERS, ScriptedAsker
from service_creator.operations.testing import save_report
from service_creator.sandbox.runs import run_in_sandbox

pytestmark = pytest.mark.docker

GOOD, BAD = "(quantity * unit_price)", "(quantity + unit_price)"
FAILING = "test_suite.py::test_billing_follows_the_monthly_model"
MANAGER = "service_manager.py"


@pytest.fixture
def model_settings(settings: Settings, sandbox_settings: Settings, sandbox_image: str) -> Settings:
    """The scripted model's settings, with the test session's sandbox."""
    return settings.model_copy(update={"sandbox": sandbox_settings.sandbox})


async def billing_bug(workspace: Path) -> tuple[str, int]:
    """An offline-generated project with the billing bug planted: (the generated
    service_manager.py, the bug's line)."""
    offline = Settings()
    await start_interview(
        StartInterviewInput(workspace=workspace_path(workspace)),
        offline,
        ScriptedAsker(DEMO_ANSWERS),
    )
    await generate_service(
        GenerateInput(workspace=workspace_path(workspace)), offline, NoProgress()
    )
    generated = (workspace / MANAGER).read_text()
    assert generated.count(GOOD) == 1
    (workspace / MANAGER).write_text(generated.replace(GOOD, BAD))
    line = generated[: generated.index(GOOD)].count("\n") + 1
    return generated, line


def fenced(code: str) -> Reply:
    return Reply(content=f"The amount multiplies, it does not add:\n\n```python\n{code}```\n")


def ledger_of(workspace: Path) -> LedgerData:
    (path,) = (workspace / ".service-creator" / "ledger").glob("*.json")
    return LedgerData.model_validate_json(path.read_text())


async def test_the_fix_is_focused_on_the_suspicious_lines_and_their_functions(
    server: FakeOpenAI, model_settings: Settings, tmp_path: Path
) -> None:
    generated, bug = await billing_bug(tmp_path)
    before = await sandbox_tests(workspace_path(tmp_path), model_settings, NoProgress())
    assert before.localization is not None, before.message
    (ranked,) = [t for t in before.localization.tests if t.test_id == FAILING]
    assert (ranked.lines[0].location.path, ranked.lines[0].location.line) == (MANAGER, bug)
    function = enclosing_function(generated, bug)
    assert function is not None and function.name == "_line"
    server.responder = lambda call: fenced(function.text(generated))

    output = await fix_failure(
        FixFailureInput(workspace=workspace_path(tmp_path), test_id=FAILING),
        model_settings,
        NoProgress(),
    )

    assert output.files == [MANAGER] and output.written == [MANAGER]
    assert (tmp_path / MANAGER).read_text() == generated  # the function spliced back in
    assert output.report is not None and output.report.outcome == "passed"
    assert output.message.endswith("now passes")
    (call,) = server.calls
    prompt = call.prompt
    broken = function.text(generated).replace(GOOD, BAD)
    assert broken in prompt  # the focused function, as it is now
    assert f"{MANAGER}:{bug} (0.71, run by the 1 failing test" in prompt
    assert generated.replace(GOOD, BAD) not in prompt  # not the whole file
    outside = next(u for u in function_units(generated) if u.name == "ServiceManager._audited")
    assert outside.text(generated) not in prompt
    # of the files it is built on, what the focused functions use: the repository's methods
    # (`self.repository.get_instance`), not the request schemas service_manager.py imports
    assert "class Repository" in prompt and "def get_instance(" in prompt
    assert "# schemas.py" not in prompt and "class InstanceCreate" not in prompt
    tests = (tmp_path / "test_suite.py").read_text()
    assert "def test_billing_follows_the_monthly_model" in prompt and tests not in prompt
    focus = ledger_of(tmp_path).focus
    assert focus is not None and (focus.path, focus.whole_file) == (MANAGER, False)
    assert focus.lines[0] == f"{MANAGER}:{bug}" and "_line" in focus.functions
    assert set(focus.functions) <= {u.name for u in function_units(generated)}


async def test_without_a_localization_the_whole_file_is_sent(
    server: FakeOpenAI, model_settings: Settings, tmp_path: Path
) -> None:
    generated, _ = await billing_bug(tmp_path)
    unranked = run_in_sandbox(tmp_path, model_settings, warm=False, coverage="off")
    assert unranked.failed == 1 and unranked.localization is None
    save_report(tmp_path, unranked)
    server.responder = lambda call: fenced(generated)

    output = await fix_failure(
        FixFailureInput(workspace=workspace_path(tmp_path), test_id=FAILING),
        model_settings,
        NoProgress(),
    )

    assert output.written == [MANAGER] and (tmp_path / MANAGER).read_text() == generated
    assert output.report is not None and output.report.outcome == "passed"
    (call,) = server.calls
    assert generated.replace(GOOD, BAD) in call.prompt  # the whole file, as before
    assert (tmp_path / "test_suite.py").read_text() in call.prompt
    assert "suspicious lines" not in call.prompt
    assert ledger_of(tmp_path).focus is None


async def test_a_reply_without_the_focused_functions_asks_again_with_the_whole_file(
    server: FakeOpenAI, model_settings: Settings, tmp_path: Path
) -> None:
    """The fault may be in a function the localization did not rank (a line every test runs):
    a focused reply that fixes none of the focused functions is not spliced; the whole file
    is asked for, once."""
    generated, _ = await billing_bug(tmp_path)
    await sandbox_tests(workspace_path(tmp_path), model_settings, NoProgress())

    def model(call: Call) -> Reply:
        if "Reply with the corrected version of each function" in call.prompt:
            return fenced("def unrelated():\n    return 1\n")
        return fenced(generated)

    server.responder = model
    output = await fix_failure(
        FixFailureInput(workspace=workspace_path(tmp_path), test_id=FAILING),
        model_settings,
        NoProgress(),
    )

    assert output.written == [MANAGER] and (tmp_path / MANAGER).read_text() == generated
    assert "def unrelated" not in (tmp_path / MANAGER).read_text()
    assert output.report is not None and output.report.outcome == "passed"
    focused, whole = server.calls
    assert generated.replace(GOOD, BAD) not in focused.prompt
    assert generated.replace(GOOD, BAD) in whole.prompt
    ledger = ledger_of(tmp_path)
    assert [c.purpose for c in ledger.calls] == [MANAGER, MANAGER]
    assert ledger.focus is not None and "_line" in ledger.focus.functions
    assert ledger.focus.whole_file_after.startswith("the reply defines none of _line")
