"""Jinja filters that turn values into source text, such as Python literals black leaves alone.

Every value that reaches generated Python goes through `py` (or `tojson` for JavaScript), never
through string concatenation, so no answer can break out of a literal.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from typing import TypeGuard

INLINE_LIMIT = 60


def _is_dict(value: object) -> TypeGuard[dict[object, object]]:
    return isinstance(value, dict)


def _is_sequence(value: object) -> TypeGuard[list[object] | tuple[object, ...]]:
    return isinstance(value, list | tuple)


def py(value: object, indent: int = 0) -> str:
    """A Python literal for `value`, formatted the way black formats it.

    Short flat collections stay on one line; longer ones are exploded one element per line with a
    trailing comma (black's "magic trailing comma" keeps them so). Tuples render as lists, since
    black collapses an exploded one-element tuple.
    """
    inline = _inline(value)
    if inline is not None and len(inline) <= INLINE_LIMIT:
        return inline
    pad = " " * (indent + 4)
    if _is_dict(value):
        if not value:
            return "{}"
        body = ""
        for k, v in value.items():
            key = py_str(str(k))
            body += f"{pad}{key}: {_element(v, indent + 4, len(key) + 3)},\n"
        return "{\n" + body + " " * indent + "}"
    if _is_sequence(value):
        if not value:
            return "[]"
        body = "".join(f"{pad}{_element(v, indent + 4, 1)},\n" for v in value)
        return "[\n" + body + " " * indent + "]"
    return _scalar(value)


def _element(value: object, indent: int, extra: int) -> str:
    """A collection element; a long string becomes a parenthesised concatenation."""
    if isinstance(value, str):
        return py_text(value, indent, extra)
    return py(value, indent)


def py_str(text: str) -> str:
    """A string literal with black's preferred quotes: double, unless that needs more escapes."""
    if text.isascii() and text.isprintable() and '"' in text and "'" not in text:
        return "'" + text.replace("\\", "\\\\") + "'"
    return json.dumps(text)


def _scalar(value: object) -> str:
    if isinstance(value, str):
        return py_str(value)
    if value is None or isinstance(value, bool | int | float):
        return repr(value)
    raise TypeError(f"no Python literal for {type(value).__name__}")


def _inline(value: object) -> str | None:
    """The one-line form of a scalar or a flat collection of scalars; None for nested ones."""
    if _is_dict(value):
        if any(isinstance(v, dict | list | tuple) for v in value.values()):
            return None
        return "{" + ", ".join(f"{py_str(str(k))}: {_scalar(v)}" for k, v in value.items()) + "}"
    if _is_sequence(value):
        if any(isinstance(v, dict | list | tuple) for v in value):
            return None
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    return _scalar(value)


def py_text(text: str, indent: int = 0, prefix: int = 0, width: int = 100) -> str:
    """A string literal for the end of a line that starts with `prefix` characters after the
    indentation; when it would not fit, a parenthesised implicit concatenation, one chunk a line.
    """
    literal = py_str(text)
    if indent + prefix + len(literal) <= width:
        return literal
    pad = " " * (indent + 4)
    chunks = textwrap.wrap(text, width - indent - 6, drop_whitespace=False, break_on_hyphens=False)
    lines = "".join(f"{pad}{py_str(chunk)}\n" for chunk in chunks)
    return "(\n" + lines + " " * indent + ")"


def comment(text: str, indent: int = 0, width: int = 96) -> str:
    """Free text as `#` comment lines that fit the line length."""
    pad = " " * indent
    lines = textwrap.wrap(text, width - indent - 2) or [""]
    return "\n".join(f"{pad}# {line}".rstrip() for line in lines)


def wrap(text: str, indent: int = 0, width: int = 96) -> str:
    """Free text wrapped into lines (for docstrings and Markdown)."""
    pad = " " * indent
    return "\n".join(textwrap.wrap(text, width - indent, initial_indent="", subsequent_indent=pad))


def camel(name: str) -> str:
    """`access_rule` -> `AccessRule`."""
    return "".join(part[:1].upper() + part[1:] for part in name.replace("-", "_").split("_"))


def from_import(module: str, names: list[str], width: int = 100) -> str:
    """`from module import a, b`, parenthesised one name per line when it does not fit."""
    line = f"from {module} import {', '.join(names)}"
    if len(line) <= width:
        return line
    return f"from {module} import (\n" + "".join(f"    {n},\n" for n in names) + ")"


FILTERS: dict[str, Callable[..., str]] = {
    "from_import": from_import,
    "py": py,
    "py_str": py_str,
    "py_text": py_text,
    "comment": comment,
    "wrap": wrap,
    "camel": camel,
}
