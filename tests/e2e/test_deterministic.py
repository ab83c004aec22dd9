"""Same answers and engine, the same bytes: generation depends on nothing but its input.

Every case is generated in two separate processes with different hash seeds (so an order that
depends on hashing, such as iterating a set of strings, shows up as a difference) into two
folders, and every file is compared byte for byte. A third process, with a third seed,
generates again into the first folder: every file is reported unchanged and none is written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cases import ANSWERS

from service_creator.domain.confine import STATE_DIR

pytestmark = pytest.mark.slow

# Generates each case named on the command line, in this one process, with the CLI's `main`
# (interview from the answers file, then generate), and prints each generation's JSON report.
DRIVER = """
import contextlib, io, json, sys
from pathlib import Path
from service_creator.frontends.cli.main import main

answers, root, again, *cases = sys.argv[1:]
for case in cases:
    project = str(Path(root) / case)
    commands = [["generate", "--workspace", project, "--json"]]
    if again != "again":
        interview = ["interview", "--answers", str(Path(answers) / f"{case}.yaml")]
        commands.insert(0, [*interview, "--workspace", project])
    for command in commands:
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()) as err:
            code = main(command)
        if code != 0:
            raise SystemExit(f"{case}: {command[0]} exited {code}: {err.getvalue()}")
    print(json.dumps({"case": case, "report": json.loads(out.getvalue())}))
"""


def start(answers: Path, root: Path, seed: int, *, again: bool = False) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICE_CREATOR_")}
    env.update({"PYTHONHASHSEED": str(seed), "SERVICE_CREATOR_MODEL": "offline"})
    mode = "again" if again else "fresh"
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(answers), str(root), mode, *ANSWERS],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def reports(process: subprocess.Popen[str]) -> dict[str, dict[str, list[str]]]:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err[-4000:]
    lines = [json.loads(line) for line in out.splitlines()]
    return {line["case"]: line["report"] for line in lines}


def project_files(root: Path) -> dict[str, bytes]:
    """Every file under `root` but our state folder (sessions and the manifest hold times)."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and STATE_DIR not in path.relative_to(root).parts
    }


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every case generated under hash seed 1 into `one/`, and under seed 2 into `two/`."""
    root = tmp_path_factory.mktemp("deterministic")
    answers = root / "answers"
    answers.mkdir()
    for case, values in ANSWERS.items():
        (answers / f"{case}.yaml").write_text(yaml.safe_dump(values), encoding="utf-8")
    one = start(answers, root / "one", 1)
    two = start(answers, root / "two", 2)  # two at a time: the machine has two cores
    for process in (one, two):
        for report in reports(process).values():
            assert report["conflicts"] == [] and sorted(report["written"]) == sorted(
                report["files"]
            )
    return root


@pytest.mark.parametrize("case", ANSWERS)
def test_two_processes_with_different_hash_seeds_write_the_same_bytes(
    generated: Path, case: str
) -> None:
    one = project_files(generated / "one" / case)
    two = project_files(generated / "two" / case)
    assert one.keys() == two.keys()
    differ = [name for name in one if one[name] != two[name]]
    assert differ == [], f"{case}: these files differ between hash seeds 1 and 2: {differ}"


def sessions(project: Path) -> list[str]:
    return [
        path.relative_to(project).as_posix()
        for path in sorted((project / STATE_DIR / "sessions").glob("*.json"))
    ]


def test_generating_again_reports_every_file_unchanged_and_writes_nothing(
    generated: Path,
) -> None:
    root = generated / "one"
    manifest = f"{STATE_DIR}/manifest.json"
    names = {
        case: [*project_files(root / case), manifest, *sessions(root / case)] for case in ANSWERS
    }
    before = {case: {name: (root / case / name).stat() for name in names[case]} for case in ANSWERS}

    again = reports(start(generated / "answers", root, 3, again=True))

    for case in ANSWERS:
        report = again[case]
        assert report["written"] == [] and report["conflicts"] == [], (case, report)
        assert sorted(report["unchanged"]) == sorted(report["files"]), case
        for name, stat in before[case].items():  # no file, nor the manifest or session, written
            now = (root / case / name).stat()
            assert (now.st_ino, now.st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns), (case, name)
