"""`serviceCreator.changeRequirement` over stdio: the answer to change and its new value asked
through the interview's prompts, the update as one annotated `workspace/applyEdit` (the files
holding the user's edits need confirmation), the same files as `service-creator update`, a
refused edit that records nothing, and conflict markers as diagnostics whose code actions
resolve one region each."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsp_editor import WAIT, Editor, server_config, start_editor
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

STATE = ".service-creator"
CLI = [sys.executable, "-m", "service_creator"]
REGENERATED = {
    "config.py",
    "schemas.py",
    "api_endpoints.py",
    "test_suite.py",
    "portal_integration.js",
    "README.md",
}
CONFLICT_TEXT = "Merge conflict: your edits and the new generation changed the same lines"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SERVICE_CREATOR_")}
    return subprocess.run(
        [*CLI, *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=clean,
        timeout=300,
    )


def every_byte(root: Path) -> dict[str, bytes]:
    """Every file under `root`, our state included."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def project_files(root: Path) -> dict[str, bytes]:
    return {
        path: data for path, data in every_byte(root).items() if not path.startswith(f"{STATE}/")
    }


async def generated(editor: Editor) -> None:
    state = await editor.command("startInterview")
    assert state["status"] == "complete", state
    result = await editor.command("generate")
    assert result["status"] == "complete", result


def edit_elsewhere(root: Path) -> None:
    """The user's edit in service_manager.py, far from the billing the pricing model changes."""
    path = root / "service_manager.py"
    text = path.read_text()
    assert "def utc_now() -> datetime:\n" in text
    text = text.replace(
        "def utc_now() -> datetime:\n",
        "def utc_now() -> datetime:\n    # the user's note: every clock in this service is UTC\n",
        1,
    )
    path.write_text(text + "\n\ndef cents(amount: Decimal) -> int:\n    return int(amount * 100)\n")


def edited_files(edit: types.WorkspaceEdit) -> dict[str, list[Any]]:
    """The edit's changes by workspace-relative path... by uri, in order."""
    found: dict[str, list[Any]] = {}
    for change in edit.document_changes or []:
        uri = change.uri if isinstance(change, types.CreateFile) else change.text_document.uri
        found.setdefault(uri, []).append(change)
    return found


def annotation_of(changes: list[Any]) -> str:
    """The one annotation id of a file's changes."""
    ids = {
        e.annotation_id
        for change in changes
        for e in (change.edits if isinstance(change, types.TextDocumentEdit) else [change])
    }
    (only,) = ids
    return only


async def test_changing_pricing_asks_then_applies_one_annotated_edit_like_the_cli(
    code: Editor, tmp_path: Path
) -> None:
    await generated(code)
    edit_elsewhere(code.root)
    manager = code.open("service_manager.py")  # open in the editor, saved
    cli_copy = tmp_path / "cli"
    shutil.copytree(code.root, cli_copy)
    code.ask_answers |= {"revise": "pricing_model", "pricing_model": "hourly"}
    asked_before = len(code.asked)

    result = await code.command("changeRequirement")

    pick, question = code.asked[asked_before:]
    assert pick["id"] == "revise"
    labels = {o["id"]: o["label"] for o in pick["options"]}
    assert labels["pricing_model"].endswith("(now: Monthly)"), labels
    assert question["id"] == "pricing_model" and question["default"] == "monthly"
    assert result["changed"] == ["pricing_model"]
    status = {f["path"]: f["status"] for f in result["files"]}
    assert status["service_manager.py"] == "merged"
    assert {p for p, s in status.items() if s == "regenerated"} == REGENERATED
    assert len(code.edits) == 2  # the generation's, then the update's: one edit
    params = code.edits[-1]
    assert params.label == "Service Creator: update vfirewall-ftd: pricing_model"
    annotations = params.edit.change_annotations or {}
    assert set(annotations) == {"regenerated", "merged"}
    assert annotations["merged"].needs_confirmation is True
    assert annotations["regenerated"].needs_confirmation is False
    by_uri = edited_files(params.edit)
    assert set(by_uri) == {code.uri(p) for p in [*REGENERATED, "service_manager.py"]}
    confirmed = {
        uri
        for uri, changes in by_uri.items()
        if annotations[annotation_of(changes)].needs_confirmation
    }
    assert confirmed == {code.uri("service_manager.py")}
    (versioned,) = by_uri[manager]  # the open document's edit is for the version it has
    assert versioned.text_document.version == 1
    # only the changed lines are edited (the preview shows them), not the whole file replaced
    lines_before = len(cli_copy.joinpath("service_manager.py").read_text().split("\n"))
    edited = sum(e.range.end.line - e.range.start.line for e in versioned.edits)
    assert 0 < edited < lines_before // 2, (edited, lines_before)
    assert code.documents[manager].text == (code.root / "service_manager.py").read_text()

    done = cli("update", "--workspace", str(cli_copy), "--set", "pricing_model=hourly", "--json")
    assert done.returncode == 0, done.stderr
    assert project_files(code.root) == project_files(cli_copy)
    assert code.statuses[-1]["text"] == "Requirement changed: pricing_model"
    undone = cli("update", "--workspace", str(code.root), "--undo")
    assert undone.returncode == 0, undone.stderr
    assert "def cents(" in (code.root / "service_manager.py").read_text()
    assert 'PRICING_MODEL = "monthly"' in (code.root / "config.py").read_text()


