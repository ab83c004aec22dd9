"""The test functions of a pytest module, where they start: for a "Run in sandbox" lens."""

from __future__ import annotations

from tree_sitter import Node

from service_creator.codeintel.functions import definitions
from service_creator.codeintel.parsing import parser


def test_functions(source: str) -> list[tuple[str, int, int]]:
    """(node id below the file, 0-based row, column in characters) of each test function."""
    data = source.encode("utf-8")
    root = parser("python").parse(data).root_node
    return [
        ("::".join(names), *_point(data, definition))
        for names, _, definition in definitions(root)
        if names[-1].startswith("test") and (len(names) == 1 or names[0].startswith("Test"))
    ]


def _point(data: bytes, node: Node) -> tuple[int, int]:
    """Row and character column of the `def` node (after any decorators)."""
    row, byte_column = node.start_point
    line_start = node.start_byte - byte_column
    column = len(data[line_start : node.start_byte].decode("utf-8", errors="replace"))
    return row, column
