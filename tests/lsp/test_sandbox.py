"""Sandbox runs through the server (real Docker): diagnostics at the failing lines, linked to
each other; code actions and lenses; progress; cancellation; the loop stays responsive."""

from __future__ import annotations

import asyncio

import pytest
from lsp_editor import WAIT, Editor
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from sample_project import CALC, SMALL_PROJECT, TESTS

pytestmark = pytest.mark.docker

SLOW_TEST = "import time\n\n\ndef test_slow():\n    time.sleep(30)\n"


def write_project(editor: Editor, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = editor.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def by_line(diagnostics: list[types.Diagnostic]) -> dict[int, types.Diagnostic]:
    return {d.range.start.line: d for d in diagnostics}


def execute(editor: Editor, command: str, msg_id: str, **argument: object) -> asyncio.Future:
    params = types.ExecuteCommandParams(
        command=f"serviceCreator.{command}",
        arguments=[{"workspace": str(editor.root), **argument}],
    )
    return asyncio.ensure_future(
        editor.client.protocol.send_request_async(
            types.WORKSPACE_EXECUTE_COMMAND, params, msg_id=msg_id
        )
    )


async def test_failures_become_linked_diagnostics_with_actions_and_lenses(
    sandbox_image: str, code: Editor
) -> None:
    write_project(code, SMALL_PROJECT)
    test_uri = code.open("tests/test_calc.py")
    code.change(test_uri, TESTS)  # version 2, same text as on disk
    source_uri = code.uri("app/calc.py")

    result = await code.command("runTests")

    assert result["report"]["outcome"] == "failed"
    assert (result["report"]["passed"], result["report"]["failed"]) == (1, 2)
    in_test = by_line(code.client.diagnostics[test_uri])
    assert set(in_test) == {8, 12}  # the failing asserts (0-based lines)
    zero = in_test[8]
    assert zero.source == "service-creator"
    assert "ZeroDivisionError" in zero.message
    assert zero.range.start.character == 4  # from the assert, not the indentation
    assert zero.data["testId"] == "tests/test_calc.py::test_divide_by_zero"
    assert zero.related_information[0].location.uri == source_uri
    assert zero.related_information[0].location.range.start.line == 1
    in_source = by_line(code.client.diagnostics[source_uri])
    assert set(in_source) == {1, 5}  # `return a / b`; `return a + b`, suspicious
    assert in_source[1].related_information[0].location.uri == test_uri
    assert in_source[1].related_information[0].location.range.start.line == 8
    assert in_source[1].code == "test-failed"  # the frame that raised: no second diagnostic
    suspicious = in_source[5]
    assert (suspicious.code, suspicious.severity) == (
        "suspicious-line",
        types.DiagnosticSeverity.Warning,
    )
    assert suspicious.data["testId"] == "tests/test_calc.py::test_wrong_sum"
    assert [r.message for r in suspicious.related_information] == ["the failing assertion"]
    assert suspicious.related_information[0].location.range.start.line == 12
    # a plain assert has no project frame: its link is to the suspicious line
    (to_suspicious,) = in_test[12].related_information
    assert to_suspicious.location.range.start.line == 5
    assert to_suspicious.message.startswith("suspicious line (")
    assert code.statuses[-1]["text"] == "Tests: 1 passed, 2 failed"
    # progress went begin → report(s) → end, and ended with the summary
    (kinds,) = code.progress_kinds().values()
    assert kinds[0] == "begin" and kinds[-1] == "end" and "report" in kinds

    actions = await code.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=test_uri),
            range=zero.range,
            context=types.CodeActionContext(diagnostics=[zero]),
        )
    )
    titles = [a.title for a in actions]
    assert titles == [
        "Fix with model: tests/test_calc.py::test_divide_by_zero",
        "Re-run this test: tests/test_calc.py::test_divide_by_zero",
        "Re-run sandbox tests",
    ]
    assert actions[0].command.command == "serviceCreator.fixFailure"
    assert list(actions[0].command.arguments) == [
        {"workspace": str(code.root), "testId": "tests/test_calc.py::test_divide_by_zero"}
    ]
    assert actions[1].command.command == "serviceCreator.runTest"
    assert list(actions[1].command.arguments) == list(actions[0].command.arguments)
    assert actions[2].command.command == "serviceCreator.runTests"

    lenses = await code.client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=test_uri))
    )
    assert [(lens.range.start.line, lens.command.title) for lens in lenses] == [
        (3, "Run in sandbox"),
        (7, "Run in sandbox"),
        (11, "Run in sandbox"),
    ]

    hover = await code.client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=source_uri),
            position=types.Position(line=1, character=8),
        )
    )
    assert "ZeroDivisionError" in hover.contents.value

    # fix the code and the tests: the next run passes and clears every diagnostic
    fixed = TESTS.replace("assert add(1, 1) == 3", "assert add(1, 1) == 2")
    safe = CALC.replace("a / b", "a / b if b else 0")
    write_project(code, {"app/calc.py": safe, "tests/test_calc.py": fixed})
    code.change(test_uri, fixed)
    result = await code.command("runTests")
    assert result["report"]["outcome"] == "passed"
    assert not code.client.diagnostics[test_uri]
    assert not code.client.diagnostics[source_uri]
    assert code.statuses[-1]["text"] == "Tests: 3 passed, 0 failed"