async def test_a_refused_edit_records_nothing_and_undo_has_nothing(code: Editor) -> None:
    await generated(code)
    edit_elsewhere(code.root)
    before = every_byte(code.root)
    code.apply_edits = False

    with pytest.raises(JsonRpcException, match="did not apply the update: refused by test"):
        await code.command("changeRequirement", questionId="pricing_model", answer="hourly")

    assert every_byte(code.root) == before  # no file, history, base, manifest or session
    assert code.statuses[-1]["text"] == "Requirement unchanged"
    nothing = cli("update", "--workspace", str(code.root), "--undo")
    assert nothing.returncode == 2 and "no update to undo" in nothing.stderr
    code.apply_edits = True  # and the same change goes through once the editor applies it
    result = await code.command("changeRequirement", questionId="pricing_model", answer="hourly")
    assert result["changed"] == ["pricing_model"] and result["history"]


async def test_a_dismissed_prompt_changes_nothing(code: Editor) -> None:
    await generated(code)
    before = every_byte(code.root)
    edits_before = len(code.edits)
    code.ask_answers["revise"] = "pricing_model"
    code.dismiss_when = lambda text: text.startswith("How will customers be billed")

    result = await code.command("changeRequirement")

    assert result is None
    assert code.asked[-1]["id"] == "pricing_model"
    assert len(code.edits) == edits_before
    assert every_byte(code.root) == before
    assert code.statuses[-1]["text"] == "Requirement unchanged"


async def test_an_unsaved_buffer_of_a_file_to_update_stops_the_update(code: Editor) -> None:
    await generated(code)
    before = every_byte(code.root)
    mine = code.open("config.py")
    code.change(mine, code.documents[mine].text + "# my unsaved note\n")
    edits_before = len(code.edits)

    with pytest.raises(JsonRpcException, match=r"config\.py has unsaved changes"):
        await code.command("changeRequirement", questionId="pricing_model", answer="hourly")

    assert len(code.edits) == edits_before
    assert every_byte(code.root) == before


async def diagnostics_until(editor: Editor, uri: str, count: int) -> list[types.Diagnostic]:
    """The document's merge-conflict diagnostics, once there are `count` of them."""

    def conflicts() -> list[types.Diagnostic]:
        found = editor.client.diagnostics.get(uri, [])
        return [d for d in found if d.code == "merge-conflict"]

    while len(conflicts()) != count:
        await asyncio.wait_for(
            editor.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), WAIT
        )
    return conflicts()


async def resolve(editor: Editor, uri: str, diagnostic: types.Diagnostic, title: str) -> None:
    """Run the diagnostic's code action `title` as an editor does: apply its edit."""
    actions = await editor.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    by_title = {a.title: a for a in actions or [] if isinstance(a, types.CodeAction)}
    assert {"Keep mine", "Take generated", "Keep both"} <= set(by_title), by_title
    action = by_title[title]
    assert action.edit is not None and list(action.diagnostics or []) == [diagnostic]
    applied = editor.apply_edit(types.ApplyWorkspaceEditParams(edit=action.edit))
    assert applied.applied, applied.failure_reason


