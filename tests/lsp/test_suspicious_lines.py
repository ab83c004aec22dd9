"""The billing bug as a new user makes it (`quantity * unit_price` → `quantity + unit_price` in
the generated service_manager.py): after a sandbox run the bug's line carries a warning
(`suspicious-line`) linked to the failing assertion and back, with "Fix with model" and
"Re-run this test" on it; re-running the test runs it alone and keeps the diagnostics whole."""

from __future__ import annotations

import pytest
from lsp_editor import Editor
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from sample_project import SMALL_PROJECT

BUG = ("(quantity * unit_price)", "(quantity + unit_price)")
Summary = set[tuple[str, int, str, str]]


def summary(editor: Editor) -> Summary:
    """Every published diagnostic as (uri, line, code, message)."""
    return {
        (uri, d.range.start.line, str(d.code), d.message)
        for uri, diagnostics in editor.client.diagnostics.items()
        for d in diagnostics
    }


async def actions_on(
    editor: Editor, uri: str, diagnostic: types.Diagnostic
) -> list[types.CodeAction]:
    actions = await editor.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    return [a for a in actions or [] if isinstance(a, types.CodeAction)]


@pytest.mark.docker
async def test_the_billing_bug_is_a_suspicious_line_linked_to_its_assertion(
    sandbox_image: str, code: Editor
) -> None:
    assert (await code.command("startInterview"))["status"] == "complete"
    await code.command("generate")
    manager = code.root / "service_manager.py"
    original = manager.read_text()
    assert original.count(BUG[0]) == 1
    manager.write_text(original.replace(*BUG))
    bug_line = next(i for i, text in enumerate(manager.read_text().splitlines()) if BUG[1] in text)
    manager_uri, suite_uri = code.uri("service_manager.py"), code.uri("test_suite.py")

    result = await code.command("runTests")

    assert result["report"]["outcome"] == "failed", result["report"]["message"]
    suspicious = [d for d in code.client.diagnostics[manager_uri] if d.code == "suspicious-line"]
    at_bug = next(d for d in suspicious if d.range.start.line == bug_line)
    assert at_bug.severity == types.DiagnosticSeverity.Warning
    assert at_bug.source == "service-creator"
    test_id = at_bug.data["testId"]
    assert at_bug.message.startswith("suspicious (") and f" for {test_id}: run by " in (
        at_bug.message
    )
    (to_assertion,) = at_bug.related_information or []
    assert to_assertion.location.uri == suite_uri
    assert to_assertion.message == "the failing assertion"
    assertion = next(
        d
        for d in code.client.diagnostics[suite_uri]
        if d.range.start.line == to_assertion.location.range.start.line
    )
    assert assertion.code == "test-failed" and assertion.data["testId"] == test_id
    back = [
        r
        for r in assertion.related_information or []
        if r.location.uri == manager_uri and r.location.range.start.line == bug_line
    ]
    score = at_bug.message.removeprefix("suspicious (").split(")")[0]
    assert [r.message for r in back] == [f"suspicious line ({score})"]

    actions = await actions_on(code, manager_uri, at_bug)
    titles = [a.title for a in actions]
    assert f"Fix with model: {test_id}" in titles
    rerun = next(a for a in actions if a.title == f"Re-run this test: {test_id}")
    assert rerun.command is not None and rerun.command.command == "serviceCreator.runTest"
    assert list(rerun.command.arguments or []) == [{"workspace": str(code.root), "testId": test_id}]

    # "Re-run this test": that test alone; it still fails, and every diagnostic stays as it was
    before = summary(code)
    again = await code.command("runTest", (rerun.command.arguments or [])[0])
    assert [t["id"] for t in again["report"]["tests"]] == [test_id]
    assert (again["report"]["failed"], again["report"]["passed"]) == (1, 0)
    assert summary(code) == before
    assert code.statuses[-1]["text"] == "Tests: 0 passed, 1 failed"

    # the bug fixed by hand: re-running the test clears its diagnostics, and only its own
    manager.write_text(original)
    others = {d for d in before if test_id not in d[3]}
    fixed = await code.command("runTest", {"workspace": str(code.root), "testId": test_id})
    assert fixed["report"]["outcome"] == "passed"
    assert [t["id"] for t in fixed["report"]["tests"]] == [test_id]
    assert summary(code) == others
    assert not [d for d in code.client.diagnostics[manager_uri] if d.code == "suspicious-line"]


@pytest.mark.parametrize(
    "test_id", ["-p", "/etc/passwd", "../outside/test_x.py::test_a", "service_manager.py"]
)
async def test_re_running_a_test_refuses_what_is_not_a_test_id(code: Editor, test_id: str) -> None:
    with pytest.raises(JsonRpcInvalidParams, match="testId"):
        await code.command("runTest", {"workspace": str(code.root), "testId": test_id})


async def test_re_running_a_test_refuses_a_workspace_outside_the_folders(code: Editor) -> None:
    elsewhere = code.root.parent / "elsewhere"
    elsewhere.mkdir()

    with pytest.raises(JsonRpcException, match="the editor's workspace folders"):
        await code.command(
            "runTest", {"workspace": str(elsewhere), "testId": "tests/test_x.py::test_a"}
        )
    assert list(elsewhere.iterdir()) == []


@pytest.mark.docker
async def test_the_editor_setting_turns_the_suspicious_lines_off(
    sandbox_image: str, code: Editor
) -> None:
    for relative, text in SMALL_PROJECT.items():
        (code.root / relative).parent.mkdir(parents=True, exist_ok=True)
        (code.root / relative).write_text(text)
    code.client.set_configuration({"suspiciousLines": 0}, section="serviceCreator")

    result = await code.command("runTests")

    assert result["report"]["failed"] == 2
    codes = [str(d.code) for ds in code.client.diagnostics.values() for d in ds]
    assert "test-failed" in codes and "suspicious-line" not in codes
