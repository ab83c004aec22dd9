"""The deployment files, checked by real validators, offline: each problem a `Finding` on its line.

- `kubernetes.yaml`: every manifest against the Kubernetes JSON schemas of `KUBERNETES_VERSION`
  (the strict ones: an unknown field is an error), as the `kubernetes-validate` package ships
  them; a kind it has no schema for (a custom resource) is a warning.
- `docker-compose.yml` (or `compose.yaml`, ...): against the Compose specification schema;
- `.github/workflows/*.yml`: against the GitHub workflow schema; both schemas as the
  `check-jsonschema` package vendors them.
- `Dockerfile`: parsed by tree-sitter-containerfile; a parse error, an instruction Docker does
  not know, or a first instruction other than FROM (or ARG) is a finding.

The schemas are read from the installed packages' data, with jsonschema; nothing goes on the
network. A JSON-schema error is placed on the line of the YAML node its path leads to (the key
of a mapping entry, the item of a sequence; an unexpected key on its own line). YAML is read as
each tool reads it: Kubernetes as YAML 1.1 (`yes` is a boolean), Compose and GitHub Actions as
YAML 1.2 (`on:` is a string key, `8000:80` is not a number). Repeated keys are errors too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache
from importlib.util import find_spec
from pathlib import Path, PurePosixPath
from typing import cast

import jsonschema.exceptions
import jsonschema.protocols
import jsonschema.validators
import yaml
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import Schema, SchemaRegistry

from service_creator.codeintel import parsing
from service_creator.domain.project import GeneratedFile
from service_creator.domain.reports import Finding, Location, Severity
from service_creator.generation import dockerfile_rules, yaml_nodes
from service_creator.generation.yaml_nodes import Json

KUBERNETES_VERSION = "1.35"
"""The Kubernetes release whose API schemas the manifests are checked against."""

SOURCE = "deploy-check"
MESSAGE_LIMIT = 300  # a schema error's message quotes the instance: a whole mapping, at worst

_KUBERNETES_SCHEMAS = f"kubernetes-json-schema/v{KUBERNETES_VERSION}.0-local-strict"
_VENDORED = "builtin_schemas/vendor"


def check(file: GeneratedFile) -> list[Finding]:
    """The findings of the validator for `file`'s kind of deployment file; none for a file that
    is no deployment file. A YAML file is expected to parse (validate.py says where it doesn't)."""
    match kind_of(file.path):
        case "kubernetes":
            findings = _kubernetes(file)
        case "compose":
            findings = _against(file, "compose-spec", _compose_validator)
        case "workflow":
            findings = _against(file, "github-workflow", _workflow_validator)
        case "dockerfile":
            findings = [
                _finding(file, p.line, p.message, "dockerfile", p.severity, p.column)
                for p in dockerfile_rules.problems(file.content)
            ]
        case _:
            findings = []
    return sorted(findings, key=lambda f: (f.location.line, f.location.column))


def kind_of(path: str) -> str | None:
    """`kubernetes`, `compose`, `workflow` or `dockerfile`: the deployment file at `path`."""
    pure = PurePosixPath(path)
    name = pure.name.lower()
    if parsing.language_for(path) == "dockerfile":
        return "dockerfile"
    if pure.suffix not in (".yml", ".yaml"):
        return None
    if pure.parent.as_posix().endswith(".github/workflows"):
        return "workflow"
    if re.fullmatch(r"(docker-)?compose([.\w-]*)\.ya?ml", name):
        return "compose"
    if re.fullmatch(r"(kubernetes|k8s)([.\w-]*)\.ya?ml", name):
        return "kubernetes"
    return None


def _finding(
    file: GeneratedFile,
    line: int,
    message: str,
    code: str,
    severity: Severity = "error",
    column: int = 1,
) -> Finding:
    if len(message) > MESSAGE_LIMIT:
        message = message[: MESSAGE_LIMIT - 1] + "…"
    return Finding(
        location=Location(path=file.path, line=max(line, 1), column=max(column, 1)),
        message=message,
        severity=severity,
        source=SOURCE,
        code=code,
    )


def _repeated_keys(file: GeneratedFile, root: yaml.Node, code: str) -> Iterator[Finding]:
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in yaml_nodes.entries(node):
                stack.append(value)
                if not isinstance(key, yaml.ScalarNode) or key.value == "<<":
                    continue
                name = str(key.value)
                line = key.start_mark.line + 1
                if name in seen:
                    message = f"key {name!r} repeated (first on line {seen[name]})"
                    yield _finding(file, line, message, code, column=key.start_mark.column + 1)
                else:
                    seen[name] = line
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(yaml_nodes.items(node))


# ---- JSON schema ----------------------------------------------------------------------------

Validator = jsonschema.protocols.Validator


def _schema_errors(
    file: GeneratedFile,
    document: yaml_nodes.Document,
    validator: Validator,
    code: str,
    prefix: str = "",
) -> Iterator[Finding]:
    found: list[ValidationError] = list(validator.iter_errors(document.data))
    said: set[tuple[int, str]] = set()
    for each in sorted(found, key=lambda e: [str(p) for p in e.absolute_path]):
        for error in _causes(each):
            path = [*error.absolute_path]
            problems: list[tuple[list[str | int], str]] = [(path, _message(error))]
            if error.validator == "additionalProperties":
                problems = [([*path, key], f"unknown key {key!r}") for key in _unexpected(error)]
            elif error.validator == "unevaluatedProperties":
                keys = _unevaluated(error, document.data, found, validator)
                problems = [([*path, key], f"unknown key {key!r}") for key in keys]
            for where, message in problems:
                dotted = ".".join(str(p) for p in where)
                line, column = yaml_nodes.position(document.node, where)
                text = f"{prefix}{dotted}: {message}" if dotted else f"{prefix}{message}"
                if (line, text) not in said:
                    said.add((line, text))
                    yield _finding(file, line, text, code, column=column)


def _causes(error: ValidationError) -> list[ValidationError]:
    """What an anyOf/oneOf error ("not valid under any of the given schemas") comes down to:
    the errors of the one alternative that comes closest, when one does (the fewest errors, not
    counting alternatives of another type), else the most relevant error jsonschema picks."""
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return [error]
    branches: dict[str | int, list[ValidationError]] = {}
    for cause in error.context:
        branch = cause.relative_schema_path[0] if cause.relative_schema_path else 0
        branches.setdefault(branch, []).append(cause)
    fitting = [
        causes
        for causes in branches.values()
        if not any(c.validator == "type" and not c.relative_path for c in causes)
    ]
    fitting.sort(key=len)
    if len(fitting) == 1 or (len(fitting) > 1 and len(fitting[0]) < len(fitting[1])):
        return [deeper for cause in fitting[0] for deeper in _causes(cause)]
    # best_match is unannotated in the stubs: given errors, it returns one of them or a cause
    best: object = jsonschema.exceptions.best_match([error])  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    return [best if isinstance(best, ValidationError) else error]


def _message(error: ValidationError) -> str:
    """jsonschema's message, without the repr of a whole mapping or list it starts with."""
    instance: object = error.instance
    if isinstance(instance, dict | list):
        shown = repr(cast("Json", instance))
        if error.message.startswith(shown):
            what = "the mapping" if isinstance(instance, dict) else "the list"
            return what + error.message[len(shown) :]
    return error.message


def _unexpected(error: ValidationError) -> list[str]:
    """The keys an additionalProperties error is about: those its schema does not declare."""
    names = _keys(error.instance)
    schema: Schema = error.schema if isinstance(error.schema, Mapping) else {}
    known: object = schema.get("properties", {})
    patterns: object = schema.get("patternProperties", {})
    return [name for name in names if not _declared(name, known, patterns)]


def _unevaluated(
    error: ValidationError, data: Json, errors: list[ValidationError], validator: Validator
) -> list[str]:
    """The keys an unevaluatedProperties error is about that no subschema declares. A key whose
    value is wrong counts as unevaluated too (its failed subschema evaluated nothing), and then,
    after a failure, so do all its siblings: those keys are taken out and the data checked
    again, so that only the truly unknown keys are left (the wrong values have errors of their
    own)."""
    listed = re.search(r"\((.*) (?:was|were) unexpected\)", error.message)
    if listed is None:
        return []
    keys = [key for key in _keys(error.instance) if repr(key) in listed.group(1)]
    at = [*error.absolute_path]
    wrong = {
        e.absolute_path[len(at)]
        for e in errors
        if len(e.absolute_path) > len(at) and [*e.absolute_path][: len(at)] == at
    }
    if not wrong:
        return keys
    pruned = _without(data, at, wrong)
    again: list[ValidationError] = list(validator.iter_errors(pruned))
    for other in again:
        if other.validator == "unevaluatedProperties" and [*other.absolute_path] == at:
            return _unevaluated(other, pruned, again, validator)
    return []


def _without(data: Json, at: Sequence[str | int], keys: set[str | int]) -> Json:
    """A copy of `data` without `keys` in the mapping at path `at`."""
    if not at:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in keys}
        return data
    step, rest = at[0], at[1:]
    if isinstance(data, dict) and isinstance(step, str) and step in data:
        return {**data, step: _without(data[step], rest, keys)}
    if isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data):
        return [*data[:step], _without(data[step], rest, keys), *data[step + 1 :]]
    return data