async def test_conflicts_are_marked_regions_each_resolved_by_a_code_action(code: Editor) -> None:
    await generated(code)
    readme, config = code.root / "README.md", code.root / "config.py"
    mine_intro = "them (monthly pricing, billed in advance)."
    mine_billing = "A flat 49.0 per month, paid upfront."
    text = readme.read_text()
    assert "them (monthly pricing).\n" in text and "A flat 49.0 per month (30 days)" in text
    text = text.replace("them (monthly pricing).", mine_intro)
    text = text.replace(
        "A flat 49.0 per month (30 days) started, at least one month.", mine_billing
    )
    readme.write_text(text)
    config.write_text(
        config.read_text().replace('PRICING_MODEL = "monthly"', 'PRICING_MODEL = "weekly"')
    )

    result = await code.command("changeRequirement", questionId="pricing_model", answer="hourly")

    status = {f["path"]: (f["status"], f.get("keptAs")) for f in result["files"]}
    assert status["README.md"] == status["config.py"] == ("conflict", None)
    annotations = code.edits[-1].edit.change_annotations or {}
    assert annotations["conflict"].needs_confirmation is True
    assert readme.read_text().count("<<<<<<< yours\n") == 2
    readme_uri, config_uri = code.open("README.md"), code.open("config.py")
    first, second = await diagnostics_until(code, readme_uri, 2)
    (marked,) = await diagnostics_until(code, config_uri, 1)
    assert first.source == "service-creator" and first.message.startswith(CONFLICT_TEXT)
    assert first.range.start.line < second.range.start.line

    await resolve(code, readme_uri, first, "Keep mine")
    (second,) = await diagnostics_until(code, readme_uri, 1)
    await resolve(code, readme_uri, second, "Take generated")
    await diagnostics_until(code, readme_uri, 0)
    await resolve(code, config_uri, marked, "Keep both")
    await diagnostics_until(code, config_uri, 0)

    text = readme.read_text()
    assert mine_intro in text and "<<<<<<<" not in text and ">>>>>>>" not in text
    assert "49.0 per hour of uptime started" in text and mine_billing not in text
    assert 'PRICING_MODEL = "weekly"\nPRICING_MODEL = "hourly"\n' in config.read_text()
    assert code.documents[readme_uri].text == text


async def test_a_client_without_edits_gets_the_update_on_disk(basic: Editor) -> None:
    await generated(basic)
    edit_elsewhere(basic.root)

    result = await basic.command("changeRequirement", questionId="pricing_model", answer="hourly")

    assert {f["path"]: f["status"] for f in result["files"]}["service_manager.py"] == "merged"
    assert basic.edits == []
    assert 'PRICING_MODEL = "hourly"' in (basic.root / "config.py").read_text()
    history = json.loads(next((basic.root / STATE / "history").glob("*/index.json")).read_text())
    assert "config.py" in history["after"]


async def test_a_file_opened_with_our_markers_shows_its_regions(code: Editor) -> None:
    """Markers an update wrote before (the CLI, or before the server restarted)."""
    marked = code.root / "notes.py"
    marked.write_text("A = 1\n<<<<<<< yours\nB = 2\n=======\nB = 3\n>>>>>>> generated\nC = 4\n")
    uri = code.open("notes.py")

    (region,) = await diagnostics_until(code, uri, 1)

    assert (region.range.start.line, region.range.end.line) == (1, 5)
    await resolve(code, uri, region, "Take generated")
    await diagnostics_until(code, uri, 0)
    assert marked.read_text() == "A = 1\nB = 3\nC = 4\n"


@pytest_lsp.fixture(config=server_config())
async def edits_only(lsp_client: LanguageClient, workspace: Path) -> Any:
    """A client that applies plain `changes` edits but cannot create files through them."""
    capabilities = types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(apply_edit=True)
    )
    editor = await start_editor(lsp_client, workspace, capabilities, ask_request=False)
    lsp_client.editor = editor  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def test_files_open_in_a_disk_writing_client_follow_in_their_buffers(
    edits_only: LanguageClient,
) -> None:
    editor: Editor = edits_only.editor  # type: ignore[attr-defined]
    await generated(editor)
    edit_elsewhere(editor.root)
    manager, config = editor.open("service_manager.py"), editor.open("config.py")
    edits_before = len(editor.edits)

    result = await editor.command("changeRequirement", questionId="pricing_model", answer="hourly")

    assert {f["path"]: f["status"] for f in result["files"]}["service_manager.py"] == "merged"
    (params,) = editor.edits[edits_before:]  # the disk is written; the open buffers follow
    assert params.edit.document_changes is None
    assert set(params.edit.changes or {}) == {manager, config}
    for uri, path in ((manager, "service_manager.py"), (config, "config.py")):
        assert editor.documents[uri].text == (editor.root / path).read_text()
    assert 'PRICING_MODEL = "hourly"' in editor.documents[config].text
    assert "def cents(" in editor.documents[manager].text


async def test_an_unsaved_buffer_stops_a_disk_writing_client_too(basic: Editor) -> None:
    await generated(basic)
    before = every_byte(basic.root)
    mine = basic.open("config.py")
    basic.change(mine, basic.documents[mine].text + "# my unsaved note\n")

    with pytest.raises(JsonRpcException, match=r"config\.py has unsaved changes"):
        await basic.command("changeRequirement", questionId="pricing_model", answer="hourly")

    assert every_byte(basic.root) == before
