"""Prompt templates (*.j2) and data files (interview.yaml, catalog.yaml)."""

from __future__ import annotations

from importlib import resources


def read_data(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
