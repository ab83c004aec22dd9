"""`service-creator lsp` and `service-creator mcp`: the other front doors, served from here."""

from __future__ import annotations

import argparse

from service_creator.frontends.lsp import main as serve_lsp
from service_creator.frontends.mcp import serve as serve_mcp


def lsp(args: argparse.Namespace) -> int:
    return serve_lsp(tcp=args.tcp)


def mcp(args: argparse.Namespace) -> int:
    return serve_mcp(http=args.http, host=args.host, port=args.port)
