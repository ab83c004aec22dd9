"""The end-to-end tests drive the language server and the MCP server with the helpers the lsp
and mcp tests use (tests/lsp/lsp_editor.py, tests/mcp/mcp_helpers.py): their folders are on
sys.path here too, after this folder's."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]

for helpers in (TESTS / "lsp", TESTS / "mcp"):
    if str(helpers) not in sys.path:
        sys.path.append(str(helpers))
