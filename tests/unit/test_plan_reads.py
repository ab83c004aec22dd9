"""The plan's reads (generation/plan.py): which requirements each file's content reads, and
which files an update of one answer regenerates.

The declared table is checked against the offline templates: every file is rendered under
requirements that differ in one field, and only files declared to read that field may differ.
An update of each interview question regenerates the files its answer touches, and those with
the files left as they were make the project a fresh generation makes for the new answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from service_creator.domain import catalog
from service_creator.domain.requirements import (
    FEATURES_BY_SERVICE_TYPE,
    VENDORS,
    AnswerValue,
    Requirements,
    Session,
)
from service_creator.generation.offline.generator import render_project
from service_creator.generation.plan import (
    changed_requirements,
    files_touched,
    plan,
    requirement_of,
)
from service_creator.interview.graph import QuestionGraph
from service_creator.interview.interview import Interview
from service_creator.operations.scripted import DEMO_ANSWERS

BASES: list[dict[str, Any]] = [
    {},  # the demo's requirements (`_demo_requirements`)
    {
        "service_type": "vRouter",
        "service_name": "vrouter-edge",
        "vendors": ["Juniper", "F5"],
        "features": ["bgp", "qos"],
        "pricing_model": "tiered",
        "tiers": 3,
        "price": 5,
        "vendor_api": "SSH",
        "auth_methods": ["oauth2"],
        "logging": ["syslog", "elk"],
        "deployment": "kubernetes",
    },
    {
        "service_type": "vVPN",
        "service_name": "vvpn-gateway",
        "vendors": ["Fortinet"],
        "features": ["site_to_site"],
        "pricing_model": "usage_based",
        "price": 0.5,
        "vendor_api": "NETCONF",
        "auth_methods": ["mtls", "basic"],
        "logging": ["json"],
        "deployment": "docker_compose",
    },
    {
        "service_type": "vLoadBalancer",
        "service_name": "vlb-front",
        "vendors": ["F5"],
        "features": ["health_checks"],
        "pricing_model": "hourly",
        "price": 2,
        "vendor_api": "SDK",
        "api_docs_url": "https://docs.example.com/api",
        "auth_methods": ["api_key"],
        "logging": ["audit"],
        "deployment": "both",
    },
]


def _demo_requirements() -> dict[str, Any]:
    return answered(DEMO_ANSWERS).model_dump(exclude={"products", "description"})


def finished(interview: Interview) -> Interview:
    """The interview with its open questions taking their defaults (as the demo's scripted
    answers do) and its summary confirmed."""
    while (question := interview.current()) is not None and question.id != "confirm":
        assert question.default is not None, f"{question.id} has no default"
        interview.answer(question.default)
    interview.answer(True, "confirm")
    return interview


def answered(answers: dict[str, AnswerValue], **changes: AnswerValue) -> Requirements:
    """The requirements of the finished interview of `answers`, each of `changes` then answered
    again by question id (as `service-creator update --set` does), the interview finished."""
    interview = finished(Interview(Session(workspace="/tmp/unused", answers=dict(answers))))
    for question_id, value in changes.items():
        interview.answer(value, question_id)
    return finished(interview).requirements()


def _one_field_changes(base: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Requirements that differ from `base` in one field (and what that field forces)."""
    kind = base["service_type"]
    for other in FEATURES_BY_SERVICE_TYPE:
        if other != kind:
            yield "service_type", {"service_type": other, "features": base["features"]}
    yield "service_name", {"service_name": "renamed-service"}
    for vendor in VENDORS:
        if vendor not in base["vendors"]:
            yield "vendors", {"vendors": [*base["vendors"], vendor]}
            yield "vendors", {"vendors": [vendor]}
    for vendor in base["vendors"]:
        for product in catalog.products(kind, vendor):
            yield "products", {"products": {vendor: product.label}}
    for feature in FEATURES_BY_SERVICE_TYPE[kind]:
        if feature not in base["features"]:
            yield "features", {"features": [*base["features"], feature]}
    yield "features", {"features": base["features"][:1]}
    for model in ("monthly", "hourly", "usage_based", "tiered"):
        yield "pricing_model", {"pricing_model": model}
    yield "price", {"price": base["price"] * 3 + 1}
    yield "tiers", {"tiers": 5 if base.get("tiers", 3) != 5 else 2}
    for api in ("REST", "NETCONF", "SSH", "SDK"):
        yield "vendor_api", {"vendor_api": api}
    yield "api_docs_url", {"api_docs_url": None if base.get("api_docs_url") else "https://x.io/a"}
    for method in ("api_key", "oauth2", "jwt", "mtls", "basic"):
        yield "auth_methods", {"auth_methods": [method]}
        yield "auth_methods", {"auth_methods": [*base["auth_methods"], method]}
    for option in ("json", "syslog", "prometheus", "audit", "elk"):
        yield "logging", {"logging": [option]}
        yield "logging", {"logging": [*base["logging"], option]}
    for target in ("docker_compose", "kubernetes", "both"):
        yield "deployment", {"deployment": target}
    yield "description", {"description": "A service with its own words"}


def _requirements(base: dict[str, Any], change: dict[str, Any]) -> Requirements:
    fields = {**base, **change}
    if "service_type" in change:  # features are the service type's own
        fields["features"] = list(FEATURES_BY_SERVICE_TYPE[change["service_type"]][:2])
    return Requirements.model_validate(fields)


