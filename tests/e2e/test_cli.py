"""The terminal front door, run as a user would: the installed `service-creator` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from service_creator.operations.scripted import DEMO_ANSWERS

CLI = [sys.executable, "-m", "service_creator"]


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICE_CREATOR_")}
    return subprocess.run(
        [*CLI, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120
    )


def test_help_imports_nothing_heavy():
    probe = (
        "import sys; from service_creator.frontends.cli.main import build_parser; "
        "build_parser().format_help(); "
        "print([m for m in ('litellm','docker','tree_sitter','black','pygls','mcp','pydantic') "
        "if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_interview_from_answers_file_prints_json(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(DEMO_ANSWERS))
    done = cli(
        "interview", "--workspace", str(tmp_path / "ws"), "--answers", str(answers), "--json"
    )
    assert done.returncode == 0, done.stderr
    state = json.loads(done.stdout)
    assert state["status"] == "complete"
    assert state["requirements"]["vendors"] == ["Cisco"]


def test_interactive_terminal_interview_with_numbers_labels_and_defaults(tmp_path):
    replies = [
        "9" * 5000,  # too many digits for int(): refused, asked again
        "\u00b2",  # a digit to str.isdigit(), not to int()
        "2",  # vRouter
        "Juniper",  # vendors, by label
        "",  # product: default (first)
        "",  # service name: default
        "1,bgp",  # features by number and id
        "nope",  # invalid pricing model: asked again
        "monthly",
        "12.5",
        "3",  # vendor_api: SSH
        "jwt",
        "json, audit",
        "",  # deployment default
        "yes",
    ]
    done = cli("interview", "--workspace", str(tmp_path), stdin="\n".join(replies) + "\n")
    assert done.returncode == 0, done.stderr
    assert "'nope' is not an option" in done.stderr
    assert "Traceback" not in done.stderr and "9" * 100 not in done.stderr
    session = next((tmp_path / ".service-creator" / "sessions").glob("*.json"))
    answers = json.loads(session.read_text())["answers"]
    assert answers["service_type"] == "vRouter"
    assert answers["features"] == ["bgp"]  # option 1 is bgp too: deduplicated
    assert answers["price"] == 12.5 and answers["vendor_api"] == "SSH"
    assert answers["product_juniper"] == "vmx" and answers["service_name"] == "vrouter-juniper"


def test_end_of_input_pauses_and_the_next_run_resumes(tmp_path):
    first = cli("interview", "--workspace", str(tmp_path), stdin="vVPN\nFortinet\n")
    assert first.returncode == 1 and "Paused" in first.stderr
    second = cli("interview", "--workspace", str(tmp_path), "--json", stdin="")
    state = json.loads(second.stdout)
    assert state["status"] == "paused"
    assert state["question"]["id"] == "service_name"  # resumed after the two answers


def test_errors_are_one_clear_line_and_exit_2(tmp_path):
    missing = cli("generate", "--workspace", str(tmp_path))
    assert missing.returncode == 2  # could not start
    assert missing.stderr.startswith("error: No interview")
    assert "Traceback" not in missing.stderr
    bad = tmp_path / "answers.yaml"
    bad.write_text("- not a mapping\n")
    done = cli("interview", "--workspace", str(tmp_path), "--answers", str(bad))
    assert done.returncode == 2 and "must be a mapping" in done.stderr


def test_generate_writes_the_project_and_reports_json(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(DEMO_ANSWERS))
    ws = tmp_path / "ws"
    assert cli("interview", "--workspace", str(ws), "--answers", str(answers)).returncode == 0
    done = cli("generate", "--workspace", str(ws), "--json")
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)
    assert "api_endpoints.py" in output["written"] and output["conflicts"] == []
    assert (ws / "test_suite.py").is_file() and (ws / "kubernetes.yaml").is_file()
    manifest = json.loads((ws / ".service-creator" / "manifest.json").read_text())
    assert set(manifest["files"]) == set(output["files"])


def test_a_generated_project_passes_its_ci_lint_and_regenerates_unchanged(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(DEMO_ANSWERS))
    ws = tmp_path / "ws"
    assert cli("interview", "--workspace", str(ws), "--answers", str(answers)).returncode == 0
    first = cli("generate", "--workspace", str(ws))
    assert first.returncode == 0, first.stderr  # the whole project, written and valid
    assert "Complete: all 16 planned files are in the workspace" in first.stderr
    assert "missing" not in first.stderr
    ci = (ws / ".github" / "workflows" / "ci.yml").read_text()
    assert "run: ruff check ." in ci  # the step run here, as the project's CI runs it

    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."],
        cwd=ws,
        capture_output=True,
        text=True,
        check=False,
    )
    again = json.loads(cli("generate", "--workspace", str(ws), "--json").stdout)

    assert lint.returncode == 0, lint.stdout
    assert again["written"] == [] and again["conflicts"] == []


def test_regenerate_keeps_a_user_edited_file(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(DEMO_ANSWERS))
    ws = tmp_path / "ws"
    cli("interview", "--workspace", str(ws), "--answers", str(answers))
    assert cli("generate", "--workspace", str(ws)).returncode == 0
    edited = ws / "service_manager.py"
    mine = edited.read_text() + "\n# my change\n"
    edited.write_text(mine)
    again = cli("generate", "--workspace", str(ws), "--json")
    output = json.loads(again.stdout)
    assert again.returncode == 0  # ours beside yours as .new is the user's choice, not a failure
    assert output["status"] == "complete" and output["missing"] == []
    assert output["conflicts"] == ["service_manager.py"]
    assert edited.read_text() == mine
    assert Path(f"{edited}.new").is_file()
    assert "api_endpoints.py" in output["unchanged"]


def test_tests_without_a_docker_engine_exit_2_with_the_fix(tmp_path):
    (tmp_path / "test_x.py").write_text("def test_x():\n    assert True\n")
    env = {**os.environ, "DOCKER_HOST": f"unix://{tmp_path}/no-docker.sock"}
    env = {k: v for k, v in env.items() if not k.startswith("SERVICE_CREATOR_")}
    done = subprocess.run(
        [*CLI, "test", "--workspace", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2
    assert "no Docker engine is reachable" in done.stderr
    assert "dockerd" in done.stderr and "Traceback" not in done.stderr
