"""Host code parses Python through `domain.python_ast.parse_python`, which holds one lock: on
CPython 3.11 and 3.12 two threads parsing at once can fail with `SystemError: AST constructor
recursion depth mismatch` when a garbage collection runs Python code mid-conversion (seen in CI:
parallel sandbox runs planning their service check)."""

from __future__ import annotations

import gc
import re
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from service_creator.domain.python_ast import parse_python

SRC = Path(__file__).resolve().parents[2] / "src" / "service_creator"
# run inside the sandbox's container, one parse at a time: not the host's threads
IN_CONTAINER = {"sandbox/line_probe.py", "sandbox/runner.py"}
SOURCE = (SRC / "sandbox" / "service.py").read_text()


@pytest.fixture
def thread_switches_during_collections() -> Iterator[None]:
    """Where the race shows: a collection runs Python code (a gc callback), often, and the
    interpreter switches threads as often as it can."""
    interval, threshold = sys.getswitchinterval(), gc.get_threshold()

    def callback(phase: str, info: dict[str, int]) -> None:
        sum(range(50))

    sys.setswitchinterval(1e-6)
    gc.set_threshold(50)
    gc.callbacks.append(callback)
    try:
        yield
    finally:
        gc.callbacks.remove(callback)
        gc.set_threshold(*threshold)
        sys.setswitchinterval(interval)


def parse_in_threads(parse: Callable[[str], object], threads: int = 4, times: int = 60) -> int:
    """How many parses failed with SystemError."""
    failures: list[SystemError] = []

    def work() -> None:
        for _ in range(times):
            try:
                parse(SOURCE)
            except SystemError as exc:
                failures.append(exc)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return len(failures)


@pytest.mark.usefixtures("thread_switches_during_collections")
def test_parsing_from_many_threads_never_fails() -> None:
    assert parse_in_threads(parse_python) == 0


def test_no_host_module_calls_ast_parse_itself() -> None:
    calls = re.compile(r"\bast\.parse\(")
    offenders = [
        path.relative_to(SRC).as_posix()
        for path in SRC.rglob("*.py")
        if calls.search(path.read_text()) and path.relative_to(SRC).as_posix() not in IN_CONTAINER
    ]
    assert offenders == ["domain/python_ast.py"]
