"""The deployment files' validators (generation/deploy_checks.py): a broken file gives a finding on
the line that is wrong, and the offline engine's deployment files have none, for every service
type with every vendor."""

from __future__ import annotations

import time

import pytest

from service_creator.domain import catalog
from service_creator.domain.project import FileSpec, GeneratedFile
from service_creator.domain.reports import Finding
from service_creator.domain.requirements import (
    FEATURES_BY_SERVICE_TYPE,
    SERVICE_TYPES,
    VENDORS,
    Requirements,
)
from service_creator.generation import deploy_checks
from service_creator.generation.deploy_checks import check, kind_of
from service_creator.generation.offline.generator import render_file
from service_creator.generation.plan import plan
from service_creator.generation.validate import validate

DEPLOYMENT_FILES = (
    "kubernetes.yaml",
    "docker-compose.yml",
    ".github/workflows/ci.yml",
    "Dockerfile",
)


def findings(path: str, content: str) -> list[Finding]:
    return check(GeneratedFile(path=path, content=content))


def lines(found: list[Finding]) -> list[int]:
    return [f.location.line for f in found]


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          {extra}ports:
            - containerPort: 8000
"""


def test_a_valid_deployment_has_no_findings():
    assert findings("kubernetes.yaml", DEPLOYMENT.format(replicas=1, extra="")) == []


def test_a_deployment_with_replicas_two_is_wrong_on_the_replicas_line():
    [finding] = findings("kubernetes.yaml", DEPLOYMENT.format(replicas='"two"', extra=""))
    assert finding.location.line == 6
    assert finding.source == "deploy-check"
    assert finding.severity == "error"
    assert finding.code == f"kubernetes-{deploy_checks.KUBERNETES_VERSION}"
    assert "spec.replicas" in finding.message
    assert "'two' is not of type 'integer'" in finding.message


def test_an_unknown_container_field_is_wrong_on_its_own_line():
    content = DEPLOYMENT.format(replicas=1, extra="imagePullPolice: Always\n          ")
    [finding] = findings("kubernetes.yaml", content)
    assert finding.location.line == 16
    assert "unknown key 'imagePullPolice'" in finding.message


def test_every_manifest_of_a_file_is_checked_on_its_own_lines():
    content = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  PRICE: 10.5\n"
        "---\n" + DEPLOYMENT.format(replicas='"two"', extra="")
    )
    found = findings("kubernetes.yaml", content)
    assert lines(found) == [5, 12]
    assert "ConfigMap data.PRICE" in found[0].message  # a ConfigMap's values are strings


def test_a_custom_resource_is_a_warning_and_a_manifest_without_kind_an_error():
    content = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n---\nmetadata: {}\n"
    found = findings("kubernetes.yaml", content)
    assert [(f.location.line, f.severity) for f in found] == [(2, "warning"), (5, "error")]


def test_a_repeated_key_is_an_error_on_its_second_line():
    content = "services:\n  web:\n    image: nginx\n    image: httpd\n"
    [finding] = findings("docker-compose.yml", content)
    assert finding.location.line == 4
    assert "repeated (first on line 3)" in finding.message


def test_a_compose_service_with_an_unknown_key_is_wrong_on_that_key():
    content = (
        "services:\n"
        "  web:\n"
        "    image: nginx\n"
        "    ports:\n"
        "      - 8000:80\n"  # YAML 1.2, as compose reads it: a string, not sexagesimal
        "    restrat: always\n"
        "x-note: extensions are allowed\n"
    )
    [finding] = findings("docker-compose.yml", content)
    assert finding.location.line == 6
    assert finding.code == "compose-spec"
    assert "services.web.restrat: unknown key 'restrat'" in finding.message


def test_a_compose_value_of_the_wrong_type_is_wrong_on_its_line():
    content = "services:\n  web:\n    image: nginx\n    read_only: [true]\n    restrat: x\n"
    found = findings("docker-compose.yml", content)
    assert [(f.location.line, f.message) for f in found] == [
        (4, "services.web.read_only: the list is not of type 'boolean', 'string'"),
        (5, "services.web.restrat: unknown key 'restrat'"),
    ]


WORKFLOW = """\
name: ci
on:
  push:
  pull_request:
jobs:
  test:
{runs_on}    steps:
      - uses: actions/checkout@v4
      - run: pytest
