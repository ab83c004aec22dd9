"""YAML read as a given tool reads it, with each value's node kept: a schema error's path then
leads back to the line it came from. YAML 1.1 as Kubernetes reads it, the YAML 1.2 core schema
as Compose and GitHub Actions do."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import yaml

_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"


class Yaml11(yaml.SafeLoader):
    """YAML 1.1, as Kubernetes reads it (sigs.k8s.io/yaml, on go-yaml v2): `yes` and `on` are
    booleans. A timestamp stays a string (a JSON schema knows no dates)."""


class Yaml12(yaml.SafeLoader):
    """The YAML 1.2 core schema, as Compose (go-yaml v3) and GitHub Actions read it: only
    true/false are booleans, no sexagesimal numbers, no timestamps."""


def _value(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    # a plain `=` is YAML 1.1's "value" type, which PyYAML resolves and cannot construct
    return str(node.value)


Yaml11.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml11.add_constructor("tag:yaml.org,2002:value", _value)
Yaml12.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    (_NULL, r"^(?:~|null|Null|NULL|)$", [*"~nN", ""]),
    (_BOOL, r"^(?:true|True|TRUE|false|False|FALSE)$", [*"tTfF"]),
    (_INT, r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", [*"-+0123456789"]),
    (
        _FLOAT,
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        [*"-+.0123456789"],
    ),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", ["<"]),
):
    Yaml12.add_implicit_resolver(  # pyright: ignore[reportUnknownMemberType]  (untyped in the stubs)
        _tag, re.compile(_pattern), _first
    )


Json = dict[str, "Json"] | list["Json"] | str | int | float | bool | None


@dataclass(frozen=True)
class Document:
    node: yaml.Node
    data: Json


def documents(text: str, loader: type[yaml.SafeLoader]) -> list[Document]:
    """The documents of `text` (empty ones left out); raises yaml.YAMLError."""
    reader = loader(text)
    found: list[Document] = []
    try:
        while reader.check_node():
            node = reader.get_node()
            if node is not None:
                # the stubs leave it untyped: it returns what the YAML holds
                data: object = reader.construct_document(node)  # pyright: ignore[reportUnknownMemberType]
                found.append(Document(node, jsonable(data)))
    finally:
        reader.dispose()
    return [d for d in found if d.data is not None]


def jsonable(value: object) -> Json:
    """`value` as JSON would carry it: string keys, and a string for what JSON lacks."""
    if isinstance(value, dict):
        return {_key(k): jsonable(v) for k, v in cast("dict[object, object]", value).items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in cast("Sequence[object]", value)]
    if value is None or isinstance(value, str | int | float):  # bool is an int
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _key(key: object) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)


def entries(node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
    return list(node.value)  # pyright: ignore[reportUnknownArgumentType]  (the stubs say Any)


def items(node: yaml.SequenceNode) -> list[yaml.Node]:
    return list(node.value)  # pyright: ignore[reportUnknownArgumentType]


def position(root: yaml.Node, path: Sequence[str | int]) -> tuple[int, int]:
    """The 1-based line and column of the node `path` leads to from `root`: of its key, when it
    is a mapping's value. Where the path leaves the YAML (a merged key), its last node found."""
    mark = root.start_mark
    node = root
    for step in path:
        if isinstance(node, yaml.MappingNode):
            matches = [
                (k, v)
                for k, v in entries(node)
                if isinstance(k, yaml.ScalarNode) and str(k.value) == str(step)
            ]
            if not matches:
                break
            key, node = matches[-1]  # a repeated key: the last one counts
            mark = key.start_mark
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            found = items(node)
            if not 0 <= step < len(found):
                break
            node = found[step]
            mark = node.start_mark
        else:
            break
    return mark.line + 1, mark.column + 1
