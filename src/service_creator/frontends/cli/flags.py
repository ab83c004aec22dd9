"""A command's flags, derived from its operation's input model (operations/io.py).

Each field becomes `--field-name` with the field's description as its help: a bool is a switch,
a number is parsed as one, anything else is text (the model validates it). argparse takes a
unique prefix of a flag, so `--session` names `--session-id`.
"""

from __future__ import annotations

import argparse
from collections.abc import Collection
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

DEFAULTS = {"workspace": "."}  # what the terminal means when a flag is left out
METAVARS = {"workspace": "DIR", "session_id": "ID", "test_id": "TEST", "timeout": "SECONDS"}


def add_model_flags(
    parser: argparse.ArgumentParser, model: type[BaseModel], skip: Collection[str] = ()
) -> None:
    for name, field in model.model_fields.items():
        if name not in skip:
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name, **_options(name, field))


def model_arguments(args: argparse.Namespace, model: type[BaseModel]) -> dict[str, Any]:
    """The parsed flags that are fields of `model` (left-out optional ones omitted)."""
    given = {name: getattr(args, name) for name in model.model_fields if hasattr(args, name)}
    return {name: value for name, value in given.items() if value is not None}


def _options(name: str, field: FieldInfo) -> dict[str, Any]:
    help_text = (field.description or "").rstrip(".")
    kinds = set(getattr(field.annotation, "__args__", ())) | {field.annotation}
    if bool in kinds:
        return {"action": "store_true", "default": None, "help": help_text}
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
