"""The answers of the end-to-end cases, and generating a project from answers as a user does.

The 20 combinations of service type and vendor, each varying the other answers (vendor API,
pricing, authentication, logging, features, product) so that every option is used somewhere,
and two with several vendors. Each case is an answers file: what `service-creator interview
--answers` reads; `CASES` holds the requirements the interview makes of them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from service_creator.domain import catalog
from service_creator.domain.requirements import (
    FEATURES_BY_SERVICE_TYPE,
    SERVICE_TYPES,
    VENDORS,
    AnswerValue,
)
from service_creator.interview.interview import requirements_from

CLI = [sys.executable, "-m", "service_creator"]
APIS = ("REST", "NETCONF", "SSH", "SDK")
PRICING = ("monthly", "hourly", "usage_based", "tiered")
AUTH = ("api_key", "oauth2", "jwt", "mtls", "basic")
LOGGING = ("json", "syslog", "prometheus", "audit", "elk")
PRICES = (10.0, 0.25, 1999.99, 0.05, 42.0)


def _combination(index: int, service_type: str, vendor: str) -> dict[str, AnswerValue]:
    """The answers of one of the 20 combinations; `index` rotates the other answers."""
    type_index = SERVICE_TYPES.index(service_type)
    features = list(FEATURES_BY_SERVICE_TYPE[service_type])
    if index % 3 == 2:  # every third project: a single feature, to exercise the lean paths
        features = [features[index % len(features)]]
    products = catalog.products(service_type, vendor)
    vendor_api = APIS[(type_index + VENDORS.index(vendor)) % 4]
    pricing = PRICING[index % 4]
    answers: dict[str, AnswerValue] = {
        "service_type": service_type,
        "vendors": [vendor],
        f"product_{catalog.vendor_slug(vendor)}": products[index % len(products)].id,
        "service_name": f"{service_type.lower()}-{catalog.vendor_slug(vendor)}-svc",
        "features": features,
        "pricing_model": pricing,
        "price": PRICES[index % len(PRICES)],
        "vendor_api": vendor_api,
        "auth_methods": [AUTH[index % 5]] + ([AUTH[(index + 2) % 5]] if index % 2 else []),
        "logging": [LOGGING[index % 5], LOGGING[(index + 1) % 5]]
        + (["audit"] if index % 4 == 0 else []),
        "deployment": "both",
        "confirm": True,
    }
    if pricing == "tiered":
        answers["tiers"] = 2 + index % 4
    if vendor_api in ("REST", "SDK"):  # asked only for these
        answers["api_docs_url"] = "https://developer.example.com/api/v2" if index % 2 else ""
    return answers


def combinations() -> dict[str, dict[str, AnswerValue]]:
    """Answers files by case: the 20 combinations, then two with several vendors."""
    cases: dict[str, dict[str, AnswerValue]] = {}
    for index, (service_type, vendor) in enumerate((t, v) for t in SERVICE_TYPES for v in VENDORS):
        cases[f"{service_type}-{catalog.vendor_slug(vendor)}"] = _combination(
            index, service_type, vendor
        )
    cases["vRouter-multivendor"] = {
        "service_type": "vRouter",
        "vendors": ["Cisco", "Juniper", "Palo Alto"],
        "product_cisco": "csr1000v",
        "service_name": "multi-vendor-router",
        "features": ["bgp", "static_routes", "vrf"],
        "pricing_model": "hourly",
        "price": 0.75,
        "vendor_api": "SSH",
        "auth_methods": ["jwt", "api_key"],
        "logging": ["json", "prometheus", "audit"],
        "deployment": "both",
        "confirm": True,
    }
    cases["vVPN-compose-only"] = {
        "service_type": "vVPN",
        "vendors": ["Fortinet", "Cisco"],
        "product_cisco": "c8000v",
        "service_name": "vpn-compose",
        "features": ["site_to_site", "remote_access", "mfa", "split_tunnelling"],
        "pricing_model": "usage_based",
        "price": 0.02,
        "vendor_api": "REST",
        "api_docs_url": "",
        "auth_methods": ["oauth2", "mtls"],
        "logging": ["elk", "syslog"],
        "deployment": "docker_compose",
        "confirm": True,
    }
    return cases


ANSWERS = combinations()
CASES = {case: requirements_from(answers) for case, answers in ANSWERS.items()}
COMBINATIONS = [f"{t}-{catalog.vendor_slug(v)}" for t in SERVICE_TYPES for v in VENDORS]


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`service-creator ARGS` as a user runs it: offline, no settings of the developer's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICE_CREATOR_")}
    done = subprocess.run(
        [*CLI, *args],
        cwd=cwd,
        env={**env, "SERVICE_CREATOR_MODEL": "offline"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done


def generate(answers: dict[str, AnswerValue], folder: Path) -> dict[str, object]:
    """The project of `answers` generated into `folder/project`, as a user does it."""
    answers_file = folder / "answers.yaml"
    answers_file.write_text(yaml.safe_dump(answers), encoding="utf-8")
    project = str(folder / "project")
    cli("interview", "--answers", str(answers_file), "--workspace", project, cwd=folder)
    output = json.loads(cli("generate", "--workspace", project, "--json", cwd=folder).stdout)
    assert isinstance(output, dict)
    return output
