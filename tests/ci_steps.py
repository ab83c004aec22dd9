"""A generated project checked as delivered: the steps of its own CI, run in its folder.

The steps are read from the project's `.github/workflows/ci.yml` (every `run:` after the
install step) and run with cwd = the project folder, so each tool reads the project's own
pyproject.toml, in an environment with nothing of ours in it: no PYTHONPATH, no virtualenv, no
settings of ours, and no third-party pytest plugins (the CI installs the project's requirements
and ruff and black, no plugins). The tools are this virtualenv's (`ruff`, `black`, and its
python, which has what the generated services import), called by absolute path.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

BIN = Path(sys.executable).parent
# what the generated CI runs after installing the requirements and the tools
CI_STEPS = ["ruff check .", "black --check .", "python -m pytest -q"]


@dataclass
class Step:
    command: str
    result: subprocess.CompletedProcess[str]

    @property
    def passed(self) -> bool:
        return self.result.returncode == 0

    def output(self) -> str:
        return f"$ {self.command}\n" + (self.result.stdout + self.result.stderr)[-6000:]


def ci_steps(project: Path) -> list[str]:
    """The commands the project's CI runs after its install step, in order."""
    workflow = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())
    (job,) = workflow["jobs"].values()
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert runs and "pip install" in runs[0], runs  # the install step comes first
    return runs[1:]


def clean_env(home: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }


def argv(command: str) -> list[str]:
    """`command` with its program taken from this virtualenv (python: this interpreter)."""
    program, *args = shlex.split(command)
    return [sys.executable if program == "python" else str(BIN / program), *args]


def run_step(command: str, project: Path, timeout: float = 300) -> Step:
    result = subprocess.run(
        argv(command),
        cwd=project,
        env=clean_env(project.parent),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Step(command, result)


def run_ci(project: Path) -> list[Step]:
    """Every step of the project's CI, each run even when one before it failed."""
    return [run_step(command, project) for command in ci_steps(project)]


def failures(steps: list[Step]) -> str:
    return "\n\n".join(step.output() for step in steps if not step.passed)
