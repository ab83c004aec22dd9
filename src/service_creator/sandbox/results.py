"""pytest's JUnit XML and output → `TestReport`; `TestReport` → `Finding`s.

The sandbox runs pytest with `--tb=long -o junit_family=xunit1 -v` from the project root
(`/work` in the container, the workspace root on the host). Locations come from the traceback
text pytest puts in each `<failure>`/`<error>`: `path:line: ...` per frame and
`File "path", line N` for syntax errors. Paths are mapped back to workspace-relative POSIX paths;
frames outside the project (site-packages, the standard library) are dropped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from service_creator.domain.config import DEFAULT_SUSPICIOUS_LINES
from service_creator.domain.errors import UnsafeFileError
from service_creator.domain.reports import (
    SUSPICIOUS_CODE,
    Finding,
    Location,
    Outcome,
    ServiceCheck,
    SuspiciousLine,
    TestCase,
    TestReport,
)
from service_creator.domain.safe_files import read_project_bytes
from service_creator.domain.testfiles import is_test_file
from service_creator.sandbox.clean import clean_report
from service_creator.sandbox.spectra import localization

SANDBOX_ROOT = "/work"
FRAME_RE = re.compile(r"^(?P<path>[^\s<>:\"]+\.py):(?P<line>\d+):(?: |$)", re.M)
FILE_RE = re.compile(r'^E?\s*File "(?P<path>[^"]+\.py)", line (?P<line>\d+)', re.M)
RUNNING_RE = re.compile(r"^(?P<id>\S+\.py::\S+) *$", re.M)
ERROR_LINE_RE = re.compile(r"^E {2,}(?P<text>\S.*)$", re.M)
COLLECTION_MESSAGE = "collection failure"
REQUIREMENTS_ID = "requirements.txt"
CaseOutcome = Literal["passed", "failed", "error", "skipped"]
# the child element of a `<testcase>` that tells how it ended, if any
PROBLEM_TAGS: tuple[tuple[str, CaseOutcome], ...] = (
    ("failure", "failed"),
    ("error", "error"),
    ("skipped", "skipped"),
)


@dataclass
class RawRun:
    """What came back from one sandbox run, before interpretation."""

    junit: bytes | None = None
    output: str = ""
    exit_code: int | None = None
    timed_out: bool = False
    oom_killed: bool = False
    duration: float = 0.0
    timeout: float = 0.0
    truncated: bool = False
    error: str | None = None
    reset_error: str | None = None  # the container could not be emptied: do not reuse it
    not_run: bool = False  # ... and so the tests were not run in it
    notes: list[str] = field(default_factory=list[str])
    extra_cases: list[TestCase] = field(default_factory=list[TestCase])
    service_answer: object = None  # the runner's `service` (JSON), read by `service.py`
    service_output: str = ""  # the service's own output
    service: ServiceCheck | None = None  # the service check, as the report shows it
    coverage: bytes | None = None  # the runner's `coverage.json`: per-test lines (untrusted)
    coverage_answer: object = None  # the runner's `coverage` (JSON): mode, seconds, error


# --- paths and frames -------------------------------------------------------------------------


def project_path(raw: str, root: str = SANDBOX_ROOT) -> str | None:
    """A traceback path as a workspace-relative POSIX path, or None when outside the project."""
    path = PurePosixPath(raw.replace("\\", "/"))
    if path.is_absolute():
        try:
            path = path.relative_to(root)
        except ValueError:
            return None
    if not path.parts or ".." in path.parts or path.parts[0].startswith("<"):
        return None
    if any(part in ("site-packages", "dist-packages") for part in path.parts):
        return None
    return path.as_posix()


def frames(text: str, root: str = SANDBOX_ROOT) -> list[Location]:
    """Project frames in the order the traceback lists them (outermost first)."""
    found: list[tuple[int, Location]] = []
    for regex in (FRAME_RE, FILE_RE):
        for match in regex.finditer(text):
            path = project_path(match["path"], root)
            if path is not None:
                line = whole_number(match["line"]) or 1
                found.append((match.start(), Location(path=path, line=line)))
    return [loc for _, loc in sorted(found, key=lambda item: item[0])]


def last_error_line(text: str) -> str:
    lines = [m["text"].strip() for m in ERROR_LINE_RE.finditer(text)]
    return lines[-1] if lines else ""


# --- JUnit ------------------------------------------------------------------------------------


def parse_junit(xml: bytes | str, root: str = SANDBOX_ROOT) -> list[TestCase]:
    """Every `<testcase>` of a pytest JUnit report (xunit1 or xunit2) as a `TestCase`."""
    tree = ET.fromstring(xml)
    return [test_case(element, root) for element in tree.iter("testcase")]


def test_case(element: ET.Element, root: str = SANDBOX_ROOT) -> TestCase:
    given = element.get("file")
    file = (project_path(given, root) or "") if given else module_file(element.get("classname", ""))
    node_id = node_identifier(element, file)
    outcome, problem = case_outcome(element)
    text = (problem.text or "") if problem is not None else ""
    message = (problem.get("message") or "") if problem is not None else ""
    if message in ("", COLLECTION_MESSAGE) and text:
        message = last_error_line(text) or message
    trace = frames(text, root)
    defined_at = whole_number(element.get("line"))
    fallback = Location(path=file, line=defined_at + 1) if defined_at is not None and file else None
    duration = seconds(element.get("time"))
    if outcome in ("passed", "skipped"):
        return TestCase(
            id=node_id, outcome=outcome, duration=duration, message=message, location=fallback
        )
    return TestCase(
        id=node_id,
        outcome=outcome,
        duration=duration,
        message=message,
        location=test_location(trace, file) or fallback or file_start(file),
        source_location=source_location(trace),
    )


def whole_number(text: str | None) -> int | None:
    """A JUnit line attribute (0-based) when it is one, else None."""
    return int(text) if text and text.isdigit() and len(text) < 10 else None


def seconds(text: str | None) -> float:
    try:
        value = float(text or 0)
    except ValueError:
        return 0.0
    return value if 0 <= value < 1e9 else 0.0


def case_outcome(element: ET.Element) -> tuple[CaseOutcome, ET.Element | None]:
    for tag, outcome in PROBLEM_TAGS:
        child = element.find(tag)
        if child is not None:
            return outcome, child
    return "passed", None


def module_file(classname: str) -> str:
    parts = [p for p in classname.split(".") if p and not p[0].isupper()]
    return "/".join(parts) + ".py" if parts else ""


def node_identifier(element: ET.Element, file: str) -> str:
    name = element.get("name", "")
    classname = element.get("classname", "")
    if not classname:  # a collection error: the name is the module
        return file or name
    module = file[:-3].replace("/", ".") if file.endswith(".py") else ""
    classes = classname[len(module) + 1 :].split(".") if classname.startswith(module + ".") else []
    return "::".join([file, *[c for c in classes if c], name])


def test_location(trace: list[Location], file: str) -> Location | None:
    """The deepest frame in the test's own file, else the deepest frame in any test file."""
    own = [loc for loc in trace if loc.path == file]
    tests = [loc for loc in trace if is_test_file(loc.path)]
    return (own or tests or [None])[-1]


