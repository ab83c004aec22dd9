"""The editor's `serviceCreator` section over the environment's settings."""

from __future__ import annotations

from lsp_editor import Editor
from lsprotocol import types

from service_creator.frontends.lsp.configuration import settings_from


def test_section_overrides_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("SERVICE_CREATOR_SANDBOX_MEMORY", "256m")
    monkeypatch.setenv("SERVICE_CREATOR_API_BASE", "http://127.0.0.1:9/v1")
    warnings: list[str] = []

    settings = settings_from(
        {
            "model": "openai/gpt-4o",
            "stageModels": {"codegen": "openai/gpt-4o-mini"},
            "apiBase": "",  # empty: the environment's value stays
            "sandbox": {"pidsLimit": 64, "timeout": 30, "baseImage": None},
            "python": "/usr/bin/python3",  # an extension-only setting: ignored
            "suspiciousLines": 0,
        },
        warnings.append,
    )

    assert settings.model == "openai/gpt-4o"
    assert settings.model_for("codegen") == "openai/gpt-4o-mini"
    assert settings.api_base == "http://127.0.0.1:9/v1"
    assert (settings.sandbox.pids_limit, settings.sandbox.timeout) == (64, 30)
    assert settings.sandbox.memory == "256m"
    assert settings.suspicious_lines == 0
    assert warnings == []


def test_invalid_section_is_ignored_with_a_warning() -> None:
    warnings: list[str] = []
    settings = settings_from({"sandbox": {"cpus": "lots"}}, warnings.append)
    assert settings.sandbox.cpus == 1.0
    assert len(warnings) == 1 and "serviceCreator" in warnings[0]


async def test_server_reads_the_section_and_warns_about_a_bad_one(code: Editor) -> None:
    code.client.set_configuration({"sandbox": {"cpus": "lots"}}, section="serviceCreator")
    code.dismiss_when = lambda message: True

    await code.command("startInterview")

    warnings = [m for m in code.client.messages if m.type == types.MessageType.Warning]
    assert any("ignoring the serviceCreator settings" in m.message for m in warnings)
