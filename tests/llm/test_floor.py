"""The offline project is the floor (issue 16, point 4), run as the user runs it: `interview` and
`generate` in a subprocess against the loopback model server, then the generated project's own
CI steps in its folder. Whatever the model does, the user gets a whole project that passes its
CI; the files that are the offline engine's are named with why, and the exit code says whether
the model run itself finished."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest
from ci_steps import failures, run_ci
from fake_openai import Call, FakeOpenAI, Reply
from project import SPECS, ScriptedModel, requested_path
from test_cli_exit_codes import answers_file, cli
from test_engine import generate as generate_small
from test_engine import vfw_requirements

from service_creator.domain.project import GeneratedFile
from service_creator.domain.requirements import Requirements
from service_creator.generation.model.floor import Floor
from service_creator.generation.offline.generator import render_project
from service_creator.generation.pipeline import Generation
from service_creator.generation.plan import plan
from service_creator.interview.interview import requirements_from

pytestmark = pytest.mark.slow

ECHO = "<start_of_turn>user\nWrite the file as asked.<end_of_turn>\n<start_of_turn>model\n"
WRITE = re.compile(r"Write the file `([^`]+)`")


def offline_project(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A finished interview in a fresh workspace, and the offline engine's files for it."""
    answers = answers_file(tmp_path)
    reference = tmp_path / "offline"
    for ws in (tmp_path / "ws", reference):
        done = cli("interview", "--workspace", str(ws), "--answers", answers)
        assert done.returncode == 0, done.stderr
    done = cli("generate", "--workspace", str(reference), "--json")
    assert done.returncode == 0, done.stderr
    files = json.loads(done.stdout)["files"]
    return tmp_path / "ws", {path: (reference / path).read_text() for path in files}


def generate(ws: Path, server: FakeOpenAI) -> tuple[int, dict, str]:
    done = cli("generate", "--workspace", str(ws), "--json", model=server)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout), done.stderr


class Model:
    """Replies with the offline project's own files, except the paths in `bad`, which always
    get `bad[path]`; counts the codegen prompts per file."""

    def __init__(self, files: dict[str, str], bad: dict[str, str]) -> None:
        self.files, self.bad = files, bad
        self.written: dict[str, int] = {}
        self.lock = threading.Lock()

    def __call__(self, call: Call) -> Reply:
        path = requested_path(call)
        if WRITE.search(call.prompt):
            with self.lock:
                self.written[path] = self.written.get(path, 0) + 1
        return Reply(f"````\n{self.bad.get(path, self.files.get(path, ECHO))}\n````\n")


def assert_whole_project_passes_its_ci(ws: Path, output: dict, offline: dict[str, str]) -> None:
    assert output["status"] in ("complete", "incomplete") and output["missing"] == []
    for path in offline:
        assert (ws / path).is_file(), path
    for fallback in output["fallbacks"]:
        assert (ws / fallback["path"]).read_text() == offline[fallback["path"]]
    steps = run_ci(ws)
    assert all(step.passed for step in steps), failures(steps)


def test_a_model_that_echoes_its_prompt_leaves_the_offline_project(server, tmp_path):
    ws, offline = offline_project(tmp_path)
    server.responder = lambda call: Reply(ECHO + call.prompt[:200])

    code, output, stderr = generate(ws, server)

    assert code == 0 and output["status"] == "complete", stderr
    assert output["by_model"] == []
    fallen = {f["path"]: f["reason"] for f in output["fallbacks"]}
    assert sorted(fallen) == sorted(offline)
    assert all(reason for reason in fallen.values())
    # repaired once in vain; the same failure again, so it was not asked a third time
    assert fallen["config.py"].endswith("invalid syntax, after 1 repair")
    planned = len(offline)
    assert len(server.calls) <= planned * (1 + 3) * 2  # codegen, repairs, once more on the floor
    assert_whole_project_passes_its_ci(ws, output, offline)


