"""The model layer: one chat call to a litellm model, with our own timeout, retries that honour
`Retry-After`, fallback models per stage, the ledger, and errors a user can act on.

litellm is imported lazily, off the event loop (it takes seconds), with its debug output
suppressed: stdout is the protocol channel of both servers. API keys come from the providers'
usual environment variables; they never appear in our messages or logs.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import ModuleType

from service_creator.domain.config import Settings
from service_creator.domain.untyped import Untyped
from service_creator.llm.breaker import Breaker
from service_creator.llm.errors import RETRYABLE, LLMError, llm_error, translate
from service_creator.llm.ledger import CallRecord, Ledger

log = logging.getLogger(__name__)

Message = dict[str, str]
MAX_RETRY_WAIT = 30.0  # a Retry-After longer than this is reported instead of waited out

_import_lock = threading.Lock()
_litellm: ModuleType | None = None


def litellm_module() -> ModuleType:
    """litellm, imported once, quiet on stdout, with the bundled cost map (no network fetch)."""
    global _litellm
    with _import_lock:
        if _litellm is None:
            os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            import litellm

            litellm.suppress_debug_info = True
            litellm.drop_params = True  # local backends reject parameters they do not know
            for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy"):
                logging.getLogger(name).setLevel(logging.WARNING)  # one INFO line per call
            _litellm = litellm
        return _litellm


async def load_litellm() -> ModuleType:
    return _litellm if _litellm is not None else await asyncio.to_thread(litellm_module)


@dataclass
class Reply:
    content: str
    model: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    seconds: float


class LLM:
    """Chat calls for the pipeline's stages (interview, codegen, tests, docs, review)."""

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger | None = None,
        *,
        breaker: Breaker | None = None,
        backoff: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.ledger = ledger or Ledger()
        self.breaker = breaker or Breaker()  # the run's: which models are down
        self.backoff = backoff
        self._sleep = sleep

    async def complete(
        self,
        stage: str,
        messages: list[Message],
        *,
        purpose: str = "",
        max_tokens: int | None = None,
        stream: bool = False,
    ) -> Reply:
        """The reply of the stage's model, else of its fallbacks in order; else the first error.

        A model that is down in this run (the breaker) is skipped without a call; when every
        model is down, the error that took the first one down is raised at once. The reply is
        capped at `max_tokens` (default: the stage's cap); a reply cut by it comes back with
        `finish_reason == "length"`. Raises BudgetExceeded (before calling) when the call could
        take the ledger's token budget further than its reply cap.
        """
        self.ledger.check()
        cap = max_tokens or self.settings.max_tokens_for(stage)
        expected = estimate_tokens(messages)
        models = [self.settings.model_for(stage), *self.settings.fallbacks_for(stage)]
        errors: list[LLMError] = []
        with self.ledger.stage(stage):
            for model in dict.fromkeys(models):
                down = self.breaker.down(model)
                if down is not None:
                    errors.append(down)
                    continue
                try:
                    async with self.breaker.turn(model):
                        reply = await self._with_retries(
                            stage, model, messages, purpose, cap, expected, stream
                        )
                        self.breaker.answered(model)
                        return reply
                except LLMError as exc:
                    errors.append(exc)
                    if model != models[-1]:
                        log.info("%s failed (%s); trying the next fallback", model, exc.kind)
        raise _first_of(errors)

    async def _with_retries(
        self,
        stage: str,
        model: str,
        messages: list[Message],
        purpose: str,
        cap: int,
        expected: int,
        stream: bool,
    ) -> Reply:
        attempts = self.settings.llm_retries + 1
        for attempt in range(attempts):
            if (down := self.breaker.down(model)) is not None:
                raise down  # a concurrent call took it down while this one waited
            reserved = self.ledger.reserve(expected, cap)
            try:
                reply = await self._once(model, messages, cap, stream)
            except LLMError as exc:
                self.ledger.record(
                    CallRecord(
                        stage=stage, model=model, purpose=purpose, outcome="error", error=exc.kind
                    )
                )
                self.ledger.release(reserved)
                wait = exc.retry_after if exc.retry_after is not None else self.backoff * 2**attempt
                if exc.kind not in RETRYABLE or attempt + 1 >= attempts or wait > MAX_RETRY_WAIT:
                    if self.breaker.trip(model, exc):
                        log.info("%s is down for the rest of this run (%s)", model, exc.kind)
                    raise
                log.info("%s: %s; retry %d in %.1f s", model, exc.kind, attempt + 1, wait)
                await self._sleep(wait)
                continue
            except BaseException:
                self.ledger.release(reserved)  # cancelled: nothing to record
                raise
            self.ledger.record(
                CallRecord(
                    stage=stage,
                    model=model,
                    purpose=purpose,
                    prompt_tokens=reply.prompt_tokens,
                    completion_tokens=reply.completion_tokens,
                    cost_usd=reply.cost_usd,
                    seconds=round(reply.seconds, 4),
                )
            )
            self.ledger.release(reserved)
            return reply
        raise AssertionError("unreachable")  # pragma: no cover

    async def _once(
        self, model: str, messages: list[Message], max_tokens: int | None, stream: bool
    ) -> Reply:
        litellm = await load_litellm()
        import httpx  # litellm's own HTTP client, loaded with it

        timeout = self.settings.llm_timeout
        connect = min(self.settings.llm_connect_timeout, timeout)
        kwargs: dict[str, object] = {
            "model": model,
            "messages": messages,
            "num_retries": 0,  # ours, not litellm's: they honour Retry-After and are logged
            # a server that accepts no connection is down after `connect` s, not the full wait
            "timeout": httpx.Timeout(timeout, connect=connect),
        }
        if self.settings.api_base:
            kwargs["api_base"] = self.settings.api_base
        if max_tokens:
            kwargs["max_tokens"] = max_tokens  # sent as is; drop_params spares local backends
        if stream:
            kwargs |= {"stream": True, "stream_options": {"include_usage": True}}
        started = time.perf_counter()
        try:
            call = litellm.acompletion(**kwargs)
            reply = await asyncio.wait_for(_read(litellm, model, call, stream), timeout)
        except TimeoutError:
            raise self._timeout(litellm, model) from None
        except litellm.exceptions.Timeout:
            if connect < timeout and time.perf_counter() - started < timeout:
                raise self._not_accepted(litellm, model, connect) from None
            raise self._timeout(litellm, model) from None
        except provider_errors() as exc:  # every provider failure becomes one LLMError
            raise translate(exc, model, self.settings.api_base, litellm) from None
        reply.seconds = time.perf_counter() - started
        return reply

    def _not_accepted(self, litellm: ModuleType, model: str, connect: float) -> LLMError:
        after = f"no connection accepted within {connect:g} s"
        return llm_error(model, "connection", after, self.settings.api_base, litellm)

    def _timeout(self, litellm: ModuleType, model: str) -> LLMError:
        after = f"no reply within {self.settings.llm_timeout:g} s"
        return llm_error(model, "timeout", after, self.settings.api_base, litellm)


