"""The terminal front door against the loopback model server, run as a user runs it (a
subprocess): `generate` exits 1 when the model run stopped early, and names the files that are
the offline engine's instead;
an interview against a failing model prints no log lines and no litellm banner on stderr, unless
`--verbose` asks for them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading

import yaml
from fake_openai import Call, FakeOpenAI, Reply

from service_creator.operations.scripted import DEMO_ANSWERS

CLI = [sys.executable, "-m", "service_creator"]
LOG_LINE = re.compile(r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL) \S+: ", re.MULTILINE)


def cli(*args: str, model: FakeOpenAI | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SERVICE_CREATOR_", "LITELLM"))}
    if model is not None:
        env |= {
            "SERVICE_CREATOR_MODEL": "openai/fake-coder",
            "SERVICE_CREATOR_API_BASE": model.base_url,
            "SERVICE_CREATOR_LLM_RETRIES": "0",
            "SERVICE_CREATOR_LLM_TIMEOUT": "20",
        }
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )


def answers_file(tmp_path) -> str:
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(DEMO_ANSWERS))
    return str(answers)


def fails_after(replies: int):
    """A responder: `replies` good answers, then a 500 for every call (the provider is gone)."""
    lock = threading.Lock()
    seen = [0]

    def respond(call: Call) -> Reply:
        with lock:
            seen[0] += 1
            if seen[0] > replies:
                return Reply(status=500, error="the provider fell over")
        return Reply('```python\n"""A module."""\n\nVALUE = 1\n```\n')

    return respond


def test_generate_exits_1_when_the_model_stops_and_names_the_offline_files(server, tmp_path):
    ws = tmp_path / "ws"
    offline = cli("interview", "--workspace", str(ws), "--answers", answers_file(tmp_path))
    assert offline.returncode == 0, offline.stderr
    server.responder = fails_after(2)

    done = cli("generate", "--workspace", str(ws), model=server)

    assert done.returncode == 1, done.stderr
    last = done.stderr.splitlines()[-1]
    assert (
        last.startswith("STOPPED EARLY: ") and "all 17 planned files are in the workspace" in last
    )
    offline_lines = [line for line in done.stderr.splitlines() if line.startswith("    offline: ")]
    assert any("api_endpoints.py (not generated: " in line for line in offline_lines)
    assert "Traceback" not in done.stderr
    server.responder = fails_after(2)
    as_json = cli("generate", "--workspace", str(ws), "--json", model=server)
    assert as_json.returncode == 1
    output = yaml.safe_load(as_json.stdout)  # JSON is YAML
    assert output["status"] == "incomplete" and output["missing"] == []
    assert len(output["fallbacks"]) == len(offline_lines)


def test_an_interview_against_a_failing_model_is_quiet_unless_verbose(server, tmp_path):
    server.responder = lambda call: Reply(status=500, error="the provider fell over")
    answers = answers_file(tmp_path)

    quiet = cli("interview", "--workspace", str(tmp_path / "a"), "--answers", answers, model=server)
    loud = cli(
        "interview",
        "--verbose",
        "--workspace",
        str(tmp_path / "b"),
        "--answers",
        answers,
        model=server,
    )

    assert quiet.returncode == 0 and loud.returncode == 0, quiet.stderr + loud.stderr
    assert server.calls  # the model was asked, and failed
    assert LOG_LINE.findall(quiet.stderr) == [], quiet.stderr
    for noise in ("Give Feedback", "LiteLLM", "litellm", "Traceback"):
        assert noise not in quiet.stderr
    assert "[1/" in quiet.stderr  # the lines the user needs are still there
    assert LOG_LINE.findall(loud.stderr), loud.stderr
    assert "Give Feedback" not in loud.stderr
