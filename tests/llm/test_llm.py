"""The model layer over real HTTP: replies, usage, retries, fallbacks, timeouts, clear errors."""

from __future__ import annotations

import logging
import socket
import time

import pytest
from fake_openai import SECRET_KEY, Reply

from service_creator.domain.config import Settings
from service_creator.llm.client import LLM
from service_creator.llm.errors import LLMError
from service_creator.llm.ledger import BudgetExceeded, Ledger

HI = [{"role": "user", "content": "hello"}]


class Sleeps:
    """Records the waits between retries instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def llm(settings: Settings, ledger: Ledger | None = None) -> tuple[LLM, Sleeps]:
    sleeps = Sleeps()
    return LLM(settings, ledger, backoff=0.25, sleep=sleeps), sleeps


async def test_reply_and_usage_match_what_the_server_reported(server, settings):
    server.script(Reply("the answer", prompt_tokens=123, completion_tokens=45))
    client, _ = llm(settings)
    reply = await client.complete("codegen", HI, purpose="models.py")
    assert (reply.content, reply.finish_reason) == ("the answer", "stop")
    assert (reply.prompt_tokens, reply.completion_tokens) == (123, 45)
    assert reply.cost_usd is None  # litellm has no price for a local model; we register none
    call = server.calls[0]
    assert call.model == "fake-coder" and call.body["messages"] == HI
    record = client.ledger.data.calls[0]
    assert (record.model, record.stage, record.purpose) == (
        "openai/fake-coder",
        "codegen",
        "models.py",
    )
    assert (record.prompt_tokens, record.completion_tokens) == (123, 45)


@pytest.mark.parametrize("stream", [False, True])
async def test_cost_is_what_litellm_knows_for_a_priced_model(server, settings, stream):
    from service_creator.llm.client import litellm_module

    server.script(Reply("priced", prompt_tokens=1000, completion_tokens=500))
    client, _ = llm(settings.model_copy(update={"model": "openai/gpt-4o-mini"}))
    reply = await client.complete("codegen", HI, stream=stream)
    cost_in, cost_out = litellm_module().cost_per_token(
        model="gpt-4o-mini", prompt_tokens=1000, completion_tokens=500
    )
    assert reply.cost_usd == pytest.approx(cost_in + cost_out) and reply.cost_usd > 0
    assert client.ledger.data.cost_usd == pytest.approx(reply.cost_usd)
    assert client.ledger.data.cost_complete is True


async def test_a_usd_budget_stops_the_next_call(server, settings):
    server.script(Reply("priced", prompt_tokens=100_000, completion_tokens=10_000))
    ledger = Ledger(budget_usd=0.01)
    client, _ = llm(settings.model_copy(update={"model": "openai/gpt-4o-mini"}), ledger)
    await client.complete("codegen", HI)  # 0.021 USD at gpt-4o-mini's prices
    with pytest.raises(BudgetExceeded, match=r"budget of 0\.01 USD"):
        await client.complete("codegen", HI)


async def test_streamed_reply_is_joined_and_counted(server, settings):
    server.script(Reply("a streamed reply, in several chunks", completion_tokens=9))
    client, _ = llm(settings)
    reply = await client.complete("docs", HI, stream=True)
    assert reply.content == "a streamed reply, in several chunks"
    assert reply.completion_tokens == 9 and reply.prompt_tokens == server.calls[0].prompt_tokens
    assert server.calls[0].body["stream"] is True


async def test_429_waits_as_long_as_retry_after_says_then_succeeds(server, settings):
    server.script(
        Reply(status=429, headers={"Retry-After": "3"}, error="slow down"),
        Reply(status=503, headers={"retry-after-ms": "1500"}, error="busy"),
        Reply("finally"),
    )
    client, sleeps = llm(settings)
    assert (await client.complete("codegen", HI)).content == "finally"
    assert sleeps.waits == [3.0, 1.5]
    assert [c.outcome for c in client.ledger.data.calls] == ["error", "error", "ok"]


async def test_5xx_retried_twice_with_backoff_then_a_clear_error(server, settings):
    server.script(*[Reply(status=500, error="internal trouble")] * 3)
    client, sleeps = llm(settings)
    with pytest.raises(LLMError) as caught:
        await client.complete("codegen", HI)
    assert len(server.calls) == 3 and sleeps.waits == [0.25, 0.5]
    error = caught.value
    assert error.kind == "server" and error.provider == "openai"
    assert str(error).startswith(f"openai at {settings.api_base}: failed on its side")
    assert "internal trouble" in str(error) and "Traceback" not in str(error)


async def test_a_long_retry_after_is_reported_not_waited(server, settings):
    server.script(Reply(status=429, headers={"Retry-After": "120"}, error="quota"))
    client, sleeps = llm(settings)
    with pytest.raises(LLMError) as caught:
        await client.complete("codegen", HI)
    assert caught.value.kind == "rate_limited" and sleeps.waits == []
    assert "rate limited" in str(caught.value) and "it asked for 120 s" in str(caught.value)


async def test_our_timeout_stops_a_reply_that_never_comes(server, settings):
    server.script(Reply("too late", hang=True))
    client, _ = llm(settings.model_copy(update={"llm_timeout": 0.5}))
    started = time.perf_counter()
    with pytest.raises(LLMError) as caught:
        await client.complete("codegen", HI)
    assert time.perf_counter() - started < 3
    assert caught.value.kind == "timeout" and len(server.calls) == 1  # a timeout is not retried
    assert "timed out" in str(caught.value) and "SERVICE_CREATOR_LLM_TIMEOUT" in str(caught.value)


async def test_a_rejected_key_says_which_variable_and_never_shows_the_key(
    server, settings, caplog, capfd
):
    caplog.set_level(logging.DEBUG)
    server.required_key = "the-right-key"  # the server echoes the wrong key back, as some do
    client, _ = llm(settings)
    with pytest.raises(LLMError) as caught:
        await client.complete("interview", HI)
    error = caught.value
    assert error.kind == "auth" and "OPENAI_API_KEY" in str(error)
    assert "the API key is missing or was rejected" in str(error)
    assert server.calls[0].headers["authorization"] == f"Bearer {SECRET_KEY}"  # it was sent
    out, err = capfd.readouterr()
    for text in (
        str(error),
        repr(error),
        caplog.text,
        out,
        err,
        client.ledger.data.model_dump_json(),
    ):
        assert SECRET_KEY not in text
        assert SECRET_KEY[:12] not in text


async def test_an_unknown_model_says_how_models_are_named(server, settings):
    server.known_models = {"another-model"}
    client, _ = llm(settings)
    with pytest.raises(LLMError) as caught:
        await client.complete("codegen", HI)
    assert caught.value.kind == "not_found" and len(server.calls) == 1
    assert "no such model" in str(caught.value) and "provider/model" in str(caught.value)


async def test_a_model_string_without_a_provider_is_a_clear_error(settings, capsys):
    client, _ = llm(settings.model_copy(update={"model": "no-such-thing", "api_base": None}))
    with pytest.raises(LLMError) as caught:
        await client.complete("codegen", HI)
    assert caught.value.kind == "not_found"
    assert capsys.readouterr().out == ""  # litellm's "Provider List" banner stays off stdout


async def test_connection_refused_is_a_connection_error(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = settings.model_copy(update={"api_base": f"http://127.0.0.1:{port}/v1"})
    client, sleeps = llm(closed)
    with pytest.raises(LLMError) as caught:
        await client.complete("codegen", HI)
    assert caught.value.kind == "connection" and len(sleeps.waits) == 2
    assert "cannot connect" in str(caught.value) and "SERVICE_CREATOR_API_BASE" in str(caught.value)


async def test_malformed_json_from_the_provider_is_retried_then_reported(server, settings):
    server.script(Reply(raw_body="{not json"), Reply("recovered"))
    client, sleeps = llm(settings)
    assert (await client.complete("codegen", HI)).content == "recovered"
    assert len(sleeps.waits) == 1


async def test_fallback_model_answers_when_the_stage_model_fails(server, settings):
    server.known_models = {"backup"}
    server.script(Reply("from the backup"))
    fallback = settings.model_copy(update={"stage_fallbacks": {"codegen": ["openai/backup"]}})
    client, _ = llm(fallback)
    reply = await client.complete("codegen", HI)
    assert reply.content == "from the backup" and reply.model == "backup"
    assert [c.model for c in server.calls] == ["fake-coder", "backup"]
    assert [(c.model, c.outcome) for c in client.ledger.data.calls] == [
        ("openai/fake-coder", "error"),
        ("openai/backup", "ok"),
    ]


async def test_when_every_model_fails_the_first_error_names_the_others(server, settings):
    server.known_models = set()
    fallback = settings.model_copy(update={"fallbacks": ["openai/b1"]})
    client, _ = llm(fallback)
    with pytest.raises(LLMError) as caught:
        await client.complete("codegen", HI)
    assert caught.value.model == "openai/fake-coder"
    assert "the fallbacks failed too: openai/b1 (not_found)" in str(caught.value)


async def test_budget_stops_the_next_call_not_the_current_one(server, settings, tmp_path):
    server.script(Reply("one", prompt_tokens=60, completion_tokens=50), Reply("two"))
    ledger = Ledger(tmp_path, budget_tokens=100)
    client, _ = llm(settings, ledger)
    await client.complete("codegen", HI)
    with pytest.raises(BudgetExceeded) as caught:
        await client.complete("codegen", HI)
    assert len(server.calls) == 1 and "token budget of 100" in str(caught.value)
    path = ledger.save()
    saved = Ledger.resume(tmp_path, ledger.data.id, "generation").data
    assert path.parent == tmp_path / ".service-creator" / "ledger"
    assert saved.prompt_tokens == 60 and saved.completion_tokens == 50
    assert saved.stopped and "budget" in saved.stopped and saved.stage_seconds["codegen"] > 0


def test_stage_time_counts_overlapping_calls_once():
    ticks = iter([10.0, 10.25])  # the clock as the outer stage starts, and as it ends
    ledger = Ledger(clock=lambda: next(ticks))
    with ledger.stage("codegen"), ledger.stage("codegen"):
        pass
    assert ledger.data.stage_seconds["codegen"] == 0.25  # once, though two calls overlapped
