"""What a Python file uses from other files, for the consistency check: HTTP client calls
(method and path) and attribute reads (`settings.X`, `config.X`, `get_settings().X`), found with
`resources/queries/python-uses.scm`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from service_creator.codeintel import parsing
from service_creator.codeintel.extract import Captures, matches, string_value

if TYPE_CHECKING:
    from tree_sitter import Node

    from service_creator.codeintel.index import ContextIndex

HTTP_METHODS = frozenset(("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"))
AttributeKind = Literal["name", "call", "attribute"]
_BASE_URL = re.compile(r"^(?:https?://[^/]*|\{\})(?=/)")


@dataclass(frozen=True)
class Call:
    method: str  # GET, POST, ...
    path: str  # `/instances/{}/usage`: an f-string's fields (and unknown parts) become `{}`
    line: int


@dataclass(frozen=True)
class Attribute:
    object: str  # `settings` in settings.X, `get_settings` in get_settings().X
    name: str
    line: int
    column: int
    kind: AttributeKind  # settings.X, get_settings().X, a.settings.X


@dataclass
class Uses:
    calls: list[Call]
    attributes: list[Attribute]
    lines: list[str]

    def column(self, line: int, word: str, after: str = "") -> int:
        """The 1-based column of `word` on a line (after `after`), or 1."""
        if not 0 < line <= len(self.lines):
            return 1
        text = self.lines[line - 1]
        start = text.find(after) + len(after) if after and after in text else 0
        found = re.compile(rf"\b{re.escape(word)}\b").search(text, start)
        return found.start() + 1 if found else 1


def file_uses(index: ContextIndex, path: str) -> Uses:
    source = index.source(path)
    if source is None:
        return Uses([], [], [])
    tree = index.tree(path) or parsing.parser("python").parse(source)
    found = matches("python", tree.root_node, "uses")
    constants: dict[str, list[Node]] = {}
    for kind, caps in found:
        if kind == "constant":
            constants.setdefault(_text(caps["constant.name"][0]), []).append(
                caps["constant.value"][0]
            )
    calls: list[Call] = []
    attributes: list[Attribute] = []
    for kind, caps in found:
        if kind == "call":
            call = _call(caps, constants)
            if call is not None:
                calls.append(call)
        elif kind == "attribute":
            attributes.append(_attribute(caps))
    return Uses(calls, attributes, source.decode("utf-8", "replace").splitlines())


def _attribute(caps: Captures) -> Attribute:
    name = caps["attribute.name"][0]
    kinds: tuple[tuple[str, AttributeKind], ...] = (
        ("attribute.object", "name"),
        ("attribute.call", "call"),
    )
    key, kind = next((k for k in kinds if k[0] in caps), ("attribute.chain", "attribute"))
    row, column = name.start_point
    return Attribute(_text(caps[key][0]), _text(name), row + 1, column + 1, kind)


def _call(caps: Captures, constants: dict[str, list[Node]]) -> Call | None:
    method = _text(caps["call.method"][0]).upper()
    argument = caps["call.first"][0]
    if method == "REQUEST":
        method = (_path_of(argument, constants) or "").upper()
        argument = argument.next_named_sibling
        if argument is None:
            return None
    if method not in HTTP_METHODS:
        return None
    path = _path_of(argument, constants)
    if path is None:
        return None
    path = _BASE_URL.sub("", path.split("?", 1)[0].split("#", 1)[0])
    if not path.startswith("/"):
        return None
    return Call(method, path, caps["call"][0].start_point[0] + 1)


def _assigned(use: Node, values: list[Node]) -> Node:
    """The value of the last assignment before `use` (the first one when none is before)."""
    before = [value for value in values if value.start_byte < use.start_byte]
    return before[-1] if before else values[0]


def _f_string_part(node: Node, constants: dict[str, list[Node]], depth: int) -> str:
    if node.type == "interpolation":
        expression = node.child_by_field_name("expression")
        value = _path_of(expression, constants, depth + 1)
        return "{}" if value is None else value
    if node.type in ("string_start", "string_end"):
        return ""
    return _text(node)


def _text(node: Node) -> str:
    return parsing.node_bytes(node).decode()


def _path_of(node: Node | None, constants: dict[str, list[Node]], depth: int = 0) -> str | None:
    """The text of a string-valued expression: a literal, an f-string, a constant, a `+` of
    those, `"...".format(...)`; any other part becomes `{}`. None when no string is in it (or
    no expression: a part a syntax error left out)."""
    if node is None or depth > 8:
        return None
    if node.type == "string":
        if not any(c.type == "interpolation" for c in node.children):
            return string_value(_text(node))
        return "".join(_f_string_part(c, constants, depth) for c in node.children)
    if node.type == "concatenated_string":
        parts = [_path_of(c, constants, depth + 1) for c in node.named_children]
        return "".join(p or "" for p in parts)
    if node.type == "identifier" and _text(node) in constants:
        return _path_of(_assigned(node, constants[_text(node)]), constants, depth + 1)
    operator = node.child_by_field_name("operator") if node.type == "binary_operator" else None
    if operator is not None and operator.type == "+":
        left = _path_of(node.child_by_field_name("left"), constants, depth + 1)
        right = _path_of(node.child_by_field_name("right"), constants, depth + 1)
        if left is None and right is None:
            return None
        return (left if left is not None else "{}") + (right if right is not None else "{}")
    if node.type == "call":
        function = node.child_by_field_name("function")
        if function is not None and function.type == "attribute":
            target = function.child_by_field_name("object")
            attribute = function.child_by_field_name("attribute")
            if attribute is not None and parsing.node_bytes(attribute) == b"format":
                value = _path_of(target, constants, depth + 1)
                return re.sub(r"\{[^{}]*\}", "{}", value) if value is not None else None
    return None