def _keys(instance: object) -> list[str]:
    """The keys of a mapping of the document's data (an error's instance is a part of it)."""
    return [*cast("dict[str, Json]", instance)] if isinstance(instance, dict) else []


def _declared(name: str, properties: object, patterns: object) -> bool:
    if isinstance(properties, dict) and name in properties:
        return True
    return isinstance(patterns, dict) and any(
        re.search(p, name) for p in cast("dict[str, object]", patterns)
    )


def _against(file: GeneratedFile, code: str, validator: Callable[[], Validator]) -> list[Finding]:
    try:
        documents = yaml_nodes.documents(file.content, yaml_nodes.Yaml12)
        checker = validator()
    except yaml.YAMLError:
        return []  # validate.py reports it
    except (OSError, ValueError) as exc:
        return [_finding(file, 1, f"cannot check against {code}: {exc}", code, "warning")]
    findings: list[Finding] = []
    for document in documents:
        findings += _repeated_keys(file, document.node, code)
        findings += _schema_errors(file, document, checker, code)
    return findings


def _package_file(package: str, *parts: str) -> bytes:
    """A data file of an installed package, found without importing the package:
    check_jsonschema's `__init__` loads its CLI (click, requests), a fifth of a second."""
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the {package} package is not installed")
    return Path(next(iter(spec.submodule_search_locations)), *parts).read_bytes()