async def _read(litellm: ModuleType, model: str, call: Awaitable[Untyped], stream: bool) -> Reply:
    response = await call
    if not stream:
        choice = response.choices[0]
        usage = getattr(response, "usage", None)
        # litellm's response is untyped; its _hidden_params holds the cost it computed, if any
        hidden: dict[str, Untyped] = getattr(response, "_hidden_params", None) or {}
        return Reply(
            content=choice.message.content or "",
            model=str(getattr(response, "model", model)),
            finish_reason=str(choice.finish_reason or "stop"),
            prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
            cost_usd=hidden.get("response_cost"),
            seconds=0.0,
        )
    parts: list[str] = []
    finish, usage, served = "stop", None, model
    async for chunk in response:
        served = str(getattr(chunk, "model", None) or served)
        if chunk.choices:
            parts.append(chunk.choices[0].delta.content or "")
            finish = chunk.choices[0].finish_reason or finish
        usage = getattr(chunk, "usage", None) or usage
    prompt = int(getattr(usage, "prompt_tokens", 0) or 0)
    completion = int(getattr(usage, "completion_tokens", 0) or 0)
    return Reply(
        content="".join(parts),
        model=served,
        finish_reason=str(finish),
        prompt_tokens=prompt,
        completion_tokens=completion,
        cost_usd=known_cost(litellm, model, prompt, completion),
        seconds=0.0,
    )


def known_cost(litellm: ModuleType, model: str, prompt: int, completion: int) -> float | None:
    """The USD cost litellm knows for these tokens, None for a model it has no price for."""
    try:
        cost_in, cost_out = litellm.cost_per_token(
            model=model, prompt_tokens=prompt, completion_tokens=completion
        )
    except (litellm.exceptions.ModelNotMappedError, litellm.exceptions.NotFoundError, ValueError):
        return None
    return float(cost_in + cost_out)


def provider_errors() -> tuple[type[Exception], ...]:
    """What litellm raises for a failed call (its exceptions subclass openai's), and httpx's."""
    import httpx
    import openai

    return (openai.OpenAIError, httpx.HTTPError)


def estimate_tokens(messages: list[Message]) -> int:
    """A conservative count of a prompt's tokens, no tokenizer needed (some of litellm's load
    over the network): one per 3 characters (tokenizers give 3.5 to 4 for code and English),
    plus each message's framing."""
    return sum(len(m.get("content") or "") // 3 + 8 for m in messages)


def _first_of(errors: list[LLMError]) -> LLMError:
    first = errors[0]
    if len(errors) > 1:
        others = ", ".join(f"{e.model} ({e.kind})" for e in errors[1:])
        return first.copy(f"{first.hint}; the fallbacks failed too: {others}")
    return first.copy(first.hint)
