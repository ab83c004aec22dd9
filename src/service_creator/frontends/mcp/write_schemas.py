"""Rewrite `output_schemas.json` from the server's tools, after a tool's output model changed:

    python -m service_creator.frontends.mcp.write_schemas

It imports the server for its tools, so it lives apart from schemas.py, which the server imports.
"""

from __future__ import annotations

import json
from pathlib import Path

from service_creator.frontends.mcp.schemas import SCHEMA_FILE, derived
from service_creator.frontends.mcp.server import TYPED_TOOLS


def write(path: Path | None = None) -> Path:
    path = path or Path(__file__).with_name(SCHEMA_FILE)
    path.write_text(json.dumps(derived(TYPED_TOOLS), indent=1, sort_keys=True) + "\n")
    return path


if __name__ == "__main__":
    print(write())
