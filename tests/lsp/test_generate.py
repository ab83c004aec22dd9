"""Generation through `workspace/applyEdit`: one labelled edit, open buffers respected,
progress, cancellation, a refused edit; the filesystem writer for clients without edits."""

from __future__ import annotations

import asyncio
import json

import pytest
from lsp_editor import WAIT, Editor
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcRequestCancelled

FILES = 16  # the plan of a vFirewall with both deployments


async def complete_interview(editor: Editor) -> dict:
    state = await editor.command("startInterview")
    assert state["status"] == "complete", state
    return state


def manifest(editor: Editor) -> dict:
    path = editor.root / ".service-creator" / "manifest.json"
    return json.loads(path.read_text())["files"] if path.exists() else {}


def changes_by_uri(edit: types.WorkspaceEdit) -> dict[str, list]:
    found: dict[str, list] = {}
    for change in edit.document_changes or []:
        uri = change.uri if isinstance(change, types.CreateFile) else change.text_document.uri
        found.setdefault(uri, []).append(change)
    return found


async def progress_until(editor: Editor, test) -> str:
    """The progress token, once one of its values satisfies `test`."""

    def seen() -> str | None:
        for token, values in editor.client.progress_reports.items():
            if any(test(v) for v in values):
                return str(token)
        return None

    while (token := seen()) is None:
        await asyncio.wait_for(editor.client.wait_for_notification(types.PROGRESS), WAIT)
    return token


def file_done(value: object) -> bool:
    return getattr(value, "kind", "") == "report" and (value.message or "").startswith("1/")


async def test_generation_is_one_labelled_edit_with_progress(code: Editor) -> None:
    await complete_interview(code)

    result = await code.command("generate")

    assert len(result["files"]) == FILES
    assert sorted(result["written"]) == sorted(result["files"])
    assert result["conflicts"] == [] and result["cancelled"] is False
    assert result["status"] == "complete" and result["missing"] == []
    (params,) = code.edits  # one transaction, so one undo
    assert params.label == "Service Creator: generate vfirewall-ftd"
    by_uri = changes_by_uri(params.edit)
    assert len(by_uri) == FILES
    for path in result["files"]:
        create, insert = by_uri[code.uri(path)]
        assert isinstance(create, types.CreateFile)
        assert insert.text_document.version is None
        assert insert.edits[0].new_text == (code.root / path).read_text()
    assert set(manifest(code)) == set(result["files"])
    # work-done progress: begin, one report per file (n/N and its name), end
    (values,) = code.client.progress_reports.values()
    assert values[0].kind == "begin" and values[0].cancellable is True
    reports = [v.message for v in values if v.kind == "report"]
    done = [m.split(" ", 1) for m in reports[1:]]  # after "0/16 Generating 16 files ..."
    assert [n for n, _ in done] == [f"{i}/{FILES}" for i in range(1, FILES + 1)]
    assert sorted(path for _, path in done) == sorted(result["files"])
    assert values[-1].kind == "end" and values[-1].message == f"{FILES} of {FILES} files written"
    assert code.statuses[-1]["text"] == "Service generated"


async def test_open_unsaved_buffer_is_never_clobbered(code: Editor) -> None:
    session = (await complete_interview(code))["sessionId"]
    await code.command("generate")
    mine = code.open("config.py")
    mine_text = (code.root / "config.py").read_text() + "# my unsaved note\n"
    code.change(mine, mine_text)  # unsaved: the disk still has our version
    clean = code.open("service_manager.py")  # open, no changes
    disk_config = (code.root / "config.py").read_text()

    await code.command("answerQuestion", sessionId=session, questionId="price", answer=99)
    await code.command("answerQuestion", sessionId=session, answer=True)  # confirm again
    result = await code.command("generate", sessionId=session)

    assert result["conflicts"] == ["config.py"]
    edit = code.edits[-1].edit
    by_uri = changes_by_uri(edit)
    assert mine not in by_uri  # the user's buffer is not touched
    assert code.documents[mine].text == mine_text
    assert (code.root / "config.py").read_text() == disk_config
    assert 'DEFAULT_PRICE = "99.0"' in (code.root / "config.py.new").read_text()
    assert "config.py" in manifest(code)  # still our old version: the next run keeps theirs
    # the clean open document got a full-range edit for the version the editor has
    (versioned,) = by_uri[clean]
    assert isinstance(versioned, types.TextDocumentEdit)
    assert versioned.text_document.version == 1
    assert "99" in code.documents[clean].text
    # closed files we own were replaced in full, unversioned
    (readme,) = by_uri[code.uri("README.md")]
    assert readme.text_document.version is None
    assert readme.edits[0].range.start == types.Position(line=0, character=0)


