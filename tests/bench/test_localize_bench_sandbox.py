"""The mutation benchmark's sandbox plumbing (bench/localize.py) on a tiny project: the probe
run records every test's lines, a mutant runs in the warm container through the overlay (the
project's files untouched) with only the tests that run its line, and the kept mutant's
spectrum ranks its line."""

from __future__ import annotations

from pathlib import Path

import localize as bench
import pytest

from service_creator.domain.config import Settings
from service_creator.sandbox.runs import close_warm

pytestmark = pytest.mark.docker

BILLING = """\
def line_amount(quantity, unit_price):
    if quantity < 0:
        raise ValueError("negative quantity")
    return quantity * unit_price


def label(code):
    return code.strip()
"""
TESTS = """\
import pytest

from app.billing import label, line_amount


def test_negative_quantity_is_refused():
    with pytest.raises(ValueError):
        line_amount(-1, 5)


def test_amount():
    assert line_amount(3, 5) == 15


def test_label():
    assert label(" a ") == "a"
"""


def test_a_tiny_projects_mutants_are_run_and_ranked(
    sandbox_image: str, sandbox_settings: Settings, tmp_path: Path
) -> None:
    files = {"app/__init__.py": "", "app/billing.py": BILLING, "tests/test_billing.py": TESTS}
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    logged: list[str] = []
    capture = bench.Capture(sandbox_settings)
    try:
        kept = bench.mutate_project("tiny", tmp_path, 2, 18, capture, logged.append)
    finally:
        capture.restore()
        close_warm(tmp_path)

    assert len(kept) == 2, logged
    assert (tmp_path / "app/billing.py").read_text() == BILLING  # the overlay carried them
    for record in kept:
        assert record.failed and set(record.failed) <= set(record.coverage)
        assert bench.PROBE_ID not in record.coverage
        assert len(record.failed) + len(record.passed) == 3  # the whole suite, merged
        ranked = bench.reported_rankings(record)
        assert bench.rank_in(ranked, (record.mutant.path, record.mutant.line)) is not None
    assert logged[-1].startswith("tiny: 2 kept of ")
