"""Symbol tables: what a file defines and uses, extracted with tree-sitter (codeintel/outline.py
renders them compactly for a prompt).

`symbols(path, content)` parses a file and finds its symbols: a walk of the top-level
statements for Python (`extract_python`), one query (`resources/queries/<language>.scm`) for the
other languages. `ContextIndex` (codeintel/index.py) caches the tables and updates them
incrementally. SQL has no grammar here: its `CREATE TABLE`s are read with a
regular expression (tables as classes, columns as fields).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, TypeAdapter

from service_creator.codeintel import parsing
from service_creator.codeintel.extract import Row, row_line
from service_creator.codeintel.extract_other import dockerfile_rows, javascript_rows, yaml_rows
from service_creator.codeintel.extract_python import python_rows

if TYPE_CHECKING:
    from tree_sitter import Node, Tree

SymbolKind = Literal[
    "class",
    "function",
    "method",
    "field",
    "variable",
    "route",
    "import",
    "export",
    "key",
    "kind",
    "stage",
    "port",
]

PYDANTIC_BASES = frozenset(("BaseModel", "BaseSettings", "RootModel", "pydantic.BaseModel"))
IMPORTABLE = frozenset(("class", "function", "variable", "import"))

_EXTRACTORS = {
    "python": python_rows,
    "javascript": javascript_rows,
    "yaml": yaml_rows,
    "dockerfile": dockerfile_rows,
}


class Symbol(BaseModel):
    """One thing a file defines or imports. `detail` says the rest: a signature
    `(self, x: int) -> str`, bases `(BaseModel)`, a route `GET /instances/{id}`, an import
    `from models import Instance`, a field's `: int = 3`. `parent` is the enclosing class (or
    Dockerfile stage) of a member. Frozen: tables share the Symbols an edit left alone."""

    model_config = ConfigDict(frozen=True)

    kind: SymbolKind
    name: str
    line: int
    detail: str = ""
    parent: str = ""


class SymbolTable(BaseModel):
    path: str
    language: str
    symbols: list[Symbol] = []
    errors: list[int] = []  # lines with syntax errors

    def names(self, kind: str | None = None) -> set[str]:
        return {s.name for s in self.symbols if kind is None or s.kind == kind}

    def top_level(self) -> set[str]:
        """The names another module can import from this one."""
        return {s.name for s in self.symbols if not s.parent and s.kind in IMPORTABLE}

    def get(self, name: str, kind: str | None = None, parent: str = "") -> Symbol | None:
        for symbol in self.symbols:
            if symbol.name == name and symbol.parent == parent and kind in (None, symbol.kind):
                return symbol
        return None

    def members(self, parent: str) -> list[Symbol]:
        return [s for s in self.symbols if s.parent == parent]

    def routes(self) -> list[tuple[str, str, Symbol]]:
        """(METHOD, path template, symbol) of each route."""
        found: list[tuple[str, str, Symbol]] = []
        for symbol in self.symbols:
            if symbol.kind == "route":
                method, _, path = symbol.detail.partition(" ")
                found.append((method, path, symbol))
        return found

    def pydantic_models(self) -> set[str]:
        """Classes based on a pydantic model: BaseModel/BaseSettings, or a model of this file."""
        models: set[str] = set()
        classes = [s for s in self.symbols if s.kind == "class" and not s.parent]
        grew = True
        while grew:
            grew = False
            for cls in classes:
                if cls.name not in models and _bases(cls.detail) & (PYDANTIC_BASES | models):
                    models.add(cls.name)
                    grew = True
        return models


def _bases(detail: str) -> set[str]:
    return {b.strip() for b in detail.strip("()").split(",") if "=" not in b}


def table_from_rows(path: str, language: str, rows: list[Row], errors: list[int]) -> SymbolTable:
    return SymbolTable.model_validate(
        {"path": path, "language": language, "symbols": _dicts(rows), "errors": errors}
    )


def symbols_from_rows(rows: list[Row]) -> list[Symbol]:
    return _SYMBOLS.validate_python(_dicts(rows))


def _dicts(rows: list[Row]) -> list[dict[str, object]]:
    return [{"kind": k, "name": n, "line": ln, "detail": d, "parent": p} for k, n, ln, d, p in rows]


_SYMBOLS = TypeAdapter(list[Symbol])


def extract_rows(language: str, tree: Tree, source: bytes) -> tuple[list[Row], list[int]]:
    """The symbol rows (in line order) and syntax-error lines of a parsed file."""
    root = tree.root_node
    found = _EXTRACTORS[language](root, source)
    found.sort(key=row_line)
    return found, parsing.error_lines(root)


def rows_in_lines(language: str, root: Node, source: bytes, first: int, last: int) -> list[Row]:
    """The rows on lines first..last (1-based) of the top-level statements that meet them."""
    cursor = root.walk()
    statements: list[Node] = []
    if cursor.goto_first_child_for_point((first - 1, 0)) is not None:
        node = cursor.node
        while node is not None:
            statements.append(node)
            node = cursor.node if cursor.goto_next_sibling() else None
            if node is not None and node.start_point[0] >= last:
                break
    found = python_rows(root, source, statements)
    found.sort(key=row_line)
    return [row for row in found if first <= row[2] <= last]


def parse_rows(language: str, source: bytes) -> tuple[list[Row], list[int]]:
    """Rows and error lines of a source, parsed cold; SQL by regex, others have none."""
    if language in _EXTRACTORS:
        tree = parsing.parser(language).parse(source)
        return extract_rows(language, tree, source)
    if language == "sql":
        return sql_rows(source.decode("utf-8", "replace")), []
    return [], []


def symbols(path: str, content: str, language: str | None = None) -> SymbolTable:
    """The symbol table of one file; the language comes from the file name when not given."""
    language = language or parsing.language_for(path)
    rows, errors = parse_rows(language, content.encode())
    return table_from_rows(path, language, rows, errors)


# --- SQL (no grammar: CREATE TABLE by regular expression) -------------------------------------

_CREATE_TABLE = re.compile(
    r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?[\"`]?(\w+)[\"`]?\s*\(", re.IGNORECASE
)
_CONSTRAINT = re.compile(r"(PRIMARY|FOREIGN|UNIQUE|CHECK|CONSTRAINT)\b", re.IGNORECASE)


def sql_rows(text: str) -> list[Row]:
    out: list[Row] = []
    for found in _CREATE_TABLE.finditer(text):
        table = found.group(1)
        out.append(("class", table, text.count("\n", 0, found.start()) + 1, "TABLE", ""))
        depth, start, position = 1, found.end(), found.end()
        while position < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[position], 0)
            position += 1
        offset = start
        for column in _split_top_level(text[start : position - 1]):
            stripped = column.strip()
            line = text.count("\n", 0, offset + len(column) - len(column.lstrip())) + 1
            offset += len(column) + 1
            if stripped and not _CONSTRAINT.match(stripped):
                name, _, rest = stripped.partition(" ")
                out.append(("field", name.strip('"`'), line, " ".join(rest.split()), table))
    return out


def _split_top_level(body: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in body:
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        current.append(char)
    parts.append("".join(current))
    return parts
