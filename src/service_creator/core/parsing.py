"""tree-sitter parsers per language, built lazily (the grammars load on first use)."""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Language, Node, Parser

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
    from tree_sitter import Language

    module, attribute = _GRAMMARS[name]
    return Language(getattr(import_module(module), attribute)())


@cache
def parser(name: str) -> Parser:
    from tree_sitter import Parser

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
