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

INSTEAD_OF_SESSION = (
    "The project folder, instead of session_id: its current interview (the latest started "
    "there). For clients that keep no session ids; a relative path is taken inside the "
    "client's first root"
)


def takes(
    model: type[BaseModel],
    *,
    supplied: Collection[str] = (),
    optional: Collection[str] = (),
) -> Callable[[F], F]:
    """Declare the tool's parameters as `model`'s fields, less those the server `supplied`
    itself; `optional` makes required fields optional for this front door (a tool that names
    its session by session_id or by workspace: the tool checks one of them is given)."""

    def declare(fn: F) -> F:
        params = [inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context)]
        for name, field in model.model_fields.items():
            if name not in supplied:
                params.append(_parameter(name, field, name in optional))
        returns = inspect.signature(fn, eval_str=True).return_annotation
        fn.__signature__ = inspect.Signature(params, return_annotation=returns)  # type: ignore[attr-defined]
        fn.__annotations__ = {p.name: p.annotation for p in params} | {"return": returns}
        return fn

    return declare


def _parameter(name: str, field: FieldInfo, optional: bool) -> inspect.Parameter:
    annotation: Any = field.annotation
    description = field.description
    if name == "workspace":  # a path as the client wrote it: the server resolves it (roots)
        annotation = str
        if optional:
            annotation, description = str | None, INSTEAD_OF_SESSION
    typed = Annotated[annotation, *field.metadata, Field(description=description)]
    if optional:
        default = None
    else:
        default = inspect.Parameter.empty if field.is_required() else field.default
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, annotation=typed, default=default
    )
