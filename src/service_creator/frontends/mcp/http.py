"""Streamable HTTP: 127.0.0.1 by default, DNS-rebinding protection, a bearer token.

- The token comes from `SERVICE_CREATOR_MCP_TOKEN` (several, comma-separated, give several
  principals: each sees only its own sessions on the 2026-07-28 protocol, which has no MCP
  sessions), else one is generated and printed to stderr once. Missing or wrong: 401.
- A `Host` other than the bound address or localhost gets 421, a foreign `Origin` 403 (the
  SDK's transport security). `SERVICE_CREATOR_MCP_ALLOWED_HOSTS` adds host names (comma-
  separated, `name` or `name:port`) for a server reached by another name.
- The port is bound before the app is built, so `--port 0` (any free port) works and the URL
  printed to stderr is the real one.
"""

from __future__ import annotations

import hmac
import os
import secrets
import socket
import sys
from dataclasses import dataclass

import anyio
import uvicorn
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.transport_security import TransportSecuritySettings

from service_creator.domain.config import Settings
from service_creator.domain.errors import ConfigError
from service_creator.frontends.mcp.server import build_server
from service_creator.frontends.mcp.views import ServerOptions

TOKEN_ENV = "SERVICE_CREATOR_MCP_TOKEN"
HOSTS_ENV = "SERVICE_CREATOR_MCP_ALLOWED_HOSTS"
PATH = "/mcp"
LOCAL_NAMES = ("127.0.0.1", "localhost", "[::1]")


class StaticTokens:
    """A `TokenVerifier` for fixed tokens; token i belongs to client `token-<i>`."""

    def __init__(self, tokens: list[str], resource: str) -> None:
        self._tokens = tokens
        self._resource = resource

    async def verify_token(self, token: str) -> AccessToken | None:
        for index, known in enumerate(self._tokens, start=1):
            if hmac.compare_digest(token.encode(), known.encode()):
                return AccessToken(
                    token=token, client_id=f"token-{index}", scopes=[], resource=self._resource
                )
        return None


def tokens_from_env() -> tuple[list[str], bool]:
    """The accepted tokens, and whether they were generated (then print them once)."""
    raw = os.environ.get(TOKEN_ENV, "")
    tokens = [t.strip() for t in raw.split(",") if t.strip()]
    if any(len(t) < 16 for t in tokens):
        raise ConfigError(f"{TOKEN_ENV}: each token must be at least 16 characters")
    if tokens:
        return tokens, False
    return [secrets.token_urlsafe(32)], True


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def transport_security(host: str) -> TransportSecuritySettings:
    names = list(LOCAL_NAMES)
    if host not in ("0.0.0.0", "::", "127.0.0.1", "localhost", "::1"):
        names.append(_url_host(host))
    extra = [h.strip() for h in os.environ.get(HOSTS_ENV, "").split(",") if h.strip()]
    hosts = [f"{name}:*" for name in names]
    hosts += [h if ":" in h.lstrip("[") else f"{h}:*" for h in extra]
    origins = [f"{scheme}://{h}" for h in hosts for scheme in ("http", "https")]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )


@dataclass
class Listener:
    sock: socket.socket
    url: str


def bind(host: str, port: int) -> Listener:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"Cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else _url_host(host)
    return Listener(sock, f"http://{shown}:{sock.getsockname()[1]}{PATH}")


def serve_http(
    host: str, port: int, settings: Settings, options: ServerOptions, log_level: str = "WARNING"
) -> None:
    tokens, generated = tokens_from_env()
    listener = bind(host, port)
    server = build_server(
        settings,
        options,
        log_level=log_level,
        token_verifier=StaticTokens(tokens, listener.url),
        auth=AuthSettings(
            issuer_url=listener.url.removesuffix(PATH),
            resource_server_url=listener.url,
            validate_token_resource=False,
        ),
    )
    app = server.streamable_http_app(
        streamable_http_path=PATH, transport_security=transport_security(host), host=host
    )
    if generated:
        print(f"Bearer token (set {TOKEN_ENV} to choose one): {tokens[0]}", file=sys.stderr)
    print(f"Service Creator MCP server listening on {listener.url}", file=sys.stderr)
    sys.stderr.flush()
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    anyio.run(uvicorn.Server(config).serve, [listener.sock])
