"""Findings → diagnostics, without a client: ranges, sources, grouping, clearing."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from lsprotocol import types
from pygls.workspace import Workspace

from service_creator.domain.reports import Finding, Location
from service_creator.frontends.lsp.diagnostics import GENERATE, TESTS, DiagnosticsStore


def store_for(root: Path) -> tuple[DiagnosticsStore, list[types.PublishDiagnosticsParams]]:
    published: list[types.PublishDiagnosticsParams] = []
    ls = SimpleNamespace(
        workspace=Workspace(root.as_uri()), text_document_publish_diagnostics=published.append
    )
    return DiagnosticsStore(ls), published  # type: ignore[arg-type]


def test_ruff_findings_of_a_generation_and_their_clearing(tmp_path: Path) -> None:
    (tmp_path / "models.py").write_text("import os\nx = 'é' ; y = 1\n")
    store, published = store_for(tmp_path)
    ruff = Finding(
        location=Location(path="models.py", line=2, column=10),
        message="E702 Multiple statements on one line (semicolon)",
        severity="warning",
        source="ruff",
        code="E702",
    )

    store.replace(tmp_path, GENERATE, [ruff])

    (params,) = published
    assert params.uri == (tmp_path / "models.py").as_uri()
    assert params.version is None  # not open in the editor
    (diagnostic,) = params.diagnostics
    assert (diagnostic.source, diagnostic.code) == ("ruff", "E702")
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    assert diagnostic.range.start == types.Position(line=1, character=9)
    assert diagnostic.range.end == types.Position(line=1, character=15)  # UTF-16 line end

    store.replace(tmp_path, TESTS, [])  # another group: nothing to republish
    assert len(published) == 1
    store.forget_files(tmp_path, GENERATE, ["models.py"])  # regenerated
    assert published[-1].diagnostics == []


def test_open_documents_get_their_version_and_their_text_for_ranges(tmp_path: Path) -> None:
    store, published = store_for(tmp_path)
    uri = (tmp_path / "test_x.py").as_uri()
    store.ls.workspace.put_text_document(
        types.TextDocumentItem(
            uri=uri, language_id="python", version=7, text="def test_x():\n    assert 1 == 2\n"
        )
    )
    failure = Finding(
        location=Location(path="test_x.py", line=2),
        message="assert 1 == 2",
        test_id="test_x.py::test_x",
    )

    store.replace(tmp_path, TESTS, [failure])

    (params,) = published
    assert params.version == 7
    (diagnostic,) = params.diagnostics
    assert diagnostic.range.start == types.Position(line=1, character=4)  # the assert, not indent
    assert diagnostic.data == {"workspace": str(tmp_path.resolve()), "testId": "test_x.py::test_x"}
    assert store.findings_at(uri, 1)[0][1] is failure