async def test_an_edited_new_beside_an_unsaved_buffer_is_kept(code: Editor) -> None:
    session = (await complete_interview(code))["sessionId"]
    await code.command("generate")
    mine = code.open("config.py")
    code.change(mine, (code.root / "config.py").read_text() + "# my unsaved note\n")
    await code.command("answerQuestion", sessionId=session, questionId="price", answer=99)
    await code.command("answerQuestion", sessionId=session, answer=True)
    await code.command("generate", sessionId=session)
    theirs = (code.root / "config.py.new").read_text() + "# I merged part of it by hand\n"
    (code.root / "config.py.new").write_text(theirs)

    await code.command("answerQuestion", sessionId=session, questionId="price", answer=77)
    await code.command("answerQuestion", sessionId=session, answer=True)
    result = await code.command("generate", sessionId=session)

    assert result["conflicts"] == ["config.py.new"]
    assert (code.root / "config.py.new").read_text() == theirs
    assert 'DEFAULT_PRICE = "77.0"' in (code.root / "config.py.new.new").read_text()


async def test_refused_edit_is_an_error_and_records_nothing(code: Editor) -> None:
    await complete_interview(code)
    code.apply_edits = False

    with pytest.raises(JsonRpcException, match="did not apply the generated files: refused"):
        await code.command("generate")

    assert manifest(code) == {}
    assert not (code.root / "config.py").exists()
    code.apply_edits = True  # and the server keeps serving
    result = await code.command("generate")
    assert len(result["written"]) == FILES


async def test_cancelling_from_the_progress_keeps_what_was_written(code: Editor) -> None:
    await complete_interview(code)
    run = asyncio.ensure_future(code.command("generate"))
    token = await progress_until(code, file_done)
    code.client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))

    result = await asyncio.wait_for(run, WAIT)

    assert result["cancelled"] is True
    assert 1 <= len(result["written"]) < FILES
    assert result["status"] == "incomplete"  # the same status the CLI exits 1 on
    missing = [entry.split(" ", 1)[0] for entry in result["missing"]]
    assert set(missing).isdisjoint(result["written"])
    assert len(missing) + len(result["written"]) == FILES
    assert all("(not generated: cancelled)" in entry for entry in result["missing"])
    assert "missing: " in code.statuses[-1]["tooltip"]
    for path in result["written"]:
        assert (code.root / path).is_file()
    assert set(manifest(code)) == set(result["written"])
    assert code.client.progress_reports[token][-1].message == "Cancelled"
    assert code.statuses[-1]["text"] == "Generation cancelled"


async def test_cancel_request_stops_generation_and_keeps_what_was_written(code: Editor) -> None:
    await complete_interview(code)
    params = types.ExecuteCommandParams(
        command="serviceCreator.generate", arguments=[{"workspace": str(code.root)}]
    )
    run = asyncio.ensure_future(
        code.client.protocol.send_request_async(
            types.WORKSPACE_EXECUTE_COMMAND, params, msg_id="gen-1"
        )
    )
    await progress_until(code, file_done)
    code.client.cancel_request(types.CancelParams(id="gen-1"))

    with pytest.raises(JsonRpcRequestCancelled):
        await asyncio.wait_for(run, WAIT)
    await code.wait("applyEdit")  # the files finished before the cancel are still written
    token = await progress_until(code, lambda v: getattr(v, "kind", "") == "end")
    assert code.client.progress_reports[token][-1].message == "Cancelled"
    written = [p for p in manifest(code)]
    assert 1 <= len(written) < FILES
    assert all((code.root / p).is_file() for p in written)


async def test_plain_client_gets_the_files_on_disk_under_the_same_rules(basic: Editor) -> None:
    session = (await complete_interview(basic))["sessionId"]

    result = await basic.command("generate")

    assert len(result["written"]) == FILES
    assert basic.edits == []  # no workspace/applyEdit without documentChanges
    assert (basic.root / "api_endpoints.py").is_file()
    assert basic.client.progress_reports == {}  # no work-done progress either

    # an open buffer with unsaved changes is not overwritten on disk either
    disk = (basic.root / "config.py").read_text()
    uri = basic.open("config.py")
    basic.change(uri, disk + "# unsaved\n")
    await basic.command("answerQuestion", sessionId=session, questionId="price", answer=99)
    await basic.command("answerQuestion", sessionId=session, answer=True)
    again = await basic.command("generate", sessionId=session)
    assert again["conflicts"] == ["config.py"]
    assert (basic.root / "config.py").read_text() == disk
    assert 'DEFAULT_PRICE = "99.0"' in (basic.root / "config.py.new").read_text()
    assert "service_manager.py" in again["written"]


async def test_requests_are_answered_while_generating(code: Editor) -> None:
    await complete_interview(code)
    (code.root / "notes.py").write_text("def test_note():\n    pass\n")
    uri = code.open("notes.py")
    code.hold_edits = asyncio.Event()  # the generation cannot finish before it is released
    run = asyncio.ensure_future(code.command("generate"))
    await progress_until(code, file_done)

    hover = await asyncio.wait_for(
        code.client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=0, character=0),
            )
        ),
        WAIT,
    )
    session = await code.command("showSession")

    assert hover is None  # no findings there, but answered
    assert session["status"] == "complete"
    assert not run.done(), "the generation finished before the other requests were answered"
    code.hold_edits.set()
    assert len((await asyncio.wait_for(run, WAIT))["written"]) == FILES
