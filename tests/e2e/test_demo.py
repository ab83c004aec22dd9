"""`service-creator demo`, end to end: interview, generation, sandbox run, a bug shown and fixed."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_demo_runs_end_to_end(sandbox_image, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SERVICE_CREATOR_MODEL"}
    done = subprocess.run(
        [sys.executable, "-m", "service_creator", "demo", "--workspace", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    reports = [line for line in done.stdout.splitlines() if line.startswith(("PASSED", "FAILED"))]
    assert reports[0].startswith("PASSED") and " 0 failed" in reports[0]
    assert reports[1].startswith("FAILED: ") and " 1 failed" in reports[1]
    assert "test_suite.py:" in done.stdout  # the failure, at its line
    assert "Fixed service_manager.py" in done.stdout and "now passes" in done.stdout
    assert "(quantity * unit_price)" in (tmp_path / "service_manager.py").read_text()
    manager = (tmp_path / "service_manager.py").read_text().splitlines()
    bug = next(i for i, text in enumerate(manager, 1) if "(quantity * unit_price)" in text)
    assert f"    service_manager.py:{bug} suspicious (" in done.stdout  # the bug's line, ranked
