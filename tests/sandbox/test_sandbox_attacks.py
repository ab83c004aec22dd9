"""Attacks from a project's own files, played for real through the command a user runs
(`service-creator test`) or the operation the servers run (`operations.run_tests`).

Each test makes a hostile project in a temp folder and asserts that the attack failed (a marker
that must not exist, a folder that must stay empty, a process that must be gone, a bound on the
host's memory, bytes that must not contain ESC) and that the user got a clear message.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import docker
import pytest
from sandbox_helpers import ProjectFactory, our_containers

from service_creator.domain.config import Settings
from service_creator.domain.confine import STATE_DIR
from service_creator.domain.ports import NoProgress
from service_creator.operations.io import RunTestsInput
from service_creator.operations.testing import run_tests

pytestmark = pytest.mark.docker

OK_TEST = {"tests/test_ok.py": "def test_ok():\n    pass\n"}


def cli_test(
    workspace: Path, settings: Settings, *extra: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    """`service-creator test --workspace W` as the user runs it (bytes, to look for escapes)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICE_CREATOR_")}
    env["SERVICE_CREATOR_SANDBOX_TIMEOUT"] = str(settings.sandbox.timeout)
    env["SERVICE_CREATOR_SANDBOX_RUNTIME"] = settings.sandbox.runtime
    env["SERVICE_CREATOR_SANDBOX_BASE_IMAGE"] = settings.sandbox.base_image
    command = [sys.executable, "-m", "service_creator", "test", "--workspace", str(workspace)]
    return subprocess.run(
        [*command, *extra], capture_output=True, env=env, cwd=cwd or workspace, timeout=300
    )


def evil_package(root: Path, marker: Path) -> None:
    """`evilpkg/`: a project whose build backend, when anything builds it, writes `marker`."""
    (root / "evilpkg").mkdir()
    (root / "evilpkg/pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
        '[project]\nname = "evilpkg"\nversion = "1.0"\n'
    )
    hook = f"import pathlib\npathlib.Path({str(marker)!r}).write_text('pwned')\n"
    (root / "evilpkg/backend.py").write_text(hook + "from setuptools.build_meta import *\n")
    (root / "evilpkg/setup.py").write_text(hook + "from setuptools import setup\nsetup()\n")


def test_requirements_that_would_make_pip_build_or_fetch_are_refused(
    sandbox_image: str, sandbox_settings: Settings, make_project: ProjectFactory, tmp_path: Path
) -> None:
    marker = tmp_path / "host-code-ran"
    project = make_project(OK_TEST)
    evil_package(project, marker)
    evil_url = (project / "evilpkg").as_uri()
    lines = [
        "./evilpkg",
        "evilpkg",  # the name of a local folder, run from the project's folder
        f"evilpkg @ {evil_url}",
        "-e ./evilpkg",
        "-r other.txt",
        "-c other.txt",
        f"--find-links {project}",
        "--index-url http://127.0.0.1:9/simple",
        "--extra-index-url http://127.0.0.1:9/simple",
        "--trusted-host 127.0.0.1",
        evil_url,
        "evilpkg[./x]",
        "six --hash=sha256:00",
        "six; python_version >= '3' or os.system('id')",
    ]
    (project / "requirements.txt").write_text("\n".join(lines) + "\n")
    (project / "other.txt").write_text("./evilpkg\n")

    done = cli_test(project, sandbox_settings, "--json", cwd=project)

    assert not marker.exists(), "the project's build backend ran on the host"
    report = json.loads(done.stdout)["report"]
    at = {t["location"]["line"]: t for t in report["tests"] if t["id"].startswith("requirements")}
    refused = [n for n, line in enumerate(lines, 1) if n != 2]  # a bare name is a lookup
    assert all(at[n]["message"].startswith("refused: ") for n in refused), at
    assert "pip options" in at[4]["message"] and "URL or path" in at[3]["message"]
    assert at[2]["message"].startswith("'evilpkg' cannot be installed"), at[2]
    assert b"Traceback" not in done.stderr
    assert any(t["id"] == "tests/test_ok.py::test_ok" for t in report["tests"])


