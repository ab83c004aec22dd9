"""A command's flags, derived from its operation's input model (operations/io.py).

Each field becomes `--field-name` with the field's description as its help: a bool is a switch,
a number is parsed as one, a choice of literals is a choice, a mapping is a repeated
`--flag KEY=VALUE`, a list is a repeated `--flag VALUE`, anything else is text (the model
validates it). argparse takes a unique prefix of a flag, so `--session` names `--session-id`.
`FLAG_NAMES` renames a field's flag.
"""

from __future__ import annotations

import argparse
from collections.abc import Collection
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

DEFAULTS = {"workspace": "."}  # what the terminal means when a flag is left out
METAVARS = {
    "workspace": "DIR",
    "session_id": "ID",
    "test_id": "TEST",
    "timeout": "SECONDS",
    "tests": "NODEID",
}
FLAG_NAMES = {"answers": "set"}  # update's answers: `--set ID=VALUE`, as git config and helm say


def add_model_flags(
    parser: argparse.ArgumentParser, model: type[BaseModel], skip: Collection[str] = ()
) -> None:
    for name, field in model.model_fields.items():
        if name not in skip:
            flag = FLAG_NAMES.get(name, name).replace("_", "-")
            parser.add_argument(f"--{flag}", dest=name, **_options(name, field))


def model_arguments(args: argparse.Namespace, model: type[BaseModel]) -> dict[str, Any]:
    """The parsed flags that are fields of `model` (left-out optional ones omitted)."""
    given = {name: getattr(args, name) for name in model.model_fields if hasattr(args, name)}
    return {
        name: dict(value) if _is_mapping(model.model_fields[name]) else value
        for name, value in given.items()
        if value is not None
    }


def _is_mapping(field: FieldInfo) -> bool:
    return get_origin(field.annotation) is dict


def _is_list(field: FieldInfo) -> bool:
    """`list[X]`, or `list[X] | None`, either maybe `Annotated`."""
    kinds = (field.annotation, *get_args(field.annotation))
    return any(get_origin(_unannotated(kind)) is list for kind in kinds)


def _unannotated(kind: Any) -> Any:
    return get_args(kind)[0] if get_origin(kind) is Annotated else kind


def key_value(text: str) -> tuple[str, str]:
    """`ID=VALUE` (the value may hold `=`), for a mapping's flag."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected ID=VALUE, got {text!r}")
    return key.strip(), value


def _options(name: str, field: FieldInfo) -> dict[str, Any]:
    help_text = (field.description or "").rstrip(".")
    kinds = set(getattr(field.annotation, "__args__", ())) | {field.annotation}
    if bool in kinds:
        return {"action": "store_true", "default": None, "help": help_text}
    if _is_mapping(field):
        return {"action": "append", "type": key_value, "metavar": "ID=VALUE", "help": help_text}
    if _is_list(field):
        metavar = METAVARS.get(name, name.upper())
        return {"action": "append", "metavar": metavar, "help": f"{help_text} (repeatable)"}
    if get_origin(field.annotation) is Literal:
        choices = [str(choice) for choice in get_args(field.annotation)]
        return {"choices": choices, "default": None, "help": help_text}
    options: dict[str, Any] = {"metavar": METAVARS.get(name, name.upper()), "default": None}
    if name in DEFAULTS:
        options["default"] = DEFAULTS[name]
        help_text += f" (default: {DEFAULTS[name]})"
    elif field.is_required():
        options["required"] = True
    number = next((kind for kind in (int, float) if kind in kinds), None)
    if number is not None:
        options["type"] = number
    return {**options, "help": help_text}