"""


def test_a_valid_workflow_has_no_findings():
    # `on` is a string key (YAML 1.2), not YAML 1.1's boolean true
    assert findings(".github/workflows/ci.yml", WORKFLOW.format(runs_on="    runs-on: x\n")) == []


def test_a_workflow_job_without_runs_on_is_wrong_on_the_job():
    [finding] = findings(".github/workflows/ci.yml", WORKFLOW.format(runs_on=""))
    assert finding.location.line == 6
    assert finding.code == "github-workflow"
    assert finding.message == "jobs.test: 'runs-on' is a required property"


def test_a_misspelt_step_key_is_wrong_on_its_line():
    content = WORKFLOW.format(runs_on="    runs-on: x\n") + "        whith: {a: 1}\n"
    [finding] = findings(".github/workflows/ci.yml", content)
    assert finding.location.line == 11
    assert "unknown key 'whith'" in finding.message


DOCKERFILE = """\
# syntax=docker/dockerfile:1
FROM python:3.11-slim
WORKDIR /app
COPY . .
{line}
CMD ["python", "-m", "app"]
"""


def test_a_valid_dockerfile_has_no_findings():
    assert findings("Dockerfile", DOCKERFILE.format(line="RUN pip install .")) == []


def test_a_bogus_instruction_is_wrong_on_its_line():
    [finding] = findings("Dockerfile", DOCKERFILE.format(line="INSTALL requirements.txt"))
    assert finding.location.line == 5
    assert finding.message == "unknown Dockerfile instruction INSTALL"
    assert finding.source == "deploy-check"


def test_a_dockerfile_starts_with_from():
    found = findings("Dockerfile", "ARG BASE=python:3.11\nRUN true\nFROM $BASE\n")
    assert [(f.location.line, f.message.split(":")[0]) for f in found] == [(2, "RUN before FROM")]
    assert lines(findings("Dockerfile", "# nothing\n")) == [1]  # no FROM at all


def test_maintainer_is_a_warning_and_onbuild_from_an_error():
    found = findings("Dockerfile", "FROM x\nMAINTAINER me\nONBUILD FROM y\n")
    assert [(f.location.line, f.severity) for f in found] == [(2, "warning"), (3, "error")]


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("kubernetes.yaml", "kubernetes"),
        ("deploy/k8s.yml", "kubernetes"),
        ("docker-compose.yml", "compose"),
        ("compose.prod.yaml", "compose"),
        (".github/workflows/ci.yml", "workflow"),
        ("Dockerfile", "dockerfile"),
        ("config.yaml", None),
        ("api_endpoints.py", None),
    ],
)
def test_the_kind_of_a_deployment_file_comes_from_its_path(path: str, kind: str | None):
    assert kind_of(path) == kind


def test_validate_dispatches_the_deployment_files_to_the_checks():
    spec = FileSpec(path="kubernetes.yaml", purpose="k8s", language="yaml")
    content = DEPLOYMENT.format(replicas='"two"', extra="")
    _, found = validate(spec, GeneratedFile(path=spec.path, content=content))
    assert lines(found) == [6]
    # YAML that does not parse is said once, by the parse
    _, found = validate(spec, GeneratedFile(path=spec.path, content="a: [\n"))
    assert len(found) == 1
    assert found[0].message.startswith("YAML does not parse")
    docker = FileSpec(path="Dockerfile", purpose="image", language="dockerfile")
    _, found = validate(docker, GeneratedFile(path="Dockerfile", content="FROM x\nBOGUS y\n"))
    assert lines(found) == [2]


# ---- the offline engine's deployment files ---------------------------------------------------

APIS = ("REST", "NETCONF", "SSH", "SDK")
PRICING = ("monthly", "hourly", "usage_based", "tiered")
AUTH = ("api_key", "oauth2", "jwt", "mtls", "basic")
LOGGING = ("json", "syslog", "prometheus", "audit", "elk")


def combination(index: int, service_type: str, vendor: str) -> Requirements:
    """One of the 20 service type x vendor combinations, the other answers rotated as
    tests/e2e/test_offline_combinations.py rotates them."""
    features = list(FEATURES_BY_SERVICE_TYPE[service_type])
    if index % 3 == 2:
        features = [features[index % len(features)]]
    products = catalog.products(service_type, vendor)
    return Requirements(
        service_type=service_type,
        service_name=f"{service_type.lower()}-{catalog.vendor_slug(vendor)}-svc",
        vendors=[vendor],
        products={vendor: products[index % len(products)].label},
        features=features,
        pricing_model=PRICING[index % 4],
        price=(10.0, 0.25, 1999.99, 0.05, 42.0)[index % 5],
        tiers=2 + index % 4,
        vendor_api=APIS[(SERVICE_TYPES.index(service_type) + VENDORS.index(vendor)) % 4],
        auth_methods=[AUTH[index % 5]] + ([AUTH[(index + 2) % 5]] if index % 2 else []),
        logging=[LOGGING[index % 5], LOGGING[(index + 1) % 5]],
        deployment="both",
    )


COMBINATIONS = {
    f"{t}-{catalog.vendor_slug(v)}": combination(i, t, v)
    for i, (t, v) in enumerate((t, v) for t in SERVICE_TYPES for v in VENDORS)
}


def test_there_are_twenty_combinations():
    assert len(COMBINATIONS) == 20


@pytest.mark.parametrize("name", list(COMBINATIONS))
def test_the_offline_deployment_files_are_valid(name: str):
    requirements = COMBINATIONS[name]
    # the deployment files only, rendered as render_project renders them: the other templates
    # are not what this proves
    specs = [s for s in plan(requirements) if s.path in DEPLOYMENT_FILES]
    assert sorted(s.path for s in specs) == sorted(DEPLOYMENT_FILES)
    for spec in specs:
        file = GeneratedFile(path=spec.path, content=render_file(spec, requirements))
        _, found = validate(spec, file)
        assert found == [], f"{spec.path}:\n" + "\n".join(
            f"{f.location.line}: {f.message}" for f in found
        )


def test_the_checks_are_quick():
    """Once the schemas are loaded, checking a project's four deployment files takes little."""
    requirements = COMBINATIONS["vRouter-cisco"]
    files = [
        GeneratedFile(path=s.path, content=render_file(s, requirements))
        for s in plan(requirements)
        if s.path in DEPLOYMENT_FILES
    ]
    for file in files:
        check(file)  # loads the schemas
    start = time.perf_counter()
    for file in files:
        assert check(file) == []
    assert time.perf_counter() - start < 1.0