def test_a_symlinked_requirements_file_is_not_read(
    sandbox_image: str, sandbox_settings: Settings, make_project: ProjectFactory, tmp_path: Path
) -> None:
    secret = tmp_path / "id_rsa"
    secret.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nsecret-key-line-4f1c\n")
    project = make_project(OK_TEST)
    (project / "requirements.txt").symlink_to(secret)

    done = cli_test(project, sandbox_settings)

    saved = (project / STATE_DIR / "last_report.json").read_bytes()
    for seen in (done.stdout, done.stderr, saved):
        assert b"secret-key-line" not in seen and b"PRIVATE KEY" not in seen
    assert b"requirements.txt:1" in done.stdout and b"symbolic link" in done.stdout
    assert done.returncode == 1, done.stdout


def test_terminal_escapes_from_the_tests_are_not_printed(
    sandbox_image: str, sandbox_settings: Settings, make_project: ProjectFactory
) -> None:
    conftest = (
        "import os\n"
        "fds = [int(fd) for fd in os.listdir('/proc/self/fd') if fd.isdigit()]\n"
        "out = next(fd for fd in fds if os.path.exists(f'/proc/self/fd/{fd}')\n"
        "           and os.readlink(f'/proc/self/fd/{fd}').startswith('pipe:'))\n"
        "os.write(out, b'\\x1b]0;owned title\\x07\\x1b[2J'\n"
        "         b'\\x1b]8;;https://evil.example\\x1b\\\\click me\\x1b]8;;\\x1b\\\\\\n'\n"
        "         b'\\x1b[31mred\\x9b\\r\\n')\n"
        "os._exit(3)\n"
    )
    project = make_project({**OK_TEST, "conftest.py": conftest})

    done = cli_test(project, sandbox_settings)

    saved = (project / STATE_DIR / "last_report.json").read_bytes()
    for seen in (done.stdout, done.stderr):
        assert b"\x1b" not in seen and b"\x07" not in seen and b"\x9b" not in seen
    assert b"\\u001b" not in saved and b"\\u0007" not in saved
    assert b"pytest exited with status 3" in done.stdout
    assert b"click me" in saved  # the text stays, the escapes go


RUNNER_PROBE = """
import ctypes, errno, os, pathlib, signal


def runner_pids():
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = pathlib.Path("/proc", entry, "cmdline").read_bytes()
        except OSError:
            continue
        if b"runner.py" in cmdline:
            found.append(int(entry))
    return found


def test_the_runner_cannot_be_reached():
    libc = ctypes.CDLL(None, use_errno=True)
    pids = runner_pids()
    assert pids, "the runner is not visible"
    for pid in pids:
        assert os.stat(f"/proc/{pid}").st_uid == 0 and os.getuid() != 0
        for fd in (0, 1, 2):
            try:
                os.open(f"/proc/{pid}/fd/{fd}", os.O_WRONLY)
            except PermissionError:
                pass
            else:
                raise AssertionError(f"opened the runner's fd {fd}")
        try:
            os.kill(pid, signal.SIGSTOP)
        except PermissionError:
            pass
        else:
            raise AssertionError("signalled the runner")
        assert libc.ptrace(16, pid, None, None) == -1  # PTRACE_ATTACH
        assert ctypes.get_errno() == errno.EPERM
    own_child = os.fork()
    if own_child == 0:
        os.pause()
    try:
        assert libc.ptrace(16, own_child, None, None) == -1  # even one's own child
        assert ctypes.get_errno() == errno.EPERM
    finally:
        os.kill(own_child, signal.SIGKILL)
        os.waitpid(own_child, 0)
    status = pathlib.Path("/proc/self/status").read_text()
    assert "Seccomp:\\t2" in status and "CapBnd:\\t0000000000000000" in status


def test_flood_the_own_output():
    # past pytest's capture: the pipe pytest's own stdout was, kept open on another descriptor
    pipes = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:"):
                pipes.append(int(fd))
        except OSError:  # the listing's own descriptor, closed by now
            pass
    pipe = pipes[0]
    chunk = b"x" * (1 << 20)
    for _ in range({flood_mib}):
        os.write(pipe, chunk)
"""


