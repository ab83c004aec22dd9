"""Pydantic ↔ the wire: command arguments in, command results out, errors as JSON-RPC errors.

pygls structures command arguments with cattrs. `make_converter` teaches its converter the
pydantic models (structure with `model_validate`, unstructure to camelCase JSON: the models'
field names are snake_case, renamed here by `wire`), so a handler may be annotated with an
operation's input model. Our command handlers take the raw argument instead
and call `decode`, because a missing `workspace` defaults to the editor's workspace folder,
which only the server knows.

Nothing here imports pydantic at module level: it loads with the first command, behind the
server's lazy seam (features.py), so the server starts as fast as bare pygls.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcRequestCancelled
from pygls.protocol import default_converter

if TYPE_CHECKING:
    from cattrs import Converter
    from pydantic import BaseModel

    M = TypeVar("M", bound=BaseModel)

REQUEST_FAILED = -32803  # LSP ErrorCodes.RequestFailed: well-formed, but it could not be done


def _is_pydantic_model(cls: Any) -> bool:
    return isinstance(cls, type) and hasattr(cls, "model_validate") and hasattr(cls, "model_dump")


def make_converter() -> Converter:
    """pygls's converter, plus hooks for pydantic models (the `converter_factory`)."""
    converter = default_converter()
    converter.register_structure_hook_func(
        _is_pydantic_model, lambda data, cls: cls.model_validate(_wire().load_names(data, cls))
    )
    converter.register_unstructure_hook_func(_is_pydantic_model, encode)
    return converter


def encode(model: BaseModel | None) -> Any:
    """A model as the JSON a client receives: camelCase keys, JSON types."""
    return None if model is None else _wire().dump(model)


def _wire() -> Any:
    from service_creator.frontends.lsp import wire

    return wire


def decode(
    model: type[M],
    arguments: Sequence[Any],
    default_workspace: str | None,
    resolve: Callable[[str], Any] | None = None,
) -> M:
    """The command's one object argument as `model`; InvalidParams when it does not fit.

    `arguments` is the command's positional argument list; none, or an empty object, is
    accepted when the model's fields all have defaults (or only `workspace` is missing and the
    editor has a workspace folder). `resolve` turns a `workspace` string into the validated
    workspace before the model sees it (it raises `WorkspaceError` when refused).
    """
    from pydantic import ValidationError

    if len(arguments) > 1:
        raise JsonRpcInvalidParams(
            f"Expected one object argument, got {len(arguments)} arguments", data=_schema(model)
        )
    raw = arguments[0] if arguments else {}
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise JsonRpcInvalidParams(
            f"Expected one object argument, got {type(raw).__name__}: {raw!r:.80}",
            data=_schema(model),
        )
    raw = _wire().load_names(raw, model)
    if "workspace" in model.model_fields and raw.get("workspace") in (None, ""):
        if default_workspace is None:
            raise JsonRpcInvalidParams(
                "No 'workspace' given and the editor has no workspace folder open"
            )
        raw = {**raw, "workspace": default_workspace}
    if resolve is not None and isinstance(raw.get("workspace"), str):
        raw = {**raw, "workspace": resolve(raw["workspace"])}
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(_camel(p) for p in err['loc']) or 'argument'}: {err['msg']}"
            for err in exc.errors()
        )
        raise JsonRpcInvalidParams(f"Invalid argument: {problems}", data=_schema(model)) from None


def _camel(part: str | int) -> str:
    from pydantic.alias_generators import to_camel

    return to_camel(part) if isinstance(part, str) else str(part)


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return {"expected": _wire().schema(model)}


def rpc_error(exc: Exception) -> JsonRpcException:
    """A ServiceCreatorError as a JSON-RPC error a client can show as it is."""
    from service_creator.domain.errors import CancelledByUser, InvalidAnswerError

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
