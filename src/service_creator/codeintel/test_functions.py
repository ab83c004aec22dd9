"""The test functions of a pytest module, where they start: for a "Run in sandbox" lens."""

from __future__ import annotations

from tree_sitter import Node

from service_creator.codeintel.parsing import parser


def test_functions(source: str) -> list[tuple[str, int, int]]:
    """(node id below the file, 0-based row, column in characters) of each test function."""
    data = source.encode("utf-8")
    root = parser("python").parse(data).root_node
    found: list[tuple[str, int, int]] = []
    for node in root.named_children:
        definition = _definition(node)
        if definition is None:
            continue
        name = _name(definition)
        if definition.type == "function_definition" and name.startswith("test"):
            found.append((name, *_point(data, node)))
        elif definition.type == "class_definition" and name.startswith("Test"):
            body = definition.child_by_field_name("body")
            for member in body.named_children if body else []:
                method = _definition(member)
                if method is not None and method.type == "function_definition":
                    method_name = _name(method)
                    if method_name.startswith("test"):
                        found.append((f"{name}::{method_name}", *_point(data, member)))
    return found


def _definition(node: Node) -> Node | None:
    if node.type == "decorated_definition":
        return node.child_by_field_name("definition")
    return node if node.type in ("function_definition", "class_definition") else None


def _name(node: Node) -> str:
    name = node.child_by_field_name("name")
    return name.text.decode("utf-8") if name is not None and name.text else ""


def _point(data: bytes, node: Node) -> tuple[int, int]:
    """Row and character column of the `def` (after any decorators)."""
    definition = _definition(node) or node
    row, byte_column = definition.start_point
    line_start = definition.start_byte - byte_column
    column = len(data[line_start : definition.start_byte].decode("utf-8", errors="replace"))
    return row, column