async def test_the_sandbox_tests_the_unsaved_text_the_editor_shows(
    sandbox_image: str, code: Editor
) -> None:
    write_project(code, SMALL_PROJECT)
    source_uri = code.open("app/calc.py")
    code.change(source_uri, CALC.replace("a / b", "a / b if b else 0"))  # not saved
    test_uri = code.open("tests/test_calc.py")
    code.change(test_uri, TESTS.replace("assert add(1, 1) == 3", "assert add(1, 1) == 2"))
    code.open("tests/test_new.py", "def test_new():\n    assert True\n")  # never saved

    result = await code.command("runTests")

    assert result["report"]["outcome"] == "passed"
    assert result["report"]["passed"] == 4
    assert (code.root / "app" / "calc.py").read_text() == CALC  # the disk is left alone


async def test_requests_are_answered_while_the_sandbox_runs(
    sandbox_image: str, code: Editor
) -> None:
    write_project(code, SMALL_PROJECT)
    test_uri = code.open("tests/test_calc.py")
    begun = asyncio.ensure_future(code.client.wait_for_notification(types.PROGRESS))
    run = execute(code, "runTests", "run-1")
    await asyncio.wait_for(begun, WAIT)

    lenses = await asyncio.wait_for(
        code.client.text_document_code_lens_async(
            types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=test_uri))
        ),
        WAIT,
    )
    session_error = None
    try:
        await code.command("showSession")
    except Exception as exc:  # no interview in this workspace: answered with an error
        session_error = exc
    assert len(lenses) == 3
    assert session_error is not None and "No interview" in str(session_error)
    assert not run.done(), "the sandbox run finished before the other requests were answered"
    result = await asyncio.wait_for(run, WAIT)
    assert result["report"]["outcome"] == "failed"


async def test_cancelling_a_test_run_stops_it(sandbox_image: str, code: Editor) -> None:
    write_project(code, {"tests/test_slow.py": SLOW_TEST})
    run = execute(code, "runTests", "slow-1")
    token = await progress_until(code, "running the tests")
    code.client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))

    with pytest.raises(JsonRpcRequestCancelled):
        await asyncio.wait_for(run, 20)  # long before the test's 30 s sleep ends
    ended = code.client.progress_reports[token][-1]
    assert ended.kind == "end" and ended.message == "Cancelled"

    # and through $/cancelRequest
    code.client.progress_reports.clear()
    run = execute(code, "runTests", "slow-2")
    token = await progress_until(code, "running the tests")
    code.client.cancel_request(types.CancelParams(id="slow-2"))
    with pytest.raises(JsonRpcRequestCancelled):
        await asyncio.wait_for(run, WAIT)
    await asyncio.wait_for(progress_until(code, "Cancelled"), 20)