def source_location(trace: list[Location]) -> Location | None:
    """The deepest frame in the project's own, non-test source."""
    source = [loc for loc in trace if not is_test_file(loc.path)]
    return source[-1] if source else None


def file_start(file: str) -> Location | None:
    return Location(path=file, line=1) if file else None


# --- the report -------------------------------------------------------------------------------


def build_report(
    run: RawRun, workspace: Path | None = None, root: str = SANDBOX_ROOT
) -> TestReport:
    """The report of a run; `root` is the project's folder as pytest saw it."""
    tests = list(run.extra_cases)
    message_parts = list(run.notes)
    if run.junit and (b"<!DOCTYPE" in run.junit or b"<!ENTITY" in run.junit):
        message_parts.append("ignored a JUnit report with a DOCTYPE (pytest writes none)")
    elif run.junit:
        try:
            tests += parse_junit(run.junit, root)
        except ET.ParseError as exc:
            message_parts.append(f"unreadable JUnit report: {exc}")
    killed = killed_case(run, tests, workspace)
    if killed is not None:
        tests.append(killed)
    outcome, why = report_outcome(run, tests)
    if outcome == "passed" and run.service is not None and run.service.outcome == "failed":
        outcome, why = "error", f"the service check failed: {run.service.message}"
    if why:
        message_parts.insert(0, why)
    report = TestReport(
        outcome=outcome,
        tests=tests,
        passed=sum(t.outcome == "passed" for t in tests),
        failed=sum(t.outcome == "failed" for t in tests),
        errors=sum(t.outcome == "error" for t in tests),
        skipped=sum(t.outcome == "skipped" for t in tests),
        duration=round(run.duration, 3),
        output=run.output,
        message="; ".join(message_parts),
        service=run.service,
        localization=localization(run.coverage, run.coverage_answer, tests, root),
    )
    return clean_report(report)


