"""Against slow and broken providers: fail fast, once per run (the breaker), and a budget that
holds at any concurrency with a reply cap sent on every call. Wall time is asserted as counts of
calls to the scripted server, never as seconds."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess

import pytest
from fake_openai import Call, Reply, closed_port_url, fails_after, unaccepting_url
from project import CONFIG, SPECS, ScriptedModel
from test_cli_exit_codes import CLI, answers_file
from test_engine import generate
from test_llm import HI, llm

from service_creator.domain.config import DEFAULT_MAX_TOKENS, Settings
from service_creator.llm.breaker import Breaker
from service_creator.llm.client import LLM
from service_creator.llm.errors import LLMError
from service_creator.llm.ledger import BudgetExceeded, Ledger
from service_creator.operations.interview import start_interview
from service_creator.operations.io import StartInterviewInput
from service_creator.operations.scripted import DEMO_ANSWERS, ScriptedAsker

HUNG = Reply("too late", hang=True)


def primary(server) -> list[Call]:
    return [c for c in server.calls if c.model == "fake-coder"]


async def test_a_hung_provider_costs_one_timeout_per_run_not_per_call(server, settings):
    server.responder = lambda call: HUNG
    client, _ = llm(settings.model_copy(update={"llm_timeout": 0.3}))
    errors: list[LLMError] = []
    for _ in range(5):
        with pytest.raises(LLMError) as caught:
            await client.complete("codegen", HI)
        errors.append(caught.value)
    assert len(server.calls) == 1  # the later four fail at once, without a call
    assert {e.kind for e in errors} == {"timeout"}
    assert client.breaker.first is not None and client.breaker.first.kind == "timeout"


async def test_concurrent_calls_wait_for_the_first_instead_of_each_timing_out(server, settings):
    server.responder = lambda call: HUNG
    client, _ = llm(settings.model_copy(update={"llm_timeout": 0.3}))
    results = await asyncio.gather(
        *(client.complete("codegen", HI) for _ in range(8)), return_exceptions=True
    )
    assert all(isinstance(r, LLMError) and r.kind == "timeout" for r in results)
    assert len(server.calls) == 1


async def test_a_new_run_tries_the_model_again(server, settings):
    server.responder = lambda call: HUNG
    quick = settings.model_copy(update={"llm_timeout": 0.3})
    for _ in range(2):
        with pytest.raises(LLMError):
            await LLM(quick, breaker=Breaker()).complete("codegen", HI)
    assert len(server.calls) == 2  # the breaker is the run's, not a global


async def test_a_refused_connection_is_retried_once_per_run_then_fails_at_once(settings):
    client, sleeps = llm(settings.model_copy(update={"api_base": closed_port_url()}))
    for _ in range(4):
        with pytest.raises(LLMError) as caught:
            await client.complete("codegen", HI)
        assert caught.value.kind == "connection"
    attempts = [c for c in client.ledger.data.calls if c.outcome == "error"]
    assert len(attempts) == 3 and len(sleeps.waits) == 2  # the first call's retries, no more


async def test_a_server_that_accepts_no_connection_is_down_after_the_connect_timeout(settings):
    """Not after the read timeout (30 s here): the handshake's own, shorter wait (0.3 s)."""
    with unaccepting_url() as url:
        quick_connect = settings.model_copy(
            update={"api_base": url, "llm_timeout": 30, "llm_connect_timeout": 0.3}
        )
        client, sleeps = llm(quick_connect.model_copy(update={"llm_retries": 0}))
        for _ in range(2):
            with pytest.raises(LLMError) as caught:
                await client.complete("codegen", HI)
            assert caught.value.kind == "connection"
            assert "no connection accepted within 0.3 s" in caught.value.message
    assert len(client.ledger.data.calls) == 1  # then down for the run: no second attempt
    assert client.breaker.first is not None and client.breaker.first.kind == "connection"
    assert sleeps.waits == []


