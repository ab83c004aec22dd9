"""`service-creator update`, run as a user would (the CLI in a subprocess) on a generated project
they have edited: only what the changed answer touches is regenerated, their edits are merged
in, a real conflict overwrites nothing, undo restores every byte, and the updated project passes
its own CI steps and its tests in the Docker sandbox."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from ci_steps import failures, run_ci

from service_creator.domain.config import Settings
from service_creator.domain.requirements import AnswerValue
from service_creator.operations.scripted import DEMO_ANSWERS

CLI = [sys.executable, "-m", "service_creator"]
STATE = ".service-creator"


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SERVICE_CREATOR_")}
    return subprocess.run(
        [*CLI, *args],
        stdin=subprocess.DEVNULL,  # not a terminal: a question to ask again is an error
        capture_output=True,
        text=True,
        env=clean | (env or {}),
        timeout=300,
    )


def generated(folder: Path, **changes: AnswerValue) -> Path:
    """A project generated through the CLI from the demo's answers with `changes`."""
    folder.mkdir(parents=True)
    answers = folder.parent / f"{folder.name}-answers.yaml"
    answers.write_text(yaml.safe_dump({**DEMO_ANSWERS, **changes}))
    asked = cli("interview", "--workspace", str(folder), "--answers", str(answers), "--json")
    assert asked.returncode == 0, asked.stderr
    made = cli("generate", "--workspace", str(folder), "--json")
    assert made.returncode == 0, made.stderr
    return folder


def update(project: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    done = cli("update", "--workspace", str(project), "--json", *args)
    return done.returncode, json.loads(done.stdout) if done.stdout else {}, done.stderr


def statuses(output: dict[str, Any]) -> dict[str, str]:
    return {f["path"]: f["status"] for f in output["files"]}


def project_files(root: Path) -> dict[str, bytes]:
    """Every file of the project (not our state folder), by relative path."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and STATE not in p.relative_to(root).parts
    }


def every_byte(root: Path) -> dict[str, bytes]:
    """Every file under `root`, our state included but the update history."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "history" not in p.relative_to(root).parts
    }


# an edit "elsewhere" in service_manager.py: far from the billing the pricing model changes
BILLING_HELPER = '''

def cents(amount: Decimal) -> int:
    """The user's own helper, added after generation."""
    return int(amount * 100)
'''


def edit_service_manager(project: Path) -> None:
    path = project / "service_manager.py"
    text = path.read_text()
    assert "from decimal import" in text and "Decimal" in text
    text = text.replace(
        "def utc_now() -> datetime:\n",
        "def utc_now() -> datetime:\n    # the user's note: every clock in this service is UTC\n",
        1,
    )
    path.write_text(text + BILLING_HELPER)


def test_monthly_to_hourly_merges_your_edit_and_the_rest_is_a_fresh_generation(
    tmp_path: Path, sandbox_image: str, sandbox_settings: Settings
):
    project = generated(tmp_path / "ws")
    edit_service_manager(project)
    code, output, stderr = update(project, "--set", "pricing_model=hourly")
    assert code == 0, stderr
    assert output["changed"] == ["pricing_model"]
    status = statuses(output)
    assert status["service_manager.py"] == "merged"
    assert {p for p, s in status.items() if s == "regenerated"} == {
        "config.py",
        "schemas.py",
        "api_endpoints.py",
        "test_suite.py",
        "portal_integration.js",
        "README.md",
    }
    rendered = {f["path"] for f in output["files"] if f["rendered"]}
    assert "vendor_integration.py" not in rendered and "models.py" not in rendered

    fresh = generated(tmp_path / "fresh", pricing_model="hourly")
    edit_service_manager(fresh)  # the same edit on the fresh project: what the merge must give
    assert project_files(project) == project_files(fresh)

    steps = run_ci(project)
    assert all(step.passed for step in steps), failures(steps)
    assert_sandbox_passes(project, sandbox_settings)


def assert_sandbox_passes(project: Path, sandbox_settings: Settings) -> None:
    """`service-creator test` runs the project's tests in the Docker sandbox: all pass."""
    env = {
        "SERVICE_CREATOR_SANDBOX_RUNTIME": sandbox_settings.sandbox.runtime,
        "SERVICE_CREATOR_SANDBOX_BASE_IMAGE": sandbox_settings.sandbox.base_image,
    }
    tested = cli("test", "--workspace", str(project), "--json", env=env)
    assert tested.returncode == 0, tested.stdout[-3000:] + tested.stderr[-3000:]
    report = json.loads(tested.stdout)["report"]
    assert report["outcome"] == "passed" and report["passed"] > 0


def test_a_second_vendor_updates_integration_api_and_tests_and_keeps_your_edits(
    tmp_path: Path, sandbox_image: str, sandbox_settings: Settings
):
    project = generated(tmp_path / "ws")
    integration = project / "vendor_integration.py"
    mine = "\n\n# the user's note: the lab's FTDv is at 10.0.0.5\n"
    integration.write_text(integration.read_text() + mine)
    dockerfile = project / "Dockerfile"  # rendered again (built on config.py), same text
    yours = dockerfile.read_text() + "# the user's note: built by the lab's CI\n"
    dockerfile.write_text(yours)
    code, output, stderr = update(project, "--set", "vendors=Cisco,Palo Alto")
    assert code == 0, stderr
    status = statuses(output)
    (docker,) = [f for f in output["files"] if f["path"] == "Dockerfile"]
    assert (docker["status"], docker["rendered"]) == ("untouched", True)
    assert dockerfile.read_text() == yours
    assert status["vendor_integration.py"] == "merged"
    assert status["test_suite.py"] == status["schemas.py"] == "regenerated"
    text = integration.read_text()
    assert text.endswith(mine) and "class PaloAltoClient" in text and "class CiscoClient" in text
    assert "Palo Alto" in (project / "schemas.py").read_text()  # the API takes the vendor
    assert "Palo Alto" in (project / "test_suite.py").read_text()
    steps = run_ci(project)
    assert all(step.passed for step in steps), failures(steps)
    assert_sandbox_passes(project, sandbox_settings)


