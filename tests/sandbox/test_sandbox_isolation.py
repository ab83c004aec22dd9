"""The sandbox's isolation, proven with real containers: each hostile test is contained and
reported for what it is, the host is unaffected, and no container is left behind."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
import uuid

import docker
import pytest
from sandbox_helpers import ProjectFactory, our_containers, settings_with

from service_creator.domain.config import Settings
from service_creator.sandbox.runs import close_warm, run_in_sandbox

pytestmark = pytest.mark.docker


def test_fork_bomb_is_contained_by_the_pids_limit(
    sandbox_image: str, sandbox_settings: Settings, make_project: ProjectFactory
) -> None:
    bomb = (
        "import os, time\n\n\n"
        "def test_fork_bomb():\n"
        "    children = 0\n"
        "    try:\n"
        "        while True:\n"
        "            if os.fork() == 0:\n"
        "                time.sleep(60)\n"
        "                os._exit(0)\n"
        "            children += 1\n"
        "    except OSError as exc:\n"
        "        raise AssertionError(f'forks stopped after {children}: {exc}') from None\n\n\n"
        "def test_after_the_bomb():\n"
        "    assert True\n"
    )
    settings = settings_with(sandbox_settings, pids_limit=64, timeout=30.0)
    started = time.monotonic()
    report = run_in_sandbox(make_project({"tests/test_bomb.py": bomb}), settings, warm=False)

    assert time.monotonic() - started < 20
    case = next(t for t in report.tests if t.id.endswith("test_fork_bomb"))
    assert case.outcome == "failed"
    assert "forks stopped after" in case.message
    assert int(case.message.split("after ")[1].split(":")[0]) < 64
    assert next(t for t in report.tests if t.id.endswith("test_after_the_bomb")).outcome == "passed"
    assert subprocess.run(["true"], check=False).returncode == 0  # the host still forks


def test_memory_bomb_is_reported_as_oom(
    sandbox_image: str, sandbox_settings: Settings, make_project: ProjectFactory
) -> None:
    bomb = (
        "def test_memory_bomb():\n"
        "    hoard = []\n"
        "    while True:\n"
        "        hoard.append(bytearray(32 << 20))\n"
    )
    settings = settings_with(sandbox_settings, memory="192m", timeout=30.0)
    report = run_in_sandbox(make_project({"tests/test_memory.py": bomb}), settings, warm=False)

    assert report.outcome == "oom", (report.message, report.output[-2000:])
    case = next(t for t in report.tests if t.id == "tests/test_memory.py::test_memory_bomb")
    assert case.message.startswith("out of memory")
    assert (case.location.path, case.location.line) == ("tests/test_memory.py", 1)


def test_infinite_loop_is_stopped_at_the_timeout(
    sandbox_image: str, sandbox_settings: Settings, make_project: ProjectFactory
) -> None:
    loop = "def test_ok():\n    pass\n\n\ndef test_forever():\n    while True:\n        pass\n"
    settings = settings_with(sandbox_settings, timeout=3.0)
    started = time.monotonic()
    report = run_in_sandbox(make_project({"tests/test_loop.py": loop}), settings, warm=False)

    assert time.monotonic() - started < 3.0 + 10
    assert report.outcome == "timeout", report.message
    assert "3 s" in report.message
    case = next(t for t in report.tests if t.id == "tests/test_loop.py::test_forever")
    assert (case.location.path, case.location.line) == ("tests/test_loop.py", 5)
    assert case.outcome == "error"


@pytest.fixture
def host_server() -> tuple[str, int]:
    """A TCP server on the host's loopback, answering anyone who connects."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            conn.sendall(b"hello")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    host, port = server.getsockname()
    with socket.create_connection((host, port), timeout=2) as probe:  # reachable from the host
        assert probe.recv(5) == b"hello"
    yield host, port
    stop.set()
    thread.join()
    server.close()


def test_no_network_connection_is_possible(
    sandbox_image: str,
    sandbox_settings: Settings,
    make_project: ProjectFactory,
    host_server: tuple[str, int],
) -> None:
    host, port = host_server
    probe = (
        "import socket\n\nimport pytest\n\n\n"
        "def test_only_loopback_exists():\n"
        "    assert [name for _, name in socket.if_nameindex()] == ['lo']\n\n\n"
        "def test_host_loopback_service_unreachable():\n"
        "    with pytest.raises(OSError):\n"
        f"        socket.create_connection(({host!r}, {port}), timeout=2)\n\n\n"
        "def test_no_name_resolution():\n"
        "    with pytest.raises(OSError):\n"
        "        socket.getaddrinfo('pypi.org', 443)\n"
    )
    report = run_in_sandbox(make_project({"tests/test_net.py": probe}), sandbox_settings)
    assert report.outcome == "passed", report.output
    assert report.passed == 3


