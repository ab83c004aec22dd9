"""Context with tree-sitter: the symbol tables of a project's files, cached by content hash
and updated incrementally, rendered as the context of the prompt for the files built on them.

    index = ContextIndex.from_files(files)
    index.update("schemas.py", new_text)      # reparses only what changed
    index.context_for(spec)                   # the symbol tables of spec.depends_on

A table is rebuilt only when its file's content hash changes. When the index still holds the
previous tree of a file, the change is applied to it as one edit (the span between the common
prefix and the common suffix of the old and new bytes) and the file is reparsed incrementally
(`tree.edit` + `parser.parse(new, old_tree)`), which reuses every untouched subtree.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Generator, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from service_creator.codeintel import parsing
from service_creator.codeintel.extract import Row
from service_creator.codeintel.incremental import Edit, Splice, reparse, splice
from service_creator.codeintel.outline import render_table
from service_creator.codeintel.symbols import (
    Symbol,
    SymbolTable,
    extract_rows,
    parse_rows,
    symbols,
    table_from_rows,
)
from service_creator.domain.project import FileSpec, GeneratedFile

if TYPE_CHECKING:
    from tree_sitter import Tree

__all__ = ["ContextIndex", "Symbol", "SymbolTable", "symbols"]

VERBATIM_LINES = 40  # files with no symbols (requirements.txt, ...) go into a prompt as text


def content_hash(source: bytes) -> str:
    return hashlib.sha256(source).hexdigest()


@dataclass
class _Entry:
    path: str
    digest: str | None  # None when the source is kept (an incremental update skips the hash)
    language: str
    rows: list[Row]
    errors: list[int]
    source: bytes | None = None
    tree: Tree | None = None
    built: SymbolTable | None = None

    def holds(self, source: bytes) -> bool:
        """Whether this entry is of `source` (a compare is cheaper than a hash of it)."""
        if self.source is not None:
            return self.source == source
        return self.digest == content_hash(source)

    @property
    def table(self) -> SymbolTable:
        """The pydantic table, built from the rows on first use."""
        if self.built is None:
            self.built = table_from_rows(self.path, self.language, self.rows, self.errors)
        return self.built


class ContextIndex:
    """Symbol tables by path, each rebuilt only when its file's content hash changes.

    `full_parses`, `incremental_parses` and `hash_hits` count the work done: a hash hit is a
    content seen before (at this path, or, within the last DIGEST_CACHE contents parsed cold,
    at any path).
    After an incremental parse only the top-level statements the edit touched are walked
    again (`spliced_updates`, see codeintel/incremental.py). One thread at a time: the parsers are
    shared per language (the asyncio loop, or a lock around it)."""

    DIGEST_CACHE = 1024

    def __init__(self, keep_trees: bool = True) -> None:
        self.keep_trees = keep_trees
        self._entries: dict[str, _Entry] = {}
        self._by_digest: dict[tuple[str, str], tuple[list[Row], list[int]]] = {}
        self.full_parses = 0
        self.incremental_parses = 0
        self.hash_hits = 0
        self.spliced_updates = 0  # incremental parses whose rows were spliced, not re-extracted

    # --- building ---------------------------------------------------------------------------

    @classmethod
    def from_files(cls, files: Iterable[GeneratedFile]) -> ContextIndex:
        index = cls()
        for file in files:
            index.update(file.path, file.content)
        return index

    # --- updating ---------------------------------------------------------------------------

    def update(self, path: str, content: str) -> SymbolTable:
        """The symbol table of `path` with this content; reparsed only when it changed. A file
        whose tree is at hand is reparsed incrementally, without hashing its new content; any
        other is looked up by content hash first."""
        source = content.encode()
        entry = self._entries.get(path)
        if entry is not None and entry.holds(source):
            self.hash_hits += 1
            return entry.table
        language = entry.language if entry is not None else parsing.language_for(path)
        incremental = entry is not None and entry.tree is not None and language in _PARSED
        digest = None if incremental else content_hash(source)
        known = None if digest is None else self._by_digest.get((language, digest))
        tree, table = None, None
        if known is not None:
            self.hash_hits += 1
            rows, errors = known
        elif language in _PARSED:
            tree, cut = self._parse(language, source, entry)
            if cut is not None and entry is not None:
                self.spliced_updates += 1
                rows, errors = cut.rows(entry.rows), parsing.error_lines(tree.root_node)
                if entry.built is not None:
                    table = cut.table(entry.built, rows, errors)
            else:
                rows, errors = extract_rows(language, tree, source)
        else:
            rows, errors = parse_rows(language, source)
        if digest is not None:
            self._remember(language, digest, rows, errors)
        keep = self.keep_trees and tree is not None
        new = _Entry(path, digest, language, rows, errors, source, tree if keep else None, table)
        self._entries[path] = new
        return new.table

    def _remember(self, language: str, digest: str, rows: list[Row], errors: list[int]) -> None:
        if len(self._by_digest) >= self.DIGEST_CACHE:
            del self._by_digest[next(iter(self._by_digest))]
        self._by_digest[(language, digest)] = (rows, errors)

    def _parse(
        self, language: str, source: bytes, entry: _Entry | None
    ) -> tuple[Tree, Splice | None]:
        """The tree of `source`: reparsed incrementally from the entry's tree when there is one
        (with how its rows change), else parsed in full."""
        if entry is None or entry.tree is None or entry.source is None:
            self.full_parses += 1
            return parsing.parser(language).parse(source), None
        edit = Edit.between(entry.source, source, entry.tree)
        old_tree, entry.tree = entry.tree, None  # edited below: no longer the tree of its source
        tree = reparse(language, old_tree, source, edit)
        if tree.root_node.has_error:
            # error recovery may differ between an incremental and a cold parse of broken text:
            # the table of a file with syntax errors is the cold parse's, as it would be at start
            self.full_parses += 1
            return parsing.parser(language).parse(source), None
        self.incremental_parses += 1
        return tree, splice(language, old_tree, tree, entry.source, source, edit, entry.rows)

    def remove(self, path: str) -> None:
        self._entries.pop(path, None)

    # --- reading ----------------------------------------------------------------------------

    def table(self, path: str) -> SymbolTable | None:
        entry = self._entries.get(path)
        return entry.table if entry is not None else None

    def source(self, path: str) -> bytes | None:
        """The content a table was built from, when the index keeps it."""
        entry = self._entries.get(path)
        return entry.source if entry is not None else None

    def tree(self, path: str) -> Tree | None:
        """The parsed tree of `source(path)`, when the index keeps it."""
        entry = self._entries.get(path)
        return entry.tree if entry is not None else None

    def tables(self) -> list[SymbolTable]:
        """Every table; those not built yet are built in one go (without cyclic GC passes)."""
        with _gc_paused():
            return [entry.table for entry in self._entries.values()]

    def paths(self) -> list[str]:
        return list(self._entries)

    def __contains__(self, path: object) -> bool:
        return path in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def context_for(self, spec: FileSpec) -> str:
        """The rendered symbol tables of the files `spec` depends on, in its order, brief: no
        private names, the imports of modules outside the project on one line. A file with no
        symbols to show (requirements.txt, ...) comes as its first lines of text; a file not in
        the index yet is named as such."""
        parts: list[str] = []
        modules = {
            p.removesuffix(".py").replace("/", ".") for p in self._entries if p.endswith(".py")
        }
        for path in spec.depends_on:
            entry = self._entries.get(path)
            if entry is None:
                parts.append(f"# {path} (not generated yet)")
            elif entry.rows or entry.language in _PARSED or entry.source is None:
                parts.append(render_table(entry.table, brief=True, project=modules))
            else:
                parts.append(_verbatim(path, entry.language, entry.source))
        return "\n\n".join(parts)


_PARSED = frozenset(("python", "javascript", "yaml", "dockerfile"))


def _verbatim(path: str, language: str, source: bytes) -> str:
    lines = source.decode("utf-8", "replace").splitlines()
    shown = "\n".join(lines[:VERBATIM_LINES])
    more = (
        f"\n... ({len(lines) - VERBATIM_LINES} more lines)" if len(lines) > VERBATIM_LINES else ""
    )
    return f"# {path} ({language})\n{shown}{more}"


@contextmanager
def _gc_paused() -> Generator[None, None, None]:
    """No cyclic garbage collection while many tables are built at once from (acyclic) rows by
    the hundred thousand: each collection would walk them all again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
