"""A tool's parameters, derived from its operation's input model (operations/io.py).

The SDK reads a tool's parameters from its function's signature. `takes(model)` gives a tool
written as `async def tool(ctx, **arguments)` the model's fields as keyword parameters, with
their types, defaults, constraints and descriptions, so no parameter list is written twice.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection
from typing import Annotated, Any, TypeVar

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field
from pydantic.fields import FieldInfo

F = TypeVar("F", bound=Callable[..., Any])


def takes(
    model: type[BaseModel],
    *,
    supplied: Collection[str] = ("workspace",),
    required: Collection[str] = (),
) -> Callable[[F], F]:
    """Declare the tool's parameters as `model`'s fields, less those the server `supplied`
    itself (the workspace comes from the caller's session); `required` makes optional fields
    required for this front door (a session is named on every call)."""

    def declare(fn: F) -> F:
        params = [inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context)]
        for name, field in model.model_fields.items():
            if name not in supplied:
                params.append(_parameter(name, field, name in required))
        returns = inspect.signature(fn, eval_str=True).return_annotation
        fn.__signature__ = inspect.Signature(params, return_annotation=returns)  # type: ignore[attr-defined]
        fn.__annotations__ = {p.name: p.annotation for p in params} | {"return": returns}
        return fn

    return declare


def _parameter(name: str, field: FieldInfo, required: bool) -> inspect.Parameter:
    annotation: Any = field.annotation
    if name == "workspace":  # a path as the client wrote it: the server resolves it (roots)
        annotation = str
    elif required:
        annotation = _without_none(annotation)
    typed = Annotated[annotation, *field.metadata, Field(description=field.description)]
    default = inspect.Parameter.empty if required or field.is_required() else field.default
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, annotation=typed, default=default
    )


def _without_none(annotation: Any) -> Any:
    members = [a for a in getattr(annotation, "__args__", ()) if a is not type(None)]
    return members[0] if len(members) == 1 else annotation
