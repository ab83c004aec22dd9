"""The skim parse of a Python module: function bodies are left out of the parse (bench code:
the cold index of bench/bulk.py uses it; the product parses in full).

No symbol of a table is inside a function body (`extract_python` walks the top-level
statements and class bodies only), bodies are most of a module (61% of the bytes of the
site-packages corpus of bench/context.py), and tree-sitter's time goes per byte. The parser's
`included_ranges` skips them without copying or moving anything: every node keeps its byte
offset and row, and a body left out parses as an empty block right after the header's colon.

Bodies are found in the text, and only where that is safe line by line:
- a header is `def` or `async def` at the start of a line indented with spaces, up to the first
  line ending in a colon (`_HEADER`);
- its body is the lines after it up to the first line of code indented no deeper than its `def`
  (blank and comment lines do not end it; a tab counts as one column, so a body indented with
  tabs can only be found to end early);
- a body with an odd number of triple quotes of one kind (a string that runs on past it), or
  whose last line ends in a backslash, stays in; so do the functions inside a body left out.
The skim is trusted only when it has no syntax error and each body's colon is a function
definition's in its tree (a `def` in a docstring's example is not: that body is put back);
otherwise the caller parses in full. So a skim gives the rows of a full parse, and sees the
syntax errors outside function bodies only.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

from service_creator.codeintel import parsing
from service_creator.codeintel.extract import Row
from service_creator.codeintel.symbols import extract_rows
from service_creator.codeintel.symbols import parse_rows as parse_rows_in_full

if TYPE_CHECKING:
    from tree_sitter import Node, Parser, Range, Tree

MAX_HEADER_LINES = 40  # a longer header is left alone (its body stays in the parse)
_DEF = re.compile(rb"def[ \t]")
# A header: `def` at the start of a line indented with spaces (maybe after `async`), up to the
# first line that ends in a colon (and maybe a comment). A header on several lines has its
# first line end in a bracket or a comma, and no line before its last closes the parameters
# (a stub's `) -> int: ...` ends the search). A colon that is not the header's (a lambda's, a
# dict's) fails the check of the tree.
_HEADER = re.compile(
    rb"( *)(?:async[ \t]+)?(def)[ \t]"
    rb"(?:[^\n]*[(\[{,][ \t]*(?:#[^\n]*)?\n(?:(?![ \t]*\)[ \t]*(?:->|:))[^\n]*\n){0,%d}?)?"
    rb"[^\n#]*(:)[ \t]*(?:#[^\n]*)?\r?\n" % (MAX_HEADER_LINES - 2)
)


class Body(NamedTuple):
    colon: int  # the header's colon
    start: int  # the first line of the body
    stop: int  # the first line after it


@cache
def _dedent(indent: int) -> re.Pattern[bytes]:
    """A line of code indented at most `indent` columns, from the newline before it."""
    return re.compile(rb"\n[ \t]{0,%d}[^ \t\r\n\f#]" % indent)


def function_bodies(source: bytes) -> list[Body]:
    """The function bodies that can be left out of a parse of `source`, in order."""
    found: list[Body] = []
    at = 0
    while (match := _DEF.search(source, at)) is not None:
        at = match.end()
        header = _HEADER.match(source, source.rfind(b"\n", 0, match.start()) + 1)
        if header is None or header.start(2) != match.start():
            continue  # not a `def` at the start of its line (maybe after `async`)
        start = header.end()
        after = _dedent(len(header[1])).search(source, start - 1)
        stop = after.start() + 1 if after else len(source)
        if stop > start and _whole(source, start, stop):
            found.append(Body(header.start(3), start, stop))
            at = stop
    return found


def _whole(source: bytes, start: int, stop: int) -> bool:
    """Whether leaving out `source[start:stop]` leaves every string and line whole."""
    if source.count(b'"""', start, stop) % 2 or source.count(b"'''", start, stop) % 2:
        return False
    return not source[max(start, stop - 3) : stop].rstrip(b"\r\n").endswith(b"\\")


def included_ranges(source: bytes, bodies: list[Body]) -> list[Range]:
    """The ranges of `source` outside `bodies`. Every body starts and stops at the start of a
    line, so only the rows need counting."""
    from tree_sitter import Point, Range

    ranges: list[Range] = []
    row, last = 0, 0  # where the next range starts
    for body in bodies:
        body_row = row + source.count(b"\n", last, body.start)
        if body.start > last:
            ranges.append(Range(Point(row, 0), Point(body_row, 0), last, body.start))
        row, last = body_row + source.count(b"\n", body.start, body.stop), body.stop
    end = len(source)
    if end > last:
        end_row = row + source.count(b"\n", last, end)
        column = end - (source.rfind(b"\n", 0, end) + 1)
        ranges.append(Range(Point(row, 0), Point(end_row, column), last, end))
    return ranges


@cache
def _parser() -> Parser:
    from tree_sitter import Parser

    return Parser(parsing.language("python"))


@cache
def _kinds() -> tuple[int, int]:
    """The kind ids of a colon and of a function definition."""
    grammar = parsing.language("python")
    colon = grammar.id_for_node_kind(":", False)
    function = grammar.id_for_node_kind("function_definition", True)
    assert colon is not None and function is not None, "the Python grammar has both"
    return colon, function


def parse(source: bytes) -> Tree | None:
    """The skim tree of `source`; None when it has no body to leave out or the skim cannot be
    trusted (the caller then parses in full). A `def` that turns out not to be a function's (in
    a docstring's example) has its body put back, and the source is skimmed again once."""
    bodies = function_bodies(source)
    parser = _parser()
    for _ in range(2):
        if not bodies:
            return None
        parser.included_ranges = included_ranges(source, bodies)
        tree = parser.parse(source)
        root = tree.root_node
        if root.has_error:
            return None
        headers = [body for body in bodies if _is_header_colon(root, body.colon)]
        if len(headers) == len(bodies):
            return tree
        bodies = headers
    return None


def parse_rows(language: str, source: bytes, skim: bool = True) -> tuple[list[Row], list[int]]:
    """Rows and error lines of a source, as `symbols.parse_rows` gives them; `skim` leaves
    Python function bodies out of the parse where it safely can: the same rows, but no syntax
    error inside a body left out is seen."""
    tree = parse(source) if skim and language == "python" else None
    if tree is None:
        return parse_rows_in_full(language, source)
    return extract_rows(language, tree, source)


def _is_header_colon(root: Node, offset: int) -> bool:
    colon_kind, function_kind = _kinds()
    colon = root.descendant_for_byte_range(offset, offset + 1)
    if colon is None or colon.kind_id != colon_kind:
        return False
    owner = colon.parent
    return owner is not None and owner.kind_id == function_kind


def forget_parser() -> None:
    """Drop this process's skim parser (a forked child must not use one forked mid-parse)."""
    _parser.cache_clear()
