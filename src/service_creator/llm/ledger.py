"""The ledger of one generation (or interview, or fix): every model call, its tokens and cost,
the time spent per stage, the repair rounds, and the budget that may stop the work.

Stored as `<workspace>/.service-creator/ledger/<generation-id>.json`. Cost is what litellm knows
for the model (`None` when it does not: local and unmapped models); we register no prices.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Generator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Literal, NoReturn

from pydantic import BaseModel, Field, ValidationError

from service_creator.domain.atomic import atomic_write
from service_creator.domain.confine import state_dir
from service_creator.domain.errors import GenerationError, WorkspaceError
from service_creator.domain.safe_files import read_project_bytes
from service_creator.domain.wire import now

log = logging.getLogger(__name__)

LedgerKind = Literal["generation", "interview", "fix"]


class BudgetExceeded(GenerationError):
    """The generation's token or USD budget is spent; what was done so far is kept."""


class CallRecord(BaseModel):
    stage: str
    model: str
    purpose: str = Field(default="", description="What the call was for, e.g. the file path")
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = Field(
        default=None, description="None when litellm has no price for it"
    )
    seconds: float = 0.0
    outcome: Literal["ok", "error"] = "ok"
    error: str | None = Field(default=None, description="The error kind of a failed attempt")
    at: datetime = Field(default_factory=now)


class FixFocus(BaseModel):
    """What a fix showed the model of the file it fixes: the failing test's most suspicious
    lines (`path:line`) and the functions that hold them, sent instead of the whole file."""

    path: str = Field(description="The file fixed")
    lines: list[str] = Field(default=[], description="The suspicious lines shown, e.g. a.py:63")
    functions: list[str] = Field(
        default=[], description="The functions sent (and replaced): `name` or `Class.name`"
    )
    whole_file: bool = Field(
        default=False, description="True when the whole file was sent (no function held them)"
    )
    whole_file_after: str = Field(
        default="",
        description="Why the whole file was asked for after the focused reply (none: it was not)",
    )


class LedgerData(BaseModel):
    id: str
    kind: LedgerKind = "generation"
    started_at: datetime = Field(default_factory=now)
    finished_at: datetime | None = None
    budget_tokens: int | None = None
    budget_usd: float | None = None
    calls: list[CallRecord] = []
    stage_seconds: dict[str, float] = Field(
        default={}, description="Wall time while a stage was active"
    )
    repair_rounds: int = 0
    repair_given_up: list[str] = Field(
        default=[], description="Files whose failure repeated unchanged"
    )
    stopped: str | None = Field(default=None, description="Why the work stopped early, if it did")
    focus: FixFocus | None = Field(
        default=None,
        description="A fix's focus; None: the whole file was sent without suspicious lines",
    )
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = Field(default=None, description="Sum of the known costs")
    cost_complete: bool = Field(default=True, description="False when some call's cost is unknown")


