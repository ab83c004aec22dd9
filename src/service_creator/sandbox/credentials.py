"""The development credentials a generated project documents (its README lists them; its
`config.py` holds them), as the request headers the service check sends: read with `ast` from
the project's files, never imported."""

from __future__ import annotations

import ast
import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Mapping
from typing import cast

# the README's development credentials, in the order one is picked: (method, config constant)
CREDENTIALS = (
    ("api_key", "DEV_API_KEYS"),
    ("basic", "DEV_BASIC_USERS"),
    ("oauth2", "DEV_OAUTH2_TOKENS"),
    ("jwt", "DEV_JWT_SECRET"),
    ("mtls", "DEV_MTLS_FINGERPRINTS"),
)
JWT_LIFETIME = 3600
HEADER_VALUE = re.compile(r"^[\x20-\x7e]{1,4096}$")


def constants(tree: ast.Module | None) -> dict[str, object]:
    """The module's top-level `NAME = <literal>` assignments (names resolved to earlier ones)."""
    found: dict[str, object] = {}
    for node in tree.body if tree else []:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name):
            resolved = literal(value, found)
            if resolved is not None:
                found[target.id] = resolved
    return found


def literal(node: ast.expr, known: Mapping[str, object]) -> object:
    """A literal's value, a `frozenset({...})` (or set, list) of them, a known name; or None."""
    if isinstance(node, ast.Name):
        return known.get(node.id)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and len(node.args) == 1:
        if node.func.id in ("frozenset", "set", "list", "tuple", "dict"):
            return literal(node.args[0], known)
        return None
    if isinstance(node, ast.Set | ast.List | ast.Tuple):
        items = [literal(item, known) for item in node.elts]
        return items if all(item is not None for item in items) else None
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def credentials(
    config: ast.Module | None, app: ast.Module | None
) -> tuple[str | None, dict[str, str]]:
    """The first documented development credentials as request headers: (method, headers)."""
    values = constants(config)
    scopes = scope_names(constants(app), values)
    for method, name in CREDENTIALS:
        headers = method_headers(method, values.get(name), values, scopes)
        if headers and all(HEADER_VALUE.match(v) for v in headers.values()):
            return method, headers
    return None, {}


def scope_names(app: Mapping[str, object], config: Mapping[str, object]) -> list[str]:
    """Every scope the app knows (`ALL_SCOPES`), else those of the development OAuth2 tokens."""
    known = as_list(app.get("ALL_SCOPES"))
    if known:
        return sorted({str(s) for s in known})
    tokens = as_mapping(config.get("DEV_OAUTH2_TOKENS"))
    return sorted({s for v in tokens.values() for s in str(v).split()})


def first_pair(value: object) -> tuple[str, str] | None:
    for key, item in as_mapping(value).items():
        return (key, item) if isinstance(item, str) else None
    return None


def method_headers(
    method: str, value: object, config: Mapping[str, object], scopes: list[str]
) -> dict[str, str] | None:
    if method == "api_key" and (pair := first_pair(value)):
        return {"X-API-Key": pair[1]}
    if method == "basic" and (pair := first_pair(value)):
        encoded = base64.b64encode(f"{pair[0]}:{pair[1]}".encode()).decode()
        return {"Authorization": f"Basic {encoded}"}
    if method == "oauth2" and (given := as_mapping(value)):
        tokens = {k: str(v).split() for k, v in given.items()}
        widest = max(tokens, key=lambda token: len(tokens[token]), default=None)
        return {"Authorization": f"Bearer {widest}"} if widest else None
    if method == "jwt" and isinstance(value, str) and value:
        name = config.get("SERVICE_NAME")
        if isinstance(name, str):
            return {"Authorization": f"Bearer {jwt_token(value, name, scopes)}"}
    if method == "mtls" and (fingerprints := as_list(value)):
        return {
            "X-SSL-Client-Verify": "SUCCESS",
            "X-SSL-Client-Fingerprint": str(fingerprints[0]),
            "X-SSL-Client-DN": "CN=service-check",
        }
    return None


def jwt_token(secret: str, service_name: str, scopes: list[str]) -> str:
    """An HS256 token as the README describes: issuer and audience the service's name."""
    now = int(time.time())
    claims = {
        "sub": "service-check",
        "iss": service_name,
        "aud": service_name,
        "iat": now,
        "nbf": now,
        "exp": now + JWT_LIFETIME,
        "scope": " ".join(scopes),
    }
    header = {"alg": "HS256", "typ": "JWT"}
    parts = [b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)]
    signing_input = ".".join(parts).encode("ascii")
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return ".".join([*parts, b64url(signature)])


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def as_list(value: object) -> list[object]:
    """A JSON or literal list's items; [] for anything else."""
    return list(cast(list[object], value)) if isinstance(value, list) else []


def as_mapping(value: object) -> dict[str, object]:
    """A JSON or literal mapping with its keys as strings; {} for anything else."""
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in cast(dict[object, object], value).items()}
