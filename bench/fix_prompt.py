"""The fix's prompt before and after the focus (issue 18, point 4), in one run:

    .venv/bin/python bench/fix_prompt.py [--bugs billing,usage,...]

For each planted bug (one line of an offline-generated project, the demo answers), the tests run
in the Docker sandbox (per-test coverage ranks the lines), then the scripted loopback model
(tests/llm/fake_openai.py) is asked to fix the first failing test twice, through
`fix_failure`: unfocused (`focused=False`: the whole file and the whole test file, as before)
and focused (the suspicious lines, the functions that hold them, the rest of the file as a
symbol table, the failing test's function). The "model" answers each with the right fix: the
whole generated file, or the generated version of the function that holds the bug. Per run:
the prompt's characters, its tokens by litellm's counter (gpt-4o's tokenizer), the prompt
tokens the ledger recorded (the loopback server's count: 4 characters a token), summed over the
calls (a focused reply without the focused functions is followed by a whole-file call), and
whether the test passed after the fix. Between the two, the bug and the failing run's report are put
back (the same state, without a third sandbox run).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "llm"))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("OPENAI_API_KEY", "sk-bench-local")

from fake_openai import Call, FakeOpenAI, Reply  # noqa: E402

from service_creator.codeintel.functions import enclosing_function  # noqa: E402
from service_creator.domain.config import Settings  # noqa: E402
from service_creator.domain.ports import NoProgress  # noqa: E402
from service_creator.domain.reports import TestReport  # noqa: E402
from service_creator.domain.workspace_path import workspace_path  # noqa: E402
from service_creator.llm.client import litellm_module  # noqa: E402
from service_creator.llm.ledger import LedgerData  # noqa: E402
from service_creator.operations.fix import fix_failure, sandbox_tests  # noqa: E402
from service_creator.operations.generate import generate_service  # noqa: E402
from service_creator.operations.interview import start_interview  # noqa: E402
from service_creator.operations.io import (  # noqa: E402
    FixFailureInput,
    GenerateInput,
    StartInterviewInput,
)
from service_creator.operations.scripted import DEMO_ANSWERS, ScriptedAsker  # noqa: E402
from service_creator.operations.testing import save_report  # noqa: E402
from service_creator.sandbox.runs import close_warm  # noqa: E402

FOCUSED_ASK = "Reply with the corrected version of each function"


@dataclass(frozen=True)
class Bug:
    name: str
    path: str
    good: str  # occurs once in the generated file
    bad: str


BUGS = [
    Bug("billing", "service_manager.py", "(quantity * unit_price)", "(quantity + unit_price)"),
    Bug("usage", "models.py", 'row["n"] for row in rows}', 'row["n"] + 1 for row in rows}'),
    Bug("metrics", "api_endpoints.py", '+ "} " + str(value)', '+ "}" + str(value)'),
    Bug(
        "device",
        "vendor_integration.py",
        "if key.startswith(prefix))",
        "if not key.startswith(prefix))",
    ),
]


@dataclass
class Measure:
    chars: int
    litellm_tokens: int
    ledger_tokens: int
    calls: int
    passed: bool
    focus: str
    target: str


async def project(workspace: Path) -> None:
    offline = Settings()
    site = workspace_path(workspace)
    await start_interview(StartInterviewInput(workspace=site), offline, ScriptedAsker(DEMO_ANSWERS))
    await generate_service(GenerateInput(workspace=site), offline, NoProgress())


def fence(code: str) -> Reply:
    return Reply(content=f"Here is the fix.\n\n```python\n{code}```\n")


async def fix_once(
    workspace: Path, test_id: str, settings: Settings, server: FakeOpenAI, focused: bool
) -> Measure:
    server.calls = []
    ledgers = workspace / ".service-creator" / "ledger"
    before = set(ledgers.glob("*.json")) if ledgers.exists() else set[Path]()
    output = await fix_failure(
        FixFailureInput(workspace=workspace_path(workspace), test_id=test_id),
        settings,
        NoProgress(),
        focused=focused,
    )
    calls = list(server.calls)
    (ledger_path,) = set(ledgers.glob("*.json")) - before
    ledger = LedgerData.model_validate_json(ledger_path.read_text())
    after = (
        next((t for t in output.report.tests if t.id == test_id), None) if output.report else None
    )
    focus = ledger.focus
    if focus is None or focus.whole_file:
        shown = "whole file"
    else:
        shown = f"{', '.join(focus.functions)} ({len(focus.lines)} lines)"
        if focus.whole_file_after:
            shown += f", then the whole file ({focus.whole_file_after})"
    counter = litellm_module().token_counter
    return Measure(
        chars=sum(len(c.prompt) for c in calls),
        litellm_tokens=sum(counter(model="gpt-4o", messages=c.body["messages"]) for c in calls),
        ledger_tokens=ledger.prompt_tokens,
        calls=len(calls),
        passed=after is not None and after.outcome == "passed",
        focus=shown,
        target=", ".join(output.files) or f"not written: {output.message}",
    )


async def measure(bug: Bug, settings: Settings, server: FakeOpenAI) -> None:
    with tempfile.TemporaryDirectory(prefix="fix-prompt-") as folder:
        workspace = Path(folder)
        await project(workspace)
        target = workspace / bug.path
        generated = target.read_text()
        assert generated.count(bug.good) == 1, f"{bug.name}: {bug.good!r} is not once in {bug.path}"
        broken = generated.replace(bug.good, bug.bad)
        line = generated[: generated.index(bug.good)].count("\n") + 1
        function = enclosing_function(generated, line)
        assert function is not None, f"{bug.name}: line {line} is in no function"
        target.write_text(broken)
        report = await sandbox_tests(workspace_path(workspace), settings, NoProgress())
        failing = next((t for t in report.tests if t.outcome == "failed"), None)
        if failing is None:
            print(f"{bug.name}: no test fails ({report.outcome}: {report.message})")
            return
        rank = bug_rank(report, failing.id, bug.path, line)

        def model(call: Call) -> Reply:
            if FOCUSED_ASK in call.prompt:
                return fence(function.text(generated))
            return fence(generated)

        server.responder = model
        old = await fix_once(workspace, failing.id, settings, server, focused=False)
        target.write_text(broken)  # the same failing state again
        save_report(workspace, report)
        new = await fix_once(workspace, failing.id, settings, server, focused=True)
        close_warm(workspace)
        print(
            f"| {bug.name} | `{bug.path}:{line}` | {failing.id.split('::')[-1]} | {rank} "
            f"| {old.chars} / {old.litellm_tokens} / {old.ledger_tokens} "
            f"| {new.chars} / {new.litellm_tokens} / {new.ledger_tokens} ({new.calls} call"
            f"{'s' if new.calls > 1 else ''}) "
            f"| {new.litellm_tokens / old.litellm_tokens:.0%} | {new.target}: {new.focus} "
            f"| {yes(old.passed)} / {yes(new.passed)} |",
            flush=True,
        )


def bug_rank(report: TestReport, test_id: str, path: str, line: int) -> str:
    if report.localization is None:
        return "no localization"
    ranked = next((t for t in report.localization.tests if t.test_id == test_id), None)
    lines = [(s.location.path, s.location.line) for s in ranked.lines] if ranked else []
    return str(lines.index((path, line)) + 1) if (path, line) in lines else "not in top 10"


def yes(flag: bool) -> str:
    return "passes" if flag else "FAILS"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bugs", default=",".join(b.name for b in BUGS))
    args = parser.parse_args()
    wanted = args.bugs.split(",")
    server = FakeOpenAI().start()
    litellm_module()
    settings = Settings.from_env().model_copy(
        update={"model": "openai/fake-coder", "api_base": server.base_url, "llm_timeout": 30.0}
    )
    print(
        "| bug | line | failing test | bug's rank | unfocused: chars / litellm tokens / ledger "
        "| focused: chars / litellm tokens / ledger | focused / unfocused (litellm) "
        "| focused: file fixed: focus "
        "| test after the fix (unfocused / focused) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    try:
        for bug in BUGS:
            if bug.name in wanted:
                await measure(bug, settings, server)
    finally:
        server.close()


if __name__ == "__main__":
    asyncio.run(main())
