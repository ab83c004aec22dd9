"""Fail fast, once: which models are down for the rest of a run (one interview, one generation,
one fix).

A run creates one `Breaker` and hands it to its `LLM`. After a model's call fails for good (a
timeout or a connection failure at once; a rate limit or a server error once its retries are
spent; a rejected key, an unknown model), the model is down: every later call of the run skips
it, going straight to the next fallback, or failing at once with the error that tripped it.

A model's first call in a run is its probe: calls that want the model meanwhile wait for the
probe's outcome instead of each paying the same timeout. Once the model has answered, calls to it
run concurrently; a failure then trips the breaker for every call not yet started (the calls
under way may still fail, at most one per concurrent call).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from service_creator.llm.errors import TRIPS, LLMError


class Breaker:
    def __init__(self) -> None:
        self._down: dict[str, LLMError] = {}
        self._up: set[str] = set()
        self._probing: dict[str, asyncio.Event] = {}
        self.first: LLMError | None = None  # the run's one error: the first model to go down
        self.announced = False  # whether the run's message was shown (by whoever shows it)

    def down(self, model: str) -> LLMError | None:
        """The error that took `model` down in this run, None while it is up."""
        return self._down.get(model)

    def trip(self, model: str, error: LLMError) -> bool:
        """Mark `model` down after `error`, if it is a failure that should; True if it did."""
        if error.kind not in TRIPS or model in self._down:
            return False
        self._down[model] = error
        self._up.discard(model)
        self.first = self.first or error
        return True

    @asynccontextmanager
    async def turn(self, model: str) -> AsyncGenerator[None]:
        """Wait while another call probes `model`; raise its error if that took it down."""
        probe: asyncio.Event | None = None
        while model not in self._up:
            if (error := self._down.get(model)) is not None:
                raise error
            waiting = self._probing.get(model)
            if waiting is None:
                probe = self._probing[model] = asyncio.Event()
                break
            await waiting.wait()
        try:
            yield
        finally:
            if probe is not None:
                del self._probing[model]
                probe.set()

    def answered(self, model: str) -> None:
        if model not in self._down:
            self._up.add(model)


def outage(error: LLMError, timeout: float) -> str:
    """One sentence for the run: what happened to the model, e.g. for the interview's message."""
    where = f"the model at {error.where}"
    match error.kind:
        case "timeout":
            return f"{where} did not answer within {timeout:g} s"
        case "connection":
            return f"{where} cannot be reached"
        case "rate_limited":
            return f"{where} kept refusing calls (rate limited)"
        case "auth":
            return f"{where} rejected the API key"
        case "not_found":
            return f"{where} has no model '{error.model}'"
        case _:
            return f"{where} kept failing on its side"
