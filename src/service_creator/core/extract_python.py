"""Python symbols: imports, module variables, functions and classes with signatures, class
fields and methods, FastAPI routes (a router's `APIRouter(prefix=...)` included)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from service_creator.core.extract import (
    MAX_DETAIL,
    MAX_SIGNATURE,
    Captures,
    Row,
    raw_matches,
    squash,
    string_value,
)

if TYPE_CHECKING:
    from tree_sitter import Node

HTTP_METHODS = frozenset(("get", "post", "put", "patch", "delete", "head", "options", "trace"))
_TRAILING_COMMENT = re.compile(r"#[^\n]*$")
_ASSIGNED = re.compile(r"(\w+)\s*(?::[^=]*)?=\s*$")
_PREFIX = re.compile(r"""APIRouter\s*\((?:.|\n)*?\bprefix\s*=\s*["']([^"']*)["']""")


def python_rows(root: Node, source: bytes, statements: list[Node] | None = None) -> list[Row]:
    """The rows of a module (or of some of its top-level statements). The hot path of a bulk
    index: one branch per pattern kind, the capture names literal, every text sliced once."""
    kinds, found = raw_matches("python", root, statements)
    out: list[Row] = []
    add = out.append
    routes: list[Captures] = []
    for index, caps in found:
        kind = kinds[index]
        if kind == "method":
            name = caps["method.name"][0]
            start = name.start_byte
            detail = _between(source, name.end_byte, caps["method.body"][0].start_byte)
            if source.endswith(b"async def ", 0, start):
                detail = "async " + detail
            parent = caps["method.class"][0].text.decode()
            add(("method", name.text.decode(), name.start_point[0] + 1, detail, parent))
        elif kind == "function":
            name = caps["function.name"][0]
            start = name.start_byte
            detail = _between(source, name.end_byte, caps["function.body"][0].start_byte)
            if source.endswith(b"async def ", 0, start):
                detail = "async " + detail
            add(("function", name.text.decode(), name.start_point[0] + 1, detail, ""))
        elif kind == "field":
            parent = caps["field.class"][0].text.decode()
            add(_assignment(caps["field"][0], caps["field.name"][0], "field", parent, source))
        elif kind == "variable":
            add(_assignment(caps["variable"][0], caps["variable.name"][0], "variable", "", source))
        elif kind == "class":
            name = caps["class.name"][0]
            bases = _between(source, name.end_byte, caps["class.body"][0].start_byte)
            add(("class", name.text.decode(), name.start_point[0] + 1, bases, ""))
        elif kind == "import":
            out.extend(_python_imports(caps["import"][0]))
        elif kind == "route":
            routes.append(caps)
    if routes:
        out.extend(_routes(routes, source))
    return out


def _between(source: bytes, start: int, body: int) -> str:
    """A signature or a class's bases: the source from the name to the body, without the colon
    (and any comment after it)."""
    end = min(body, start + 2 * MAX_SIGNATURE)
    text = source[start:end].decode("utf-8", "replace").rstrip()
    if not text.endswith(":"):
        text = _TRAILING_COMMENT.sub("", text).rstrip()
    return squash(text[:-1].rstrip() if text.endswith(":") else text, limit=MAX_SIGNATURE)


def _assignment(node: Node, name: Node, kind: str, parent: str, source: bytes) -> Row:
    start = name.end_byte
    rest = source[start : min(node.end_byte, start + 4 * MAX_DETAIL)].decode("utf-8", "replace")
    return (kind, name.text.decode(), name.start_point[0] + 1, squash(rest.strip()), parent)


def _python_imports(node: Node) -> list[Row]:
    """One row per name an import binds, its detail the import of that one name."""
    line = node.start_point[0] + 1
    names = node.children_by_field_name("name")
    if node.type == "import_statement":
        module = ""
    elif node.type == "future_import_statement":
        module = "__future__"
    else:
        module_node = node.child_by_field_name("module_name")
        module = module_node.text.decode() if module_node else ""
        if not names and any(c.type == "wildcard_import" for c in node.children):
            return [("import", "*", line, f"from {module} import *", "")]
    out: list[Row] = []
    for name in names:
        if name.type == "aliased_import":
            original = name.child_by_field_name("name").text.decode()
            bound = name.child_by_field_name("alias").text.decode()
            phrase = f"{original} as {bound}"
        else:
            original = bound = name.text.decode()
            phrase = original
        detail = f"from {module} import {phrase}" if module else f"import {phrase}"
        out.append(("import", bound, line, detail, ""))
    return out


def _routes(found: list[Captures], source: bytes) -> list[Row]:
    """FastAPI routes; a router's `APIRouter(prefix=...)` is put in front of its paths."""
    prefixes = router_prefixes(source)
    out: list[Row] = []
    for caps in found:
        method = caps["route.method"][0].text.decode()
        if method not in HTTP_METHODS:
            continue
        path_node = caps["route.path"][0]
        path = string_value(path_node.text.decode())
        owner = caps["route.object"][0].text.decode()
        detail = f"{method.upper()} {prefixes.get(owner, '')}{path}"
        handler = caps["route.handler"][0].text.decode()
        out.append(("route", handler, path_node.start_point[0] + 1, detail, ""))
    return out


def router_prefixes(source: bytes) -> dict[str, str]:
    """`{"router": "/v1"}` for each top-level `router = APIRouter(prefix="/v1", ...)`."""
    found = {}
    at = source.find(b"APIRouter")
    while at != -1:
        line = source.rfind(b"\n", 0, at) + 1
        target = _ASSIGNED.match(source[line:at].decode("utf-8", "replace"))
        if target:
            prefix = _PREFIX.match(source[at : at + 400].decode("utf-8", "replace"))
            if prefix:
                found[target.group(1)] = prefix.group(1)
        at = source.find(b"APIRouter", at + 9)
    return found