def report_outcome(run: RawRun, tests: list[TestCase]) -> tuple[Outcome, str]:
    if run.error:
        return "sandbox_error", run.error
    if run.oom_killed:
        return "oom", "the tests were killed for using more memory than the sandbox allows"
    if run.timed_out:
        return "timeout", f"the tests were stopped at the {run.timeout:g} s time limit"
    if any(t.outcome == "failed" for t in tests):
        return "failed", ""
    if any(t.outcome == "error" for t in tests):
        return "error", ""
    return exit_outcome(run)


def exit_outcome(run: RawRun) -> tuple[Outcome, str]:
    code = run.exit_code
    if code == 0:
        return "passed", ""
    if code == 5:
        return "error", "pytest collected no tests"
    if code is not None and code < 0:
        return "error", f"pytest was killed by signal {-code}"
    tail = run.output.strip().splitlines()[-1:] or [""]
    return "error", f"pytest exited with status {code}: {tail[0]}".rstrip(": ")


def killed_case(run: RawRun, tests: list[TestCase], workspace: Path | None) -> TestCase | None:
    """The test that was running when the run was killed (timeout or OOM), from `-v` output."""
    if not (run.timed_out or run.oom_killed):
        return None
    running = [m["id"] for m in RUNNING_RE.finditer(run.output)]
    known = {t.id for t in tests}
    if not running or running[-1] in known:
        return None
    node_id = running[-1]
    reason = "out of memory: killed" if run.oom_killed else f"timed out after {run.timeout:g} s"
    return TestCase(
        id=node_id, outcome="error", message=reason, location=definition(node_id, workspace)
    )


def definition(node_id: str, workspace: Path | None) -> Location | None:
    """Where `def test_name` is, read from the workspace copy of the test file."""
    file, _, rest = node_id.partition("::")
    name = rest.split("::")[-1].split("[")[0]
    if project_path(file) is None:
        return None
    line = 1
    if workspace is not None:
        pattern = re.compile(rf"^\s*(?:async\s+)?def\s+{re.escape(name)}\b")
        try:
            source = read_project_bytes(workspace, file).decode("utf-8", "replace")
        except (OSError, UnsafeFileError):
            source = ""
        line = next((i for i, s in enumerate(source.splitlines(), 1) if pattern.match(s)), 1)
    return Location(path=file, line=line)


def merged_report(previous: TestReport | None, selected: TestReport) -> TestReport:
    """The suite's last report with a selected run's tests in place of their last results:
    what the workspace's last report becomes, so the tests not re-run keep their findings.

    The suite's ranking stands for the tests that still fail (one test's spectrum ranks
    nothing); a run that could not start leaves the last report as it was.
    """
    if previous is None:
        return selected
    if selected.outcome == "sandbox_error":
        return previous
    fresh = {case.id: case for case in selected.tests}
    known = {case.id for case in previous.tests}
    tests = [fresh.get(case.id, case) for case in previous.tests]
    tests += [case for case in selected.tests if case.id not in known]
    failing = {case.id for case in tests if case.outcome in ("failed", "error")}
    localization = previous.localization
    if localization is not None:
        kept = [entry for entry in localization.tests if entry.test_id in failing]
        localization = localization.model_copy(update={"tests": kept})
    return previous.model_copy(
        update={
            "outcome": merged_outcome(previous, selected, tests),
            "tests": tests,
            "passed": sum(t.outcome == "passed" for t in tests),
            "failed": sum(t.outcome == "failed" for t in tests),
            "errors": sum(t.outcome == "error" for t in tests),
            "skipped": sum(t.outcome == "skipped" for t in tests),
            "output": selected.output,
            "message": selected.message,
            "runtime": selected.runtime,
            "localization": localization if failing else None,
        }
    )


