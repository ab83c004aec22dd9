"""The in-container side of a sandbox run. Standard library only: it runs in the sandbox image.

The host copies this file, `drop.py`, the project and a `job.json` into a root-owned volume
(`/src/<run>`), then execs `python -I runner.py /src/<run>` as root (with only the capabilities
to change user and to empty folders the sandbox user made read-only). The runner never runs
project code itself: every step that touches the project runs as the unprivileged sandbox user,
through `drop.py`, which empties the capability bounding set, switches user and installs a
seccomp filter before it execs. So the code under test cannot signal, trace or open the
runner's descriptors (another user's), cannot ptrace anything at all, and writes its output
only into a pipe the runner reads with a cap. The runner:

1. resets the container: kills every process of the sandbox user, empties every writable place
   (`/work`, `/tmp`, `/dev/shm`, `/dev/mqueue`, the results folder), and checks that nothing
   is left, System V IPC objects included; when something is, it says so and the host discards the
   container;
2. copies the project into the tmpfs work folder (the volume is read-only to the sandbox user);
3. installs extra wheels offline into a tmpfs target, when the job names any;
4. runs pytest with a minimal environment and a wall-clock timeout, keeping at most
   `output_limit` bytes of its output (head and tail);
5. when the job names a service (the project's Dockerfile runs uvicorn), starts it as the
   sandbox user on a free port of the loopback (the container has no other network), waits
   for its port, calls the job's routes with the job's headers, then stops it; all within what
   is left of the same wall-clock limit;
6. when tests failed, records which project lines each test ran (pytest with a probe before
   each project statement, `line_probe.py`; in the first pass, or in a second pass after a
   failing one, as the job's `coverage` says), written by that process (the sandbox user) into
   `coverage.json`;
7. resets the container again and writes one tar stream to stdout: `result.json`,
   `output.txt`, `junit.xml`, `service.txt` (the service's own output) and `coverage.json`.

The runner never imports the probe: the traced pytest runs as the sandbox user.

It never raises: every failure ends up in `result.json`.
"""

from __future__ import annotations

import contextlib
import errno
import http.client
import io
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tarfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import NotRequired, TypedDict

JUNIT_LIMIT = 8 << 20
INTERRUPT_GRACE = 3.0
SWEEP_ROUNDS = 20
WATCH_INTERVAL = 0.05
WRITABLE = ("/tmp", "/dev/shm", "/dev/mqueue")
SYSV_IPC = ("shm", "sem", "msg")
SERVICE_LOG_LIMIT = 16 << 10
SERVICE_MIN_SECONDS = 2.0  # less than this left of the run: the service is not started
SERVICE_STOP_GRACE = 3.0
POLL_INTERVAL = 0.05
RESPONSE_LIMIT = 1 << 16
LOOPBACK = "127.0.0.1"
COVERAGE_LIMIT = 8 << 20
# pytest with each test's project lines recorded (`line_probe.py`, shipped beside this file, its
# text run by the sandbox user's `python -c`, the run folder being root's)
LINE_PROBE = Path(__file__).with_name("line_probe.py")
TESTS_FAILED = 1  # pytest's exit status when tests ran and some failed


class ServiceRequest(TypedDict):
    """One call of the service check: the host chose the route and the credentials."""

    method: str
    path: str
    headers: dict[str, str]
    auth: str | None


class ServiceJob(TypedDict):
    """The service to start after the tests (`service.py` derives it from the Dockerfile)."""

    app: str
    options: list[str]
    start_timeout: float
    request_timeout: float
    requests: list[ServiceRequest]


class Job(TypedDict):
    """`job.json`: what the host (`docker.job`) tells the runner about one run."""

    memory_watch: int | None
    run: str
    work_dir: str
    out_dir: str
    deps_dir: str
    uid: int
    gid: int
    path: str
    timeout: float
    output_limit: int
    wheels: bool
    pytest_args: list[str]
    service: ServiceJob | None
    coverage: NotRequired[str]  # "off", "first-pass" (always on) or "on-failure" (second pass)


# --- the run (as root) -----------------------------------------------------------------------


def private_stdin() -> None:
    """Replace the exec's stdin (`/dev/null`, which any user may open again through
    `/proc/<runner>/fd/0` under gVisor) with a pipe of this user's."""
    read_end, write_end = os.pipe()
    os.dup2(read_end, 0)
    os.close(read_end)
    os.close(write_end)