class Ledger:
    def __init__(
        self,
        workspace: Path | str | None = None,
        *,
        id: str | None = None,
        kind: LedgerKind = "generation",
        budget_tokens: int | None = None,
        budget_usd: float | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.workspace = Path(workspace) if workspace is not None else None
        self._clock = clock  # stages' wall time
        self.data = LedgerData(
            id=id or f"{now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}",
            kind=kind,
            budget_tokens=budget_tokens,
            budget_usd=budget_usd,
        )
        self._lock = threading.Lock()
        self._reserved = 0  # tokens held by the calls under way (their prompt and reply cap)
        self._active: dict[str, int] = {}
        self._since: dict[str, float] = {}

    @classmethod
    def resume(cls, workspace: Path, id: str, kind: LedgerKind) -> Ledger:
        """The stored ledger `id` (an interview's, added to across calls), else a new one.

        A ledger that is a link, not a regular file, or damaged is refused, not followed or lost.
        """
        ledger = cls(workspace, id=id, kind=kind)
        try:
            raw = read_project_bytes(state_dir(workspace), f"ledger/{id}.json")
        except FileNotFoundError:
            return ledger
        try:
            ledger.data = LedgerData.model_validate_json(raw)
        except ValidationError as exc:
            raise WorkspaceError(
                f"the ledger {ledger.path} is damaged: {exc.error_count()} error(s)",
                hint="delete it to start its counts again",
            ) from None
        return ledger

    # --- recording -------------------------------------------------------------------------

    def record(self, call: CallRecord) -> None:
        with self._lock:
            data = self.data
            data.calls.append(call)
            data.prompt_tokens += call.prompt_tokens
            data.completion_tokens += call.completion_tokens
            if call.outcome != "ok":
                return
            if call.cost_usd is None:
                data.cost_complete = False
            else:
                data.cost_usd = (data.cost_usd or 0.0) + call.cost_usd

    @contextmanager
    def stage(self, name: str) -> Generator[None]:
        """Time a stage; overlapping uses (concurrent files) count the wall time once."""
        with self._lock:
            if self._active.get(name, 0) == 0:
                self._since[name] = self._clock()
            self._active[name] = self._active.get(name, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self._active[name] -= 1
                if self._active[name] == 0:
                    spent = self._clock() - self._since.pop(name)
                    seconds = self.data.stage_seconds.get(name, 0.0) + spent
                    self.data.stage_seconds[name] = round(seconds, 4)

    def repair_round(self) -> None:
        with self._lock:
            self.data.repair_rounds += 1

    def focus(self, focus: FixFocus) -> None:
        with self._lock:
            self.data.focus = focus

    def whole_file_after(self, reason: str) -> None:
        """The focused reply could not be used: the whole file is asked for, for `reason`."""
        with self._lock:
            if self.data.focus is not None:
                self.data.focus.whole_file_after = reason

    def stop(self, reason: str) -> None:
        with self._lock:
            self.data.stopped = self.data.stopped or reason

    # --- the budget ------------------------------------------------------------------------

    @property
    def tokens(self) -> int:
        return self.data.prompt_tokens + self.data.completion_tokens

    def over_budget(self) -> str | None:
        """Why no further call may be made, or None while there is budget left."""
        with self._lock:
            return self._over_budget()

    def _over_budget(self) -> str | None:
        data = self.data
        if data.budget_tokens is not None and self.tokens >= data.budget_tokens:
            return f"the token budget of {data.budget_tokens} is spent ({self.tokens} used)"
        if data.budget_usd is not None and (data.cost_usd or 0.0) >= data.budget_usd:
            return f"the budget of {data.budget_usd:g} USD is spent ({data.cost_usd:.4f} USD)"
        return None

    def reserve(self, prompt: int, cap: int) -> int:
        """Hold a call's tokens (its prompt, and its reply up to `cap`) before it starts; the
        amount held, for `release` once its real usage is recorded.

        Raises BudgetExceeded unless the tokens used, those held by the calls under way and this
        call's prompt fit the budget: whatever the concurrency, the budget is overshot by at most
        one reply cap (as long as the prompts are not counted short).
        """
        with self._lock:
            budget = self.data.budget_tokens
            if budget is not None and self.tokens < budget < self.tokens + self._reserved + prompt:
                reason = (
                    f"the token budget of {budget} would be exceeded ({self.tokens} used, "
                    f"{self._reserved} held by the calls under way, about {prompt} for the "
                    "next prompt)"
                )
            else:
                reason = self._over_budget()
            if reason is None:
                self._reserved += prompt + cap
                return prompt + cap
        self._refuse(reason)

    def release(self, amount: int) -> None:
        with self._lock:
            self._reserved -= amount

    def check(self) -> None:
        """Raise BudgetExceeded when the budget is spent (before a call, never during one)."""
        reason = self.over_budget()
        if reason is not None:
            self._refuse(reason)

    def _refuse(self, reason: str) -> NoReturn:
        self.stop(reason)
        raise BudgetExceeded(
            f"Stopped: {reason}",
            hint="what was done is kept; raise SERVICE_CREATOR_BUDGET_TOKENS or "
            "SERVICE_CREATOR_BUDGET_USD to go further",
        )

    # --- storage ---------------------------------------------------------------------------

    @property
    def path(self) -> Path | None:
        if self.workspace is None:
            return None
        return state_dir(self.workspace) / "ledger" / f"{self.data.id}.json"

    def save(self, *, finished: bool = True) -> Path | None:
        path = self.path
        if path is None:
            return None
        with self._lock:
            if finished:
                self.data.finished_at = now()
            text = self.data.model_dump_json(indent=2)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, text + "\n")
        log.info("ledger %s: %d calls, %d tokens", self.data.id, len(self.data.calls), self.tokens)
        return path
