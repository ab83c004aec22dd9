"""Fixtures: a workspace, and a server built in memory with the offline engine."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp.server import MCPServer
from mcp_helpers import make_server


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return (tmp_path / "ws").resolve()


@pytest.fixture
def server() -> MCPServer:
    return make_server()