def main(run_dir: str) -> int:
    private_stdin()
    job: Job = json.loads(Path(run_dir, "job.json").read_text())  # JSON: written by the host
    result: dict[str, object] = {"exit_code": None, "timed_out": False, "oom_killed": False}
    started = time.monotonic()
    output = CappedBuffer(int(job["output_limit"]))
    service_log = CappedBuffer(SERVICE_LOG_LIMIT)
    deadline = started + float(job["timeout"])
    junit: bytes | None = None
    coverage: bytes | None = None
    problem = reset(job)
    if problem is not None:
        result["reset_error"] = problem
        result["not_run"] = True
    else:
        try:
            run_project(job, run_dir, result, output, deadline)
        except OSError as exc:
            result["runner_error"] = f"{type(exc).__name__}: {exc}"
        junit = read_junit(Path(job["out_dir"], "junit.xml"))
        coverage = read_capped(Path(job["out_dir"], "coverage.json"), COVERAGE_LIMIT)
        service = job.get("service")
        if service is not None and "runner_error" not in result:
            result["service"] = check_service(job, service, result, service_log, deadline)
        after = reset(job)
        if after is not None:
            result["reset_error"] = after
    result["duration"] = time.monotonic() - started
    result["output_bytes"] = output.total
    result["truncated"] = output.truncated
    write_results(result, output.text(), junit, service_log.text(), coverage)
    return 0


def run_project(
    job: Job, run_dir: str, result: dict[str, object], output: CappedBuffer, deadline: float
) -> None:
    env = base_env(job)
    copied = as_sandbox_user(
        job, [sys.executable, "-I", "-c", COPY_PROJECT, f"{run_dir}/project", job["work_dir"]]
    )
    done = subprocess.run(copied, env=env, capture_output=True, timeout=60, check=False)
    if done.returncode != 0:
        raise OSError(errno.EIO, "copying the project failed: " + tail_text(done.stderr))
    if job["wheels"]:
        wheels = Path(run_dir, "wheels")
        result["install_error"] = install_wheels(job, wheels, env, deadline - time.monotonic())
    mode = job.get("coverage", "off")
    oom_before = oom_kills()
    begun = time.monotonic()
    pytest = traced(job, "failed") if mode == "first-pass" else PYTEST
    result.update(run_pytest(job, env, output, deadline - time.monotonic(), pytest))
    result["oom_killed"] = bool(result.get("oom_killed")) or oom_kills() > oom_before
    if mode == "off" or result.get("exit_code") != TESTS_FAILED or result.get("timed_out"):
        return
    report: dict[str, object] = {"mode": mode}
    result["coverage"] = report
    if mode == "on-failure":
        begun = time.monotonic()  # the coverage work is the second pass alone
        second_pass(job, run_dir, env, report, deadline)
    else:
        report["pytest_seconds"] = time.monotonic() - begun
    if "error" not in report and not Path(job["out_dir"], "coverage.json").is_file():
        report["error"] = "the traced pytest wrote no coverage"
    report["seconds"] = time.monotonic() - begun


PYTEST = ["-m", "pytest"]


def traced(job: Job, export: str) -> list[str]:
    """The arguments before pytest's to run it with its lines recorded (`line_probe.py`)."""
    out = str(Path(job["out_dir"], "coverage.json"))
    return ["-c", LINE_PROBE.read_text(), job["work_dir"], out, export, "--"]


def second_pass(
    job: Job,
    run_dir: str,
    env: dict[str, str],
    report: dict[str, object],
    deadline: float,
) -> None:
    """The tests again with their lines recorded, in a fresh copy of the project; its output
    and JUnit report are dropped (the first pass's are the run's), its lines always exported. All of
    them: on the mutation benchmark, the failing tests with only the passing ones most like them
    rank the faulty line lower (bench/localize.py, BENCHMARKS.md)."""
    begun = time.monotonic()
    problem = empty(Path(job["work_dir"]))
    copied = as_sandbox_user(
        job, [sys.executable, "-I", "-c", COPY_PROJECT, f"{run_dir}/project", job["work_dir"]]
    )
    done = subprocess.run(copied, env=env, capture_output=True, timeout=60, check=False)
    if problem is not None or done.returncode != 0:
        report["error"] = problem or "copying the project failed: " + tail_text(done.stderr)
        return
    args = [a for a in job["pytest_args"] if not a.startswith("--junitxml=")]
    quiet = CappedBuffer(4096)
    second = job.copy()
    second["pytest_args"] = args
    command = traced(job, "always")
    ended = run_pytest(second, env, quiet, deadline - time.monotonic(), command)
    report["pytest_seconds"] = time.monotonic() - begun
    if ended.get("timed_out") or ended.get("oom_killed"):
        report["error"] = "the coverage pass was stopped: " + (
            "time limit" if ended.get("timed_out") else "memory"
        )


