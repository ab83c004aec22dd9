"""pytest node ids that select tests to run: checked, because they come from clients and from
saved reports and end up on pytest's command line.

A node id is a test file inside the project (relative POSIX path, a test file by pytest's
naming) and, optionally, `::`-separated names: `tests/test_suite.py::TestOrders::test_total[2]`.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Annotated

from pydantic import AfterValidator

from service_creator.domain.testfiles import is_test_file

MAX_LENGTH = 1000
MAX_SELECTED = 200
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^\x00-\x1f\x7f]*\])?$")


def check_node_id(node_id: str) -> str:
    """`node_id` when it names a test file in the project and names in it; else ValueError."""
    path, *names = node_id.split("::")
    if len(node_id) > MAX_LENGTH:
        raise ValueError(f"a test id longer than {MAX_LENGTH} characters")
    if node_id.startswith("-"):
        raise ValueError(f"a test id, not an option: {node_id!r}")
    posix = PurePosixPath(path)
    if (
        not path.endswith(".py")
        or "\\" in path
        or posix.is_absolute()
        or ".." in posix.parts
        or any(part.startswith("-") or not part.isprintable() for part in posix.parts)
        or not is_test_file(path)
    ):
        raise ValueError(
            f"not a test file inside the project: {path!r} "
            "(a relative path such as tests/test_suite.py, without '..')"
        )
    bad = next((name for name in names if not NAME.match(name)), None)
    if bad is not None:
        raise ValueError(f"not a test name: {bad!r} in {node_id!r}")
    return node_id


def check_node_ids(node_ids: list[str]) -> list[str]:
    if len(node_ids) > MAX_SELECTED:
        raise ValueError(f"at most {MAX_SELECTED} tests can be selected")
    return node_ids


NodeId = Annotated[str, AfterValidator(check_node_id)]
NodeIds = Annotated[list[NodeId], AfterValidator(check_node_ids)]
