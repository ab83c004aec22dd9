"""Where the CLI's log records go: nowhere by default, so the terminal shows only the lines the
user needs (questions, answers, a summary, an error). With `--verbose` (INFO) or
`SERVICE_CREATOR_LOG_LEVEL=INFO|DEBUG|...`, the records at that level go to stderr, one line each.

Python warnings are routed into the log too (`py.warnings`), and litellm's own stream handler is
kept at CRITICAL (`LITELLM_LOG`) so its records reach stderr only through ours. Standard
library only: this loads before any command's module.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import MutableMapping

LEVEL_VARIABLE = "SERVICE_CREATOR_LOG_LEVEL"
FORMAT = "%(levelname)s %(name)s: %(message)s"


class _CliHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Ours, so that a second `main()` in one process replaces it rather than adding one."""


def configure_logging(verbose: bool, env: MutableMapping[str, str] | None = None) -> int | None:
    """Install the CLI's log handler; the level logged to stderr, or None (nothing is)."""
    env = os.environ if env is None else env
    asked = "INFO" if verbose else env.get(LEVEL_VARIABLE, "").strip().upper()
    level = logging.getLevelName(asked) if asked else None
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _CliHandler | logging.NullHandler)]:
        root.removeHandler(handler)
    env.setdefault("LITELLM_LOG", "CRITICAL")  # litellm's handler: quiet; ours shows its records
    logging.captureWarnings(True)
    if not isinstance(level, int):
        root.addHandler(logging.NullHandler())  # no "last resort" handler printing warnings
        return None
    handler = _CliHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    return level
