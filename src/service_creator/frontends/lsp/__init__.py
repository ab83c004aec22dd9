"""The language server: `service-creator lsp` (stdio, or `--tcp HOST:PORT`).

A thin pygls adapter over `service_creator.operations`; see `features.py` for the wiring.
"""

from __future__ import annotations

import logging
import os
import sys

from service_creator.frontends.lsp.features import build_server
from service_creator.frontends.lsp.rpc_errors import ExpectedErrorFilter


def main(tcp: str | None = None) -> int:
    """Serve one client over stdio (or TCP) until it exits. Logs go to stderr."""
    level = os.environ.get("SERVICE_CREATOR_LOG_LEVEL", "WARNING").upper()
    logging.basicConfig(
        level=getattr(logging, level, logging.WARNING),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("pygls.protocol.json_rpc").addFilter(ExpectedErrorFilter())

    server = build_server()
    if tcp is None:
        server.start_io()
        return 0
    host, _, port = tcp.rpartition(":")
    server.start_tcp(host or "127.0.0.1", int(port))
    return 0
