"""The MCP front door: `service-creator mcp` (stdio) or `service-creator mcp --http`.

server.py builds the `MCPServer` (tools, prompts, resources) over the operations; interview.py and
elicit.py ask the interview by elicitation; jobs.py runs long work in the background;
roots.py and state.py confine each client to its folders and sessions; http.py serves
streamable HTTP with a bearer token. stdout carries the protocol: logs go to stderr, at
`SERVICE_CREATOR_LOG_LEVEL` (default WARNING).
"""

from __future__ import annotations

import os

from service_creator.domain.config import Settings
from service_creator.domain.errors import ConfigError
from service_creator.frontends.mcp.server import build_server
from service_creator.frontends.mcp.views import ServerOptions

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def serve(*, http: bool = False, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> int:
    settings = Settings.from_env()
    options = ServerOptions.from_env()
    level = os.environ.get("SERVICE_CREATOR_LOG_LEVEL", "WARNING").upper()
    if level not in LEVELS:
        raise ConfigError(f"SERVICE_CREATOR_LOG_LEVEL must be one of {', '.join(LEVELS)}")
    if http:  # uvicorn and the HTTP stack load only for --http
        from service_creator.frontends.mcp.http import serve_http

        serve_http(host, port, settings, options, log_level=level)
    else:
        build_server(settings, options, log_level=level).run("stdio")
    return 0
