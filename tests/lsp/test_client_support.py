"""What the server decides from the client's `initialize`: the custom ask request, edits,
progress, configuration."""

from __future__ import annotations

from lsprotocol import types
from pytest_lsp import client_capabilities

from service_creator.frontends.lsp.server import _client_support


def params(
    capabilities: types.ClientCapabilities, options: object = None
) -> types.InitializeParams:
    return types.InitializeParams(capabilities=capabilities, initialization_options=options)


def test_ask_request_by_initialization_options_or_experimental_capability() -> None:
    vscode = client_capabilities("visual-studio-code")
    assert not _client_support(params(vscode)).ask_request
    assert _client_support(params(vscode, {"askRequest": True})).ask_request
    experimental = types.ClientCapabilities(experimental={"serviceCreatorAsk": True})
    assert _client_support(params(experimental)).ask_request
    assert not _client_support(params(vscode, {"askRequest": "yes"})).ask_request


def test_edits_progress_and_configuration_by_capability() -> None:
    vscode = _client_support(params(client_capabilities("visual-studio-code")))
    assert (vscode.apply_edit, vscode.work_done_progress, vscode.configuration) == (
        True,
        True,
        True,
    )
    neovim_07 = _client_support(params(client_capabilities("neovim@v0.7.0")))
    assert not neovim_07.apply_edit  # no documentChanges: files go to disk
    assert neovim_07.work_done_progress
    plain = _client_support(params(types.ClientCapabilities()))
    assert not (plain.apply_edit or plain.work_done_progress or plain.configuration)
