"""Issue 16, point 7: a real small model (Gemma 3 270M on llama-server) through interview,
generate and test, run as a user runs the CLI.

The model writes garbage; what is asserted is what the user gets: a complete project (every
planned file, the offline engine's version named with why wherever the model's could not be
made valid) that passes its tests in the sandbox, the exit codes of a complete run, a bounded
number of model calls, and ledgers whose tokens are the server's counts.

Run with `make test-real-model` (not part of `make test`: the first run builds llama-server)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import yaml
from real_model_server import REPLY_CAP, Exchange, RealModel

from service_creator.operations.scripted import DEMO_ANSWERS

CLI = [sys.executable, "-m", "service_creator"]
COMMAND_SECONDS = 3600  # a guard against a hang, not a timing assertion
# what keeps the run bounded on 2 busy cores: a reply cap of REPLY_CAP tokens (the server's -n
# too), 64 for a worded interview question, four files at a time (llama-server's four slots
# share each decode), no retries (a loopback server that fails fails again), no repair round
# (the offline floor is what is under test), and a call timeout long enough for a 384-token
# reply on a machine busy with other work: a timed-out call is a stopped run (exit 1), and its
# tokens, spent by the server, are not in the ledger
SETTINGS = {
    "SERVICE_CREATOR_MAX_TOKENS": str(REPLY_CAP),
    "SERVICE_CREATOR_MAX_TOKENS_INTERVIEW": "64",
    "SERVICE_CREATOR_CONCURRENCY": "4",
    "SERVICE_CREATOR_LLM_RETRIES": "0",
    "SERVICE_CREATOR_LLM_TIMEOUT": "900",
    "SERVICE_CREATOR_REPAIR_ROUNDS": "0",
}
# engine.py: a file is one call and up to 2 continuations of a cut-off reply
CALLS_PER_FILE = 3
# an interview question is worded in up to 2 rounds (interview/wording.py)
CALLS_PER_QUESTION = 2


def cli(*args: str, model: RealModel | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SERVICE_CREATOR_", "LITELLM"))}
    if model is not None:
        env |= SETTINGS | {
            "SERVICE_CREATOR_MODEL": f"openai/{model.model_name}",
            "SERVICE_CREATOR_API_BASE": model.base_url,
            "OPENAI_API_KEY": "sk-local-llama-server-needs-no-key",
        }
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, env=env, timeout=COMMAND_SECONDS, check=False
    )


def ledger_of(path: Path) -> dict:
    return json.loads(path.read_text())


def assert_ledger_is_the_servers(ledger: dict, served: list[Exchange], what: str) -> None:
    """Every call the server answered is in the ledger with the tokens the server reported,
    and the ledger counts nothing the server did not."""
    ok = [c for c in ledger["calls"] if c["outcome"] == "ok"]
    answered = [e for e in served if e.status == 200]
    assert len(ok) == len(answered), f"{what}: {len(ok)} ok calls, server answered {answered}"
    assert ledger["prompt_tokens"] == sum(e.prompt_tokens for e in answered), what
    assert ledger["completion_tokens"] == sum(e.completion_tokens for e in answered), what
    assert sorted(c["completion_tokens"] for c in ok) == sorted(
        e.completion_tokens for e in answered
    ), what
    assert len(ledger["calls"]) == len(served), f"{what}: a call the ledger did not record"


def test_a_real_small_model_through_interview_generate_and_test(real_model, tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(DEMO_ANSWERS))
    recorder = real_model.recorder
    before = real_model.metrics()

    # the plan: the offline engine's project for the same answers, plus API.md (the model's)
    offline_ws = tmp_path / "offline"
    begun = cli("interview", "--workspace", str(offline_ws), "--answers", str(answers))
    assert begun.returncode == 0, begun.stderr
    offline = cli("generate", "--workspace", str(offline_ws), "--json")
    assert offline.returncode == 0, offline.stderr
    planned = {*json.loads(offline.stdout)["files"], "API.md"}

    ws = tmp_path / "ws"
    started = time.perf_counter()

    # interview: the model words the questions; the scripted answers are what is answered
    mark = recorder.mark()
    interview = cli(
        "interview", "--workspace", str(ws), "--answers", str(answers), "--json", model=real_model
    )
    interview_seconds = time.perf_counter() - started
    assert interview.returncode == 0, interview.stderr[-4000:]
    state = json.loads(interview.stdout)
    assert state["status"] == "complete"
    asked = recorder.since(mark)
    interview_ledger = ws / ".service-creator" / "ledger" / f"interview-{state['session_id']}.json"
    assert asked, "the interview asked the model nothing"
    assert_ledger_is_the_servers(ledger_of(interview_ledger), asked, "interview")
    session = ws / ".service-creator" / "sessions" / f"{state['session_id']}.json"
    answered = json.loads(session.read_text())["answers"]
    per_question = Counter(c["purpose"] for c in ledger_of(interview_ledger)["calls"])
    assert set(per_question) <= set(answered), per_question
    assert max(per_question.values()) <= CALLS_PER_QUESTION, per_question

    # generate: the whole project, the model's files where valid, the offline floor elsewhere
    mark = recorder.mark()
    generate = cli("generate", "--workspace", str(ws), "--json", model=real_model)
    generate_seconds = time.perf_counter() - started - interview_seconds
    output = json.loads(generate.stdout)
    assert generate.returncode == 0, (output.get("stopped"), output["missing"], output["ledger"])
    assert output["status"] == "complete", output.get("stopped")
    assert output["missing"] == [] and output.get("stopped") is None
    assert planned <= set(output["files"]), planned - set(output["files"])
    for path in planned:
        assert (ws / path).is_file(), f"{path} is not in the workspace"
    fallbacks = {f["path"]: f["reason"] for f in output["fallbacks"]}
    by_model = set(output["by_model"])
    assert all(reason.strip() for reason in fallbacks.values()), fallbacks
    assert not by_model & fallbacks.keys()
    assert planned - {"API.md"} <= by_model | fallbacks.keys()
    written = recorder.since(mark)
    ledger = ledger_of(Path(output["ledger"]))
    assert_ledger_is_the_servers(ledger, written, "generate")
    # bounded: each code file written once, then at most once per repair round, once more on
    # a repaired dependency and once more on an offline one; the README once again
    code_files = len(planned) - 1
    writes = code_files * (1 + int(SETTINGS["SERVICE_CREATOR_REPAIR_ROUNDS"]) + 2) + 1
    assert len(written) <= writes * CALLS_PER_FILE, len(written)
    assert ledger["repair_rounds"] <= int(SETTINGS["SERVICE_CREATOR_REPAIR_ROUNDS"])
    assert all(e.completion_tokens <= REPLY_CAP for e in written)

    # the server's own counters agree with the ledgers: what it generated, what it read
    after = real_model.metrics()
    calls = [*asked, *written]
    predicted = after["tokens_predicted_total"] - before["tokens_predicted_total"]
    assert predicted == sum(e.completion_tokens for e in calls)
    read = sum(after[n] - before[n] for n in ("prompt_tokens_total", "prompt_tokens_cached_total"))
    assert read == sum(e.prompt_tokens for e in calls)

    # test: the sandbox runs the project's own tests; no model call
    mark = recorder.mark()
    tested = cli("test", "--workspace", str(ws), "--json", model=real_model)
    test_seconds = time.perf_counter() - started - interview_seconds - generate_seconds
    assert recorder.since(mark) == []
    assert tested.returncode == 0, tested.stdout[-4000:] + tested.stderr[-4000:]
    report = json.loads(tested.stdout)
    assert report["exit_code"] == 0 and report["report"]["outcome"] == "passed"
    assert report["report"]["passed"] > 0 and report["report"]["failed"] == 0

    wall = time.perf_counter() - started
    summary = {
        "wall_seconds": round(wall, 1),
        "interview_seconds": round(interview_seconds, 1),
        "generate_seconds": round(generate_seconds, 1),
        "test_seconds": round(test_seconds, 1),
        "interview_calls": len(asked),
        "interview_tokens": [
            sum(e.prompt_tokens for e in asked),
            sum(e.completion_tokens for e in asked),
        ],
        "generate_calls": len(written),
        "generate_tokens": [ledger["prompt_tokens"], ledger["completion_tokens"]],
        "cut_off_replies": sum(e.finish_reason == "length" for e in written),
        "repair_rounds": ledger["repair_rounds"],
        "planned_files": len(planned),
        "by_model": sorted(by_model),
        "fallbacks": fallbacks,
        "tests_passed": report["report"]["passed"],
    }
    print("REAL-MODEL RUN " + json.dumps(summary, indent=2))
