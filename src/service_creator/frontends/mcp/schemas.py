"""The tools' output schemas, derived once and shipped as data (`output_schemas.json`).

Deriving a JSON schema from each tool's return model is most of what building the server costs
(about 30 ms of a 45 ms build: pydantic builds the models' core schemas and walks them). The
schemas only change when the models do, so they are derived ahead of time, like a lock file:

    python -m service_creator.frontends.mcp.write_schemas     # rewrite output_schemas.json

and a test derives them again and fails when the file is stale. At start-up each tool is
registered unstructured (no derivation) and then given its model and the shipped schema, which
the SDK reads when it lists and calls the tool; the model's validator is built on first call.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

from mcp.server.mcpserver.tools.base import Tool
from pydantic import BaseModel

SCHEMA_FILE = "output_schemas.json"


@cache
def shipped() -> dict[str, dict[str, Any]]:
    text = resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def typed_tool(fn: Callable[..., Any], output: type[BaseModel], **options: Any) -> Tool:
    """`Tool.from_function(fn, structured_output=True)`, with the shipped output schema."""
    schema = shipped().get(fn.__name__)
    if schema is None:  # a new tool, not in the file yet: derive it (and the test will say so)
        return Tool.from_function(fn, structured_output=True, **options)
    tool = Tool.from_function(fn, structured_output=False, **options)
    tool.fn_metadata.output_model = output
    tool.fn_metadata.output_schema = schema
    return tool


def derived(tools: list[tuple[Callable[..., Any], type[BaseModel]]]) -> dict[str, dict[str, Any]]:
    """The output schema the SDK derives for each tool (what `shipped()` must equal)."""
    schemas = {}
    for fn, _output in tools:
        schema = Tool.from_function(fn, structured_output=True).output_schema
        if schema is not None:
            schemas[fn.__name__] = schema
    return schemas
