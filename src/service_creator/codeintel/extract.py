"""What every symbol extractor shares: run a language's one combined query
(`resources/queries/<language>.scm`) over a parsed tree, and tidy the text it captures.

The extractors turn what they find into rows `(kind, name, line, detail, parent)`: those of
`extract_other` from the matches of a query; Python's (`extract_python`, the bulk of any index)
by a walk of the top-level statements.

Rows are plain tuples: cheap to build, cheap to send between processes, and turned into
`Symbol`s only by `symbols.table_from_rows`. Every pattern of a symbol query is anchored at the
root node, so the query cursor never starts a match below depth 0 and skips the bodies it does
not need.
"""

from __future__ import annotations

import re
from functools import cache

from tree_sitter import Node, QueryCursor

from service_creator.codeintel import parsing

Row = tuple[str, str, int, str, str]


def row_line(row: Row) -> int:
    """The line of a row: the key rows are sorted and bisected by."""
    return row[2]


Captures = dict[str, list["Node"]]

MAX_DETAIL = 100  # a value: `= Field(default_factory=list)`, a YAML scalar
MAX_SIGNATURE = 1000  # a signature or a class's bases: kept whole but for pathological ones
_COMMENT = re.compile(r"[ \t]*#[^\n]*")
_TIGHTEN = (
    ("( ", "("),
    ("[ ", "["),
    ("{ ", "{"),
    (", )", ")"),
    (", ]", "]"),
    (", }", "}"),
    (" )", ")"),
    (" ]", "]"),
    (" }", "}"),
)


@cache
def pattern_kinds(language: str, purpose: str = "") -> tuple[str, ...]:
    """What each pattern of a query finds: the prefix of its first capture."""
    query = parsing.query(language, purpose)
    source = parsing.query_source(language, purpose).encode()
    kinds: list[str] = []
    for index in range(query.pattern_count):
        text = source[query.start_byte_for_pattern(index) : query.end_byte_for_pattern(index)]
        found = re.search(rb"@(\w+)", text)
        kinds.append(found.group(1).decode() if found else "")
    return tuple(kinds)


def matches(language: str, root: Node, purpose: str = "") -> list[tuple[str, Captures]]:
    """The matches of a query over `root`, each with what its pattern finds. The symbol
    queries (no `purpose`) are anchored at the root: no match starts below depth 0."""
    cursor = QueryCursor(parsing.query(language, purpose))
    if not purpose:
        cursor.set_max_start_depth(0)
    kinds = pattern_kinds(language, purpose)
    return [(kinds[index], captures) for index, captures in cursor.matches(root)]


def squash(text: str, comments: bool = True, limit: int = MAX_DETAIL) -> str:
    """One line: comments dropped (when `comments`), whitespace runs collapsed, no space inside
    brackets, no trailing comma before a closing bracket; at most `limit` characters."""
    if "\n" in text:
        if comments and "#" in text:
            text = _COMMENT.sub("", text)
        text = " ".join(text.split())
        for loose, tight in _TIGHTEN:
            if loose in text:
                text = text.replace(loose, tight)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def text_of(node: Node, limit: int = 4 * MAX_DETAIL) -> str:
    """The source of a node, at most `limit` bytes of it (a value may be a huge literal)."""
    text = parsing.node_bytes(node)
    return (text if len(text) <= limit else text[:limit]).decode("utf-8", "replace")


def string_value(literal: str) -> str:
    """The contents of a Python string literal; an f-string's `{...}` fields become `{}`."""
    literal = literal.strip()
    start = 0
    while start < len(literal) and literal[start] not in "\"'":
        start += 1
    prefix, body = literal[:start].lower(), literal[start:]
    quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
    body = body[len(quote) : len(body) - len(quote)] if body.endswith(quote) else body[len(quote) :]
    if "f" in prefix:
        body = re.sub(r"\{[^{}]*\}", "{}", body.replace("{{", "\0").replace("}}", "\1"))
        body = body.replace("\0", "{").replace("\1", "}")
    return body
