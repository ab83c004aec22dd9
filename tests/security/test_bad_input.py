"""Bad input must not take the tool down, played through the installed `service-creator`
command as a user (or an attacker who wrote the files) would: each attack ends in one clear
line naming the problem and what to do, no traceback, and nothing of the user's lost.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from service_creator.domain.atomic import atomic_write
from service_creator.domain.errors import UnsafeFileError, WorkspaceError
from service_creator.domain.project import GeneratedFile
from service_creator.generation.workspace import FilesystemWriter, Workspace
from service_creator.llm.ledger import Ledger
from service_creator.operations.scripted import DEMO_ANSWERS

COMMAND = str(Path(sys.executable).with_name("service-creator"))
SMALL_OUTPUT = 4096  # bytes: what a clear message needs, far from what an echoed attack takes
MEMORY_CAP = 1 << 30  # address space of the child: a regression fails here, not in the machine
CPU_SECONDS = 20  # the alias bomb took 74 s of CPU before
RSS_BOUND_KB = 200 * 1024  # the command itself needs about 40 MB


def environment() -> dict[str, str]:
    """The user's environment without our settings: the offline engine, as in a fresh shell."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SERVICE_CREATOR_")}


def cli(*args: str | Path, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [COMMAND, *map(str, args)], input=stdin, capture_output=True, env=environment(), timeout=120
    )
    return subprocess.CompletedProcess(
        done.args,
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )


def one_clear_line(done: subprocess.CompletedProcess[str]) -> str:
    """The single `error:` line the command printed, after checking it printed nothing else."""
    assert done.returncode == 2, done.stderr[:SMALL_OUTPUT]
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr[:SMALL_OUTPUT]
    assert len(done.stderr) < 1000
    return lines[0]


def write_answers(folder: Path, answers: dict[str, object]) -> Path:
    path = folder / "answers.yaml"
    path.write_text(yaml.safe_dump(answers), encoding="utf-8")
    return path


def interviewed(tmp_path: Path) -> Path:
    """A workspace whose interview is complete (the demo's answers)."""
    ws = tmp_path / "ws"
    done = cli("interview", "--workspace", ws, "--answers", write_answers(tmp_path, DEMO_ANSWERS))
    assert done.returncode == 0, done.stderr
    return ws


def session_file(ws: Path) -> Path:
    (path,) = (ws / ".service-creator" / "sessions").glob("*.json")
    return path


def paused_session(tmp_path: Path) -> Path:
    """A workspace with an interview paused after two answers: work a bad input must not lose."""
    ws = tmp_path / "ws"
    done = cli("interview", "--workspace", ws, stdin=b"vVPN\nFortinet\n")
    assert done.returncode == 1 and "Paused" in done.stderr
    return ws


def generated_files(ws: Path) -> set[str]:
    return {
        p.relative_to(ws).as_posix()
        for p in ws.rglob("*")
        if p.is_file() and ".service-creator" not in p.parts
    }


# --- the answers file ------------------------------------------------------------------------


def test_an_answers_file_that_is_not_utf8_is_one_clear_line_and_loses_nothing(tmp_path):
    ws = paused_session(tmp_path)
    saved = session_file(ws).read_bytes()
    answers = tmp_path / "answers.yaml"
    answers.write_bytes("service_type: vFirewall\nservice_name: café\n".encode("latin-1"))

    line = one_clear_line(cli("interview", "--workspace", ws, "--answers", answers))

    assert "not UTF-8" in line and str(answers) in line and "save it as UTF-8" in line
    assert session_file(ws).read_bytes() == saved


