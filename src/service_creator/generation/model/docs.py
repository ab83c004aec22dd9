"""Documentation from the final symbol tables: API.md, every route and every pydantic model."""

from __future__ import annotations

from typing import TypedDict

from service_creator.codeintel.symbols import SymbolTable
from service_creator.domain import catalog
from service_creator.domain.requirements import Requirements
from service_creator.resources import render


class RouteFacts(TypedDict):
    method: str
    path: str
    handler: str
    signature: str
    where: str  # path:line


class FieldFacts(TypedDict):
    name: str
    detail: str


class ModelFacts(TypedDict):
    name: str
    bases: str
    where: str  # path:line
    fields: list[FieldFacts]


class ApiFacts(TypedDict):
    routes: list[RouteFacts]
    models: list[ModelFacts]


def api_facts(tables: list[SymbolTable]) -> ApiFacts:
    """The routes and pydantic models of the project's Python files, in file order."""
    routes: list[RouteFacts] = []
    models: list[ModelFacts] = []
    for table in tables:
        if table.language != "python" or table.path.rsplit("/", 1)[-1].startswith("test"):
            continue
        for method, path, symbol in table.routes():
            handler = table.get(symbol.name, "function")
            routes.append(
                {
                    "method": method,
                    "path": path,
                    "handler": symbol.name,
                    "signature": handler.detail if handler else "",
                    "where": f"{table.path}:{symbol.line}",
                }
            )
        for name in sorted(table.pydantic_models(), key=lambda n: _line(table, n)):
            cls = table.get(name, "class")
            fields = [m for m in table.members(name) if m.kind == "field"]
            models.append(
                {
                    "name": name,
                    "bases": cls.detail if cls else "",
                    "where": f"{table.path}:{cls.line if cls else 1}",
                    "fields": [{"name": f.name, "detail": f.detail.lstrip(": ")} for f in fields],
                }
            )
    return {"routes": routes, "models": models}


def _line(table: SymbolTable, name: str) -> int:
    symbol = table.get(name, "class")
    return symbol.line if symbol else 0


def api_markdown(requirements: Requirements, tables: list[SymbolTable]) -> str:
    return render(
        "api.md.j2",
        service_name=requirements.service_name,
        description=_describe(requirements),
        **api_facts(tables),
    )


def _describe(requirements: Requirements) -> str:
    vendors = ", ".join(requirements.vendors)
    features = ", ".join(catalog.feature_label(f) for f in requirements.features)
    return (
        f"A {requirements.service_type} offered as a service on {vendors}: {features}; "
        f"{requirements.pricing_model} billing, {requirements.vendor_api} device API."
    )