async def test_a_provider_failing_mid_run_is_not_called_again(server, settings):
    server.responder = fails_after(2, Reply(status=500, error="fell over"), lambda c: Reply("ok"))
    client, sleeps = llm(settings)
    for _ in range(2):
        assert (await client.complete("codegen", HI)).content == "ok"
    for _ in range(3):
        with pytest.raises(LLMError) as caught:
            await client.complete("codegen", HI)
        assert caught.value.kind == "server"
    assert len(server.calls) == 2 + 3  # the third call and its two retries; then none
    assert len(sleeps.waits) == 2


async def test_a_rate_limit_waits_as_told_then_trips_the_breaker(server, settings):
    server.responder = lambda call: Reply(status=429, headers={"Retry-After": "1"}, error="slow")
    client, sleeps = llm(settings)
    for _ in range(3):
        with pytest.raises(LLMError) as caught:
            await client.complete("codegen", HI)
        assert caught.value.kind == "rate_limited"
    assert len(server.calls) == 3 and sleeps.waits == [1.0, 1.0]


def failing_primary(failure: Reply, scripted: ScriptedModel):
    """The primary model fails with `failure`; the fallback is the scripted good model."""
    return lambda call: failure if call.model == "fake-coder" else scripted(call)


@pytest.mark.parametrize(
    ("failure", "calls"),
    [(HUNG, 1), (Reply(status=500, error="down"), 3)],  # 500: the first call's 2 retries
    ids=["hang", "500"],
)
async def test_a_failing_primary_with_a_good_fallback_costs_one_call_in_a_generation(
    server, settings, tmp_path, failure, calls
):
    scripted = ScriptedModel()
    server.responder = failing_primary(failure, scripted)
    fallback = settings.model_copy(update={"fallbacks": ["openai/backup"], "llm_timeout": 0.3})
    output, engine = await generate(tmp_path, fallback)
    assert output.stopped is None and sorted(output.written) == sorted(s.path for s in SPECS)
    assert len(primary(server)) == calls  # before: `calls` per file (6 files)
    assert {c.model for c in server.calls[calls:]} == {"backup"}
    assert engine.llm.breaker.down("openai/fake-coder") is not None


async def test_with_every_model_down_the_generation_stops_after_one_timeout(
    server, settings, tmp_path
):
    server.responder = lambda call: HUNG
    quick = settings.model_copy(update={"llm_timeout": 0.3, "fallbacks": ["openai/backup"]})
    with pytest.raises(LLMError) as caught:
        await generate(tmp_path, quick)
    assert caught.value.kind == "timeout" and "fallbacks failed too" in str(caught.value)
    assert [c.model for c in server.calls] == ["fake-coder", "backup"]


