"""The sandbox's per-test line recorder (`sandbox/line_probe.py`), run as the runner runs it
(`python -c TEXT WORK OUT EXPORT -- PYTEST_ARGS`) on a small project with this venv's pytest:
each test gets the lines of the project it ran (a statement's lines, an `except` that caught),
and the probed modules behave as written (docstrings, `from __future__`, traceback lines)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from service_creator.sandbox.runner import LINE_PROBE

BILLING = '''\
"""Billing."""

from __future__ import annotations


def amount(quantity: int, price: int) -> int:
    """The amount of a line."""
    if quantity < 0:
        raise ValueError("negative")
    total = max(
        quantity * price,
        0,
    )
    return total


def parse(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0


class Meter:
    """Counts."""

    def __init__(self) -> None:
        self.count = 0

    def tick(self) -> int:
        global LAST
        self.count += 1
        LAST = self.count
        return self.count


LAST = 0
'''

TESTS = """\
import billing
import pytest


def test_amount():
    assert billing.amount(2, 3) == 6


def test_negative():
    with pytest.raises(ValueError):
        billing.amount(-1, 3)


def test_parse_falls_back():
    assert billing.parse("x") == 0


def test_meter_is_wrong():
    assert billing.Meter().tick() == 2


def test_docstrings_and_names_survive():
    assert billing.__doc__ == "Billing."
    assert billing.amount.__doc__ == "The amount of a line."
    assert billing.Meter.__doc__ == "Counts."
    assert "__sc_lines__" not in globals()
"""


def run_probe(
    tmp_path: Path, export: str = "failed", tests: str = TESTS
) -> tuple[int, dict[str, Any], str]:
    work = tmp_path / "work"
    work.mkdir(parents=True)
    (work / "billing.py").write_text(BILLING)
    (work / "test_billing.py").write_text(tests)
    out = tmp_path / "coverage.json"
    args = ["-q", "-p", "no:cacheprovider", f"--rootdir={work}", "--tb=long"]
    done = subprocess.run(
        [sys.executable, "-c", LINE_PROBE.read_text(), str(work), str(out), export, "--", *args],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    data: dict[str, Any] = json.loads(out.read_text()) if out.is_file() else {}
    return done.returncode, data, done.stdout


def lines_of(data: dict[str, Any], test: str) -> list[int]:
    files: dict[str, list[int]] = data["contexts"][f"test_billing.py::{test}"]
    assert [Path(path).name for path in files] == ["billing.py"]  # never the test file
    return next(iter(files.values()))


def test_each_test_gets_the_project_lines_it_ran(tmp_path: Path) -> None:
    status, data, output = run_probe(tmp_path)
    assert status == 1, output
    assert "1 failed, 4 passed" in output
    # a statement counts with the lines its expressions are on (10-13: `max(` and its arguments)
    assert lines_of(data, "test_amount") == [8, 10, 11, 12, 14]
    assert lines_of(data, "test_negative") == [8, 9]
    assert lines_of(data, "test_parse_falls_back") == [18, 19, 20, 21]  # the `except` that caught
    assert lines_of(data, "test_meter_is_wrong") == [28, 32, 33, 34]  # never `global`
    assert data["tests"] == [
        "test_billing.py::test_amount",
        "test_billing.py::test_negative",
        "test_billing.py::test_parse_falls_back",
        "test_billing.py::test_meter_is_wrong",
        "test_billing.py::test_docstrings_and_names_survive",
    ]
    assert list(data["computes"].values()) == [[8, 10, 14, 19, 21, 32, 34]]


def test_the_tests_keep_pytests_assertion_rewriting(tmp_path: Path) -> None:
    _, _, output = run_probe(tmp_path)
    assert "assert 1 == 2" in output  # pytest rewrote the test module, not the probe
    assert " +  where 1 = tick()" in output
    assert "test_billing.py:19: AssertionError" in output


def test_a_run_without_failures_writes_nothing_unless_asked(tmp_path: Path) -> None:
    passing = TESTS.replace("== 2", "== 1")
    status, data, _ = run_probe(tmp_path / "failed", "failed", passing)
    assert (status, data) == (0, {})
    status, data, _ = run_probe(tmp_path / "always", "always", passing)
    assert status == 0
    assert (len(data["contexts"]), len(data["tests"])) == (
        4,
        5,
    )  # the docstrings test ran no project line


def test_a_stale_bytecode_cache_is_not_used(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "billing.py").write_text(BILLING)
    subprocess.run(
        [sys.executable, "-c", "import billing"], cwd=work, check=True, timeout=60
    )  # writes __pycache__/billing.*.pyc without probes
    (work / "test_billing.py").write_text(TESTS)
    out = tmp_path / "coverage.json"
    subprocess.run(
        [sys.executable, "-c", LINE_PROBE.read_text(), str(work), str(out), "always", "--", "-q"],
        cwd=work,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert lines_of(json.loads(out.read_text()), "test_amount") == [8, 10, 11, 12, 14]


def test_the_test_failure_line_in_a_project_frame_is_the_source_line(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "billing.py").write_text(BILLING)
    (work / "test_billing.py").write_text(
        textwrap.dedent("""\
            import billing

            def test_negative_raises_where_written():
                billing.amount(-1, 3)
        """)
    )
    out = tmp_path / "coverage.json"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            LINE_PROBE.read_text(),
            str(work),
            str(out),
            "failed",
            "--",
            "--tb=long",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "billing.py:9: ValueError" in done.stdout
    assert '>           raise ValueError("negative")\nE           ValueError' in done.stdout
