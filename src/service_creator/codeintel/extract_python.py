"""Python symbols: imports, module variables, functions and classes with signatures, class
fields and methods, FastAPI routes (a router's `APIRouter(prefix=...)` included).

A module's symbols are all in its top-level statements and the bodies of its top-level
classes, so the extractor walks just those, by node kind id, and never enters a function body.
This is the hot path of a cold index: the tree-sitter query it replaces made a Python dict of
captures per match and took 40% longer over the corpus of bench/context.py, rows identical.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

from service_creator.codeintel import parsing
from service_creator.codeintel.extract import MAX_DETAIL, MAX_SIGNATURE, Row, squash, string_value

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from tree_sitter import Node

HTTP_METHODS = frozenset(("get", "post", "put", "patch", "delete", "head", "options", "trace"))
_ASSIGNED = re.compile(r"(\w+)\s*(?::[^=]*)?=\s*$")
PREFIX_REACH = 400  # bytes after `APIRouter` in which its `prefix=` is looked for
_PREFIX = re.compile(r"""APIRouter\s*\((?:.|\n)*?\bprefix\s*=\s*["']([^"']*)["']""")


class _Kinds(NamedTuple):
    """The node kind ids the walk compares (ints: cheaper than `Node.type` strings)."""

    imports: frozenset[int]
    expression: int
    assignment: int
    identifier: int
    function: int
    klass: int
    decorated: int
    block: int
    decorator: int
    call: int
    attribute: int
    arguments: int
    string: int
    comment: int
    colon: int
    plain_import: int
    future_import: int
    aliased_import: int
    wildcard_import: int
    name: int  # field ids
    body: int
    definition: int
    left: int
    module_name: int
    alias: int


@cache
def _kinds() -> _Kinds:
    grammar = parsing.language("python")

    def kind(name: str) -> int:
        return parsing.kind_id(grammar, name)

    def field(name: str) -> int:
        return parsing.field_id(grammar, name)

    imports = ("import_statement", "import_from_statement", "future_import_statement")
    return _Kinds(
        frozenset(kind(name) for name in imports),
        kind("expression_statement"),
        kind("assignment"),
        kind("identifier"),
        kind("function_definition"),
        kind("class_definition"),
        kind("decorated_definition"),
        kind("block"),
        kind("decorator"),
        kind("call"),
        kind("attribute"),
        kind("argument_list"),
        kind("string"),
        kind("comment"),
        parsing.kind_id(grammar, ":", named=False),
        kind("import_statement"),
        kind("future_import_statement"),
        kind("aliased_import"),
        kind("wildcard_import"),
        field("name"),
        field("body"),
        field("definition"),
        field("left"),
        field("module_name"),
        field("alias"),
    )


class _Route(NamedTuple):
    owner: Node  # `router` of `@router.get("/x")`
    method: Node
    path: Node
    handler: Node


def python_rows(root: Node, source: bytes, statements: Iterable[Node] | None = None) -> list[Row]:
    """The rows of a module (or of some of its top-level statements)."""
    k = _kinds()
    out: list[Row] = []
    add = out.append
    routes: list[_Route] = []
    for node in root.children if statements is None else statements:
        kind = node.kind_id
        if kind == k.expression:
            _assignments(node, "variable", "", source, add, k)
        elif kind in k.imports:
            out.extend(_python_imports(node, k))
        else:
            definition = node.child_by_field_id(k.definition) if kind == k.decorated else node
            if definition is None:
                continue
            named = _name_and_body(definition, k)
            if named is None:
                continue
            name, body = named
            if definition.kind_id == k.function:
                add(_function(name, body, "function", "", source, k))
                if kind == k.decorated:
                    routes.extend(_routes_of(node, name, k))
            elif definition.kind_id == k.klass:
                cls = _text(name)
                bases = _between(source, name.end_byte, _colon(body, k))
                add(("class", cls, name.start_point[0] + 1, bases, ""))
                _members(body, cls, source, add, k)
    if routes:
        out.extend(_route_rows(routes, source))
    return out


def _text(node: Node) -> str:
    return parsing.node_bytes(node).decode()


def _name_and_body(definition: Node, k: _Kinds) -> tuple[Node, Node] | None:
    """The name and body of a function or class definition, when both are whole."""
    if definition.kind_id != k.function and definition.kind_id != k.klass:
        return None
    name = definition.child_by_field_id(k.name)
    body = definition.child_by_field_id(k.body)
    if name is None or body is None or name.kind_id != k.identifier or body.kind_id != k.block:
        return None
    return name, body


def _members(body: Node, cls: str, source: bytes, add: Callable[[Row], None], k: _Kinds) -> None:
    """The fields and methods of a class body."""
    for node in body.children:
        kind = node.kind_id
        if kind == k.expression:
            _assignments(node, "field", cls, source, add, k)
            continue
        definition = node.child_by_field_id(k.definition) if kind == k.decorated else node
        if definition is None or definition.kind_id != k.function:
            continue
        named = _name_and_body(definition, k)
        if named is not None:
            add(_function(named[0], named[1], "method", cls, source, k))


def _assignments(
    statement: Node, kind: str, parent: str, source: bytes, add: Callable[[Row], None], k: _Kinds
) -> None:
    """`x = 1` and `x: int = 1`: an assignment to one plain name."""
    child = statement.child(0)  # a statement has a first child (`child` never gives None)
    if child.kind_id == k.assignment:
        left = child.child_by_field_id(k.left)
        if left is not None and left.kind_id == k.identifier:
            add(_assignment(child, left, kind, parent, source))


def _function(name: Node, body: Node, kind: str, parent: str, source: bytes, k: _Kinds) -> Row:
    start = name.start_byte
    detail = _between(source, name.end_byte, _colon(body, k))
    if source.endswith(b"async def ", 0, start):
        detail = "async " + detail
    return (kind, _text(name), name.start_point[0] + 1, detail, parent)


def _routes_of(decorated: Node, handler: Node, k: _Kinds) -> list[_Route]:
    """`@owner.method("/path", ...)` decorators of a function: its FastAPI routes, maybe."""
    found: list[_Route] = []
    for decorator in decorated.children:
        if decorator.kind_id != k.decorator:
            continue
        for call in decorator.children:
            if call.kind_id != k.call:
                continue
            function = call.child_by_field_name("function")
            arguments = call.child_by_field_name("arguments")
            if function is None or function.kind_id != k.attribute:
                continue
            if arguments is None or arguments.kind_id != k.arguments:
                continue
            owner = function.child_by_field_name("object")
            method = function.child_by_field_name("attribute")
            path = arguments.named_child(0) if arguments.named_child_count else None
            if owner is None or method is None or path is None or path.kind_id != k.string:
                continue
            if owner.kind_id == k.identifier and method.kind_id == k.identifier:
                found.append(_Route(owner, method, path, handler))
    return found


def _colon(body: Node, k: _Kinds) -> int:
    """Where a definition's header ends: at its colon. Comments after the colon come before the
    body, and a body left out of a skim parse (bench/skim.py) is empty: neither tells where the
    header ends."""
    node = body.prev_sibling
    while node is not None and node.kind_id == k.comment:
        node = node.prev_sibling
    return node.start_byte if node is not None and node.kind_id == k.colon else body.start_byte


def _between(source: bytes, start: int, colon: int) -> str:
    """A signature or a class's bases: the source from the name to the header's colon."""
    text = source[start : min(colon, start + 2 * MAX_SIGNATURE)].rstrip()
    if b"\n" not in text:  # most: `(self, x: int) -> str`
        line = text.decode("utf-8", "replace")
        return line if len(line) <= MAX_SIGNATURE else line[: MAX_SIGNATURE - 3] + "..."
    return squash(text.decode("utf-8", "replace"), limit=MAX_SIGNATURE)


def _assignment(node: Node, name: Node, kind: str, parent: str, source: bytes) -> Row:
    start = name.end_byte
    rest = source[start : min(node.end_byte, start + 4 * MAX_DETAIL)].decode("utf-8", "replace")
    return (kind, _text(name), name.start_point[0] + 1, squash(rest.strip()), parent)


def _python_imports(node: Node, k: _Kinds) -> list[Row]:
    """One row per name an import binds, its detail the import of that one name."""
    line = node.start_point[0] + 1
    names = node.children_by_field_id(k.name)
    kind = node.kind_id
    if kind == k.plain_import:
        module = ""
    elif kind == k.future_import:
        module = "__future__"
    else:
        module_node = node.child_by_field_id(k.module_name)
        module = _text(module_node) if module_node is not None else ""
        if not names and any(c.kind_id == k.wildcard_import for c in node.children):
            return [("import", "*", line, f"from {module} import *", "")]
    out: list[Row] = []
    for name in names:
        if name.kind_id == k.aliased_import:
            original_node = name.child_by_field_id(k.name)
            alias_node = name.child_by_field_id(k.alias)
            if original_node is None or alias_node is None:
                continue  # an aliased import broken by a syntax error binds nothing whole
            original, bound = _text(original_node), _text(alias_node)
            phrase = f"{original} as {bound}"
        else:
            original = bound = _text(name)
            phrase = original
        detail = f"from {module} import {phrase}" if module else f"import {phrase}"
        out.append(("import", bound, line, detail, ""))
    return out


def _route_rows(found: list[_Route], source: bytes) -> list[Row]:
    """FastAPI routes; a router's `APIRouter(prefix=...)` is put in front of its paths."""
    prefixes = router_prefixes(source)
    out: list[Row] = []
    for route in found:
        method = _text(route.method)
        if method not in HTTP_METHODS:
            continue
        path = string_value(_text(route.path))
        detail = f"{method.upper()} {prefixes.get(_text(route.owner), '')}{path}"
        handler = _text(route.handler)
        out.append(("route", handler, route.path.start_point[0] + 1, detail, ""))
    return out


def router_prefixes(source: bytes) -> dict[str, str]:
    """`{"router": "/v1"}` for each top-level `router = APIRouter(prefix="/v1", ...)`."""
    found: dict[str, str] = {}
    at = source.find(b"APIRouter")
    while at != -1:
        line = source.rfind(b"\n", 0, at) + 1
        target = _ASSIGNED.match(source[line:at].decode("utf-8", "replace"))
        if target:
            prefix = _PREFIX.match(source[at : at + PREFIX_REACH].decode("utf-8", "replace"))
            if prefix:
                found[target.group(1)] = prefix.group(1)
        at = source.find(b"APIRouter", at + 9)
    return found


def may_change_prefixes(source: bytes, start: int, end: int) -> bool:
    """Whether changing `source[start:end]` may change `router_prefixes(source)`: it does not
    when no `APIRouter` is on its lines or within PREFIX_REACH bytes before it."""
    low = min(source.rfind(b"\n", 0, start) + 1, max(0, start - PREFIX_REACH - len(b"APIRouter")))
    high = source.find(b"\n", end)
    return source.find(b"APIRouter", low, len(source) if high == -1 else high) != -1