async def test_the_interview_says_once_that_the_model_is_down(server, settings, tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    server.responder = lambda call: HUNG
    quick = settings.model_copy(update={"llm_timeout": 0.3})
    asked = []
    asker = ScriptedAsker(DEMO_ANSWERS, on_answer=lambda q, a: asked.append(q))
    state = await start_interview(StartInterviewInput(workspace=str(tmp_path)), quick, asker)
    assert state.status == "complete" and len(asked) > 5
    assert len(server.calls) == 1  # one timeout for the whole interview
    said = [r.getMessage() for r in caplog.records if "did not answer" in r.getMessage()]
    assert len(said) == 1
    assert said[0].startswith(
        f"the model at {settings.api_base} did not answer within 0.3 s; "
        "the rest of the interview uses the built-in questions"
    )
    assert not [r for r in caplog.records if "could not word" in r.getMessage()]
    assert state.notes == [
        f"The model at {settings.api_base} did not answer within 0.3 s; "
        "the rest of the interview uses the built-in questions."
    ]


def test_the_terminal_interview_prints_it_once(server, tmp_path):
    server.responder = lambda call: HUNG
    ws, answers = str(tmp_path / "ws"), answers_file(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SERVICE_CREATOR_", "LITELLM"))}
    env |= {
        "SERVICE_CREATOR_MODEL": "openai/fake-coder",
        "SERVICE_CREATOR_API_BASE": server.base_url,
        "SERVICE_CREATOR_LLM_TIMEOUT": "0.5",
    }
    done = subprocess.run(
        [*CLI, "interview", "--workspace", ws, "--answers", answers],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(server.calls) == 1
    assert done.stderr.count("did not answer within") == 1, done.stderr
    assert (
        f"note: The model at {server.base_url} did not answer within 0.5 s; "
        "the rest of the interview uses the built-in questions." in done.stderr
    )


# --- the budget and the reply cap ----------------------------------------------------------


async def test_the_budget_holds_at_concurrency_8(server, settings):
    cap, budget = 300, 3000
    server.responder = lambda call: Reply("x" * 40, completion_tokens=cap)  # every reply: a cap
    ledger = Ledger(budget_tokens=budget)
    client, _ = llm(settings.model_copy(update={"max_tokens": cap}), ledger)
    limit = asyncio.Semaphore(8)

    async def one() -> None:
        async with limit:
            await client.complete("codegen", HI)

    results = await asyncio.gather(*(one() for _ in range(40)), return_exceptions=True)
    refused = [r for r in results if isinstance(r, BudgetExceeded)]
    assert refused and all(r is None or isinstance(r, BudgetExceeded) for r in results)
    prompt, completion = server.usage
    assert ledger.tokens == prompt + completion
    assert ledger.tokens <= budget + cap  # before: up to 7 replies over, at concurrency 8
    assert "would be exceeded" in (ledger.data.stopped or "")


async def test_max_tokens_is_sent_per_stage(server, settings):
    server.responder = lambda call: Reply("ok")
    client, _ = llm(settings)
    await client.complete("codegen", HI)
    await client.complete("interview", HI)
    assert [c.body["max_tokens"] for c in server.calls] == [
        DEFAULT_MAX_TOKENS["codegen"],
        DEFAULT_MAX_TOKENS["interview"],
    ]
    env = {
        "SERVICE_CREATOR_MODEL": "openai/fake-coder",
        "SERVICE_CREATOR_MAX_TOKENS": "2000",
        "SERVICE_CREATOR_MAX_TOKENS_TESTS": "5000",
    }
    configured = Settings.from_env(env)
    assert configured.max_tokens_for("tests") == 5000
    assert configured.max_tokens_for("codegen") == 2000
    server.calls.clear()
    client, _ = llm(configured.model_copy(update={"api_base": settings.api_base}))
    await client.complete("tests", HI)
    assert server.calls[0].body["max_tokens"] == 5000


async def test_a_reply_cut_by_the_cap_is_a_repair_case_with_its_own_message(
    server, settings, tmp_path
):
    scripted = ScriptedModel()
    endless = {"count": 0}

    def respond(call: Call) -> Reply:
        if "Reply with the complete `config.py`" in call.prompt and endless["count"] < 3:
            endless["count"] += 1  # the first answer and its two continuations never stop
            return Reply(endless=True)
        return scripted(call)

    server.responder = respond
    capped = settings.model_copy(update={"stage_max_tokens": {"codegen": 50}})
    output, engine = await generate(tmp_path, capped)
    cut = [c for c in server.calls if c.reply.endless]
    assert len(cut) == 3 and {c.body["max_tokens"] for c in cut} == {50}
    repair = [c for c in server.calls if "reply cap of 50 tokens" in c.prompt]
    assert len(repair) == 1, "the cut-off file went to the repair round with its own message"
    assert "ran into the reply cap of 50 tokens 3 times" in repair[0].prompt
    assert "SERVICE_CREATOR_MAX_TOKENS_CODEGEN" in repair[0].prompt
    assert "SERVICE_CREATOR_LLM_TIMEOUT" not in repair[0].prompt
    assert engine.cut_off == {}  # repaired: whole again
    assert (tmp_path / "config.py").read_text() == CONFIG
    assert output.stopped is None


async def test_an_interview_reply_cut_by_the_cap_is_repaired_with_its_message(
    server, settings, tmp_path
):
    server.script(Reply(endless=True), Reply(endless=True))
    state = await start_interview(StartInterviewInput(workspace=str(tmp_path)), settings)
    assert state.question is not None and "interview's own question" in state.message
    assert server.calls[0].body["max_tokens"] == DEFAULT_MAX_TOKENS["interview"]
    assert "cut off at the reply cap of 1024 tokens" in server.calls[1].prompt
