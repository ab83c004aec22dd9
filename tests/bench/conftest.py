"""Tests of the bench's own modules (bench/bulk.py, bench/skim.py): the repo's bench/ folder is
put on the path, so that they import as `bulk` and `skim`, as they do when a bench runs. It goes
last: bench/mcp.py must not shadow the MCP SDK. tests/unit goes there too, for the sources and
helpers of test_context."""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS = Path(__file__).resolve().parents[1]
for _folder in (_TESTS.parent / "bench", _TESTS / "unit"):
    if str(_folder) not in sys.path:
        sys.path.append(str(_folder))
