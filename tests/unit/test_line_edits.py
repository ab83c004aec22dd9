"""line_edits: the line-wise edits of an update, applied as an editor applies them, give the new
text; only the changed lines are edited."""

from __future__ import annotations

import pytest
from lsprotocol import types

from service_creator.frontends.lsp.writer import line_edits


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def offset(text: str, position: types.Position) -> int:
    """The string index of an LSP position (UTF-16 characters, lines split on \\n)."""
    lines = text.split("\n")
    start = sum(len(line) + 1 for line in lines[: position.line])
    line, units, index = lines[position.line], 0, 0
    while units < position.character:
        units += utf16(line[index])
        index += 1
    return start + index


def applied(old: str, edits: list[tuple[types.Range, str]]) -> str:
    text = old
    for where, new_text in reversed(edits):  # in order and not overlapping: apply from the end
        text = text[: offset(text, where.start)] + new_text + text[offset(text, where.end) :]
    return text


CASES = {
    "one line changed": ("a\nb\nc\n", "a\nB\nc\n"),
    "lines added at the end": ("a\nb\n", "a\nb\nc\nd\n"),
    "no newline at the end": ("a\nb", "a\nb\nc"),
    "the last line changed, no newline": ("a\nb", "a\nB"),
    "a newline added at the end": ("a\nb", "a\nb\n"),
    "everything removed": ("a\nb\n", ""),
    "a new file": ("", "x = 1\n"),
    "crlf lines": ("a\r\nb\r\nc\r\n", "a\r\nB\r\nc\r\n"),
    "wide characters before the change": ("😀 a\nb\n", "😀 a\nc\n"),
    "lines moved": ("1\n2\n3\n4\n5\n", "4\n5\n1\n2\n3\n"),
}


@pytest.mark.parametrize(("old", "new"), CASES.values(), ids=CASES.keys())
def test_the_edits_give_the_new_text(old: str, new: str) -> None:
    assert applied(old, line_edits(old, new, utf16)) == new


def test_only_the_changed_lines_are_edited() -> None:
    old = "".join(f"line {n}\n" for n in range(100))
    new = old.replace("line 50\n", "line fifty\n")

    edits = line_edits(old, new, utf16)

    assert [(e.start.line, e.end.line, text) for e, text in edits] == [(50, 51, "line fifty\n")]
    assert line_edits(old, old, utf16) == []
