"""JUnit and pytest output → TestReport → Findings, and the result transport; no Docker.

The JUnit reports here are real: the host's pytest writes them for small projects, with the
options the sandbox uses."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from service_creator.domain.reports import Location
from service_creator.sandbox.docker import PYTEST_ARGS
from service_creator.sandbox.execution import STDERR_LIMIT, read_capped, read_results
from service_creator.sandbox.results import (
    RawRun,
    build_report,
    frames,
    parse_junit,
    project_path,
    report_findings,
)
from service_creator.sandbox.runner import CappedBuffer

CALC = "def divide(a, b):\n    return a / b\n"
TESTS = (
    "from app.calc import divide\n\n\n"
    "def test_ok():\n    assert divide(4, 2) == 2\n\n\n"
    "def test_zero():\n    assert divide(1, 0) == 0\n\n\n"
    "class TestGroup:\n    def test_in_class(self):\n        assert 1 + 1 == 3\n\n\n"
    "import pytest\n\n\n"
    "@pytest.mark.skip(reason='not today')\ndef test_skipped():\n    pass\n\n\n"
    "@pytest.fixture\ndef broken():\n    raise RuntimeError('fixture broke')\n\n\n"
    "def test_setup_error(broken):\n    pass\n"
)


def host_junit(root: Path, files: dict[str, str]) -> bytes:
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    args = [a for a in PYTEST_ARGS if not a.startswith(("--rootdir", "--junitxml"))]
    junit = root / "junit.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", *args, f"--rootdir={root}", f"--junitxml={junit}"],
        cwd=root,
        capture_output=True,
        check=False,
    )
    return junit.read_bytes()


@pytest.fixture(scope="module")
def project_junit(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    tmp_path = tmp_path_factory.mktemp("junit")
    files = {
        "app/__init__.py": "",
        "app/calc.py": CALC,
        "app/broken.py": "x = 1\ndef f(\n",
        "tests/test_calc.py": TESTS,
        "tests/test_import_chain.py": "from app import broken\n\n\ndef test_y():\n    pass\n",
        "tests/test_syntax.py": "def test_x(:\n    pass\n",
    }
    return tmp_path, host_junit(tmp_path, files)


def test_each_testcase_gets_its_outcome_and_locations(project_junit: tuple[Path, bytes]) -> None:
    root, junit = project_junit
    cases = {c.id: c for c in parse_junit(junit, root=str(root))}

    assert cases["tests/test_calc.py::test_ok"].outcome == "passed"
    zero = cases["tests/test_calc.py::test_zero"]
    assert zero.outcome == "failed" and zero.message == "ZeroDivisionError: division by zero"
    assert (zero.location.path, zero.location.line) == ("tests/test_calc.py", 9)
    assert (zero.source_location.path, zero.source_location.line) == ("app/calc.py", 2)
    grouped = cases["tests/test_calc.py::TestGroup::test_in_class"]
    assert (grouped.outcome, grouped.location.line, grouped.source_location) == ("failed", 14, None)
    assert cases["tests/test_calc.py::test_skipped"].outcome == "skipped"
    setup = cases["tests/test_calc.py::test_setup_error"]
    assert setup.outcome == "error" and "fixture broke" in setup.message
    assert setup.location.path == "tests/test_calc.py"


def test_syntax_and_collection_errors_have_locations(project_junit: tuple[Path, bytes]) -> None:
    root, junit = project_junit
    cases = {c.id: c for c in parse_junit(junit, root=str(root))}

    syntax = cases["tests/test_syntax.py"]
    assert syntax.outcome == "error" and syntax.message == "SyntaxError: invalid syntax"
    assert (syntax.location.path, syntax.location.line) == ("tests/test_syntax.py", 1)
    chain = cases["tests/test_import_chain.py"]
    assert "was never closed" in chain.message
    assert (chain.location.path, chain.location.line) == ("tests/test_import_chain.py", 1)
    assert (chain.source_location.path, chain.source_location.line) == ("app/broken.py", 2)


def test_findings_link_test_and_source(project_junit: tuple[Path, bytes]) -> None:
    root, junit = project_junit
    report = build_report(RawRun(junit=junit, exit_code=1), root=str(root))
    findings = report_findings(report)

    by_place = {(f.location.path, f.location.line): f for f in findings}
    at_test, at_source = by_place[("tests/test_calc.py", 9)], by_place[("app/calc.py", 2)]
    assert at_test.related == [at_source.location] and at_source.related == [at_test.location]
    assert at_test.code == at_source.code == "test-failed"
    assert by_place[("tests/test_syntax.py", 1)].code == "collection-error"
    assert by_place[("app/broken.py", 2)].related == [
        Location(path="tests/test_import_chain.py", line=1)
    ]
    assert not [f for f in findings if "test_ok" in (f.test_id or "")]
    assert not [f for f in findings if "test_skipped" in (f.test_id or "")]


def test_report_counts_and_outcome(project_junit: tuple[Path, bytes]) -> None:
    _, junit = project_junit
    report = build_report(RawRun(junit=junit, exit_code=1, duration=1.23456))
    assert report.outcome == "failed"
    assert (report.passed, report.failed, report.skipped) == (1, 2, 1)
    assert report.errors == 3  # two collection errors and a fixture error
    assert report.duration == 1.235


@pytest.mark.parametrize(
    ("run", "outcome"),
    [
        (RawRun(exit_code=0), "passed"),
        (RawRun(exit_code=5), "error"),
        (RawRun(exit_code=-9), "error"),
        (RawRun(timed_out=True, timeout=3), "timeout"),
        (RawRun(oom_killed=True, timed_out=True), "oom"),
        (RawRun(error="engine gone", oom_killed=True), "sandbox_error"),
    ],
)
def test_outcomes_are_distinct(run: RawRun, outcome: str) -> None:
    assert build_report(run).outcome == outcome


def test_killed_test_is_found_in_verbose_output(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests/test_loop.py").write_text("def test_a():\n    pass\n\n\ndef test_b():\n")
    output = (
        "tests/test_loop.py::test_a PASSED                [ 50%]\ntests/test_loop.py::test_b \n"
    )
    report = build_report(RawRun(output=output, timed_out=True, timeout=2.5), tmp_path)
    assert report.outcome == "timeout" and "2.5 s" in report.message
    (case,) = report.tests
    assert case.id == "tests/test_loop.py::test_b" and case.message == "timed out after 2.5 s"
    assert (case.location.path, case.location.line) == ("tests/test_loop.py", 5)
    (finding,) = report_findings(report)
    assert finding.code == "test-timeout"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/work/app/x.py", "app/x.py"),
        ("app/x.py", "app/x.py"),
        ("/opt/sandbox/lib/python3.11/site-packages/x.py", None),
        ("/usr/lib/python3.11/json/__init__.py", None),
        ("../escape.py", None),
        ("/work/../etc/x.py", None),
        ("<frozen importlib._bootstrap>", None),
        (".venv/lib/python3.11/site-packages/x.py", None),
    ],
)
def test_paths_map_to_the_workspace(raw: str, expected: str | None) -> None:
    assert project_path(raw) == expected


def test_frames_come_in_traceback_order() -> None:
    text = (
        "tests/test_a.py:3: in test_a\n    f()\n"
        "/opt/sandbox/lib/python3.11/site-packages/lib.py:10: in g\n"
        "app/mod.py:7: ValueError\n"
    )
    assert [(f.path, f.line) for f in frames(text)] == [("tests/test_a.py", 3), ("app/mod.py", 7)]


def tar_of(*entries: tarfile.TarInfo, data: bytes = b"{}") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for entry in entries:
            tar.addfile(entry, io.BytesIO(data) if entry.isreg() else None)
    return buffer.getvalue()


def entry(
    name: str, kind: bytes = tarfile.REGTYPE, size: int = 2, link: str = ""
) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.size, info.linkname = kind, size if kind == tarfile.REGTYPE else 0, link
    return info


def test_result_extraction_keeps_only_known_regular_files() -> None:
    stream = tar_of(
        entry("result.json"),
        entry("../result.json"),
        entry("/etc/passwd"),
        entry("junit.xml", tarfile.SYMTYPE, link="/etc/shadow"),
        entry("output.txt", tarfile.LNKTYPE, link="result.json"),
        entry("evil.sh"),
    )
    assert read_results(stream) == {"result.json": b"{}"}


def test_result_extraction_survives_a_cut_stream() -> None:
    stream = tar_of(entry("result.json"))
    assert read_results(stream[:700]) in ({}, {"result.json": b"{}"})
    assert read_results(b"") == {}


def test_the_host_stops_reading_a_container_past_the_cap() -> None:
    sent = []

    def endless():  # a container that never stops talking, on both streams
        while True:
            sent.append(1)
            yield b"x" * 65536, b"e" * 65536

    captured = read_capped(endless(), cap=1 << 20)

    assert captured.overflowed and len(captured.stdout) <= 1 << 20
    assert len(captured.stderr) <= STDERR_LIMIT
    assert len(sent) == 17  # read no further than the frame that crossed the cap


def test_capped_buffer_keeps_head_and_tail() -> None:
    buffer = CappedBuffer(100)
    for index in range(100):
        buffer.add(f"{index:04d}\n".encode())
    text = buffer.text()
    assert buffer.truncated and buffer.total == 500
    assert text.startswith("0000\n") and text.endswith("0099\n")
    assert "[... 400 bytes of output truncated ...]" in text


def test_escapes_from_the_sandbox_are_removed_from_every_string_of_a_report() -> None:
    escapes = "\x1b]0;pwned\x07\x1b[2J\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\\r"
    report = build_report(RawRun(output=f"out {escapes}\n{escapes}", exit_code=3))
    # XML 1.0 cannot carry C0 controls; C1 controls and bidi overrides it can
    xml_safe = "\x9b31m\u202eevil\x85"
    junit = (
        f'<testsuite><testcase classname="tests.test_x" name="test_{xml_safe}" '
        f'file="tests/test_x.py"><failure message="boom {xml_safe}">'
        "tests/test_x.py:3: AssertionError</failure></testcase></testsuite>"
    )
    from_junit = build_report(RawRun(junit=junit.encode(), exit_code=1))
    case = from_junit.tests[0]
    for text in (report.output, report.message, case.id, case.message):
        assert not any(ch in text for ch in "\x1b\x07\r\x9b\x85\u202e"), repr(text)
    assert "click" in report.output and "pwned" in report.output
    assert report.message.startswith("pytest exited with status 3")
    assert case.id == "tests/test_x.py::test_31mevil" and case.location.line == 3


def test_a_junit_file_outside_the_project_is_not_a_location() -> None:
    junit = (
        "<testsuite>"
        '<testcase classname="a" name="test_abs" file="/etc/passwd" line="0">'
        "<failure>boom</failure></testcase>"
        '<testcase classname="b" name="test_up" file="../../outside.py" line="-7">'
        "<failure>boom</failure></testcase>"
        '<testcase classname="c" name="test_odd" file="tests/test_c.py" line="x" time="nan?">'
        "<failure>boom</failure></testcase>"
        "</testsuite>"
    )
    report = build_report(RawRun(junit=junit.encode(), exit_code=1))
    paths = [t.location.path if t.location else None for t in report.tests]
    assert paths == [None, None, "tests/test_c.py"]
    assert report.failed == 3
