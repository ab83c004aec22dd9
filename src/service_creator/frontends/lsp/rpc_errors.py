"""Our errors as JSON-RPC errors, and a log filter that keeps pygls from printing a traceback
for an error we answer on purpose. Loaded at start-up: no pydantic here."""

from __future__ import annotations

import logging

from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcRequestCancelled

from service_creator.domain.errors import CancelledByUser, InvalidAnswerError

REQUEST_FAILED = -32803  # LSP ErrorCodes.RequestFailed: well-formed, but it could not be done


def rpc_error(exc: Exception) -> JsonRpcException:
    """A ServiceCreatorError as a JSON-RPC error a client can show as it is."""
    data = {"kind": type(exc).__name__, "hint": getattr(exc, "hint", None)}
    error: JsonRpcException
    if isinstance(exc, InvalidAnswerError):
        error = JsonRpcInvalidParams(str(exc), data=data)
    elif isinstance(exc, CancelledByUser):
        error = JsonRpcRequestCancelled(str(exc), data=data)
    else:
        error = JsonRpcException(str(exc), code=REQUEST_FAILED, data=data)
    error.expected = True  # type: ignore[attr-defined]  # the user's problem, not a bug
    return error


class ExpectedErrorFilter(logging.Filter):
    """Keeps pygls from logging a traceback for errors we answer on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and getattr(exc, "expected", False):
            return False
        return not (
            isinstance(exc, JsonRpcInvalidParams) and record.name == "pygls.protocol.json_rpc"
        )
