"""`service-creator test` on a generated project with the billing bug planted: the bug's line is
printed under the failure with its score and why; SERVICE_CREATOR_SUSPICIOUS_LINES=0 turns the
lines off."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from service_creator.operations.scripted import DEMO_ANSWERS

pytestmark = pytest.mark.docker

CLI = [sys.executable, "-m", "service_creator"]
BUG = ("(quantity * unit_price)", "(quantity + unit_price)")
SUSPICIOUS = re.compile(
    r"^    (?P<where>\S+:\d+) suspicious \((?P<score>[01]\.\d\d)\): "
    r"run by the 1 failing test and by \d+ of \d+ passing ones$"
)


def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    kept = {k: v for k, v in os.environ.items() if k != "SERVICE_CREATOR_MODEL"}
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, env=kept | env, timeout=600
    )


def generated_with_the_bug(tmp_path: Path) -> tuple[Path, int]:
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(DEMO_ANSWERS))
    ws = tmp_path / "ws"
    assert cli("interview", "--workspace", str(ws), "--answers", str(answers)).returncode == 0
    assert cli("generate", "--workspace", str(ws)).returncode == 0
    manager = ws / "service_manager.py"
    manager.write_text(manager.read_text().replace(*BUG))
    line = next(i for i, text in enumerate(manager.read_text().splitlines(), 1) if BUG[1] in text)
    return ws, line


def test_the_failure_is_followed_by_its_suspicious_lines(tmp_path: Path) -> None:
    ws, bug_line = generated_with_the_bug(tmp_path)

    done = cli("test", "--workspace", str(ws))

    assert done.returncode == 1, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("FAILED: ") and " 1 failed" in lines[0]
    failure = next(i for i, text in enumerate(lines) if text.startswith("  test_suite.py:"))
    ranked = [SUSPICIOUS.match(text) for text in lines[failure + 1 : failure + 4]]
    assert len(ranked) == 3 and all(ranked), lines[failure:]
    assert next(m["where"] for m in ranked if m) == f"service_manager.py:{bug_line}"

    quiet = cli("test", "--workspace", str(ws), SERVICE_CREATOR_SUSPICIOUS_LINES="0")
    assert quiet.returncode == 1
    assert " suspicious (" not in quiet.stdout
    assert lines[failure] in quiet.stdout.splitlines()

    # the failing test alone, by the node id the failure names (a repeatable --tests)
    node_id = lines[failure].split(": ")[1]
    again = cli("test", "--workspace", str(ws), "--tests", node_id, "--json")
    assert again.returncode == 1, again.stderr[-3000:]
    report = json.loads(again.stdout)["report"]
    assert [case["id"] for case in report["tests"]] == [node_id]

    refused = cli("test", "--workspace", str(ws), "--tests", "--collect-only")
    assert refused.returncode == 2
    refused = cli("test", "--workspace", str(ws), "--tests", "../outside.py::test_x")
    assert refused.returncode == 2 and "../outside.py" in refused.stderr
