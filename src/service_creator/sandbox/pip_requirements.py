"""What of a project's `requirements.txt` may reach the host's pip.

The project is untrusted, and `pip download` runs on the host, as the user. A path, a URL, an
option (`-e`, `-r`, `--index-url`, …) or a local archive name would make pip build or fetch
something the project chose. So only PEP 508 requirements that name a package of the index,
with version specifiers (and extras), leave the project, rebuilt from their parsed parts (the
raw line never reaches pip). Markers are evaluated here for the sandbox's Python and never
passed on. Every other line is refused, with why, at its line number.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import InvalidMarker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from service_creator.domain.errors import UnsafeFileError
from service_creator.domain.safe_files import read_project_text

REQUIREMENTS_FILE = "requirements.txt"
MAX_FILE_BYTES = 256 << 10
MAX_LINE = 200
# The sandbox's environment, for markers (a Linux CPython 3.11).
SANDBOX_MARKERS = {
    "python_version": "3.11",
    "python_full_version": "3.11.2",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "os_name": "posix",
    "sys_platform": "linux",
    "platform_system": "Linux",
}
ONLY_INDEX = "only package names with version specifiers, from the package index, are allowed"


@dataclass(frozen=True)
class Wanted:
    line: int
    spec: str  # what pip is given: canonical name, extras, specifiers


@dataclass(frozen=True)
class Refused:
    line: int
    reason: str


@dataclass
class ProjectRequirements:
    wanted: list[Wanted]
    refused: list[Refused]


def read_project_requirements(workspace: Path) -> ProjectRequirements:
    """The project's requirements; a file that cannot be read safely is one refusal at line 1."""
    try:
        text = read_project_text(workspace, REQUIREMENTS_FILE, limit=MAX_FILE_BYTES)
    except FileNotFoundError:
        return ProjectRequirements([], [])
    except UnsafeFileError as exc:
        return ProjectRequirements([], [Refused(1, exc.message)])
    return parse_requirements(text)


def parse_requirements(text: str) -> ProjectRequirements:
    result = ProjectRequirements([], [])
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        outcome = parse_line(number, line)
        if isinstance(outcome, Refused):
            result.refused.append(outcome)
        elif outcome is not None:
            result.wanted.append(outcome)
    return result


def parse_line(number: int, line: str) -> Wanted | Refused | None:
    """What one requirement line gives: None when its marker leaves the sandbox out."""
    reason = refusal(line)
    if reason is not None:
        return Refused(number, reason)
    requirement = Requirement(line)
    if requirement.marker is not None:
        try:
            if not requirement.marker.evaluate(SANDBOX_MARKERS):
                return None
        except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName):
            return Refused(number, "its environment marker cannot be evaluated; use a plain one")
    return Wanted(number, pip_spec(requirement))


def refusal(line: str) -> str | None:
    """Why a line may not leave the project, or None."""
    if len(line) > MAX_LINE:
        return f"the line is over {MAX_LINE} characters"
    if line.endswith("\\"):
        return "line continuations are not supported; put each requirement on one line"
    if line.startswith("-"):
        return f"pip options (-r, -e, --index-url, ...) are refused: {ONLY_INDEX}"
    if any(unicodedata.category(ch)[0] == "C" for ch in line):
        return "the line contains control characters"
    try:
        requirement = Requirement(line)
    except InvalidRequirement:
        return f"not a requirement ({ONLY_INDEX}; paths, URLs and options are refused)"
    if requirement.url:
        return f"a URL or path requirement is refused: {ONLY_INDEX}"
    return None


def pip_spec(requirement: Requirement) -> str:
    extras = f"[{','.join(sorted(canonicalize_name(e) for e in requirement.extras))}]"
    return (
        canonicalize_name(requirement.name)
        + (extras if requirement.extras else "")
        + str(requirement.specifier)
    )
