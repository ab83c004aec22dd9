"""The editor setups as the README shows them: each test runs the README's own snippet, so the
two cannot drift apart."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parents[2] / "README.md"


def snippet(heading: str, language: str) -> str:
    """The first ```language block under the README heading that starts with `heading`
    (with its #s: "### Neovim")."""
    text = README.read_text()
    start = re.search(rf"^{re.escape(heading)}.*$", text, re.MULTILINE)
    assert start, f"README.md has no heading starting with {heading!r}"
    block = re.compile(rf"^```{language}\n(.*?)^```$", re.MULTILINE | re.DOTALL)
    found = block.search(text, start.end())
    next_heading = re.compile(r"^#{1,6} ", re.MULTILINE).search(text, start.end())
    assert found, f"README.md has no {language} block after {heading!r}"
    assert next_heading is None or found.start() < next_heading.start(), (
        f"the {language} block after {heading!r} is under another heading"
    )
    return found.group(1)


# the workflow both editor drivers run (drive_neovim.lua, drive_emacs.el): the answers they
# prefer, and the assertion they break in the generated test suite
PREFER = "vFirewall,Cisco,Monthly,REST,Traffic filtering,API key,JSON logs,Both,Yes"
BREAK_FROM = 'assert response.json()["status"] == "ok"'
BREAK_TO = 'assert response.json()["status"] == "broken"'


def drive_editor(
    argv: list[str], workspace: Path, out: Path, env: dict[str, str]
) -> tuple[dict[str, Any], subprocess.CompletedProcess[str]]:
    """Run an editor driver in `workspace` with this environment plus `env`, `service-creator`
    on its PATH and the workflow's settings; the result it wrote to `out`."""
    venv_bin = Path(sys.executable).parent  # where `service-creator` is
    done = subprocess.run(
        argv,
        env={
            **os.environ,
            "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "SC_PREFER": PREFER,
            "SC_PLANT_FILE": "test_suite.py",
            "SC_BREAK_FROM": BREAK_FROM,
            "SC_BREAK_TO": BREAK_TO,
            "SC_OUT": str(out),
            "SERVICE_CREATOR_MODEL": "offline",
            **env,
        },
        cwd=workspace,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
    )
    name = Path(argv[0]).name
    assert out.exists(), f"{name} wrote no result (exit {done.returncode}): {done.stderr[-4000:]}"
    return json.loads(out.read_text()), done
