"""The sandbox's line probe against coverage's tracer: the same lines, at what cost.

    .venv/bin/python bench/line_probe.py [--runs 3]

Renders the projects of tests/e2e/cases.py with the offline engine and runs each project's
suite in the sandbox image (one CPU, no network, as the sandbox does) three ways, taking turns:
plain pytest, pytest under coverage's C tracer (coverage 7.18, the wheel downloaded on the host
and installed into the container's /tmp; per-test contexts switched by a plugin, as the runner
did before line_probe.py) and pytest with the probe (sandbox/line_probe.py, as the runner runs
it). Printed: per project, every test's line set compared (lines only one way recorded), and
the median wall time of each way on the demo's project with the ratio to plain pytest.
Needs Docker and the sandbox image (`make sandbox-ready`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from service_creator.domain.config import Settings
from service_creator.sandbox.image import build_image
from service_creator.sandbox.runner import LINE_PROBE

COVERAGE = "coverage==7.18.0"
DEMO = "vFirewall-cisco"
PYTEST = "-q -p no:cacheprovider --color=no"
# The runner's traced pytest before the probe (b62d34f..95973f2), without the `computes` export.
COVERAGE_PYTEST = """\
import json, sys
import coverage, pytest

cov = coverage.Coverage(data_file=None, config_file=False, source=["/w"],
    omit=["*/test_*.py", "*/*_test.py", "*/conftest.py", "*/tests/*", "*/test/*"])

class Plugin:
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        cov.switch_context(item.nodeid)
        yield
        cov.switch_context("")

cov.start()
try:
    status = int(pytest.main(sys.argv[2:], plugins=[Plugin()]))
finally:
    cov.stop()
data, contexts = cov.get_data(), {}
for path in sorted(data.measured_files()):
    for line, names in data.contexts_by_lineno(path).items():
        for name in names:
            if name:
                contexts.setdefault(name, {}).setdefault(path, []).append(line)
json.dump({"contexts": contexts}, open(sys.argv[1], "w"))
sys.exit(status)
"""
SCRIPT = f"""\
set -e
pip_target=/tmp/cov
python3 -m pip install -q --no-index --disable-pip-version-check --target $pip_target /wheels/*.whl
cd /w
for i in $(seq "$1"); do
  for way in plain coverage probe; do
    begun=$(python3 -c 'import time; print(time.monotonic())')
    case $way in
      plain) python3 -m pytest {PYTEST} > /dev/null || true ;;
      coverage) PYTHONPATH=$pip_target python3 /x/coverage_pytest.py /o/coverage.json {PYTEST} \\
                  > /dev/null || true ;;
      probe) python3 /x/line_probe.py /w /o/probe.json always -- {PYTEST} > /dev/null || true ;;
    esac
    python3 -c "import time; print('$way', time.monotonic() - $begun)" >> /o/times.txt
  done
done
"""


def cases():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))
    import cases as found  # type: ignore[import-not-found]

    return found  # type: ignore[no-any-return]


def render(root: Path, name: str) -> Path:
    from service_creator.generation.offline.generator import render_project

    folder = root / name
    for generated in render_project(cases().CASES[name]):  # type: ignore[no-untyped-call]
        target = folder / generated.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(generated.content)
    return folder


def run(image: str, project: Path, scratch: Path, runs: int) -> Path:
    out = Path(tempfile.mkdtemp(dir=scratch))
    out.chmod(0o777)
    docker = ["docker", "run", "--rm", "--cpus", "1", "--network", "none", "--tmpfs", "/tmp"]
    mounts = [f"{project}:/w:ro", f"{scratch}/tools:/x:ro", f"{scratch}/wheels:/wheels:ro"]
    volumes = [arg for mount in [*mounts, f"{out}:/o"] for arg in ("-v", mount)]
    command = [*docker, *volumes, "--entrypoint", "bash", image, "/x/run.sh", str(runs)]
    subprocess.run(command, check=True, capture_output=True, timeout=900)
    return out


def differences(out: Path) -> tuple[int, int, int]:
    """(test-lines coverage recorded, lines only coverage's, lines only the probe's)."""
    by_coverage = json.loads((out / "coverage.json").read_text())["contexts"]
    by_probe = json.loads((out / "probe.json").read_text())["contexts"]
    total = only_coverage = only_probe = 0
    for test in by_coverage.keys() | by_probe.keys():
        files_a, files_b = by_coverage.get(test, {}), by_probe.get(test, {})
        for path in files_a.keys() | files_b.keys():
            a, b = set(files_a.get(path, [])), set(files_b.get(path, []))
            total += len(a)
            only_coverage += len(a - b)
            only_probe += len(b - a)
    return total, only_coverage, only_probe


def times(out: Path) -> dict[str, float]:
    seen: dict[str, list[float]] = {}
    for line in (out / "times.txt").read_text().splitlines():
        way, seconds = line.split()
        seen.setdefault(way, []).append(float(seconds))
    return {way: statistics.median(values) for way, values in seen.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs on the demo's project")
    options = parser.parse_args()
    image = build_image(Settings.from_env())
    with tempfile.TemporaryDirectory(prefix="bench-line-probe-") as folder:
        scratch = Path(folder)
        tools = scratch / "tools"
        tools.mkdir()
        (tools / "run.sh").write_text(SCRIPT)
        (tools / "coverage_pytest.py").write_text(COVERAGE_PYTEST)
        (tools / "line_probe.py").write_text(LINE_PROBE.read_text())
        download = ["pip", "download", "-q", "--only-binary=:all:", "--no-deps"]
        target = ["--python-version", "3.11", "-d", str(scratch / "wheels"), COVERAGE]
        subprocess.run([sys.executable, "-m", *download, *target], check=True, timeout=300)
        all_lines = all_coverage = all_probe = 0
        names: list[str] = sorted(cases().CASES)  # type: ignore[no-untyped-call]
        for name in names:
            out = run(image, render(scratch / "projects", name), scratch, 1)
            total, only_coverage, only_probe = differences(out)
            all_lines += total
            all_coverage += only_coverage
            all_probe += only_probe
            print(f"{name}: {total} test-lines, only coverage {only_coverage}, only probe", end=" ")
            print(only_probe)
        print(
            f"all: {all_lines} test-lines; only coverage {all_coverage}"
            f" ({all_coverage / all_lines:.3%}), only the probe {all_probe}"
            f" ({all_probe / all_lines:.3%})\n"
        )
        medians = times(run(image, scratch / "projects" / DEMO, scratch, options.runs))
        print(f"the demo's project ({DEMO}), {options.runs} runs of each way, medians:\n")
        print("| way | median | ratio to plain pytest |\n|---|---:|---:|")
        for way in ("plain", "coverage", "probe"):
            print(f"| {way} | {medians[way]:.2f} s | {medians[way] / medians['plain']:.2f}x |")


if __name__ == "__main__":
    main()
