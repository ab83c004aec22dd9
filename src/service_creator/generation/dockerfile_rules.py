"""A Dockerfile, checked against the Dockerfile reference with tree-sitter-containerfile."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from service_creator.codeintel import parsing
from service_creator.domain.reports import Severity

INSTRUCTIONS = frozenset(
    {
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "FROM",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    }
)
"""The instructions of the Dockerfile reference."""


def instruction(node: Node) -> str | None:
    """The instruction a node of the tree is (`RUN`), or None for a comment or an error."""
    if not node.type.endswith("_instruction"):
        return None
    keyword = parsing.node_bytes(node).split(maxsplit=1)
    return keyword[0].decode(errors="replace").upper() if keyword else None


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based
    column: int  # 1-based
    message: str
    severity: Severity = "error"


def problems(text: str) -> list[Problem]:
    """What is wrong with a Dockerfile: syntax errors, unknown instructions, instructions
    before FROM, a missing FROM, ONBUILD triggers Docker refuses, MAINTAINER (a warning)."""
    tree = parsing.parser("dockerfile").parse(text.encode())
    found: list[Problem] = []

    def add(node: Node, message: str, severity: Severity = "error") -> None:
        row, column = node.start_point
        found.append(Problem(row + 1, column + 1, message, severity))

    for error in errors(tree.root_node):
        words = parsing.node_bytes(error).split(maxsplit=1)
        word = words[0].decode(errors="replace") if words else ""
        at_start = error.parent is None or error.parent.type == "source_file"
        if error.is_missing:
            add(error, f"Dockerfile syntax error: missing {error.type}")
        elif at_start and re.fullmatch(r"[A-Za-z_]+", word) and word.upper() not in INSTRUCTIONS:
            add(error, f"unknown Dockerfile instruction {word}")
        else:
            add(error, "Dockerfile syntax error")
    instructions = [(n, instruction(n)) for n in tree.root_node.named_children]
    seen_from = False
    for node, name in instructions:
        if name is None:
            continue
        if name not in INSTRUCTIONS:
            add(node, f"unknown Dockerfile instruction {name}")
        elif name == "MAINTAINER":
            add(node, "MAINTAINER is deprecated: use LABEL maintainer=...", "warning")
        elif name == "ONBUILD":
            inner = next((instruction(c) for c in node.named_children), None)
            if inner in ("ONBUILD", "FROM", "MAINTAINER"):
                add(node, f"ONBUILD cannot trigger {inner}")
        if name == "FROM":
            seen_from = True
        elif not seen_from and name != "ARG":
            add(node, f"{name} before FROM: a Dockerfile starts with FROM (ARG may precede it)")
            seen_from = True  # said once
    if not any(name == "FROM" for _, name in instructions):
        found.append(Problem(1, 1, "the Dockerfile has no FROM instruction"))
    return found


def errors(root: Node) -> Iterator[Node]:
    """The outermost ERROR and every MISSING node, in document order."""
    if not root.has_error:
        return
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            yield node
            continue
        stack.extend(reversed([c for c in node.children if c.has_error or c.is_missing]))
