"""Pydantic ↔ the wire: a command's argument decoded into its operation's input model, its
output encoded as the JSON the client receives (camelCase field names, `wire.py`).

Commands take the raw argument and call `decode`, because a missing `workspace` defaults to
the editor's workspace folder, which only the server knows. Loaded with the first command.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic.alias_generators import to_camel
from pygls.exceptions import JsonRpcInvalidParams

from service_creator.frontends.lsp import wire

M = TypeVar("M", bound=BaseModel)


def encode(model: BaseModel | None) -> Any:
    """A model as the JSON a client receives: camelCase keys, JSON types."""
    return None if model is None else wire.dump(model)


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
    raw = wire.load_names(raw, model)
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
    return to_camel(part) if isinstance(part, str) else str(part)


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return {"expected": wire.schema(model)}
