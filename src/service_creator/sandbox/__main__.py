"""`python -m service_creator.sandbox build`: build (or find) the sandbox image; print its tag.

For `make sandbox-image` and CI; the CLI's `service-creator sandbox build` does the same.
"""

from __future__ import annotations

import argparse
import logging
import sys

from service_creator.domain.config import Settings
from service_creator.domain.errors import ServiceCreatorError
from service_creator.sandbox.image import build_image


class StderrProgress:
    def report(self, done: int, total: int | None, message: str) -> None:
        step = f"[{done}/{total}] " if total else ""
        print(f"sandbox image: {step}{message}", file=sys.stderr, flush=True)

    @property
    def cancelled(self) -> bool:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m service_creator.sandbox")
    parser.add_argument("command", choices=["build"])
    parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    try:
        tag = build_image(Settings.from_env(), StderrProgress())
    except ServiceCreatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(tag)
    return 0


if __name__ == "__main__":
    sys.exit(main())
