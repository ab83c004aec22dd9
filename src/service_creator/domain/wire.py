"""The base of every model that crosses a boundary (a file on disk, a protocol message, a
template): field names are snake_case in Python and camelCase on the LSP wire."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


def now() -> datetime:
    return datetime.now(UTC)


class WireModel(BaseModel):
    """Base for models that travel over a protocol: camelCase aliases, populate by either name."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", defer_build=True
    )
