"""A headless Neovim drives the server, configured as the README shows (vim.lsp)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.neovim

SCRIPT = Path(__file__).with_name("drive_neovim.lua")
PREFER = "vFirewall,Cisco,Monthly,REST,Traffic filtering,API key,JSON logs,Both,Yes"


@pytest.fixture(scope="module")
def nvim() -> str:
    found = shutil.which("nvim")
    if found is None:
        if os.environ.get("SERVICE_CREATOR_REQUIRE_NEOVIM") == "1":
            pytest.fail("SERVICE_CREATOR_REQUIRE_NEOVIM=1 but nvim is not installed")
        pytest.skip("nvim is not installed (apt-get install neovim)")
    return found


def drive(nvim: str, workspace: Path, *commands: str) -> dict:
    out = workspace.parent / "nvim-out.json"
    env = {
        **os.environ,
        "SC_PYTHON": sys.executable,
        "SC_WORKSPACE": str(workspace),
        "SC_COMMANDS": ",".join(commands),
        "SC_PREFER": PREFER,
        "SC_OUT": str(out),
        "SERVICE_CREATOR_MODEL": "offline",
        "XDG_STATE_HOME": str(workspace.parent / "nvim-state"),  # nvim's lsp.log goes here
    }
    done = subprocess.run(
        [nvim, "--headless", "--clean", "-n", "-c", f"luafile {SCRIPT}"],
        env=env,
        cwd=workspace,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert out.exists(), f"nvim wrote no result (exit {done.returncode}): {done.stderr}"
    result = json.loads(out.read_text())
    assert done.returncode == 0, result.get("error") or done.stderr
    return result


def test_neovim_runs_the_interview_generates_and_shows_the_session(
    nvim: str, workspace: Path
) -> None:
    result = drive(
        nvim,
        workspace,
        "serviceCreator.startInterview",
        "serviceCreator.generate",
        "serviceCreator.showSession",
    )

    assert "serviceCreator.startInterview" in result["commands"]
    interview, generated, session = result["results"]
    assert interview.get("error") is None, interview
    assert interview["result"]["status"] == "complete"
    assert interview["result"]["requirements"]["vendors"] == ["Cisco"]
    assert any("What kind of network service" in p for p in result["prompts"])
    # Neovim 0.7 cannot create files through workspace edits: they go to disk
    assert generated.get("error") is None, generated
    assert "api_endpoints.py" in generated["result"]["written"]
    assert (workspace / "api_endpoints.py").is_file()
    assert session["result"]["sessionId"] == interview["result"]["sessionId"]
    assert session["result"]["status"] == "generated"