def test_an_answer_that_no_longer_fits_is_named_with_the_set_to_add(tmp_path: Path):
    project = generated(tmp_path / "ws")
    before = every_byte(project)
    code, _, stderr = update(project, "--set", "service_type=vRouter")
    assert code == 2
    assert "'product_cisco' again" in stderr and "--set product_cisco=" in stderr
    assert every_byte(project) == before  # nothing written, the session as it was
    code, _, stderr = update(
        project, "--set", "service_type=vRouter", "--set", "product_cisco=csr1000v"
    )
    assert code == 2 and "'features' again" in stderr and "--set features=" in stderr
    code, output, stderr = update(
        project,
        "--set",
        "service_type=vRouter",
        "--set",
        "product_cisco=csr1000v",
        "--set",
        "features=bgp,qos",
    )
    assert code == 0, stderr
    assert set(output["changed"]) >= {"service_type", "features", "products"}
    fresh = generated(
        tmp_path / "fresh",
        service_type="vRouter",
        product_cisco="csr1000v",
        features=["bgp", "qos"],
    )
    assert project_files(project) == project_files(fresh)


def test_a_real_conflict_is_reported_and_overwrites_nothing(tmp_path: Path):
    project = generated(tmp_path / "ws")
    config = project / "config.py"
    yours = config.read_text().replace('PRICING_MODEL = "monthly"', 'PRICING_MODEL = "weekly"')
    config.write_text(yours)
    code, output, _ = update(project, "--set", "pricing_model=hourly")
    assert code == 1  # a conflict is for the user to resolve
    (report,) = [f for f in output["files"] if f["path"] == "config.py"]
    assert report["status"] == "conflict" and report["kept_as"] == "config.py.new"
    assert config.read_text() == yours
    assert 'PRICING_MODEL = "hourly"' in (project / "config.py.new").read_text()
    assert "+PRICING_MODEL = " in report["diff"]

    undone = cli("update", "--workspace", str(project), "--undo")
    assert undone.returncode == 0, undone.stderr
    assert not (project / "config.py.new").exists()  # made by the update: deleted
    code, output, _ = update(project, "--set", "pricing_model=hourly", "--conflicts", "markers")
    assert code == 1 and statuses(output)["config.py"] == "conflict"
    marked = config.read_text()
    assert '<<<<<<< yours\nPRICING_MODEL = "weekly"\n=======\nPRICING_MODEL = "hourly"\n' in marked
    assert ">>>>>>> generated\n" in marked and not (project / "config.py.new").exists()


def test_undo_restores_every_byte_of_the_last_update(tmp_path: Path):
    project = generated(tmp_path / "ws")
    edit_service_manager(project)
    (project / "README.md").write_bytes(b"my own readme\r\n\xe2\x9c\x93\n")
    before = every_byte(project)
    code, first, stderr = update(project, "--set", "deployment=docker_compose")
    assert code in (0, 1), stderr
    middle = every_byte(project)
    code, second, stderr = update(project, "--set", "pricing_model=hourly", "--set", "price=3")
    assert code in (0, 1), stderr
    assert every_byte(project) != middle

    assert cli("update", "--workspace", str(project), "--undo").returncode == 0
    assert every_byte(project) == middle
    undone = cli("update", "--workspace", str(project), "--undo")
    assert undone.returncode == 0 and "undid" in undone.stderr
    assert every_byte(project) == before
    nothing = cli("update", "--workspace", str(project), "--undo")
    assert nothing.returncode == 2 and "no update to undo" in nothing.stderr
    assert first["history"] != second["history"]


def test_a_merge_that_does_not_compile_is_a_conflict_and_your_file_is_kept(tmp_path: Path):
    project = generated(tmp_path / "ws")
    manager = project / "service_manager.py"
    yours = manager.read_text() + "\n\ndef half_written(:\n"  # your work in progress
    manager.write_text(yours)
    code, output, _ = update(project, "--set", "pricing_model=hourly")
    assert code == 1
    (report,) = [f for f in output["files"] if f["path"] == "service_manager.py"]
    assert report["status"] == "conflict" and report["kept_as"] == "service_manager.py.new"
    assert manager.read_text() == yours
    compile((project / "service_manager.py.new").read_text(), "service_manager.py.new", "exec")


def test_in_a_terminal_the_answers_that_no_longer_fit_are_asked_again(tmp_path: Path):
    project = generated(tmp_path / "ws")
    primary, secondary = pty.openpty()  # stdin is a terminal, as when a person runs it
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SERVICE_CREATOR_")}
    with subprocess.Popen(
        [*CLI, "update", "--workspace", str(project), "--set", "service_type=vRouter"],
        stdin=secondary,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean,
    ) as running:
        os.close(secondary)
        os.write(primary, b"csr1000v\nbgp, qos\n")  # the product, then the features
        out, err = running.communicate(timeout=300)
    os.close(primary)
    assert running.returncode == 0, err
    assert "Which Cisco product should back the vRouter?" in err
    assert "Which vRouter features" in err
    assert "changed features, products, service_type" in err
    session = json.loads(next((project / STATE / "sessions").glob("*.json")).read_text())
    assert session["answers"]["features"] == ["bgp", "qos"]
    assert session["answers"]["product_cisco"] == "csr1000v"
    assert session["answers"]["pricing_model"] == "monthly"  # the rest kept
    assert "merged" not in out and "regenerated  schemas.py" in out
