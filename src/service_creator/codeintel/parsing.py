"""tree-sitter parsers per language, built lazily (the grammars load on first use)."""

from __future__ import annotations

from functools import cache
from importlib import import_module
from importlib.resources import files

from tree_sitter import Language, Node, Parser, Query

_GRAMMARS = {
    "python": ("tree_sitter_python", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "yaml": ("tree_sitter_yaml", "language"),
    "dockerfile": ("tree_sitter_containerfile", "language"),
}


def supported(language: str) -> bool:
    return language in _GRAMMARS


@cache
def language(name: str) -> Language:
    module, attribute = _GRAMMARS[name]
    # the grammar packages are imported by name, so their `language()` is looked up dynamically;
    # it returns the grammar as a PyCapsule (an opaque object, not the deprecated int pointer)
    capsule: object = getattr(import_module(module), attribute)()
    return Language(capsule)


def kind_id(grammar: Language, kind: str, named: bool = True) -> int:
    """The id of a node kind of `grammar`; a kind it lacks is a mistake here, not in the input."""
    found = grammar.id_for_node_kind(kind, named)
    if found is None:
        raise LookupError(f"no {'named ' if named else ''}node kind {kind!r} in the grammar")
    return found


def field_id(grammar: Language, name: str) -> int:
    """The id of a field of `grammar`; a field it lacks is a mistake here, not in the input."""
    found = grammar.field_id_for_name(name)
    if found is None:
        raise LookupError(f"no field {name!r} in the grammar")
    return found


def node_bytes(node: Node) -> bytes:
    """The source of a node. Every tree here is parsed from bytes, which tree-sitter keeps with
    the tree: `Node.text` is None only for a tree parsed with a read callback."""
    text = node.text
    if text is None:
        raise ValueError(f"a {node.type} node of a tree parsed without its source")
    return text


@cache
def parser(name: str) -> Parser:
    return Parser(language(name))


def first_error(root: Node) -> Node | None:
    """The first ERROR or MISSING node in document order, if the tree has one."""
    if not root.has_error:
        return None
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            return node
        stack.extend(reversed([c for c in node.children if c.has_error or c.is_missing]))
    return root


_EXTENSIONS = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".yml": "yaml",
    ".yaml": "yaml",
    ".dockerfile": "dockerfile",
    ".sql": "sql",
    ".md": "markdown",
}


def language_for(path: str) -> str:
    """The language of a file from its name: `python`, `javascript`, `yaml`, `dockerfile`,
    `sql`, `markdown`, or `text` for anything else."""
    name = path.rsplit("/", 1)[-1]
    base = name.lower()
    if base in ("dockerfile", "containerfile") or base.startswith(
        ("dockerfile.", "containerfile.")
    ):
        return "dockerfile"
    dot = base.rfind(".")
    return _EXTENSIONS.get(base[dot:], "text") if dot > 0 else "text"


@cache
def query_source(name: str, purpose: str = "") -> str:
    """The text of `resources/queries/<name>.scm` (or `<name>-<purpose>.scm`)."""
    filename = f"{name}-{purpose}.scm" if purpose else f"{name}.scm"
    return files("service_creator.resources").joinpath("queries", filename).read_text("utf-8")


@cache
def query(name: str, purpose: str = "") -> Query:
    """The tree-sitter query of `query_source(name, purpose)`, compiled once."""
    return Query(language(name), query_source(name, purpose))


def error_lines(root: Node) -> list[int]:
    """The 1-based lines of every ERROR or MISSING node, sorted, without repeats."""
    if not root.has_error:
        return []
    lines: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            lines.add(node.start_point[0] + 1)
            if node.is_missing:
                continue
        stack.extend(c for c in node.children if c.has_error or c.is_missing)
    return sorted(lines)
