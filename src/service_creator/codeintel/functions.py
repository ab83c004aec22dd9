"""The functions of a Python file as units to show and replace: which one holds a line, and a
file with some of them replaced (for a fix focused on a few functions, not the whole file).

A unit is a top-level function or a method of a top-level class, with its decorators, named
`name` or `Class.name`. Lines outside every unit (imports, constants, class bodies) have none.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from service_creator.codeintel.parsing import node_bytes, parser


@dataclass(frozen=True)
class FunctionUnit:
    """A function or method: its qualified name and its 1-based lines (decorators included)."""

    name: str
    start: int
    end: int
    indent: str  # what its first line starts with

    def text(self, source: str) -> str:
        """Its lines of `source`, as they are there (indented as in the file)."""
        return "".join(_lines(source)[self.start - 1 : self.end])


def function_units(source: str) -> list[FunctionUnit]:
    """Every top-level function and method of a top-level class, in the file's order."""
    root = parser("python").parse(source.encode("utf-8")).root_node
    lines = _lines(source)
    return [_unit(".".join(names), statement, lines) for names, statement, _ in definitions(root)]


def definitions(root: Node) -> Iterator[tuple[list[str], Node, Node]]:
    """Each top-level function and each method of a top-level class of a module: its names
    (`[function]` or `[class, method]`), its statement (decorators included) and its `def`."""
    for node in root.named_children:
        definition = _definition(node)
        if definition is None:
            continue
        name = _name(definition)
        if definition.type == "function_definition":
            yield [name], node, definition
            continue
        body = definition.child_by_field_name("body")
        for member in body.named_children if body else []:
            method = _definition(member)
            if method is not None and method.type == "function_definition":
                yield [name, _name(method)], member, method


def enclosing_function(source: str, line: int) -> FunctionUnit | None:
    """The unit whose lines hold the 1-based `line`, if one does."""
    return next((u for u in function_units(source) if u.start <= line <= u.end), None)


class SpliceError(ValueError):
    """The replacement text does not define the functions it should."""


def replace_functions(source: str, focus: list[str], replacement: str) -> tuple[str, list[str]]:
    """`source` with each function of `focus` (qualified names) that `replacement` defines put
    in place of its current version (re-indented to where it stands); and the names replaced.

    `replacement` holds the new functions at any common indentation, as top-level functions or
    inside their class (`class C:` with the methods). A method may come without its class when
    its bare name is unique in `focus`. Raises SpliceError when it defines none of them."""
    current = {u.name: u for u in function_units(source)}
    bare = _unique_bare_names(focus)
    new_units: dict[str, str] = {}
    text = textwrap.dedent(replacement)
    for unit in function_units(text):
        name = unit.name if unit.name in focus else bare.get(unit.name.rsplit(".", 1)[-1], "")
        if name in current and name not in new_units:
            new_units[name] = textwrap.dedent(unit.text(text))
    if not new_units:
        raise SpliceError(f"the reply defines none of {', '.join(focus)}")
    lines = _lines(source)
    # from the bottom up, so the line numbers of the units above stay right
    for name in sorted(new_units, key=lambda n: current[n].start, reverse=True):
        unit = current[name]
        body = textwrap.indent(new_units[name], unit.indent, lambda line: bool(line.strip()))
        if not body.endswith("\n"):
            body += "\n"
        lines[unit.start - 1 : unit.end] = [body]
    return "".join(lines), [n for n in focus if n in new_units]


def _unique_bare_names(focus: list[str]) -> dict[str, str]:
    """bare name: qualified name, for the bare names only one unit of `focus` has."""
    by_bare: dict[str, list[str]] = {}
    for name in focus:
        by_bare.setdefault(name.rsplit(".", 1)[-1], []).append(name)
    return {bare: names[0] for bare, names in by_bare.items() if len(names) == 1}


def _lines(source: str) -> list[str]:
    """The lines of `source` with their `\n` (tree-sitter's rows: no other line break counts)."""
    parts = source.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _unit(name: str, node: Node, lines: list[str]) -> FunctionUnit:
    start = node.start_point[0] + 1
    first = lines[start - 1] if start <= len(lines) else ""
    return FunctionUnit(
        name=name,
        start=start,
        end=node.end_point[0] + 1,
        indent=first[: len(first) - len(first.lstrip())],
    )


def _definition(node: Node) -> Node | None:
    if node.type == "decorated_definition":
        return node.child_by_field_name("definition")
    return node if node.type in ("function_definition", "class_definition") else None


def _name(node: Node) -> str:
    name = node.child_by_field_name("name")
    return node_bytes(name).decode("utf-8") if name is not None else ""
