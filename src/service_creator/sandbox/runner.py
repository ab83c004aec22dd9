"""The in-container side of a sandbox run. Standard library only: it runs in the sandbox image.

The host copies this file, the project and a `job.json` into a root-owned volume (`/src/<run>`),
then execs `python runner.py /src/<run>` as the sandbox user. The runner:

1. resets the container: kills processes left by an earlier run (warm mode), empties the
   writable tmpfs folders;
2. copies the project into the tmpfs work folder (the volume is read-only to this user);
3. installs extra wheels offline into a tmpfs target, when the job names any;
4. runs pytest with a minimal environment and a wall-clock timeout, keeping at most
   `output_limit` bytes of its output (head and tail);
5. writes one tar stream to stdout: `result.json`, `output.txt` and `junit.xml`.

It never raises: every failure ends up in `result.json`.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path

KEEPER_CMDLINE = b"sleep\x00infinity\x00"
JUNIT_LIMIT = 8 << 20
INTERRUPT_GRACE = 3.0


def main(run_dir: str) -> int:
    job = json.loads(Path(run_dir, "job.json").read_text())
    result: dict[str, object] = {"exit_code": None, "timed_out": False, "oom_killed": False}
    started = time.monotonic()
    output = CappedBuffer(int(job["output_limit"]))
    deadline = started + float(job["timeout"])
    try:
        reset(job)
        shutil.copytree(Path(run_dir, "project"), job["work_dir"], dirs_exist_ok=True)
        env = base_env(job)
        if job["wheels"]:
            wheels = Path(run_dir, "wheels")
            result["install_error"] = install_wheels(job, wheels, env, deadline - time.monotonic())
        oom_before = oom_kills()
        result.update(run_pytest(job, env, output, deadline - time.monotonic()))
        result["oom_killed"] = oom_kills() > oom_before
    except OSError as exc:
        result["runner_error"] = f"{type(exc).__name__}: {exc}"
    finally:
        kill_strays()
    result["duration"] = time.monotonic() - started
    result["output_bytes"] = output.total
    result["truncated"] = output.truncated
    write_results(job, result, output.text())
    return 0


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


def reset(job: dict) -> None:
    kill_strays()
    for folder in (job["work_dir"], job["out_dir"], "/tmp"):
        empty(Path(folder))


def empty(folder: Path) -> None:
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                child.unlink()


def kill_strays() -> None:
    """SIGKILL every process but PID 1, the keeper and this one; repeat while any are left."""
    spared = {os.getpid()}
    for _ in range(50):
        victims = [pid for pid in other_pids() if pid not in spared]
        if not victims:
            return
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except PermissionError:
                spared.add(pid)  # not ours (a root helper exec): leave it
            except OSError:
                pass
        time.sleep(0.01)


def other_pids() -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or entry == "1":
            continue
        try:
            cmdline = Path("/proc", entry, "cmdline").read_bytes()
            state = Path("/proc", entry, "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if cmdline == KEEPER_CMDLINE or state == "Z" or not cmdline:
            continue
        pids.append(int(entry))
    return pids


def base_env(job: dict) -> dict[str, str]:
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


def install_wheels(job: dict, wheels: Path, env: dict[str, str], timeout: float) -> str | None:
    files = sorted(str(p) for p in wheels.glob("*.whl"))
    cmd = [sys.executable, "-m", "pip", "install", "--no-index", "--no-deps", "--quiet"]
    cmd += ["--disable-pip-version-check", "--no-compile", "--target", job["deps_dir"], *files]
    try:
        done = subprocess.run(
            cmd, env=env, capture_output=True, timeout=max(timeout, 1.0), check=False
        )
    except subprocess.TimeoutExpired:
        return "installing the extra packages timed out"
    if done.returncode != 0:
        return done.stderr.decode("utf-8", "replace")[-4000:]
    return None


def oom_kills() -> int:
    try:
        for line in Path("/sys/fs/cgroup/memory/memory.oom_control").read_text().splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1])
    except OSError:
        pass
    try:  # cgroup v2
        for line in Path("/sys/fs/cgroup/memory.events").read_text().splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_pytest(
    job: dict, env: dict[str, str], output: CappedBuffer, timeout: float
) -> dict[str, object]:
    cmd = [sys.executable, "-m", "pytest", *job["pytest_args"]]
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
    timed_out = False
    try:
        proc.wait(timeout=max(timeout, 1.0))
    except subprocess.TimeoutExpired:
        timed_out = True
        stop(proc)
    signal_group(proc.pid, signal.SIGKILL)
    kill_strays()
    reader.join(timeout=2.0)
    return {"exit_code": proc.returncode, "timed_out": timed_out}


def drain(stream: io.BufferedReader, output: CappedBuffer) -> None:
    while chunk := stream.read1(65536):
        output.add(chunk)


def stop(proc: subprocess.Popen) -> None:
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


def write_results(job: dict, result: dict[str, object], output: str) -> None:
    with tarfile.open(fileobj=sys.stdout.buffer, mode="w|") as tar:
        add_bytes(tar, "result.json", json.dumps(result).encode())
        add_bytes(tar, "output.txt", output.encode())
        junit = Path(job["out_dir"], "junit.xml")
        try:
            if junit.is_file() and not junit.is_symlink() and junit.stat().st_size <= JUNIT_LIMIT:
                add_bytes(tar, "junit.xml", junit.read_bytes())
        except OSError:
            pass
    sys.stdout.buffer.flush()


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
