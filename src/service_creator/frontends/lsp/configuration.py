"""The editor's `serviceCreator` configuration section, mapped onto Settings.

`{model, stageModels, apiBase, sandbox: {memory, cpus, pidsLimit, timeout, baseImage, ...}}`
(camelCase, as VS Code and other editors send it) overrides the environment
(`SERVICE_CREATOR_*`). Empty and null values are ignored, so an editor's unset defaults do not
hide the environment. An invalid section is ignored, with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from service_creator.domain.config import SandboxSettings, Settings
from service_creator.domain.errors import ConfigError
from service_creator.frontends.lsp.server import ServiceCreatorServer

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def snake(name: str) -> str:
    return _CAMEL.sub("_", name).lower()


async def editor_settings(ls: ServiceCreatorServer) -> Settings:
    """Settings from the environment, overridden by the editor's `serviceCreator` section."""
    return settings_from(await ls.configuration_section(), ls.warn_once)


def settings_from(section: dict[str, Any], warn: Callable[[str], None]) -> Settings:
    settings = Settings.from_env()
    overrides = _known(section, Settings.model_fields, exclude={"sandbox"})
    sandbox = _known(_dict(section.get("sandbox")), SandboxSettings.model_fields, exclude=set())
    if not overrides and not sandbox:
        return settings
    try:
        merged_sandbox = settings.sandbox.model_validate(
            {**settings.sandbox.model_dump(), **sandbox}
        )
        return Settings.model_validate(
            {**settings.model_dump(exclude={"sandbox"}), **overrides, "sandbox": merged_sandbox}
        )
    except (ValueError, ConfigError) as exc:
        warn(f"Service Creator: ignoring the serviceCreator settings: {exc}")
        return settings


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _known(section: dict[str, Any], fields: dict[str, Any], exclude: set[str]) -> dict[str, Any]:
    values = {}
    for key, value in section.items():
        name = snake(key)
        if name in fields and name not in exclude and value not in (None, "", {}):
            values[name] = value
    return values