# Runs the command as its own child, under the caps, and prints that child's peak RSS. A
# direct child of this (large) test process would inherit its memory high-water mark: the
# kernel keeps a process's peak across fork and exec.
MEASURED_RUN = """
import os, resource, subprocess, sys
cap, cpu = int(sys.argv[1]), int(sys.argv[2])
def limited():
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
child = subprocess.Popen(sys.argv[3:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         preexec_fn=limited)
_, status, usage = os.wait4(child.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


def run_measured(args: list[str]) -> tuple[int, str, int, float]:
    """Exit code, stderr, peak RSS (KiB) and wall seconds of one capped run of the command: a
    bomb that expands ends in MemoryError or SIGXCPU."""
    limits = [str(MEMORY_CAP), str(CPU_SECONDS)]
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", MEASURED_RUN, *limits, COMMAND, *args],
        capture_output=True,
        text=True,
        env=environment(),
        timeout=4 * CPU_SECONDS,
    )
    seconds = time.monotonic() - started
    code, rss_kb = (int(part) for part in done.stdout.split())
    return code, done.stderr, rss_kb, seconds


def alias_bomb(levels: int = 9) -> str:
    """`a: &a [x, x, …]`, then each level a list of nine aliases of the one before."""
    names = [chr(ord("a") + i) for i in range(levels)]
    lines = [f"{names[0]}: &{names[0]} [{', '.join(['x'] * 9)}]"]
    for before, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [{', '.join([f'*{before}'] * 9)}]")
    return "\n".join(lines) + "\n"


def test_a_yaml_alias_bomb_is_refused_quickly_in_bounded_memory(tmp_path):
    ws = paused_session(tmp_path)
    saved = session_file(ws).read_bytes()
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(alias_bomb())
    assert bomb.stat().st_size < 1000  # 9**9 = 387 million strings once expanded

    code, stderr, rss_kb, seconds = run_measured(
        ["interview", "--workspace", str(ws), "--answers", str(bomb)]
    )

    assert code == 2, stderr[:SMALL_OUTPUT]
    assert seconds < CPU_SECONDS
    assert rss_kb < RSS_BOUND_KB
    assert "Traceback" not in stderr and "MemoryError" not in stderr
    (line,) = stderr.strip().splitlines()
    assert "anchor or alias" in line and "line 1" in line and "write each answer out" in line
    assert session_file(ws).read_bytes() == saved


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("a: " + "[" * 100_000 + "]" * 100_000 + "\n", "nest"),
        ("service_type: !" + "t" * 50_000 + " x\n", "not valid YAML"),
        ("a: [1, 2\nb: c\n", "not valid YAML"),
    ],
    ids=["deep-nesting", "megabyte-tag", "broken"],
)
def test_hostile_yaml_is_one_short_clear_line(tmp_path, content, says):
    answers = tmp_path / "answers.yaml"
    answers.write_text(content)

    line = one_clear_line(cli("interview", "--workspace", tmp_path / "ws", "--answers", answers))

    assert says in line and str(answers) in line


def test_an_answers_file_over_a_mebibyte_is_refused_unread(tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("service_name: " + "a" * (10 << 20) + "\n")

    line = one_clear_line(cli("interview", "--workspace", tmp_path / "ws", "--answers", answers))

    assert "byte limit" in line and "a" * 100 not in line


@pytest.mark.parametrize("kind", ["symlink", "fifo"])
def test_an_answers_file_that_is_a_link_or_a_fifo_is_refused(tmp_path, kind):
    secret = tmp_path / "secret.txt"
    secret.write_text("service_type: TOP-SECRET-LINE\n")
    answers = tmp_path / "answers.yaml"
    if kind == "symlink":
        answers.symlink_to(secret)
    else:
        os.mkfifo(answers)  # opening it for reading would block for ever

    line = one_clear_line(cli("interview", "--workspace", tmp_path / "ws", "--answers", answers))

    assert "TOP-SECRET" not in line
    assert ("symbolic link" if kind == "symlink" else "not a regular file") in line


# --- answers are never echoed before they are checked ----------------------------------------


def test_a_ten_megabyte_typed_answer_is_not_echoed(tmp_path):
    ws = tmp_path / "ws"
    answer = b"x" * (10 << 20)

    done = cli("interview", "--workspace", ws, stdin=answer + b"\n")

    assert done.returncode == 1 and "Traceback" not in done.stderr  # paused, asked again
    assert len(done.stdout) + len(done.stderr) < SMALL_OUTPUT
    assert "is not an option" in done.stderr and "(10,485,760 characters)" in done.stderr
    assert b"x" * 1000 not in session_file(ws).read_bytes()


@pytest.mark.parametrize("question", ["service_name", "service_type", "price"])
def test_a_huge_scripted_answer_is_neither_echoed_nor_quoted_whole(tmp_path, question):
    answers = write_answers(tmp_path, {**DEMO_ANSWERS, question: "7" * 900_000})

    done = cli("interview", "--workspace", tmp_path / "ws", "--answers", answers)

    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stdout) + len(done.stderr) < SMALL_OUTPUT
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: Invalid answer for '{question}'")
    assert "7" * 100 not in done.stderr  # neither echoed (`-> 777…`) nor quoted whole


@pytest.mark.parametrize("price", [float("nan"), float("inf")])
def test_a_price_that_is_not_a_finite_number_is_refused(tmp_path, price):
    answers = write_answers(tmp_path, {**DEMO_ANSWERS, "price": price})

    done = cli("interview", "--workspace", tmp_path / "ws", "--answers", answers)

    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].endswith("is not a finite number")


# --- a session whose answer is no longer an option -------------------------------------------


def test_a_saved_answer_that_is_no_longer_an_option_is_asked_again(tmp_path):
    ws = interviewed(tmp_path)
    path = session_file(ws)
    session = json.loads(path.read_text())
    session["answers"]["service_type"] = "vToaster"
    path.write_text(json.dumps(session))
    saved = path.read_bytes()

    line = one_clear_line(cli("generate", "--workspace", ws))

    assert "'service_type'" in line and "'vToaster' is not an option" in line
    assert "answer 'service_type' again" in line
    assert generated_files(ws) == set()  # nothing generated from answers that do not fit
    assert path.read_bytes() == saved

    again = cli("interview", "--workspace", ws, stdin=b"vFirewall\nyes\n")
    assert again.returncode == 0, again.stderr
    assert "Your saved answer cannot be used any more: 'vToaster' is not an option" in again.stderr
    answers = json.loads(path.read_text())["answers"]
    assert answers["service_type"] == "vFirewall"
    assert answers["service_name"] == DEMO_ANSWERS["service_name"]  # the rest was kept
    assert cli("generate", "--workspace", ws).returncode == 0


def test_a_saved_revision_of_no_question_is_dropped_not_obeyed(tmp_path):
    ws = interviewed(tmp_path)
    path = session_file(ws)
    session = json.loads(path.read_text())
    session["revising"] = "x" * 100_000  # names no question: every command used to fail on it
    path.write_text(json.dumps(session))

    done = cli("generate", "--workspace", ws, "--json")

    assert done.returncode == 0, done.stderr[:SMALL_OUTPUT]
    assert "service_manager.py" in json.loads(done.stdout)["written"]


# --- generated paths the filesystem cannot hold ----------------------------------------------


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("a/" * 2000 + "main.py", "2,001 components; at most 64"),
        ("n" * 253 + ".py", "256 bytes long; at most 255"),
        ("abcdefgh/" * 500 + "x.py", "4,504 bytes long; at most 4096"),
    ],
    ids=["2000-components", "long-name", "long-path"],
)
async def test_a_generated_path_too_deep_or_long_is_refused_before_any_write(
    tmp_path, path, reason
):
    ws = tmp_path / "ws"
    ws.mkdir()
    writer = FilesystemWriter(ws)
    batch = [
        GeneratedFile(path="README.md", content="# ok\n"),
        GeneratedFile(path=path, content=""),
    ]

    with pytest.raises(WorkspaceError) as caught:
        await writer.apply(batch, "Service Creator: generate")

    message = str(caught.value)
    assert reason in message and len(message) < 400 and "…" in message
    assert list(ws.iterdir()) == []  # not README.md either, nor the manifest


def test_atomic_write_creates_1500_folders_without_recursing(tmp_path):
    deep = tmp_path.joinpath(*["d"] * 1500) / "file.txt"
    assert len(str(deep)) < 4000 and sys.getrecursionlimit() < 1500
    try:
        atomic_write(deep, "deep\n")

        assert deep.read_text() == "deep\n"
    finally:
        remove_chain(deep)


def remove_chain(file: Path) -> None:
    """Remove `file` and its folders up to the test's own, in a loop (`shutil.rmtree`, which
    pytest cleans up with, recurses once per folder too)."""
    file.unlink(missing_ok=True)
    folder = file.parent
    while folder.name == "d":
        if folder.exists():
            folder.rmdir()
        folder = folder.parent


# --- a .new the user edited ------------------------------------------------------------------


def test_a_new_file_the_user_edited_survives_a_regenerate(tmp_path):
    ws = interviewed(tmp_path)
    assert cli("generate", "--workspace", ws).returncode == 0
    mine = ws / "service_manager.py"
    mine.write_text(mine.read_text() + "\n# my change\n")
    first = json.loads(cli("generate", "--workspace", ws, "--json").stdout)
    assert first["conflicts"] == ["service_manager.py"]
    proposal = Path(f"{mine}.new")
    ours = proposal.read_text()
    proposal.write_text(ours + "\n# merged by hand\n")  # the user works in our .new
    edited = proposal.read_text()

    again = cli("generate", "--workspace", ws, "--json")

    assert again.returncode == 0, again.stderr
    output = json.loads(again.stdout)
    assert output["conflicts"] == ["service_manager.py.new"]  # kept, and said so
    assert proposal.read_text() == edited
    assert Path(f"{proposal}.new").read_text() == ours
    assert mine.read_text().endswith("# my change\n")
    told = cli("generate", "--workspace", ws).stderr
    assert "kept your edited service_manager.py.new" in told


def test_a_new_file_left_as_we_wrote_it_is_updated(tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    site = Workspace(root)
    site.write_generated([GeneratedFile(path="app.py", content="A = 1\n")])
    (root / "app.py").write_text("A = 1  # mine\n")
    site.write_generated([GeneratedFile(path="app.py", content="A = 2\n")])

    result = site.write_generated([GeneratedFile(path="app.py", content="A = 3\n")])

    assert result.conflicts == ["app.py"]
    assert (root / "app.py.new").read_text() == "A = 3\n"
    assert not (root / "app.py.new.new").exists()


# --- host-side reads of our own state refuse links and special files -------------------------


def test_a_fifo_where_a_file_is_generated_does_not_hang_generate(tmp_path):
    ws = interviewed(tmp_path)
    os.mkfifo(ws / "README.md")  # reading it to compare would block for ever

    done = cli("generate", "--workspace", ws, "--json")

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["conflicts"] == ["README.md"]
    assert (ws / "README.md.new").is_file()


def test_a_manifest_that_is_a_link_is_refused_not_followed(tmp_path):
    ws = interviewed(tmp_path)
    secret = tmp_path / "secret.json"
    secret.write_text('{"version": 1, "files": {}}')
    (ws / ".service-creator" / "manifest.json").symlink_to(secret)

    line = one_clear_line(cli("generate", "--workspace", ws, "--json"))  # --json: no progress

    assert "manifest.json" in line and "symbolic link" in line
    assert secret.read_text() == '{"version": 1, "files": {}}'
    assert generated_files(ws) == set()


def test_a_ledger_that_is_a_link_is_refused_not_followed(tmp_path):
    secret = tmp_path / "secret.json"
    secret.write_text('{"id": "stolen"}')
    folder = tmp_path / "ws" / ".service-creator" / "ledger"
    folder.mkdir(parents=True)
    (folder / "interview-0123456789ab.json").symlink_to(secret)

    with pytest.raises(UnsafeFileError, match="symbolic link"):
        Ledger.resume(tmp_path / "ws", "interview-0123456789ab", "interview")
