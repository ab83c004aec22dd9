"""The base of every model that crosses a boundary (a file on disk, a protocol message, a
template). Field names are snake_case everywhere; the LSP front door shows them in camelCase
(frontends/lsp/wire.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict


def now() -> datetime:
    return datetime.now(UTC)


class WireModel(BaseModel):
    """Base for models that travel over a protocol or to disk: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
