"""The host-side wheelhouse: wheels for the sandbox's Python, fetched with `pip download`.

Containers never reach a network. The host fills `settings.sandbox.wheelhouse` once (online),
later runs pick wheels out of it offline. The sandbox image installs its packages from it, and
a project's extra requirements are taken from it into the run.
"""

from __future__ import annotations

import logging
import platform
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

log = logging.getLogger(__name__)

SANDBOX_PYTHON = "3.11"
DOWNLOAD_TIMEOUT = 600.0
EXTRAS_BUDGET = 120.0
# What the generated services import, and pytest; exact pins so the image tag is reproducible.
BASE_PACKAGES: tuple[str, ...] = (
    "pytest==9.2.0",
    "fastapi==0.165.0",
    "httpx==0.28.1",
    "pydantic==2.14.4",
    "uvicorn==0.54.0",
    "sqlalchemy==2.1.9",
    "requests==2.34.2",
    "pyyaml==6.0.4",
    # the device transports: SSH (CLI) and NETCONF over SSH, with what they are built on
    "asyncssh==2.24.1",
    "cryptography==51.0.1",
    "ncclient==0.7.1",
    "paramiko==5.1.0",
    "lxml==6.2.1",
)
WHEEL_NAME = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)-.+\.whl$")


@dataclass
class Collected:
    """Wheels picked for a set of requirements, and the requirements that could not be had."""

    wheels: list[Path] = field(default_factory=list[Path])
    unavailable: dict[str, str] = field(default_factory=dict[str, str])


def wheel_distribution(path: Path) -> tuple[str, str] | None:
    match = WHEEL_NAME.match(path.name)
    if match is None:
        return None
    return canonicalize_name(match["name"]), match["version"]


def platform_args() -> list[str]:
    """Tags of the sandbox's platform: the host's own on Linux, manylinux for the arch elsewhere."""
    if sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc":
        return []
    arch = {"arm64": "aarch64", "amd64": "x86_64"}.get(platform.machine().lower(), "x86_64")
    tags = ["manylinux2014"] + [f"manylinux_2_{minor}" for minor in range(17, 37)]
    return [arg for tag in tags for arg in ("--platform", f"{tag}_{arch}")]


def pip_download(requirements: list[str], dest: Path, *, find_links: Path | None) -> str | None:
    """`pip download` binary wheels for the sandbox's Python; offline when `find_links` is given.

    Only wheels, never a build: `requirements` are index names with specifiers
    (`sandbox.requirements`), and pip runs in an empty folder. Returns None on success, else
    pip's error text.
    """
    cmd = [sys.executable, "-m", "pip", "download", "--only-binary=:all:"]
    cmd += ["--python-version", SANDBOX_PYTHON, "--implementation", "cp"]
    cmd += ["--abi", "cp" + SANDBOX_PYTHON.replace(".", ""), *platform_args()]
    cmd += ["--disable-pip-version-check", "--no-input", "--progress-bar", "off"]
    cmd += ["--dest", str(dest)]
    if find_links is not None:
        cmd += ["--no-index", "--find-links", str(find_links)]
    else:
        cmd += ["--timeout", "15", "--retries", "1"]
    cmd += ["--", *requirements]
    try:
        with tempfile.TemporaryDirectory(prefix="pip-cwd-") as empty:  # nothing local to find
            done = subprocess.run(
                cmd,
                cwd=empty,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=DOWNLOAD_TIMEOUT,
                check=False,
            )
    except subprocess.TimeoutExpired:
        return f"pip download timed out after {DOWNLOAD_TIMEOUT:g} s"
    if done.returncode == 0:
        return None
    return pip_error(done.stderr or done.stdout)


def pip_error(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR")]
    return (errors or lines or ["pip download failed"])[-1]


def collect(requirements: list[str], wheelhouse: Path, dest: Path) -> str | None:
    """Put the wheels of `requirements` (with their dependencies) into `dest`.

    Offline from the wheelhouse first; when something is missing, download it into the
    wheelhouse (online) and try again. Returns None on success, else the reason.
    """
    wheelhouse.mkdir(parents=True, exist_ok=True)
    if pip_download(requirements, dest, find_links=wheelhouse) is None:
        return None
    log.info("downloading wheels into %s: %s", wheelhouse, " ".join(requirements))
    problem = pip_download(requirements, wheelhouse, find_links=None)
    if problem is not None:
        return problem
    return pip_download(requirements, dest, find_links=wheelhouse)


def missing(
    requirements: list[tuple[int, str]], installed: dict[str, str]
) -> list[tuple[int, str]]:
    """The requirements that the image's installed distributions do not satisfy."""
    result: list[tuple[int, str]] = []
    for number, line in requirements:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            result.append((number, line))
            continue
        if req.marker is not None and not req.marker.evaluate({"python_version": SANDBOX_PYTHON}):
            continue
        version = installed.get(canonicalize_name(req.name))
        if version is None or not req.specifier.contains(version, prereleases=True):
            result.append((number, line))
    return result


def collect_extras(
    requirements: list[str],
    installed: dict[str, str],
    wheelhouse: Path,
    dest: Path,
    budget: float = EXTRAS_BUDGET,
) -> Collected:
    """Wheels for the requirements the image lacks; the ones that cannot be had, with why.

    When they cannot all be had together, each is tried alone to name the culprits, within
    `budget` seconds overall (an unreachable index must not stall a test run for long).
    """
    result = Collected()
    if not requirements:
        return result
    deadline = time.monotonic() + budget
    if collect(requirements, wheelhouse, dest) is not None:
        for requirement in requirements:  # find out which ones fail, one by one
            if time.monotonic() > deadline:
                result.unavailable[requirement] = f"not tried: over the {budget:g} s limit"
                continue
            with tempfile.TemporaryDirectory() as scratch:
                problem = collect([requirement], wheelhouse, Path(scratch))
            if problem is not None:
                result.unavailable[requirement] = problem
        good = [r for r in requirements if r not in result.unavailable]
        if good and collect(good, wheelhouse, dest) is not None:
            result.unavailable.update({r: "its dependencies cannot be resolved" for r in good})
    for wheel in sorted(dest.glob("*.whl")):
        dist = wheel_distribution(wheel)
        if dist is not None and installed.get(dist[0]) != dist[1]:
            result.wheels.append(wheel)
    return result