def test_the_code_under_test_cannot_reach_the_runner_or_flood_the_host(
    sandbox_image: str, sandbox_settings: Settings, make_project: ProjectFactory
) -> None:
    probe = RUNNER_PROBE.replace("{flood_mib}", "1024")
    project = make_project({"tests/test_probe.py": probe})
    measure = (
        "import resource, sys\n"
        "from service_creator.frontends.cli.main import main\n"
        "code = main(sys.argv[1:])\n"
        "print('maxrss-kib', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICE_CREATOR_")}
    env["SERVICE_CREATOR_SANDBOX_RUNTIME"] = sandbox_settings.sandbox.runtime
    env["SERVICE_CREATOR_SANDBOX_TIMEOUT"] = "120"
    # through a small parent: a direct child of this test process would start its peak RSS
    # at this process's (the kernel keeps the high-water mark across fork and exec)
    relay = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"
    command = [sys.executable, "-c", measure, "test", "--workspace", str(project), "--json"]
    done = subprocess.run(
        [sys.executable, "-c", relay, *command],
        capture_output=True,
        env=env,
        timeout=300,
    )

    report = json.loads(done.stdout)["report"]
    outcomes = {t["id"].rsplit("::", 1)[1]: t for t in report["tests"]}
    assert outcomes["test_the_runner_cannot_be_reached"]["outcome"] == "passed", report["output"]
    assert outcomes["test_flood_the_own_output"]["outcome"] == "passed", outcomes
    assert "output truncated" in report["message"]
    maxrss_mib = int(done.stderr.decode().rsplit("maxrss-kib", 1)[1].split()[0]) / 1024
    assert maxrss_mib < 200, f"the host process grew to {maxrss_mib:.0f} MiB"


WARM_FIRST = {
    "tests/test_leave.py": (
        "import ctypes, errno, os, pathlib, subprocess, sys\n\n\n"
        "def test_leave_a_trace():\n"
        "    pathlib.Path('/tmp/infinity').write_text(\n"
        "        'import pathlib, time\\n'\n"
        "        'while True:\\n'\n"
        "        '    pathlib.Path(\"/tmp/alive\").write_text(str(time.time()))\\n'\n"
        "        '    time.sleep(0.05)\\n'\n"
        "    )\n"
        "    # a process that calls itself what the keeper is called\n"
        "    subprocess.Popen(['sleep', 'infinity'], executable=sys.executable, cwd='/tmp',\n"
        "                     start_new_session=True)\n"
        "    pathlib.Path('/dev/shm/left').write_text('x')\n"
        "    persist = pathlib.Path('/work/persist')\n"
        "    persist.mkdir()\n"
        "    (persist / 'conftest.py').write_text(\n"
        '        \'import pathlib\\npathlib.Path("/tmp/conftest-ran").write_text("x")\\n\'\n'
        "    )\n"
        "    persist.chmod(0o555)\n"
        "    libc = ctypes.CDLL(None, use_errno=True)\n"
        "    assert libc.shmget(0x5C, 4096, 0o1600) == -1  # IPC_CREAT: SysV IPC is denied\n"
        "    assert ctypes.get_errno() == errno.EPERM\n"
    )
}
WARM_SECOND = (
    "import ctypes, errno, os, pathlib\n\n\n"
    "def test_nothing_survived():\n"
    "    assert not pathlib.Path('/tmp/conftest-ran').exists(), 'the planted conftest ran'\n"
    "    assert not pathlib.Path('/work/persist').exists()\n"
    "    assert os.listdir('/dev/shm') == []\n"
    "    libc = ctypes.CDLL(None, use_errno=True)\n"
    "    assert libc.shmget(0x5C, 0, 0) == -1\n"
    "    assert ctypes.get_errno() in (errno.ENOENT, errno.EPERM)\n"
    "    mine = [p for p in os.listdir('/proc') if p.isdigit()\n"
    "            and os.stat(f'/proc/{p}').st_uid == os.getuid()]\n"
    "    cmds = [pathlib.Path('/proc', p, 'cmdline').read_bytes() for p in mine]\n"
    "    assert not [c for c in cmds if c.startswith(b'sleep\\x00infinity')], cmds\n"
)


async def test_a_warm_container_carries_nothing_from_one_run_into_the_next(
    sandbox_image: str,
    sandbox_settings: Settings,
    make_project: ProjectFactory,
    docker_client: docker.DockerClient,
) -> None:
    project = make_project(WARM_FIRST)
    inp = RunTestsInput(workspace=str(project), warm=True)
    first = await run_tests(inp, sandbox_settings, NoProgress())
    assert first.report.outcome == "passed", first.report.output
    kept = our_containers(docker_client)

    (project / "tests/test_leave.py").unlink()
    (project / "tests/test_clean.py").write_text(WARM_SECOND)
    second = await run_tests(inp, sandbox_settings, NoProgress())

    assert second.report.outcome == "passed", second.report.output
    assert [t.id for t in second.report.tests] == ["tests/test_clean.py::test_nothing_survived"]
    assert our_containers(docker_client) == kept and len(kept) == 1  # reset, not replaced
