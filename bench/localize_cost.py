"""What fault localization costs a sandbox run: the same run with per-test coverage and without.

    .venv/bin/python bench/localize_cost.py [--runs 5]

The demo's project (the offline engine's vFirewall on Cisco FTD, the demo's answers) is
generated once; its failing runs have the demo's planted bug (`quantity + unit_price` in
service_manager.py, given as the overlay, so one test fails), its passing runs the project as
generated. Each way runs the whole sandbox run as a user gets it (tests, then the service
check), cold (a fresh container) and warm (the workspace's kept container), the ways taking
turns run after run so a busy machine slows them alike:

- failing, coverage "off": the baseline;
- failing, "on-failure": a second, traced pass after the failing one (an explicit mode: what
  `auto` did on the first failure after a passing run while tracing cost 1.4x);
- failing, "first-pass": the one pass traced (what `auto` does);
- passing, "off" and passing, "auto": a run without failures, traced, exports nothing.

Printed: the median wall time of each way, its ratio to the same run with coverage off, and the
runner's own figure for the coverage work (`localization.seconds`). Target: at most 1.5x on a
failing run, cold and warm; about 1.0x on a passing run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from service_creator.domain.config import Settings
from service_creator.domain.reports import TestReport
from service_creator.sandbox.image import build_image
from service_creator.sandbox.runs import close_warm, run_in_sandbox
from service_creator.sandbox.spectra import CoverageMode

BUG = ("(quantity * unit_price)", "(quantity + unit_price)")
BUGGY_FILE = "service_manager.py"


@dataclass(frozen=True)
class Way:
    failing: bool
    coverage: CoverageMode
    warm: bool

    @property
    def name(self) -> str:
        run = "failing" if self.failing else "passing"
        return f"{'warm' if self.warm else 'cold'} {run} {self.coverage}"


@dataclass
class Times:
    wall: list[float] = field(default_factory=list[float])
    coverage: list[float] = field(default_factory=list[float])


WAYS = [
    Way(failing, coverage, warm)
    for warm in (False, True)
    for failing, coverage in (
        (True, "off"),
        (True, "on-failure"),
        (True, "first-pass"),
        (False, "off"),
        (False, "auto"),
    )
]


def demo_project(root: Path) -> Path:
    """The demo's project, generated as a user does it (interview answers, then generate)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))
    from cases import generate  # type: ignore[import-not-found]

    from service_creator.operations.scripted import DEMO_ANSWERS

    generate(dict(DEMO_ANSWERS), root)  # type: ignore[no-untyped-call]
    return root / "project"


def run_once(project: Path, way: Way, settings: Settings, overlay: dict[str, str]) -> TestReport:
    report = run_in_sandbox(
        project,
        settings,
        warm=way.warm,
        overlay=overlay if way.failing else None,
        coverage=way.coverage,
    )
    expected = "failed" if way.failing else "passed"
    if report.outcome != expected:
        raise SystemExit(f"{way.name}: the run {report.outcome}: {report.output[-3000:]}")
    traced = way.failing and way.coverage != "off"
    found = report.localization
    if traced and (found is None or found.message or not found.tests):
        raise SystemExit(f"{way.name}: no localization: {found}")
    if not traced and found is not None:
        raise SystemExit(f"{way.name}: a localization where none was wanted")
    return report


def timed(action: Callable[[], TestReport]) -> tuple[float, TestReport]:
    begun = time.perf_counter()
    report = action()
    return time.perf_counter() - begun, report


def table(times: dict[Way, Times]) -> str:
    rows = [
        "| way | median | ratio to coverage off | coverage work (runner) |",
        "|---|---:|---:|---:|",
    ]
    for way in WAYS:
        base = statistics.median(times[Way(way.failing, "off", way.warm)].wall)
        wall = statistics.median(times[way].wall)
        work = times[way].coverage
        covered = f"{statistics.median(work):.2f} s" if work else "-"
        rows.append(f"| {way.name} | {wall:.2f} s | {wall / base:.2f}x | {covered} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    settings = Settings.from_env()
    print(f"sandbox image: {build_image(settings)}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-localize-cost-") as scratch:
        project = demo_project(Path(scratch))
        source = (project / BUGGY_FILE).read_text()
        if BUG[0] not in source:
            raise SystemExit(f"the demo's {BUGGY_FILE} has no {BUG[0]}")
        overlay = {BUGGY_FILE: source.replace(*BUG)}
        times = {way: Times() for way in WAYS}
        try:
            for way in WAYS:  # a first run of each: the warm container, the page cache
                run_once(project, way, settings, overlay)
            for index in range(options.runs):
                for way in WAYS:
                    wall, report = timed(lambda w=way: run_once(project, w, settings, overlay))
                    times[way].wall.append(wall)
                    if report.localization is not None:
                        times[way].coverage.append(report.localization.seconds)
                print(f"run {index + 1} of {options.runs} done", flush=True)
        finally:
            close_warm(project)
    print(f"\ndemo project, {options.runs} runs of each way, medians\n")
    print(table(times))


if __name__ == "__main__":
    main()
