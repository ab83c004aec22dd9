"""Settings: defaults, overridden by environment variables (SERVICE_CREATOR_*).

Settings are passed in, never read from a global: `Settings.from_env()` at the front door, then
handed down. Editors may override them (the LSP adapter maps its configuration onto these).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, TypeVar, cast

from pydantic import BaseModel, Field, ValidationError, field_validator

from service_creator.domain.errors import ConfigError

ENV_PREFIX = "SERVICE_CREATOR_"
M = TypeVar("M", bound=BaseModel)
DEFAULT_SUSPICIOUS_LINES = 3
STAGES = ("interview", "codegen", "tests", "docs", "review")
# a reply's cap in tokens per stage: the largest file of the offline project for the demo's
# answers x 1.5 (test_suite.py 7,980 tokens; api_endpoints.py 3,915; README.md 1,262: tiktoken
# cl100k), a worded question for the interview; a repair ("review") rewrites any file
DEFAULT_MAX_TOKENS: dict[str, int] = {
    "interview": 1024,
    "codegen": 6000,
    "tests": 12000,
    "docs": 2000,
    "review": 12000,
}


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "service-creator"


class SandboxSettings(BaseModel):
    base_image: str = Field(
        default="python:3.11-slim", description="Image the sandbox image builds on"
    )
    image: str = Field(
        default="service-creator-sandbox", description="Repository name of the built image"
    )
    memory: str = "512m"
    cpus: float = 1.0
    pids_limit: int = 128
    timeout: float = Field(default=120.0, description="Wall-clock seconds for one test run")
    tmpfs_size: str = Field(default="256m", description="Size cap of each writable tmpfs")
    output_limit: int = Field(default=1 << 20, description="Bytes of test output kept")
    user: str = "65534:65534"
    wheelhouse: Path = Field(default_factory=lambda: _cache_dir() / "wheelhouse")
    warm: bool = Field(default=False, description="Keep one prepared container per workspace")
    runtime: Literal["runc", "runsc", "auto"] = Field(
        default="runc",
        description="OCI runtime: runc, runsc (gVisor), or auto (runsc when registered)",
    )


class Settings(BaseModel):
    model: str = Field(default="offline", description="litellm model string, or 'offline'")
    stage_models: dict[str, str] = {}
    api_base: str | None = None
    llm_timeout: float = Field(default=60.0, gt=0, description="Seconds one model call may take")
    llm_connect_timeout: float = Field(
        default=10.0, gt=0, description="Seconds the model's server has to accept a connection"
    )
    llm_retries: int = Field(default=2, ge=0, le=5, description="Retries on 429/5xx, per model")
    fallbacks: list[str] = Field(
        default=[], description="Models tried, in order, when the model fails"
    )
    stage_fallbacks: dict[str, list[str]] = {}
    budget_tokens: int | None = Field(
        default=None, gt=0, description="Tokens one generation may use"
    )
    budget_usd: float | None = Field(default=None, gt=0, description="USD one generation may cost")
    concurrency: int = Field(default=8, ge=1, le=64, description="Files generated at the same time")
    max_tokens: int | None = Field(
        default=None, gt=0, description="Reply cap in tokens for every stage (sent as max_tokens)"
    )
    stage_max_tokens: dict[str, int] = Field(
        default={}, description="Reply cap per stage, over max_tokens and the defaults"
    )
    repair_rounds: int = Field(
        default=3, ge=0, le=3, description="Model repair rounds per generation"
    )
    suspicious_lines: int = Field(
        default=DEFAULT_SUSPICIOUS_LINES,
        ge=0,
        le=10,
        description="Suspicious project lines marked per failing test (0: none)",
    )
    sandbox: SandboxSettings = SandboxSettings()

    @field_validator("fallbacks", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        return _split(value)

    @field_validator("stage_fallbacks", mode="before")
    @classmethod
    def _comma_lists(cls, value: object) -> object:
        if not isinstance(value, dict):
            return value
        # the raw input: a JSON object from the environment, or a caller's mapping
        lists = cast(dict[str, object], value)
        return {k: _split(v) for k, v in lists.items()}

    def model_for(self, stage: str) -> str:
        return self.stage_models.get(stage, self.model)

    def fallbacks_for(self, stage: str) -> list[str]:
        return self.stage_fallbacks.get(stage, self.fallbacks)

    def max_tokens_for(self, stage: str) -> int:
        """The reply cap of `stage`: its own setting, else the global one, else its default."""
        cap = self.stage_max_tokens.get(stage) or self.max_tokens
        return cap or DEFAULT_MAX_TOKENS.get(stage, max(DEFAULT_MAX_TOKENS.values()))

    @property
    def is_offline(self) -> bool:
        return self.model == "offline"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        sandbox: dict[str, str] = {}
        stage_models: dict[str, str] = {}
        stage_fallbacks: dict[str, str] = {}
        stage_max_tokens: dict[str, str] = {}
        for key, value in env.items():
            if not key.startswith(ENV_PREFIX) or not value:
                continue
            name = key[len(ENV_PREFIX) :].lower()
            if name.startswith("sandbox_"):
                sandbox[name.removeprefix("sandbox_")] = value
            elif name.startswith("model_") and name.removeprefix("model_") in STAGES:
                stage_models[name.removeprefix("model_")] = value
            elif name.startswith("fallbacks_") and name.removeprefix("fallbacks_") in STAGES:
                stage_fallbacks[name.removeprefix("fallbacks_")] = value
            elif name.startswith("max_tokens_") and name.removeprefix("max_tokens_") in STAGES:
                stage_max_tokens[name.removeprefix("max_tokens_")] = value
            elif name in cls.model_fields and name not in (
                "sandbox",
                "stage_models",
                "stage_fallbacks",
                "stage_max_tokens",
            ):
                values[name] = value
        if stage_models:
            values["stage_models"] = stage_models
        if stage_fallbacks:
            values["stage_fallbacks"] = stage_fallbacks
        if stage_max_tokens:
            values["stage_max_tokens"] = stage_max_tokens
        sandbox_settings = _validated(SandboxSettings, sandbox, ENV_PREFIX + "SANDBOX_")
        return _validated(cls, {**values, "sandbox": sandbox_settings}, ENV_PREFIX)


def _split(value: object) -> object:
    """`"a, b"` (an environment variable) -> `["a", "b"]`; lists pass through."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _validated(model: type[M], values: Mapping[str, object], prefix: str) -> M:
    try:
        return model(**values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{prefix}{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(
            f"invalid setting: {problems}", hint="fix or unset the variable"
        ) from None
