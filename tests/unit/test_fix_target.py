"""Which file a model's fix targets when the run ranked suspicious lines, and which lines and
functions it is shown (operations/fix_target.py, operations/fix.py's focus): the top line's
file; of files tied at the top, the one the user changed; the one file the user changed when
none of its lines ranks; without a ranking, the rules from before."""

from __future__ import annotations

from pathlib import Path

from service_creator.domain.project import FileSpec, GeneratedFile
from service_creator.domain.reports import (
    Localization,
    Location,
    SuspiciousLine,
    TestCase,
    TestLocalization,
    TestReport,
)
from service_creator.generation.workspace import FilesystemWriter, Workspace
from service_creator.operations.fix_prompt import focus_on
from service_creator.operations.fix_target import (
    FOCUS_LINES,
    focus_lines,
    model_target,
    suspicious_lines,
)

BILLING = """\
CENT = 1


def line(quantity, price):
    return quantity * price


class Biller:
    def total(self, lines):
        return sum(line(q, p) for q, p in lines)
"""
SPECS = [
    FileSpec(path="billing.py", purpose="billing", language="python"),
    FileSpec(path="api.py", purpose="api", language="python", depends_on=["billing.py"]),
    FileSpec(
        path="test_api.py",
        purpose="tests",
        language="python",
        depends_on=["api.py", "billing.py"],
    ),
]
FILES = {
    "billing.py": BILLING,
    "api.py": (
        "from billing import Biller\n\n\ndef bill(lines):\n    return Biller().total(lines)\n"
    ),
    "test_api.py": "from api import bill\n\n\ndef test_bill():\n    assert bill([(2, 3)]) == 6\n",
}
CASE = TestCase(
    id="test_api.py::test_bill",
    outcome="failed",
    location=Location(path="test_api.py", line=5),
)


def ranked(*lines: tuple[str, int, float]) -> list[SuspiciousLine]:
    return [
        SuspiciousLine(
            location=Location(path=path, line=line), score=score, failing=1, passing=0, why="w"
        )
        for path, line, score in lines
    ]


async def generated(root: Path, changed: dict[str, str]) -> Workspace:
    """The project as we wrote it, then `changed` by the user."""
    site = Workspace(root)
    await FilesystemWriter(site).apply(
        [GeneratedFile(path=p, content=c) for p, c in FILES.items()], "test"
    )
    for path, text in changed.items():
        (root / path).write_text(text)
    return site


async def test_the_top_lines_file_is_fixed(tmp_path: Path) -> None:
    site = await generated(tmp_path, {})
    lines = ranked(("api.py", 5, 1.0), ("billing.py", 5, 0.7))
    assert model_target(CASE, SPECS, site, lines).path == "api.py"


async def test_of_files_tied_at_the_top_the_one_the_user_changed(tmp_path: Path) -> None:
    site = await generated(tmp_path, {"billing.py": BILLING.replace("*", "+")})
    lines = ranked(("api.py", 5, 1.0), ("api.py", 4, 1.0), ("billing.py", 5, 1.0))
    assert model_target(CASE, SPECS, site, lines).path == "billing.py"
    below = ranked(("api.py", 5, 1.0), ("billing.py", 5, 0.5))  # not tied: the top line
    assert model_target(CASE, SPECS, site, below).path == "api.py"


async def test_the_one_edited_file_when_none_of_its_lines_ranks(tmp_path: Path) -> None:
    site = await generated(tmp_path, {"billing.py": BILLING.replace("*", "+")})
    lines = ranked(("api.py", 5, 1.0))
    assert model_target(CASE, SPECS, site, lines).path == "billing.py"


async def test_without_a_ranking_the_rules_from_before(tmp_path: Path) -> None:
    site = await generated(tmp_path, {"api.py": FILES["api.py"].replace("total", "sum")})
    assert model_target(CASE, SPECS, site).path == "api.py"  # the one the user changed
    unchanged = await generated(tmp_path / "clean", {})
    assert model_target(CASE, SPECS, unchanged).path == "test_api.py"


def test_the_lines_shown_and_the_functions_that_hold_them() -> None:
    lines = ranked(
        *[("api.py", n, 1.0) for n in range(1, FOCUS_LINES + 1)],
        ("billing.py", 5, 1.0),
        ("billing.py", 9, 1.0),
        ("billing.py", 1, 0.2),
    )
    report = TestReport(
        outcome="failed",
        tests=[CASE],
        localization=Localization(tests=[TestLocalization(test_id=CASE.id, lines=lines)]),
    )
    assert suspicious_lines(report, CASE.id) == lines
    assert suspicious_lines(report, "test_api.py::other") == []
    shown = focus_lines(lines, "billing.py")
    assert shown == lines[:FOCUS_LINES] + lines[FOCUS_LINES:]  # its own lines below the top
    assert focus_lines(lines, "test_api.py") == []  # none of its lines ranks: unfocused
    # billing.py:1 is a constant: held by no function, so the whole file is sent
    focus = focus_on(SPECS[0], shown, BILLING)
    assert focus.functions == [] and focus.lines == shown
    entry = focus.ledger_entry("billing.py")
    assert entry is not None and entry.whole_file
    focus = focus_on(SPECS[0], shown[:-1], BILLING)
    assert [f.name for f in focus.functions] == ["line", "Biller.total"]
    entry = focus.ledger_entry("billing.py")
    assert entry is not None and not entry.whole_file
    assert entry.lines[-2:] == ["billing.py:5", "billing.py:9"]
    assert focus_on(SPECS[0], [], BILLING).ledger_entry("billing.py") is None