def merged_outcome(previous: TestReport, selected: TestReport, tests: list[TestCase]) -> Outcome:
    if selected.outcome in ("timeout", "oom"):
        return selected.outcome
    if any(t.outcome == "failed" for t in tests):
        return "failed"
    service = previous.service
    if any(t.outcome == "error" for t in tests) or (service and service.outcome == "failed"):
        return "error"
    return "passed"


# --- findings ---------------------------------------------------------------------------------


def report_findings(
    report: TestReport, suspicious_lines: int = DEFAULT_SUSPICIOUS_LINES
) -> list[Finding]:
    """Each failing test: a finding at the test and one at the project frame, linked both ways,
    and a warning on each of its `suspicious_lines` most suspicious project lines (linked to
    the test's finding); a failed service check: one at the line it points to."""
    ranked = ranked_lines(report)
    findings: list[Finding] = []
    for case in report.tests:
        if case.outcome in ("passed", "skipped"):
            continue
        findings += case_findings(case, ranked.get(case.id, [])[:suspicious_lines])
    service = report.service
    if service is not None and service.outcome == "failed" and service.location is not None:
        verb = "did not start" if not service.started else "failed when called"
        findings.append(
            Finding(
                location=service.location,
                message=f"the service {verb}: {service.message}",
                code="service-failed",
            )
        )
    return findings


def ranked_lines(report: TestReport) -> dict[str, list[SuspiciousLine]]:
    """Each failing test's suspicious lines, most suspicious first."""
    if report.localization is None:
        return {}
    return {entry.test_id: entry.lines for entry in report.localization.tests}


def case_findings(case: TestCase, suspicious: list[SuspiciousLine] | None = None) -> list[Finding]:
    """The test's finding, its project frame's and one per suspicious line not already marked
    (the frame's finding says its score instead)."""
    at_test, at_source = case.location, case.source_location
    code = finding_code(case)
    message = f"{case.id}: {case.message}" if case.message else f"{case.id} {case.outcome}"
    marked = {same_line(loc) for loc in (at_test, at_source) if loc is not None}
    extra = [s for s in suspicious or [] if same_line(s.location) not in marked]
    frame_rank = next(
        (
            s
            for s in suspicious or []
            if at_source and same_line(s.location) == same_line(at_source)
        ),
        None,
    )
    found: list[Finding] = []
    if at_test is not None:
        related = [at_source] if at_source is not None and at_source != at_test else []
        related += [s.location for s in extra]
        found.append(
            Finding(location=at_test, message=message, code=code, test_id=case.id, related=related)
        )
    if at_source is not None and at_source != at_test:
        frame_message = f"{case.message or case.outcome} (in {case.id})"
        if frame_rank is not None:
            frame_message += f"; {suspicion(frame_rank)}: {frame_rank.why}"
        found.append(
            Finding(
                location=at_source,
                message=frame_message,
                code=code,
                test_id=case.id,
                related=[at_test] if at_test is not None else [],
            )
        )
    found += [suspicious_finding(case, line) for line in extra]
    return found


def suspicious_finding(case: TestCase, line: SuspiciousLine) -> Finding:
    return Finding(
        location=line.location,
        message=f"{suspicion(line)} for {case.id}: {line.why}",
        severity="warning",
        code=SUSPICIOUS_CODE,
        test_id=case.id,
        score=line.score,
        related=[case.location] if case.location is not None else [],
    )


def suspicion(line: SuspiciousLine) -> str:
    """`suspicious (0.71)`: the score, as every front door words it."""
    return f"suspicious ({line.score:.2f})"


def same_line(location: Location) -> tuple[str, int]:
    return location.path, location.line


def finding_code(case: TestCase) -> str:
    if case.outcome == "failed":
        return "test-failed"
    if case.id.startswith(REQUIREMENTS_ID):
        return (
            "requirement-refused"
            if case.message.startswith("refused")
            else ("requirement-unavailable")
        )
    if "::" not in case.id:
        return "collection-error"
    if case.message.startswith("timed out"):
        return "test-timeout"
    if case.message.startswith("out of memory"):
        return "test-oom"
    return "test-error"
