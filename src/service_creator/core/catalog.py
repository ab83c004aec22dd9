"""The vendor and product catalog (prompts/catalog.yaml), loaded once."""

from __future__ import annotations

from functools import cache

import yaml

from service_creator.core.models import Option
from service_creator.prompts import read_data


@cache
def _catalog() -> dict:
    return yaml.safe_load(read_data("catalog.yaml"))


def vendor_slug(vendor: str) -> str:
    return _catalog()["vendors"][vendor]["slug"]


def products(service_type: str, vendor: str) -> list[Option]:
    return [Option(**p) for p in _catalog()["products"][service_type][vendor]]


def product_label(service_type: str, vendor: str, product_id: str) -> str:
    for option in products(service_type, vendor):
        if option.id == product_id:
            return option.label
    raise KeyError(product_id)