def test_one_bad_file_falls_back_and_the_files_built_on_it_are_written_again(server, tmp_path):
    ws, offline = offline_project(tmp_path)
    model = Model(offline, bad={"config.py": "def settings(:\n    pass\n"})
    server.responder = model

    code, output, stderr = generate(ws, server)

    assert code == 0 and output["status"] == "complete", stderr
    fallen = {f["path"]: f["reason"] for f in output["fallbacks"]}
    assert list(fallen) == ["config.py"], fallen
    assert fallen["config.py"] == "line 1: SyntaxError: invalid syntax, after 1 repair"
    specs = {s.path: s for s in plan(requirements_of(ws))}
    built_on_config = [p for p, s in specs.items() if "config.py" in s.depends_on]
    assert built_on_config
    for path in built_on_config:  # first on the broken config.py, then on the offline one
        assert model.written[path] == 2, (path, model.written)
    assert set(output["by_model"]) == set(offline) - {"config.py"}
    assert f"model {len(offline) - 1} files, offline 1" in cli_summary(ws, server, model)
    assert_whole_project_passes_its_ci(ws, output, offline)


def test_a_provider_gone_mid_run_exits_1_with_the_offline_files_in_place(server, tmp_path):
    ws, offline = offline_project(tmp_path)
    model = Model(offline, bad={})
    seen = [0]
    lock = threading.Lock()

    def gone_after_three(call: Call) -> Reply:
        with lock:
            seen[0] += 1
            if seen[0] > 3:
                return Reply(status=500, error="the provider fell over")
        return model(call)

    server.responder = gone_after_three

    code, output, stderr = generate(ws, server)

    assert code == 1 and output["status"] == "incomplete", stderr  # the model run stopped
    assert "fell over" in output["stopped"]
    fallen = {f["path"]: f["reason"] for f in output["fallbacks"]}
    assert fallen and all(reason.startswith("not generated: ") for reason in fallen.values())
    assert 0 < len(output["by_model"]) <= 3
    assert_whole_project_passes_its_ci(ws, output, offline)


def cli_summary(ws: Path, server: FakeOpenAI, model: Model) -> str:
    """The terminal's account of the same run (generate again, without --json)."""
    server.responder = model
    done = cli("generate", "--workspace", str(ws), model=server)
    assert done.returncode == 0, done.stderr
    assert "    offline: config.py (" in done.stderr
    return done.stderr


def requirements_of(ws: Path) -> Requirements:
    (session,) = (ws / ".service-creator" / "sessions").glob("*.json")
    return requirements_from(json.loads(session.read_text())["answers"])


# --- the floor itself -----------------------------------------------------------------------


def test_a_model_file_that_disagrees_with_a_fallback_falls_back_too():
    requirements = vfw_requirements()
    specs = plan(requirements)
    seed = render_project(requirements)
    floor = Floor(specs, seed)
    generation = Generation(files=[f for f in seed if f.path != "schemas.py"])
    manager = next(f for f in generation.files if f.path == "service_manager.py")
    generation.files[generation.files.index(manager)] = GeneratedFile(
        path=manager.path, content="from schemas import NotThere\n\n\nVALUE = NotThere\n"
    )
    generation.not_written["schemas.py"] = "line 1: invalid syntax"

    floor.fall_back(generation, floor.missing(generation, {"schemas.py": 2}))
    floor.agree(generation)

    assert generation.fallbacks["schemas.py"] == "line 1: invalid syntax, after 2 repairs"
    assert "NotThere" in generation.fallbacks["service_manager.py"]
    assert [f for f in generation.findings if f.source == "consistency"] == []
    assert {f.path for f in generation.files} == {s.path for s in specs}


async def test_files_written_on_a_broken_dependency_are_written_again_once_it_is_repaired(
    server, settings, tmp_path
):
    model = ScriptedModel()
    model.overrides["config.py"] = ["def load(:\n    pass\n"]  # then the good file, repaired
    server.responder = model

    output, _engine = await generate_small(tmp_path, settings)

    assert output.status == "complete" and output.fallbacks == []
    assert model.count("repair", "config.py") == 1
    built_on_config = [s.path for s in SPECS if "config.py" in s.depends_on]
    for path in built_on_config:
        assert model.count("codegen", path) == 2, (path, model.seen)
        prompts = [c.prompt for c in server.calls if f"Write the file `{path}`" in c.prompt]
        assert "syntax errors" in prompts[0] and "syntax errors" not in prompts[-1]
    untouched = [s.path for s in SPECS if s.path not in built_on_config and s.path != "API.md"]
    assert all(model.count("codegen", p) == 1 for p in untouched)