def _validator_of(raw: bytes, registry: SchemaRegistry | None = None) -> Validator:
    schema: Schema = json.loads(raw)
    cls = jsonschema.validators.validator_for(schema)
    if registry is None:
        return cls(schema)
    return cls(schema, registry=registry)


@cache
def _compose_validator() -> Validator:
    raw = _package_file("check_jsonschema", _VENDORED, "compose-spec.json")
    return _validator_of(raw)


@cache
def _workflow_validator() -> Validator:
    raw = _package_file("check_jsonschema", _VENDORED, "github-workflows.json")
    return _validator_of(raw)


# ---- Kubernetes -----------------------------------------------------------------------------


@cache
def _kubernetes_registry() -> SchemaRegistry:
    """The shared definitions every kind's schema refers to (as /api/_definitions.json)."""
    raw = _package_file("kubernetes_validate", _KUBERNETES_SCHEMAS, "_definitions.json")
    definitions: Schema = json.loads(raw)
    resource = Resource[Schema].from_contents(definitions)
    # crawled once here: a registry not crawled is crawled again on every $ref looked up
    return Registry[Schema]().with_resource("/api/_definitions.json", resource).crawl()


@cache
def _kubernetes_validator(kind: str, api_version: str) -> Validator | None:
    """The validator of a kind of manifest; None for a kind without a schema (a custom one)."""
    # as kubernetes-validate names them: apps/v1 -> apps-v1, rbac.authorization.k8s.io/v1 ->
    # rbac-v1, v1 -> v1
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    name = f"{kind.lower()}-{api}.json"
    if not re.fullmatch(r"[a-z0-9.-]+\.json", name):
        return None
    try:
        raw = _package_file("kubernetes_validate", _KUBERNETES_SCHEMAS, name)
    except FileNotFoundError:
        return None
    return _validator_of(raw, _kubernetes_registry())


def _kubernetes(file: GeneratedFile) -> list[Finding]:
    code = f"kubernetes-{KUBERNETES_VERSION}"
    try:
        documents = yaml_nodes.documents(file.content, yaml_nodes.Yaml11)
    except yaml.YAMLError:
        return []  # validate.py reports it
    findings: list[Finding] = []
    for document in documents:
        findings += _repeated_keys(file, document.node, code)
        line, _ = yaml_nodes.position(document.node, [])
        data = document.data
        if not isinstance(data, dict):
            findings.append(_finding(file, line, "a manifest is a mapping", code))
            continue
        kind, api_version = data.get("kind"), data.get("apiVersion")
        if not isinstance(kind, str) or not isinstance(api_version, str):
            message = "a manifest needs apiVersion and kind (strings)"
            findings.append(_finding(file, line, message, code))
            continue
        try:
            validator = _kubernetes_validator(kind, api_version)
        except (OSError, ValueError) as exc:
            message = f"cannot check against Kubernetes {KUBERNETES_VERSION}: {exc}"
            return [_finding(file, 1, message, code, "warning")]
        if validator is None:
            line, column = yaml_nodes.position(document.node, ["kind"])
            message = f"no Kubernetes {KUBERNETES_VERSION} schema for {kind} ({api_version})"
            findings.append(_finding(file, line, message, code, "warning", column))
            continue
        findings += _schema_errors(file, document, validator, code, f"{kind} ")
    return findings
