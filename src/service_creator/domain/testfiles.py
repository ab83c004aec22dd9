"""Which project files are tests (pytest's naming), shared by results, context and diagnostics."""

from __future__ import annotations

from pathlib import PurePosixPath


def is_test_file(path: str) -> bool:
    p = PurePosixPath(path)
    return (
        p.name.startswith("test_")
        or p.name.endswith("_test.py")
        or p.name == "conftest.py"
        or any(part in ("tests", "test") for part in p.parts[:-1])
    )