async def progress_until(editor: Editor, text: str) -> str:
    """The progress token, once a report (or the end) of it mentions `text`."""

    def seen() -> str | None:
        for token, values in editor.client.progress_reports.items():
            if any(text in (getattr(v, "message", None) or "") for v in values):
                return str(token)
        return None

    while (token := seen()) is None:
        await asyncio.wait_for(editor.client.wait_for_notification(types.PROGRESS), WAIT)
    return token


BROKEN_FROM = 'assert response.json()["status"] == "ok"'
BROKEN_TO = 'assert response.json()["status"] == "broken"'


async def test_generated_project_failure_fix_code_action_and_regeneration(
    sandbox_image: str, code: Editor
) -> None:
    state = await code.command("startInterview")
    assert state["status"] == "complete"
    await code.command("generate")
    suite = code.root / "test_suite.py"
    original = suite.read_text()
    broken = original.replace(BROKEN_FROM, BROKEN_TO, 1)
    assert broken != original
    line = broken.splitlines().index("    " + BROKEN_TO)  # 0-based
    suite.write_text(broken)  # the user breaks a test and saves it
    suite_uri = code.open("test_suite.py")

    result = await code.command("runTests")

    assert result["report"]["outcome"] == "failed", result["report"]["message"]
    assert result["report"]["failed"] == 1
    (failure,) = code.client.diagnostics[suite_uri]
    assert failure.range.start.line == line
    assert failure.data["testId"] == "test_suite.py::test_healthz_needs_no_credentials"
    assert code.client.diagnostics[suite_uri][0].source == "service-creator"

    # the quick fix runs fixFailure: the file comes back through the editor, the tests pass
    actions = await code.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=suite_uri),
            range=failure.range,
            context=types.CodeActionContext(diagnostics=[failure]),
        )
    )
    fix = actions[0]
    assert fix.title.startswith("Fix with model")
    edits_before = len(code.edits)
    fixed = await asyncio.wait_for(
        code.client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command=fix.command.command, arguments=list(fix.command.arguments)
            )
        ),
        WAIT * 2,
    )
    assert fixed["files"] == ["test_suite.py"], fixed["message"]
    assert fixed["report"]["outcome"] == "passed"
    (edit,) = code.edits[edits_before:]
    (change,) = edit.edit.document_changes
    assert change.text_document.uri == suite_uri
    assert change.text_document.version == 1  # the open document, at the editor's version
    assert code.documents[suite_uri].text == original
    assert not code.client.diagnostics[suite_uri]  # cleared by the passing run

    # a failure again; regenerating the file clears its diagnostics without a new run
    suite.write_text(broken)
    code.change(suite_uri, broken)
    await code.command("runTests")
    assert code.client.diagnostics[suite_uri]
    suite.unlink()  # the user throws the broken file away and regenerates it
    code.client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=suite_uri))
    )
    del code.documents[suite_uri]
    regenerated = await code.command("generate")
    assert regenerated["written"] == ["test_suite.py"]
    assert not code.client.diagnostics[suite_uri]


async def test_collection_and_syntax_errors_are_diagnostics_too(
    sandbox_image: str, code: Editor
) -> None:
    write_project(
        code,
        {
            "app/__init__.py": "",
            "app/calc.py": CALC,
            "tests/test_ok.py": "def test_ok():\n    assert True\n",
            "tests/test_bad_syntax.py": "def test_x():\n    pass\n\n\ndef test_y(:\n    pass\n",
        },
    )

    result = await code.command("runTests")

    assert result["report"]["outcome"] == "error", result["report"]
    (diagnostic,) = code.client.diagnostics[code.uri("tests/test_bad_syntax.py")]
    assert diagnostic.source == "service-creator"
    assert diagnostic.code == "collection-error"
    assert diagnostic.range.start.line == 4  # `def test_y(:`
    assert code.statuses[-1]["text"].startswith("Tests: 1 passed, 0 failed, 1 errors")