def files_of(requirements: Requirements) -> dict[str, str]:
    return {f.path: f.content for f in render_project(requirements)}


@pytest.mark.parametrize("index", range(len(BASES)))
def test_only_the_files_declared_to_read_a_requirement_change_with_it(index: int):
    base = BASES[index] or _demo_requirements()
    old = Requirements.model_validate(base)
    before = files_of(old)
    reads = {spec.path: set(spec.reads) for spec in [*plan(old)]}
    checked = 0
    for field, change in _one_field_changes(base):
        new = _requirements(base, change)
        changed = changed_requirements(old, new)
        if not changed:
            continue
        after = files_of(new)
        reads |= {spec.path: set(spec.reads) for spec in plan(new)}
        differing = {
            path for path in before.keys() | after.keys() if before.get(path) != after.get(path)
        }
        undeclared = {path for path in differing if not reads[path] & changed}
        assert not undeclared, f"{field} -> {change}: {sorted(undeclared)} read it, undeclared"
        assert differing <= files_touched(old, new) | (before.keys() - after.keys())
        checked += 1
    assert checked > 40


def test_every_question_sets_a_requirement_but_the_confirmation():
    graph = QuestionGraph.default()
    for spec in graph.specs:
        question_id = f"{spec.id}_cisco" if spec.for_each else spec.id
        expected = None if spec.id == "confirm" else ("products" if spec.for_each else spec.id)
        assert requirement_of(question_id) == expected


DEMO_PLAN = {spec.path for spec in plan(answered(DEMO_ANSWERS))}
BUILT_ON_CONFIG = {
    "config.py",
    "service_manager.py",
    "api_endpoints.py",
    "test_suite.py",
    "portal_integration.js",
    "README.md",
    "Dockerfile",
    "docker-compose.yml",
    "kubernetes.yaml",
}
# question id -> (the new answer and what it makes the interview ask again, the files regenerated)
UPDATES: dict[str, tuple[dict[str, AnswerValue], set[str]]] = {
    "service_type": (
        {"service_type": "vRouter", "features": ["bgp", "qos"]},
        DEMO_PLAN - {"requirements.txt"},
    ),
    "vendors": (
        {"vendors": ["Cisco", "Palo Alto"]},
        BUILT_ON_CONFIG
        | {
            "pyproject.toml",
            "database_schema.sql",
            "schemas.py",
            "vendor_integration.py",
            ".github/workflows/ci.yml",
        },
    ),
    "product": ({"product_cisco": "asav"}, BUILT_ON_CONFIG | {"vendor_integration.py"}),
    "service_name": (
        {"service_name": "edge-firewall"},
        DEMO_PLAN - {"models.py", "schemas.py", "vendor_integration.py", "requirements.txt"},
    ),
    "features": (
        {"features": ["traffic_filtering", "nat", "vpn"]},
        {
            "schemas.py",
            "vendor_integration.py",
            "service_manager.py",
            "api_endpoints.py",
            "test_suite.py",
            "portal_integration.js",
            "README.md",
        },
    ),
    "pricing_model": ({"pricing_model": "hourly"}, BUILT_ON_CONFIG | {"schemas.py"}),
    "price": ({"price": 12}, BUILT_ON_CONFIG),
    "tiers": ({"pricing_model": "tiered", "tiers": 4}, BUILT_ON_CONFIG | {"schemas.py"}),
    "vendor_api": (
        {"vendor_api": "NETCONF"},
        BUILT_ON_CONFIG
        | {
            "requirements.txt",
            "pyproject.toml",
            "vendor_integration.py",
            ".github/workflows/ci.yml",
        },
    ),
    "api_docs_url": (
        {"api_docs_url": "https://docs.example.com/ftd"},
        BUILT_ON_CONFIG | {"vendor_integration.py"},
    ),
    "auth_methods": ({"auth_methods": ["api_key", "mtls"]}, BUILT_ON_CONFIG),
    "logging": (
        {"logging": ["json", "syslog"]},
        DEMO_PLAN
        - {
            "requirements.txt",
            "pyproject.toml",
            "vendor_integration.py",
            ".github/workflows/ci.yml",
        },
    ),
    "deployment": ({"deployment": "kubernetes"}, {"README.md", "kubernetes.yaml"}),
}


def test_every_question_of_the_interview_has_an_update_test():
    asked = {spec.id for spec in QuestionGraph.default().specs} - {"confirm"}
    assert asked == set(UPDATES)


@pytest.mark.parametrize("question", sorted(UPDATES))
def test_an_update_regenerates_what_the_answer_touches_and_makes_the_fresh_project(question: str):
    changes, expected = UPDATES[question]
    old = answered(DEMO_ANSWERS)
    new = answered(DEMO_ANSWERS, **changes)
    assert requirement_of(next(iter(changes))) in changed_requirements(old, new)
    touched = files_touched(old, new)
    assert touched == expected
    kept = files_of(old)
    fresh = files_of(new)
    regenerated = {path: fresh[path] for path in touched}  # only these are rendered again
    updated = {path: text for path, text in kept.items() if path in fresh} | regenerated
    assert updated == fresh