COPY_PROJECT = "import shutil,sys;shutil.copytree(sys.argv[1],sys.argv[2],dirs_exist_ok=True)"


def as_sandbox_user(job: Job, command: list[str], action: str = "exec") -> list[str]:
    drop = [sys.executable, "-I", str(Path(__file__).with_name("drop.py"))]
    return [*drop, str(job["uid"]), str(job["gid"]), action, *command]


def tail_text(data: bytes, limit: int = 2000) -> str:
    return data.decode("utf-8", "replace").strip()[-limit:]


class CappedBuffer:
    """Keeps the first and last halves of at most `limit` bytes; counts everything."""

    def __init__(self, limit: int) -> None:
        self.limit = max(limit, 2)
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    @property
    def truncated(self) -> bool:
        return self.total > self.limit

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.limit // 2 - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail += chunk
            del self.tail[: max(0, len(self.tail) - self.limit // 2)]

    def text(self) -> str:
        middle = b""
        if self.truncated:
            dropped = self.total - len(self.head) - len(self.tail)
            middle = f"\n[... {dropped} bytes of output truncated ...]\n".encode()
        return bytes(self.head + middle + self.tail).decode("utf-8", "replace")


# --- reset: nothing of one run survives into the next -----------------------------------------


def reset(job: Job) -> str | None:
    """Kill the sandbox user's processes, empty the writable places; what is left, or None."""
    problems = [kill_sandbox_processes(job)]
    for folder in (job["work_dir"], job["out_dir"], *WRITABLE):
        problems.append(empty(Path(folder)))
    problems.append(leftover_ipc())
    found = [p for p in problems if p]
    return "; ".join(found) if found else None


def kill_sandbox_processes(job: Job) -> str | None:
    """Sweep as the sandbox user (kill(-1) reaches all of its processes at once) until none."""
    sweeper = as_sandbox_user(job, [], action="sweep")
    left: list[int] = []
    for _ in range(SWEEP_ROUNDS):
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            subprocess.run(sweeper, env={}, capture_output=True, timeout=10, check=False)
        left = processes_of(int(job["uid"]))
        if not left:
            return None
        time.sleep(0.02)  # a dying process can take a moment to become a zombie
    return f"{len(left)} process(es) of the sandbox user survived the reset"


def processes_of(uid: int) -> list[int]:
    """Live (non-zombie) processes whose real or effective user is `uid`."""
    found: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path("/proc", entry, "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        state = fields.get("State", "").split()
        ids = fields.get("Uid", "").split()
        if state and state[0] in ("Z", "X"):
            continue
        if str(uid) in ids[:2]:
            found.append(int(entry))
    return found


def empty(folder: Path) -> str | None:
    """Remove everything inside `folder` (never following links); what is left, or None."""
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot list {folder}: {exc.strerror}"
    for entry in entries:
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
    try:
        left = os.listdir(folder)
    except OSError as exc:
        return f"cannot list {folder}: {exc.strerror}"
    return f"{len(left)} entries left in {folder}" if left else None


def leftover_ipc() -> str | None:
    """System V IPC objects, listed where the kernel lists them (not gVisor); the code under
    test cannot create any (`drop.py`), so one found means the container is not to be trusted."""
    left = {kind: len(sysv_ids(kind)) for kind in SYSV_IPC}
    if any(left.values()):
        return "System V IPC objects left: " + ", ".join(f"{k} {n}" for k, n in left.items() if n)
    return None


def sysv_ids(kind: str) -> list[int]:
    try:
        lines = Path("/proc/sysvipc", kind).read_text().splitlines()[1:]
    except FileNotFoundError:
        return []
    return [int(line.split()[1]) for line in lines if line.split()]  # key, id, ...


# --- the steps ---------------------------------------------------------------------------------


def base_env(job: Job) -> dict[str, str]:
    env = {
        "PATH": job["path"],
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
    }
    if job["wheels"]:
        env["PYTHONPATH"] = job["deps_dir"]
    return env


def install_wheels(job: Job, wheels: Path, env: dict[str, str], timeout: float) -> str | None:
    files = sorted(str(p) for p in wheels.glob("*.whl"))
    cmd = [sys.executable, "-m", "pip", "install", "--no-index", "--no-deps", "--quiet"]
    cmd += ["--disable-pip-version-check", "--no-compile", "--target", job["deps_dir"], *files]
    try:
        done = subprocess.run(
            as_sandbox_user(job, cmd),
            env=env,
            capture_output=True,
            timeout=max(timeout, 1.0),
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "installing the extra packages timed out"
    if done.returncode != 0:
        return tail_text(done.stderr, 4000)
    return None


def oom_kills() -> int:
    for path in ("/sys/fs/cgroup/memory/memory.oom_control", "/sys/fs/cgroup/memory.events"):
        with contextlib.suppress(OSError, ValueError):
            for line in Path(path).read_text().splitlines():
                if line.startswith("oom_kill "):
                    return int(line.split()[1])
    return 0


def run_pytest(
    job: Job,
    env: dict[str, str],
    output: CappedBuffer,
    timeout: float,
    command: list[str] = PYTEST,
) -> dict[str, object]:
    """pytest (`command`: `-m pytest`, or `traced(…)`: lines recorded) as the sandbox user."""
    pytest = [sys.executable, *command, *job["pytest_args"]]
    cmd = as_sandbox_user(job, pytest)
    proc = subprocess.Popen(
        cmd,
        cwd=job["work_dir"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    reader = threading.Thread(target=drain, args=(proc.stdout, output), daemon=True)
    reader.start()
    ended = wait_watching(proc, job, max(timeout, 1.0))
    if ended == "timeout":
        stop(proc)
    signal_group(proc.pid, signal.SIGKILL)
    kill_sandbox_processes(job)  # strays holding the pipe open would keep the reader waiting
    reader.join(timeout=2.0)
    result: dict[str, object] = {"exit_code": proc.returncode, "timed_out": ended == "timeout"}
    if ended == "memory":
        result["oom_killed"] = True
    return result


def wait_watching(proc: subprocess.Popen[bytes], job: Job, timeout: float) -> str | None:
    """Wait for pytest: "timeout" at the deadline; "memory" when the sandbox user's processes
    hold more than `memory_watch` bytes (under gVisor, where the host's OOM killer would take
    the whole sandbox, runner and report included, instead of the biggest process)."""
    deadline = time.monotonic() + timeout
    budget = job.get("memory_watch")
    while True:
        try:
            proc.wait(timeout=WATCH_INTERVAL if budget else max(0.0, deadline - time.monotonic()))
            return None
        except subprocess.TimeoutExpired:
            pass
        if time.monotonic() >= deadline:
            return "timeout"
        if budget and resident_bytes(int(job["uid"])) > budget:
            return "memory"


def resident_bytes(uid: int) -> int:
    page = os.sysconf("SC_PAGE_SIZE")
    total = 0
    for pid in processes_of(uid):
        with contextlib.suppress(OSError, ValueError, IndexError):
            total += int(Path("/proc", str(pid), "statm").read_text().split()[1]) * page
    return total


def drain(stream: io.BufferedReader, output: CappedBuffer) -> None:
    while chunk := stream.read1(65536):
        output.add(chunk)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGINT first, so pytest still writes its JUnit report; then SIGKILL."""
    signal_group(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=INTERRUPT_GRACE)
    except subprocess.TimeoutExpired:
        signal_group(proc.pid, signal.SIGKILL)
        proc.wait()


def signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(OSError):
        os.killpg(pgid, sig)


# --- the service check -------------------------------------------------------------------------


def check_service(
    job: Job,
    service: ServiceJob,
    result: dict[str, object],
    log: CappedBuffer,
    deadline: float,
) -> dict[str, object]:
    """Start the service as the sandbox user on the loopback, wait for its port, call the
    routes, stop it. Never raises; what happened is the returned dict (`service` in result.json).
    """
    begun = time.monotonic()
    report: dict[str, object] = {"started": False, "start_seconds": None, "checks": []}
    if result.get("timed_out") or result.get("oom_killed"):
        report.update(skipped=True, message="not started: the tests were stopped")
        return report
    if deadline - begun < SERVICE_MIN_SECONDS:
        report.update(skipped=True, message="not started: no time left in the run's limit")
        return report
    try:
        run_service(job, service, report, log, deadline)
    except (OSError, subprocess.SubprocessError) as exc:
        report["message"] = f"the service could not be run: {type(exc).__name__}: {exc}"
    report["seconds"] = time.monotonic() - begun
    return report


def run_service(
    job: Job, service: ServiceJob, report: dict[str, object], log: CappedBuffer, deadline: float
) -> None:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", service["app"], "--host", LOOPBACK]
    command += ["--port", str(port), *service["options"]]
    launched = time.monotonic()
    proc = subprocess.Popen(
        as_sandbox_user(job, command),
        cwd=job["work_dir"],
        env=base_env(job),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    reader = threading.Thread(target=drain, args=(proc.stdout, log), daemon=True)
    reader.start()
    started = False
    try:
        limit = min(deadline, launched + float(service["start_timeout"]))
        state = wait_for_port(proc, port, limit, job)
        started = state == "listening"
        if started:
            report["started"] = True
            report["start_seconds"] = time.monotonic() - launched
            report["checks"] = call_routes(proc, port, service, deadline)
            if proc.poll() is not None:
                report["exit_code"] = proc.returncode
                report["message"] = f"the service exited (status {proc.returncode}) when called"
        elif state == "exited":
            report["exit_code"] = proc.returncode
            report["message"] = f"the service exited (status {proc.returncode}) before it answered"
        elif state == "memory":
            report["message"] = "the service used more memory than the sandbox allows"
        else:
            waited = limit - launched
            report["message"] = f"the service did not answer on its port within {waited:.0f} s"
    finally:
        stop_service(proc, SERVICE_STOP_GRACE if started else 0.0)
        kill_sandbox_processes(job)  # what it started, and strays holding the pipe open
        reader.join(timeout=2.0)


def free_port() -> int:
    """A port of the loopback that nothing listens on (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def wait_for_port(proc: subprocess.Popen[bytes], port: int, limit: float, job: Job) -> str:
    """Wait for the port: "listening", "exited", "memory" (past `memory_watch`) or "timeout"."""
    budget = job.get("memory_watch")
    while True:
        if proc.poll() is not None:
            return "exited"
        try:
            with socket.create_connection((LOOPBACK, port), timeout=0.5):
                return "listening"
        except OSError:
            pass
        if budget and resident_bytes(int(job["uid"])) > budget:
            return "memory"
        if time.monotonic() >= limit:
            return "timeout"
        time.sleep(POLL_INTERVAL)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer (its 3xx status), never followed."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: object,
        code: int,
        msg: str,
        headers: object,
        newurl: str,
    ) -> None:
        return None


def call_routes(
    proc: subprocess.Popen[bytes], port: int, service: ServiceJob, deadline: float
) -> list[dict[str, object]]:
    """Each request in turn, in a thread the deadline bounds: a service that holds a call open
    past it is killed, which ends the call."""
    checks: list[dict[str, object]] = []
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirects())

    def calls() -> None:
        for request in service["requests"]:
            timeout = min(float(service["request_timeout"]), deadline - time.monotonic())
            checks.append(call_route(opener, port, request, timeout))

    worker = threading.Thread(target=calls, daemon=True)
    worker.start()
    worker.join(timeout=max(0.0, deadline - time.monotonic()) + 0.5)
    if worker.is_alive():
        signal_group(proc.pid, signal.SIGKILL)
        worker.join(timeout=2.0)
    return list(checks)


def call_route(
    opener: urllib.request.OpenerDirector, port: int, request: ServiceRequest, timeout: float
) -> dict[str, object]:
    check: dict[str, object] = {
        "method": request["method"],
        "path": request["path"],
        "auth": request["auth"],
        "status": None,
    }
    if timeout <= 0:
        check["error"] = "no time left in the run's limit"
        return check
    url = f"http://{LOOPBACK}:{port}{request['path']}"
    call = urllib.request.Request(url, headers=request["headers"], method=request["method"])
    try:
        with opener.open(call, timeout=timeout) as response:
            response.read(RESPONSE_LIMIT)
            check["status"] = int(response.status)
    except urllib.error.HTTPError as exc:
        check["status"] = exc.code
        exc.close()
    except (OSError, http.client.HTTPException, ValueError) as exc:
        check["error"] = f"{type(exc).__name__}: {exc}"[:500]
    return check


def stop_service(proc: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM (uvicorn shuts down cleanly) and `grace` seconds; then SIGKILL."""
    if grace > 0 and proc.poll() is None:
        signal_group(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)
    signal_group(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5.0)


def read_junit(path: Path) -> bytes | None:
    """The report the sandbox user wrote: a regular file under the cap, reached by no link."""
    return read_capped(path, JUNIT_LIMIT)


def read_capped(path: Path, limit: int) -> bytes | None:
    """A file the sandbox user wrote: a regular file under `limit`, reached by no link."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        return handle.read(limit)


def write_results(
    result: dict[str, object],
    output: str,
    junit: bytes | None,
    service_log: str = "",
    coverage: bytes | None = None,
) -> None:
    with tarfile.open(fileobj=sys.stdout.buffer, mode="w|") as tar:
        add_bytes(tar, "result.json", json.dumps(result).encode())
        add_bytes(tar, "output.txt", output.encode())
        if junit is not None:
            add_bytes(tar, "junit.xml", junit)
        if service_log:
            add_bytes(tar, "service.txt", service_log.encode())
        if coverage is not None:
            add_bytes(tar, "coverage.json", coverage)
    sys.stdout.buffer.flush()


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
