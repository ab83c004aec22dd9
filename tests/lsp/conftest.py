"""Fixtures: the language server spawned over stdio, with VS Code's or a plain client's
capabilities, and the `Editor` that drives it (see lsp_editor.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsp_editor import Editor, server_config, start_editor
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    return root.resolve()


@pytest_lsp.fixture(config=server_config())
async def vscode(lsp_client: LanguageClient, workspace: Path) -> AsyncIterator[Editor]:
    """VS Code's capabilities, declaring `serviceCreator/ask` (as our extension does)."""
    editor = await start_editor(
        lsp_client, workspace, client_capabilities("visual-studio-code"), ask_request=True
    )
    lsp_client.editor = editor  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=server_config())
async def plain(lsp_client: LanguageClient, workspace: Path) -> AsyncIterator[None]:
    """A client that declares nothing: no custom request, no edits, no progress."""
    editor = await start_editor(
        lsp_client, workspace, types.ClientCapabilities(), ask_request=False
    )
    lsp_client.editor = editor  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def code(vscode: LanguageClient) -> Editor:
    return vscode.editor  # type: ignore[attr-defined]


@pytest.fixture
def basic(plain: LanguageClient) -> Editor:
    return plain.editor  # type: ignore[attr-defined]
