"""Nothing invalid is written, ever: a file the model got wrong (a pyproject.toml that does not
parse, a requirements.txt of prose, a README that echoes the chat template, Python that does not
parse) is not on disk after the run, complete or stopped early, and the output names it."""

from __future__ import annotations

import threading

import pytest
from fake_openai import Call, Reply
from project import FILES, SPECS, ScriptedModel, requested_path

from service_creator.domain.config import Settings
from service_creator.domain.ports import NoProgress
from service_creator.domain.project import FileSpec
from service_creator.generation.model.engine import ModelEngine
from service_creator.operations.generate import generate_service
from service_creator.operations.interview import start_interview
from service_creator.operations.io import GenerateInput, GenerateOutput, StartInterviewInput
from service_creator.operations.scripted import DEMO_ANSWERS, ScriptedAsker

PYPROJECT = '[project]\nname = "vfw"\nversion = "0.1.0"\n'
REQUIREMENTS = "fastapi>=0.110\npydantic>=2\n"
TEXT_SPECS = [
    FileSpec(path="pyproject.toml", purpose="Project metadata", language="text"),
    FileSpec(path="requirements.txt", purpose="Python dependencies", language="text"),
    *SPECS,
]


def plain(path: str, content: str) -> Reply:
    return Reply(f"Here is `{path}`:\n\n```\n{content}```\n")


class TextModel(ScriptedModel):
    """The scripted project with its two text files, fenced as text (not as Python)."""

    def __init__(self) -> None:
        super().__init__({**FILES, "pyproject.toml": PYPROJECT, "requirements.txt": REQUIREMENTS})

    def __call__(self, call: Call) -> Reply:
        path = requested_path(call)
        if path.endswith((".toml", ".txt")) and not self.overrides.get(path):
            self.overrides[path] = [plain(path, self.files[path])]
        return super().__call__(call)


class StopsAfter:
    """The model's first `n` replies, then 500s: a provider gone mid-run."""

    def __init__(self, model: ScriptedModel, n: int) -> None:
        self.model, self.left = model, n
        self._lock = threading.Lock()

    def __call__(self, call: Call) -> Reply:
        with self._lock:
            self.left -= 1
            gone = self.left < 0
        return Reply(status=500, error="the provider is gone") if gone else self.model(call)


async def generate(workspace, settings: Settings) -> GenerateOutput:
    await start_interview(
        StartInterviewInput(workspace=str(workspace)), Settings(), ScriptedAsker(DEMO_ANSWERS)
    )
    engine = ModelEngine(settings, workspace=workspace)
    engine.plan = lambda requirements: TEXT_SPECS
    return await generate_service(
        GenerateInput(workspace=str(workspace)), settings, NoProgress(), engine=engine
    )


def not_written(output: GenerateOutput, path: str) -> str:
    """Why the output says `path` was not written (it must say so)."""
    said = [f.message for f in output.findings if f.message.startswith(f"{path} was not written")]
    assert said, f"the output does not name {path}: {[f.message for f in output.findings]}"
    assert path not in output.files and path not in output.written
    reasons = {n.path: n.reason for n in output.not_written}
    assert path in reasons and reasons[path] in said[0]
    assert any(m.startswith(f"{path} (not written: ") for m in output.missing)
    assert output.status == "incomplete"
    return said[0]


@pytest.fixture
def model(server) -> TextModel:
    scripted = TextModel()
    server.responder = scripted
    return scripted


async def test_the_text_files_of_a_good_model_are_written(server, settings, model, tmp_path):
    output = await generate(tmp_path, settings)
    assert (tmp_path / "pyproject.toml").read_text() == PYPROJECT
    assert (tmp_path / "requirements.txt").read_text() == REQUIREMENTS
    assert [f for f in output.findings if f.severity == "error"] == []
    assert output.not_written == [] and output.status == "complete"


async def test_a_broken_pyproject_is_not_written(server, settings, model, tmp_path):
    model.overrides["pyproject.toml"] = [plain("pyproject.toml", "[project\nname = vfw\n")] * 5
    output = await generate(tmp_path, settings)
    assert not (tmp_path / "pyproject.toml").exists()
    assert "TOML does not parse" in not_written(output, "pyproject.toml")
    assert model.count("repair", "pyproject.toml") >= 1  # the model was asked to fix it
    assert (tmp_path / "config.py").exists()


async def test_a_pyproject_without_a_project_table_is_not_written(
    server, settings, model, tmp_path
):
    model.overrides["pyproject.toml"] = [plain("pyproject.toml", "[tool.black]\nx = 1\n")] * 5
    output = await generate(tmp_path, settings)
    assert not (tmp_path / "pyproject.toml").exists()
    assert "no [project] table" in not_written(output, "pyproject.toml")


async def test_a_garbage_requirements_file_is_not_written(server, settings, model, tmp_path):
    garbage = "Sure! The dependencies are:\n1. FastAPI\n2. pydantic\n"
    model.overrides["requirements.txt"] = [plain("requirements.txt", garbage)] * 5
    output = await generate(tmp_path, settings)
    assert not (tmp_path / "requirements.txt").exists()
    assert "line 1: requirements.txt: not a PEP 508" in not_written(output, "requirements.txt")


async def test_a_readme_echoing_the_chat_template_is_not_written(server, settings, model, tmp_path):
    echo = "# vfw\n\nA firewall.<end_of_turn>\n<start_of_turn>user\nWrite the file\n"
    model.overrides["README.md"] = [echo] * 5
    output = await generate(tmp_path, settings)
    assert not (tmp_path / "README.md").exists()
    assert "<end_of_turn>" in not_written(output, "README.md")


async def test_a_python_syntax_error_is_not_written_when_the_provider_goes_mid_run(
    server, settings, model, tmp_path
):
    """The run stops before the repair round: the broken file is still not written."""
    model.overrides["schemas.py"] = ["class InstanceCreate(BaseModel:\n    name: str\n"]
    server.responder = StopsAfter(model, 4)  # the four files that need nothing, then 500s
    output = await generate(tmp_path, settings)
    assert output.stopped is not None
    assert model.count("repair") == 0  # stopped before any repair
    assert not (tmp_path / "schemas.py").exists()
    assert "SyntaxError" in not_written(output, "schemas.py")
    assert (tmp_path / "config.py").read_text() == FILES["config.py"]
    assert (tmp_path / "pyproject.toml").read_text() == PYPROJECT


async def test_garbage_text_is_not_written_when_the_provider_goes_mid_run(
    server, settings, model, tmp_path
):
    model.overrides["requirements.txt"] = [plain("requirements.txt", "<|im_start|>assistant\n")]
    model.overrides["pyproject.toml"] = [plain("pyproject.toml", "name = = 1\n")]
    server.responder = StopsAfter(model, 4)
    output = await generate(tmp_path, settings)
    assert output.stopped is not None
    assert not (tmp_path / "requirements.txt").exists()
    assert not (tmp_path / "pyproject.toml").exists()
    assert "<|im_start|>" in not_written(output, "requirements.txt")
    assert "TOML does not parse" in not_written(output, "pyproject.toml")
    assert (tmp_path / "schemas.py").exists()
