"""`ast.parse` for a threaded process (the language server's jobs, parallel sandbox runs).

CPython 3.11 and 3.12 turn a parse into Python objects with one interpreter-wide recursion
counter; when a garbage collection during that conversion runs Python code and another thread
parses meanwhile, the counters interleave and the parse fails with `SystemError: AST
constructor recursion depth mismatch` (python/cpython#106905; seen in our CI, three sandbox
runs planning their service check at once). One lock around every parse of the host avoids it.
"""

from __future__ import annotations

import ast
import threading

_parsing = threading.Lock()


def parse_python(source: str | bytes) -> ast.Module:
    """`ast.parse(source)`, one thread at a time; raises what it raises."""
    with _parsing:
        return ast.parse(source)
