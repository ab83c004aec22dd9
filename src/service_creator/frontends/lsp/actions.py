"""Code actions on our diagnostics, and a "Run in sandbox" code lens on each test function.

- On a `service-creator` diagnostic of a failing test (its assertion, its project frame, its
  suspicious lines): "Fix with model" (runs `serviceCreator.fixFailure` with its `testId`),
  "Re-run this test" (`serviceCreator.runTest`: that test alone; the others' diagnostics stay)
  and "Re-run sandbox tests".
- On each `def test_...` (top level, or in a `Test...` class) of a test file in a workspace
  folder: "Run in sandbox" (`serviceCreator.runTests`; the sandbox runs the whole suite, and
  the test's result shows as diagnostics). Test functions are found with
  tree-sitter, so a `def test_` in a string or comment is not one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import to_fs_path

from service_creator import operations
from service_creator.domain.testfiles import is_test_file

if TYPE_CHECKING:
    from service_creator.frontends.lsp.server import ServiceCreatorServer

FIX_FAILURE = "serviceCreator.fixFailure"
RUN_TESTS = "serviceCreator.runTests"
RUN_TEST = "serviceCreator.runTest"
OUR_SOURCE = "service-creator"
CONFLICT_CODE = "merge-conflict"


def actions_for(
    ls: ServiceCreatorServer, uri: str, diagnostics: list[types.Diagnostic]
) -> list[types.CodeAction]:
    # a merge conflict's actions are its own (conflicts.py), not the tests'
    ours = [d for d in diagnostics if d.source == OUR_SOURCE and d.code != CONFLICT_CODE]
    if not ours:
        return []
    actions: list[types.CodeAction] = []
    workspace = None
    for diagnostic in ours:
        data = _as_dict(diagnostic.data)
        workspace = data.get("workspace") or workspace or _root_of(ls, uri)
        test_id = data.get("testId")
        if not test_id:
            continue
        argument = {"workspace": str(workspace), "testId": test_id}
        actions.append(
            types.CodeAction(
                title=f"Fix with model: {test_id}",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                is_preferred=True,
                command=types.Command(
                    title="Fix with model", command=FIX_FAILURE, arguments=[argument]
                ),
            )
        )
        if not test_id.split("::")[0].endswith(".py"):
            continue  # not a test (a refused requirement): nothing to re-run alone
        actions.append(
            types.CodeAction(
                title=f"Re-run this test: {test_id}",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                command=types.Command(
                    title="Re-run this test", command=RUN_TEST, arguments=[argument]
                ),
            )
        )
    if workspace is not None:
        actions.append(
            types.CodeAction(
                title="Re-run sandbox tests",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=ours,
                command=types.Command(
                    title="Re-run sandbox tests",
                    command=RUN_TESTS,
                    arguments=[{"workspace": str(workspace)}],
                ),
            )
        )
    return actions


def lenses_for(ls: ServiceCreatorServer, uri: str) -> list[types.CodeLens]:
    root = _root_of(ls, uri)
    path = to_fs_path(uri)
    if root is None or path is None:
        return []
    relative = Path(path).resolve().relative_to(root).as_posix()
    if not relative.endswith(".py") or not is_test_file(relative):
        return []
    doc = ls.workspace.get_text_document(uri)
    units = ls.workspace.position_codec.client_num_units
    lenses = []
    for _test, row, column in operations.test_functions(doc.source):
        line = doc.lines[row] if row < len(doc.lines) else ""
        start = types.Position(line=row, character=units(line[:column]))
        end = types.Position(line=row, character=units(line.rstrip("\r\n")))
        argument = {"workspace": str(root)}  # the sandbox runs the whole suite
        lenses.append(
            types.CodeLens(
                range=types.Range(start=start, end=end),
                command=types.Command(
                    title="Run in sandbox", command=RUN_TESTS, arguments=[argument]
                ),
            )
        )
    return lenses


def _root_of(ls: ServiceCreatorServer, uri: str) -> Path | None:
    path = to_fs_path(uri)
    if path is None:
        return None
    resolved = Path(path).resolve()
    roots = [r for r in ls.workspace_roots() if resolved.is_relative_to(r)]
    return max(roots, key=lambda r: len(r.parts)) if roots else None


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if hasattr(value, "_asdict"):
        return dict(value._asdict())
    return {}
