"""Fixtures for the model path: one scripted OpenAI-compatible server on 127.0.0.1 for the whole
session (litellm reaches it over real HTTP), litellm imported once, and an API key that must
never show up in a message or a log."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from fake_openai import SECRET_KEY, FakeOpenAI

from service_creator.domain.config import Settings
from service_creator.llm.client import litellm_module


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.close()


@pytest.fixture(scope="session", autouse=True)
def _litellm_and_key() -> Iterator[None]:
    """litellm's ~7 s import happens once; the provider key is a secret we look for later."""
    saved = os.environ.get("OPENAI_API_KEY")
    os.environ["OPENAI_API_KEY"] = SECRET_KEY
    litellm_module()
    yield
    if saved is None:
        os.environ.pop("OPENAI_API_KEY", None)
    else:
        os.environ["OPENAI_API_KEY"] = saved


@pytest.fixture
def server(fake_server: FakeOpenAI) -> Iterator[FakeOpenAI]:
    fake_server.reset()
    yield fake_server
    fake_server.reset()


@pytest.fixture
def settings(server: FakeOpenAI) -> Settings:
    return Settings(
        model="openai/fake-coder", api_base=server.base_url, llm_timeout=5.0, llm_retries=2
    )


def pytest_configure(config: pytest.Config) -> None:
    # litellm's own models trip pydantic deprecation warnings; they are not ours to fix
    for line in (
        "ignore::pydantic.warnings.PydanticDeprecatedSince211",
        "ignore:Items? .* (is|are) using the `ReadOnly` qualifier:UserWarning",
    ):
        config.addinivalue_line("filterwarnings", line)
