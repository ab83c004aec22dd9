"""camelCase on the LSP wire: the models' snake_case field names, renamed at this door only.

The renaming follows the model's own fields, so only field names change: the keys of a
`dict` field are data (a file path, a vendor) and stay as they are.
"""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.alias_generators import to_camel

JSON = Any  # what json.loads makes: dicts, lists and scalars


def dump(model: BaseModel) -> JSON:
    """The model as JSON, its field names in camelCase."""
    return _rename(model.model_dump(mode="json"), type(model), to_wire=True)


def load_names(data: JSON, model: type[BaseModel]) -> JSON:
    """Client JSON with the model's field names back in snake_case (unknown keys kept, so
    validation can name them)."""
    return _rename(data, model, to_wire=False)


def schema(model: type[BaseModel]) -> JSON:
    """The model's JSON schema with camelCase property names (a schema's `properties` are
    always field names; a dict field's keys are `additionalProperties`)."""
    return _camel_schema(model.model_json_schema())


def _camel_schema(node: JSON) -> JSON:
    if isinstance(node, list):
        return [_camel_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    renamed = {key: _camel_schema(value) for key, value in node.items()}
    if isinstance(node.get("properties"), dict):
        renamed["properties"] = {
            to_camel(name): _camel_schema(value) for name, value in node["properties"].items()
        }
    if isinstance(node.get("required"), list):
        renamed["required"] = [to_camel(name) for name in node["required"]]
    return renamed


def _rename(data: JSON, annotation: Any, *, to_wire: bool) -> JSON:
    model = _model_in(annotation, data)
    if model is not None and isinstance(data, dict):
        fields = model.model_fields
        names = {to_camel(name): name for name in fields}
        renamed = {}
        for key, value in data.items():
            name = key if to_wire else names.get(key, key)
            shown = to_camel(name) if to_wire else name
            field = fields.get(name)
            inner = field.annotation if field is not None else None
            renamed[shown] = _rename(value, inner, to_wire=to_wire)
        return renamed
    origin, args = get_origin(annotation), get_args(annotation)
    if isinstance(data, list) and args and origin in (list, tuple, set, frozenset):
        return [_rename(item, args[0], to_wire=to_wire) for item in data]
    if isinstance(data, dict) and origin is dict and len(args) == 2:
        return {key: _rename(value, args[1], to_wire=to_wire) for key, value in data.items()}
    return data


def _model_in(annotation: Any, data: JSON) -> type[BaseModel] | None:
    """The model `annotation` names, directly or as a member of an optional or a union."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType) and isinstance(data, dict):
        members = [a for a in get_args(annotation) if isinstance(a, type)]
        return next((a for a in members if issubclass(a, BaseModel)), None)
    return None