def test_host_environment_is_not_visible(
    sandbox_image: str,
    sandbox_settings: Settings,
    make_project: ProjectFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = f"hunter2-{uuid.uuid4().hex}"
    monkeypatch.setenv("SERVICE_CREATOR_TEST_SECRET", secret)
    probe = (
        "import os, pathlib\n\n\n"
        "def environments():\n"
        "    found = [dict(os.environ)]\n"
        "    for pid in filter(str.isdigit, os.listdir('/proc')):\n"
        "        try:\n"
        "            found.append(pathlib.Path('/proc', pid, 'environ').read_bytes())\n"
        "        except OSError:\n"
        "            pass\n"
        "    return found\n\n\n"
        "def test_secret_name_absent():\n"
        "    assert 'SERVICE_CREATOR_TEST_SECRET' not in str(environments())\n\n\n"
        "def test_dump_everything():\n"
        "    assert False, repr(environments())\n"
    )
    report = run_in_sandbox(make_project({"tests/test_env.py": probe}), sandbox_settings)

    assert os.environ["SERVICE_CREATOR_TEST_SECRET"] == secret
    outcomes = {t.id.split("::")[1]: t.outcome for t in report.tests}
    assert outcomes == {"test_secret_name_absent": "passed", "test_dump_everything": "failed"}
    dumped = report.output + " ".join(t.message for t in report.tests)
    assert "PATH" in dumped and secret not in dumped


def test_filling_the_disk_hits_the_tmpfs_limit(
    sandbox_image: str, sandbox_settings: Settings, make_project: ProjectFactory
) -> None:
    probe = (
        "import errno, os\n\nimport pytest\n\n\n"
        "@pytest.mark.parametrize('folder', ['/tmp', '.'])\n"
        "def test_fill(folder):\n"
        "    written = 0\n"
        "    chunk = b'x' * (1 << 20)\n"
        "    with pytest.raises(OSError) as info:\n"
        "        with open(os.path.join(folder, 'fill'), 'wb') as out:\n"
        "            while True:\n"
        "                out.write(chunk)\n"
        "                out.flush()\n"
        "                written += len(chunk)\n"
        "    assert info.value.errno == errno.ENOSPC\n"
        "    assert written <= 16 << 20\n"
        "    os.remove(os.path.join(folder, 'fill'))\n\n\n"
        "@pytest.mark.parametrize('path', ['/usr/x', '/etc/x', '/x', '/opt/sandbox/x'])\n"
        "def test_root_is_read_only(path):\n"
        "    with pytest.raises(OSError) as info:\n"
        "        open(path, 'w')\n"
        "    assert info.value.errno in (errno.EROFS, errno.EACCES)\n"
    )
    settings = settings_with(sandbox_settings, tmpfs_size="16m")
    report = run_in_sandbox(make_project({"tests/test_disk.py": probe}), settings)
    assert report.outcome == "passed", report.output
    assert report.passed == 6


def test_output_flood_is_truncated(
    sandbox_image: str, sandbox_settings: Settings, make_project: ProjectFactory
) -> None:
    probe = (
        "def test_flood():\n"
        "    for _ in range(4096):\n"
        "        print('x' * 1023)\n"
        "    assert False, 'pytest shows the captured output of a failed test'\n\n\n"
        "def test_after_the_flood():\n"
        "    assert True\n"
    )
    settings = settings_with(sandbox_settings, output_limit=64 << 10)
    report = run_in_sandbox(make_project({"tests/test_flood.py": probe}), settings)

    assert report.outcome == "failed"
    assert (report.passed, report.failed) == (1, 1)
    assert len(report.output) <= (64 << 10) + 200
    assert "bytes of output truncated" in report.output
    assert "truncated" in report.message
    assert "1 failed, 1 passed" in report.output  # the tail, with pytest's summary, is kept


def test_capabilities_are_dropped_and_no_docker_socket(
    sandbox_image: str, sandbox_settings: Settings, make_project: ProjectFactory
) -> None:
    probe = (
        "import ctypes, os, pathlib\n\n\n"
        "def test_locked_down():\n"
        "    status = pathlib.Path('/proc/self/status').read_text()\n"
        "    caps = dict(l.split(':\\t') for l in status.splitlines() if l.startswith('Cap'))\n"
        "    assert int(caps['CapEff'], 16) == 0 and int(caps['CapBnd'], 16) == 0\n"
        "    prctl = ctypes.CDLL(None, use_errno=True).prctl\n"
        "    assert prctl(39, 0, 0, 0, 0) == 1  # PR_GET_NO_NEW_PRIVS, as gVisor has no such line\n"
        "    assert os.getuid() == 65534\n"
        "    assert not os.path.exists('/var/run/docker.sock')\n"
        "    assert not os.path.exists('/run/docker.sock')\n"
    )
    report = run_in_sandbox(make_project({"tests/test_caps.py": probe}), sandbox_settings)
    assert report.outcome == "passed", report.output


def test_no_labelled_container_is_left(
    sandbox_image: str, docker_client: docker.DockerClient
) -> None:
    close_warm()
    assert our_containers(docker_client) == []
