"""The vendor and product catalog (resources/catalog.yaml), loaded once."""

from __future__ import annotations

from functools import cache
from typing import NotRequired, TypedDict, cast

from service_creator.domain.requirements import FEATURES_BY_SERVICE_TYPE, Option
from service_creator.resources import read_data


class _VendorEntry(TypedDict):
    slug: str


class _ProductEntry(TypedDict):
    id: str
    label: str
    description: NotRequired[str]


class _Catalog(TypedDict):
    """The shape of catalog.yaml."""

    vendors: dict[str, _VendorEntry]
    products: dict[str, dict[str, list[_ProductEntry]]]  # service type -> vendor -> products
    service_types: dict[str, str]  # service type -> description
    feature_labels: dict[str, str]  # feature id -> label


@cache
def _catalog() -> _Catalog:
    import yaml  # loaded on first use: the MCP server lists its tools without it

    # safe_load returns Any; the file ships with the package and has this shape
    return cast(_Catalog, yaml.safe_load(read_data("catalog.yaml")))


def vendor_slug(vendor: str) -> str:
    return _catalog()["vendors"][vendor]["slug"]


def products(service_type: str, vendor: str) -> list[Option]:
    return [Option(**p) for p in _catalog()["products"][service_type][vendor]]


def product_label(service_type: str, vendor: str, product_id: str) -> str:
    for option in products(service_type, vendor):
        if option.id == product_id:
            return option.label
    raise KeyError(product_id)


def service_type_options() -> list[Option]:
    return [
        Option(id=name, label=name, description=description)
        for name, description in _catalog()["service_types"].items()
    ]


def vendor_options() -> list[Option]:
    return [Option(id=vendor, label=vendor) for vendor in _catalog()["vendors"]]


def feature_options(service_type: str) -> list[Option]:
    labels = _catalog()["feature_labels"]
    return [Option(id=f, label=labels[f]) for f in FEATURES_BY_SERVICE_TYPE[service_type]]


def feature_label(feature: str) -> str:
    return _catalog()["feature_labels"][feature]
