"""Model-call failures as one error a user can act on: which provider, what happened, what to do.

Never a stack trace, never a key: the provider's own words are kept (short) after every secret
from the environment and anything shaped like an API key is removed.
"""

from __future__ import annotations

import email.utils
import os
import re
import time
from types import ModuleType
from typing import Literal

from service_creator.domain.errors import ServiceCreatorError

ErrorKind = Literal[
    "auth", "not_found", "rate_limited", "timeout", "connection", "server", "bad_request", "length"
]
RETRYABLE: frozenset[str] = frozenset({"rate_limited", "server", "connection"})
# after these (once their retries are spent) the model is down for the rest of the run
# (llm/breaker.py): a bad request or a cut-off reply is the prompt's fault, not the model's
TRIPS: frozenset[str] = frozenset(
    {"timeout", "connection", "rate_limited", "server", "auth", "not_found"}
)


class LLMError(ServiceCreatorError):
    """A model call that failed for good."""

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        kind: ErrorKind,
        provider: str,
        model: str,
        retry_after: float | None = None,
        where: str = "",
    ) -> None:
        super().__init__(message, hint=hint)
        self.kind: ErrorKind = kind
        self.provider = provider
        self.model = model
        self.retry_after = retry_after
        self.where = where or provider  # the api_base (without credentials), else the provider

    def copy(self, hint: str | None) -> LLMError:
        """The same failure with another hint (a run's stored error is never changed)."""
        return LLMError(
            self.message,
            hint=hint,
            kind=self.kind,
            provider=self.provider,
            model=self.model,
            retry_after=self.retry_after,
            where=self.where,
        )


def translate(
    exc: BaseException, model: str, api_base: str | None, litellm: ModuleType
) -> LLMError:
    """The LLMError for an exception litellm (or the HTTP layer under it) raised."""
    status = getattr(exc, "status_code", None)
    text = redact(str(getattr(exc, "message", "") or exc))
    lowered = text.lower()
    kind: ErrorKind
    if status in (401, 403) or "missing credentials" in lowered or "api key" in lowered:
        kind = "auth"
    elif status == 404 or "does not exist" in lowered or "provider not provided" in lowered:
        kind = "not_found"
    elif status == 429:
        kind = "rate_limited"
    elif "connection error" in lowered or "connect" in type(exc).__name__.lower():
        kind = "connection"
    elif status in (400, 413, 422):
        kind = "bad_request"
    else:
        kind = "server"
    return llm_error(model, kind, detail(text), api_base, litellm, retry_after_of(exc))


def llm_error(
    model: str,
    kind: ErrorKind,
    what_happened: str,
    api_base: str | None,
    litellm: ModuleType,
    retry_after: float | None = None,
) -> LLMError:
    provider = provider_of(model, litellm)
    where = f" at {safe_url(api_base)}" if api_base else ""
    what, hint = _advice(kind, model, litellm, retry_after)
    message = f"{provider}{where}: {what} (model '{model}')"
    if what_happened:
        message += f": {what_happened}"
    return LLMError(
        message,
        hint=hint,
        kind=kind,
        provider=provider,
        model=model,
        retry_after=retry_after,
        where=safe_url(api_base) if api_base else provider,
    )


def provider_of(model: str, litellm: ModuleType) -> str:
    if "/" in model:
        return model.split("/", 1)[0]
    try:
        return str(litellm.get_llm_provider(model)[1])
    except litellm.exceptions.BadRequestError:
        return "an unknown provider"


def key_variables(model: str, litellm: ModuleType) -> list[str]:
    """The environment variables litellm reads the model's key from (e.g. OPENAI_API_KEY)."""
    try:
        # litellm is untyped: validate_environment returns {"missing_keys": [names], ...}
        missing: list[str] = litellm.validate_environment(model).get("missing_keys") or []
    except (ValueError, KeyError, AttributeError, litellm.exceptions.BadRequestError):
        missing = []
    return [str(k) for k in missing] or [f"{provider_of(model, litellm).upper()}_API_KEY"]


def _advice(
    kind: ErrorKind, model: str, litellm: ModuleType, retry_after: float | None
) -> tuple[str, str]:
    match kind:
        case "auth":
            keys = " or ".join(key_variables(model, litellm))
            return "the API key is missing or was rejected", (
                f"set {keys} to a valid key (any value for a local server)"
            )
        case "not_found":
            return "no such model", (
                "check SERVICE_CREATOR_MODEL: litellm's form is provider/model, "
                "e.g. openai/gpt-4o or ollama/qwen2.5-coder"
            )
        case "rate_limited":
            wait = f" (it asked for {retry_after:g} s)" if retry_after else ""
            return "rate limited", f"wait and try again{wait}, or configure fallback models"
        case "timeout":
            return (
                "timed out",
                "try again, raise SERVICE_CREATOR_LLM_TIMEOUT, or use a faster model",
            )
        case "connection":
            return "cannot connect", (
                "check that the provider is reachable and SERVICE_CREATOR_API_BASE is right"
            )
        case "length":
            return "stopped at the reply cap", (
                "raise SERVICE_CREATOR_MAX_TOKENS (or SERVICE_CREATOR_MAX_TOKENS_<STAGE>), "
                "or use a model that ends its replies"
            )
        case "bad_request":
            return "rejected the request", "the prompt may be too long for this model"
        case _:
            return "failed on its side", "try again later, or configure fallback models"


def retry_after_of(exc: BaseException) -> float | None:
    """Seconds from the error's Retry-After (or retry-after-ms) header, if it has one."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or getattr(exc, "litellm_response_headers", None)
    if not headers:
        return None
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())


_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD)", re.IGNORECASE)
_KEY_LIKE = re.compile(r"\b(sk|pk|rk|key)-[A-Za-z0-9_\-]{6,}|Bearer\s+\S+", re.IGNORECASE)


def redact(text: str) -> str:
    """`text` without any secret from the environment or anything shaped like an API key."""
    for name, value in os.environ.items():
        if len(value) >= 6 and _SECRET_NAME.search(name) and value in text:
            text = text.replace(value, "[redacted]")
    return _KEY_LIKE.sub("[redacted]", text)


def detail(text: str) -> str:
    """The provider's own words, without litellm's class-name prefixes, kept short."""
    text = re.sub(r"^(litellm\.)?\w+Error:\s*", "", text)
    text = re.sub(r"^(\w+Error:\s*)?\w*Exception - ", "", text)
    text = text.split(" Pass model as", 1)[0].split("Learn more:", 1)[0].strip()
    return text if len(text) <= 200 else text[:197] + "..."


def safe_url(url: str | None) -> str:
    """The URL without any user:password@ part."""
    return re.sub(r"//[^/@]*@", "//", url or "")
