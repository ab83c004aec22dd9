"""Emacs with eglot (Debian's emacs-nox and elpa-eglot), set up with the README's snippet (taken
from README.md, so the two cannot drift), used by a slow person: `M-x eglot` in a folder that
is in no project, `M-x service-creator` startInterview with each answer given seconds after its
prompt (longer in all than jsonrpc's 10 s request timeout), generate, a broken assertion,
runTests, the Flymake diagnostic on that line, and fixFailure with the test id it names. The
person's side is
tests/lsp/drive_emacs.el."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from readme_snippets import BREAK_FROM, drive_editor, snippet

pytestmark = [pytest.mark.docker, pytest.mark.slow]

SCRIPT = Path(__file__).with_name("drive_emacs.el")
DELAY_SECONDS = 3  # per answer: the person, not a wait of the test
JSONRPC_TIMEOUT = 10  # jsonrpc-default-request-timeout


@pytest.fixture(scope="module")
def emacs() -> str:
    found = shutil.which("emacs")
    has_eglot = found is not None and (
        subprocess.run(
            [found, "--batch", "--eval", "(require 'eglot)"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=60,
        ).returncode
        == 0
    )
    if not has_eglot:
        missing = "emacs with eglot (apt-get install emacs-nox elpa-eglot)"
        if os.environ.get("SERVICE_CREATOR_REQUIRE_EMACS") == "1":
            pytest.fail(f"SERVICE_CREATOR_REQUIRE_EMACS=1 but {missing} is missing", pytrace=False)
        pytest.skip(f"{missing} is missing")
    return found


def test_the_readme_setup_runs_the_workflow_at_human_speed(
    sandbox_image: str, emacs: str, workspace: Path
) -> None:
    home = workspace.parent / "emacs-home"  # no init file or state of this machine
    home.mkdir()
    setup = home / "service-creator.el"
    setup.write_text(snippet("### Emacs", "elisp"))
    out = home / "out.json"
    result, done = drive_editor(
        [emacs, "--batch", "-l", str(setup), "-l", str(SCRIPT)],
        workspace,
        out,
        {"HOME": str(home), "SC_DELAY": str(DELAY_SECONDS)},
    )
    shown = {k: v for k, v in result.items() if k in ("error", "prompts", "diagnostics")}
    assert done.returncode == 0, f"{shown}\n{done.stderr[-4000:]}"

    # in no project, the server and the interview run in the folder Emacs was started in
    assert result["server-root"].rstrip("/") == str(workspace)
    assert f':workspace "{workspace}"' in result["startInterview"]
    # every question came up in the minibuffer and was answered slowly, beyond the timeout
    questions = [p for p in result["prompts"] if "[eglot] Server reports" in p]
    assert any("What kind of network service" in p for p in questions)
    assert len(questions) * DELAY_SECONDS > JSONRPC_TIMEOUT
    assert result["interview-seconds"] > JSONRPC_TIMEOUT
    assert ':status "complete"' in result["startInterview"]
    # eglot declares no `create` resource operation: the files are written to disk
    assert (workspace / "api_endpoints.py").is_file()
    assert "api_endpoints.py" in result["generate"]
    # the broken assertion fails in the sandbox; Flymake marks its line
    assert ':outcome "failed"' in result["runTests"]
    (failure,) = result["diagnostics"]
    assert failure["line"] == result["planted-line"]
    assert "test_healthz_needs_no_credentials" in failure["text"]
    # fixFailure with the test id from the message: the line comes back in the buffer (the
    # server edits the open buffer), the tests run again and the diagnostic is gone
    assert result["fixed-test"] == "test_suite.py::test_healthz_needs_no_credentials"
    assert ':outcome "passed"' in result["fixFailure"], result["fixFailure"][:2000]
    assert result["fixed-text"] == "    " + BREAK_FROM
    assert any("Server wants to edit" in p for p in result["prompts"])
    assert ':status "generated"' in result["showSession"]
