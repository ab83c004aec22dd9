"""Incremental update of one file: the edit between two versions, the incremental reparse, and
the symbol rows of the new version built from the old ones.

Only the top-level statements the edit (or tree-sitter's changed ranges) touches are walked
again; the rows before them are kept, the rows after them are kept with their lines shifted.
So an update costs in proportion to the statements edited, not to the size of the file.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING

from service_creator.codeintel import parsing
from service_creator.codeintel.extract import Row, row_line
from service_creator.codeintel.extract_python import may_change_prefixes, router_prefixes
from service_creator.codeintel.symbols import Symbol, SymbolTable, rows_in_lines, symbols_from_rows

if TYPE_CHECKING:
    from tree_sitter import Node, Tree

# languages whose rows each come from one top-level statement (but a Python route's path also
# depends on its router's `APIRouter(prefix=...)`, which is checked apart)
SPLICEABLE = frozenset(("python",))


@dataclass(frozen=True)
class Edit:
    """`old[start:old_end]` became `new[start:new_end]`; points are (row, byte column)."""

    start: int
    old_end: int
    new_end: int
    start_point: tuple[int, int]
    old_end_point: tuple[int, int]
    new_end_point: tuple[int, int]

    @classmethod
    def between(cls, old: bytes, new: bytes, old_tree: Tree | None = None) -> Edit:
        """The edit from `old` to `new`; with the tree of `old`, its start row is read from the
        tree instead of counted from the top."""
        start, old_end, new_end = changed_span(old, new)
        row, column = point_at(old, start, old_tree.root_node if old_tree else None)
        return cls(
            start,
            old_end,
            new_end,
            (row, column),
            _point_after(old, start, row, old_end),
            _point_after(new, start, row, new_end),
        )


def _point_after(source: bytes, start: int, row: int, offset: int) -> tuple[int, int]:
    """The point of `offset`, knowing that `start` (<= offset) is on `row`."""
    row += source.count(b"\n", start, offset)
    return row, offset - (source.rfind(b"\n", 0, offset) + 1)


def reparse(language: str, tree: Tree, source: bytes, edit: Edit) -> Tree:
    """Apply `edit` to `tree` (in place) and parse `source` reusing what it did not touch."""
    tree.edit(
        start_byte=edit.start,
        old_end_byte=edit.old_end,
        new_end_byte=edit.new_end,
        start_point=edit.start_point,
        old_end_point=edit.old_end_point,
        new_end_point=edit.new_end_point,
    )
    return parsing.parser(language).parse(source, tree)


@dataclass(frozen=True)
class Splice:
    """The rows of the new version: `old[:keep]`, then `fresh`, then `old[resume:]` shifted."""

    keep: int
    fresh: list[Row]
    resume: int
    shift: int

    def rows(self, old: list[Row]) -> list[Row]:
        shifted = [(k, n, line + self.shift, d, p) for k, n, line, d, p in old[self.resume :]]
        return old[: self.keep] + self.fresh + shifted

    def table(self, old: SymbolTable, rows: list[Row], errors: list[int]) -> SymbolTable:
        """The new table, reusing the Symbols of the rows kept in front."""
        kept: list[Symbol] = old.symbols[: self.keep]
        built = symbols_from_rows(rows[self.keep :])
        return SymbolTable.model_construct(
            path=old.path, language=old.language, symbols=kept + built, errors=errors
        )


def splice(
    language: str,
    old_tree: Tree,
    tree: Tree,
    old_source: bytes,
    source: bytes,
    edit: Edit,
    old: list[Row],
) -> Splice | None:
    """How the rows change, from the statements the edit touched; None when the file must be
    extracted whole (another language, or a router's prefix changed: its routes are elsewhere)."""
    if language not in SPLICEABLE:
        return None
    routers = may_change_prefixes(old_source, edit.start, edit.old_end) or may_change_prefixes(
        source, edit.start, edit.new_end
    )
    if routers and router_prefixes(source) != router_prefixes(old_source):
        return None
    low, high = edit.start, max(edit.new_end, edit.start + 1)
    for changed in old_tree.changed_ranges(tree):
        low, high = min(low, changed.start_byte), max(high, changed.end_byte)
    root = tree.root_node
    # widen [low, high) to the lines of the whole top-level statements it touches
    start_row = edit.start_point[0] - source.count(b"\n", low, edit.start)
    first = _statement_from(root, low)
    if first is not None and first.start_byte <= low:
        start_row = min(start_row, first.start_point[0])
    # the region ends on the edit's last row at least: the old text after the edit starts there
    end_row = edit.new_end_point[0] + source.count(b"\n", edit.new_end, max(high - 1, 0))
    last = _statement_from(root, high - 1)
    if last is not None and last.start_byte < high:
        end_row = max(end_row, last.end_point[0])
    shift = edit.new_end_point[0] - edit.old_end_point[0]
    fresh = rows_in_lines(language, root, source, start_row + 1, end_row + 1)
    keep = bisect_right(old, start_row, key=row_line)  # rows are in line order
    resume = bisect_right(old, end_row - shift + 1, key=row_line)
    return Splice(keep, fresh, max(resume, keep), shift)


def _statement_from(root: Node, byte: int) -> Node | None:
    """The first top-level statement that ends after `byte` (a tree cursor: safe past the end,
    where `Node.first_child_for_byte` is not)."""
    cursor = root.walk()
    return cursor.node if cursor.goto_first_child_for_byte(byte) is not None else None


# --- the edit between two versions ----------------------------------------------------------


def changed_span(old: bytes, new: bytes) -> tuple[int, int, int]:
    """(start, old_end, new_end): `old[start:old_end]` became `new[start:new_end]`; the rest is
    a common prefix and a common suffix, found by binary search (each step compares only the
    half not known yet, so about 2n bytes are compared in all, and only `old`'s are copied)."""
    limit = min(len(old), len(new))
    low, high = 0, limit  # the common prefix: old[:low] == new[:low]
    while low < high:
        middle = (low + high + 1) // 2
        if new.startswith(old[low:middle], low):
            low = middle
        else:
            high = middle - 1
    start = low
    low, high = 0, limit - start  # the common suffix, not overlapping the prefix
    while low < high:
        middle = (low + high + 1) // 2
        if new.endswith(old[len(old) - middle : len(old) - low], 0, len(new) - low):
            low = middle
        else:
            high = middle - 1
    return start, len(old) - low, len(new) - low


def point_at(source: bytes, offset: int, root: Node | None = None) -> tuple[int, int]:
    """(row, byte column) of a byte offset, as tree-sitter counts them; with the root of the
    source's tree, newlines are counted from the node at the offset, not from the top."""
    row = base = 0
    node = _node_from(root, offset) if root is not None else None
    if node is not None:
        row, base = node.start_point[0], node.start_byte
    return _point_after(source, base, row, offset)


def _node_from(root: Node, offset: int) -> Node | None:
    """A node that starts at `offset` or before it, as near as the tree says: the smallest one
    around it, or between top-level statements (and at the end) the statement before it."""
    node = root.descendant_for_byte_range(offset, offset)
    if node is not None and node != root and node.start_byte <= offset:
        return node
    cursor = root.walk()
    if cursor.goto_first_child_for_byte(offset) is None and not cursor.goto_last_child():
        return None
    node = cursor.node
    while node is not None and node.start_byte > offset:
        if not cursor.goto_previous_sibling():
            return None
        node = cursor.node
    return node
