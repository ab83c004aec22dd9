"""The model engine end to end through `generate_service`, against the scripted server: files
from replies with prose and fences, the repair round, the consistency check, the budget, the
ledger."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_openai import Reply
from project import API, CONFIG, FILES, MANAGER, SCHEMAS, SPECS, TESTS, ScriptedModel

from service_creator.domain.config import Settings
from service_creator.domain.ports import NoProgress
from service_creator.domain.project import GeneratedFile
from service_creator.generation.model.engine import ModelEngine
from service_creator.llm.errors import LLMError
from service_creator.operations.generate import generate_service
from service_creator.operations.interview import start_interview
from service_creator.operations.io import GenerateInput, GenerateOutput, StartInterviewInput
from service_creator.operations.scripted import DEMO_ANSWERS, ScriptedAsker


@pytest.fixture
def model(server) -> ScriptedModel:
    scripted = ScriptedModel()
    server.responder = scripted
    return scripted


async def generate(workspace, settings: Settings) -> tuple[GenerateOutput, ModelEngine]:
    await start_interview(
        StartInterviewInput(workspace=str(workspace)),
        Settings(),  # the offline graph: the interview is not under test here
        ScriptedAsker(DEMO_ANSWERS),
    )
    engine = ModelEngine(settings, workspace=workspace)
    engine.plan = lambda requirements: SPECS  # the small project of project.py
    output = await generate_service(
        GenerateInput(workspace=str(workspace)), settings, NoProgress(), engine=engine
    )
    return output, engine


def prompt_for(server, path: str, kind: str = "Write the file") -> str:
    calls = [c for c in server.calls if f"{kind} `{path}`" in c.prompt]
    assert calls, f"no prompt for {path}"
    return calls[-1].prompt


async def test_a_model_writes_the_project_and_the_ledger_matches_the_server(
    server, settings, model, tmp_path
):
    output, _engine = await generate(tmp_path, settings)
    assert output.stopped is None and output.engine == "openai/fake-coder"
    assert sorted(output.written) == sorted(s.path for s in SPECS)
    assert [f for f in output.findings if f.severity == "error"] == []
    assert (tmp_path / "api_endpoints.py").read_text() == API  # prose and fences stripped
    assert (
        "| POST | `/instances` | `create_instance(request: InstanceCreate) -> Instance`"
        in (tmp_path / "API.md").read_text()
    )
    # the prompt carries the symbol tables of the dependencies, not their text
    api_prompt = prompt_for(server, "api_endpoints.py")
    assert "class InstanceCreate(BaseModel)" in api_prompt and "def create(self" in api_prompt
    assert "too many instances" not in api_prompt
    # and the requirements, one line each, and the plan
    assert "\nservice_type: vFirewall\n" in api_prompt and "vendors: Cisco\n" in api_prompt
    assert "in the order they are written: config.py, schemas.py, service_manager.py" in api_prompt

    ledger = json.loads(Path(output.ledger).read_text())
    assert output.ledger.startswith(str(tmp_path / ".service-creator" / "ledger"))
    assert len(ledger["calls"]) == len(server.calls) == 6  # 5 files + the README
    prompt, completion = server.usage
    assert (ledger["prompt_tokens"], ledger["completion_tokens"]) == (prompt, completion)
    assert sum(c["prompt_tokens"] for c in ledger["calls"]) == prompt
    assert {c["model"] for c in ledger["calls"]} == {"openai/fake-coder"}
    assert {c["stage"] for c in ledger["calls"]} == {"codegen", "tests", "docs"}
    assert ledger["cost_usd"] is None and ledger["cost_complete"] is False
    assert {"codegen", "tests", "docs", "pipeline"} <= set(ledger["stage_seconds"])
    assert ledger["repair_rounds"] == 0 and ledger["stopped"] is None


async def test_a_syntax_error_is_fixed_by_the_repair_round(server, settings, model, tmp_path):
    model.overrides["schemas.py"] = ["class InstanceCreate(BaseModel:\n    name: str\n"]
    output, engine = await generate(tmp_path, settings)
    assert model.count("repair", "schemas.py") == 1
    repair = prompt_for(server, "schemas.py", "The file")
    assert "line 1: SyntaxError" in repair and "class InstanceCreate(BaseModel:" in repair
    assert (tmp_path / "schemas.py").read_text() == SCHEMAS
    assert [f for f in output.findings if f.severity == "error"] == []
    assert engine.ledger.data.repair_rounds == 1
    assert [c.stage for c in engine.ledger.data.calls].count("review") == 1


async def test_the_readme_is_written_again_when_a_repair_changed_what_it_describes(
    server, settings, model, tmp_path
):
    model.overrides["config.py"] = ["class Settings(BaseModel:\n    port: int\n"]
    model.overrides["README.md"] = ["# first draft, from a broken config\n"]
    await generate(tmp_path, settings)
    assert model.count("repair", "config.py") == 1
    assert model.count("codegen", "README.md") == 2
    assert (tmp_path / "README.md").read_text() == FILES["README.md"]


async def test_an_import_of_a_missing_symbol_is_found_and_fixed(server, settings, model, tmp_path):
    broken = MANAGER.replace(
        "from schemas import Instance, InstanceCreate",
        "from schemas import Instance, InstanceCreate, InstanceRecord",
    ).replace("def all(self) -> list[Instance]:", "def all(self) -> list[InstanceRecord]:")
    model.overrides["service_manager.py"] = [broken]
    output, engine = await generate(tmp_path, settings)
    assert model.count("repair", "service_manager.py") == 1
    repair = prompt_for(server, "service_manager.py", "The file")
    assert "InstanceRecord" in repair
    assert "class Instance(BaseModel)" in repair  # what schemas.py really defines
    assert (tmp_path / "service_manager.py").read_text() == MANAGER
    assert [f for f in output.findings if f.source == "consistency"] == []
    assert engine.ledger.data.repair_rounds == 1


async def test_a_route_without_a_test_is_repaired_in_the_test_file(
    server, settings, model, tmp_path
):
    untested = TESTS.replace('    assert len(client.get("/instances").json()) >= 1\n', "")
    model.overrides["test_suite.py"] = [untested]
    output, _engine = await generate(tmp_path, settings)
    assert model.count("repair", "test_suite.py") == 1
    assert model.count("repair", "api_endpoints.py") == 0  # the route stays; the test is added
    repair = prompt_for(server, "test_suite.py", "The file")
    route = API.splitlines().index('@app.get("/instances", response_model=list[Instance])') + 1
    assert f"api_endpoints.py line {route}: GET /instances (list_instances" in repair
    assert (tmp_path / "test_suite.py").read_text() == TESTS
    assert [f for f in output.findings if f.source == "consistency"] == []


async def test_the_same_failure_twice_stops_the_repair_loop_early(
    server, settings, model, tmp_path
):
    model.overrides["schemas.py"] = ["class Broken(:\n    pass\n"] * 4
    output, engine = await generate(tmp_path, settings)
    assert model.count("repair", "schemas.py") == 1  # not 3: the same failure came back
    assert engine.ledger.data.repair_rounds == 1
    assert engine.ledger.data.repair_given_up == ["schemas.py"]
    assert "schemas.py" not in output.written and not (tmp_path / "schemas.py").exists()
    assert any("schemas.py was not written" in f.message for f in output.findings)
    assert "config.py" in output.written


async def test_the_budget_stops_the_generation_cleanly_keeping_what_was_done(
    server, settings, model, tmp_path
):
    # config.py (the run's first call, ~400 tokens) then schemas.py (~400) fit; the prompt of
    # service_manager.py (~580 more) would not: it is not asked for
    limited = settings.model_copy(update={"budget_tokens": 1000})
    output, _engine = await generate(tmp_path, limited)
    assert sorted(p for k, p in model.seen) == ["config.py", "schemas.py"]
    assert "token budget of 1000 would be exceeded" in output.stopped
    assert sorted(output.written) == ["config.py", "schemas.py"]  # no partial docs either
    assert (tmp_path / "config.py").read_text() == CONFIG
    assert not (tmp_path / "api_endpoints.py").exists()
    ledger = json.loads(Path(output.ledger).read_text())
    assert "token budget" in ledger["stopped"] and len(ledger["calls"]) == 2


async def test_a_cut_off_reply_is_continued(server, settings, model, tmp_path):
    half = len(CONFIG) // 2
    model.overrides["config.py"] = [
        Reply("Here it is:\n```python\n" + CONFIG[:half], finish_reason="length"),
        Reply(CONFIG[half:] + "```\n"),
    ]
    _output, _ = await generate(tmp_path, settings)
    assert (tmp_path / "config.py").read_text() == CONFIG
    continued = [c for c in server.calls if "was cut off" in c.prompt]
    assert len(continued) == 1
    assert continued[0].body["messages"][-2]["role"] == "assistant"


async def test_a_provider_failure_before_any_file_is_one_clear_error(server, settings, tmp_path):
    server.responder = lambda call: Reply(status=401, error="invalid key")
    with pytest.raises(LLMError) as caught:
        await generate(tmp_path, settings)
    assert "OPENAI_API_KEY" in str(caught.value) and "Traceback" not in str(caught.value)
    assert not (tmp_path / "config.py").exists()


async def test_the_model_engine_is_chosen_from_the_settings(settings, tmp_path):
    from service_creator.operations.generate import engine_for

    engine = engine_for(settings, tmp_path)
    assert isinstance(engine, ModelEngine) and engine.name == "openai/fake-coder"
    specs = engine.plan(vfw_requirements())
    assert [s.path for s in specs][-1] == "API.md"
    assert "Settings" in {name for s in specs for name in s.uses.get("config.py", [])}  # seeded
    assert FILES  # the scripted project is importable


def vfw_requirements():
    from service_creator.domain.requirements import Requirements

    return Requirements(
        service_type="vFirewall",
        service_name="vfw-cisco",
        vendors=["Cisco"],
        features=["nat"],
        pricing_model="monthly",
        vendor_api="REST",
        auth_methods=["api_key"],
        logging=["json"],
        deployment="both",
    )


def test_the_plans_interfaces_shape_the_prompts(settings, tmp_path):
    """A file is told which names other files import from it; a file sees of each dependency
    the names it imports (and the types they mention); a test file sees the API it tests."""
    from service_creator.generation.offline.generator import render_project

    req = vfw_requirements()
    engine = ModelEngine(settings, workspace=tmp_path, seed=render_project)
    engine.specs = engine.plan(req)
    specs = {s.path: s for s in engine.specs}
    config_prompt = engine.codegen_prompt(specs["config.py"], req, "")
    assert "Other files import these names from `config.py`; define each of them: " in config_prompt
    assert "load_settings" in config_prompt and "Settings" in config_prompt
    assert "import these names" not in engine.codegen_prompt(specs["test_suite.py"], req, "")

    for file in render_project(req):  # the model wrote what the seed has
        engine.remember(file)
    manager = engine.context_for(specs["service_manager.py"])
    assert "class InstanceCreate(Strict)  # pydantic" in manager  # imported
    assert "class Strict(BaseModel)" in manager  # its base
    assert "class InstanceOut" not in manager and "class BillingOut" not in manager
    suite = engine.context_for(specs["test_suite.py"])
    assert "def authenticate_api_key(" in suite  # the API under test: whole
    assert "class BillingOut" not in suite  # schemas.py: what the suite imports

    engine.remember(GeneratedFile(path="schemas.py", content="class Other:\n    x: int\n"))
    manager = engine.context_for(specs["service_manager.py"])  # written otherwise: all of it
    assert "# schemas.py (python)\nclass Other\n    x: int" in manager
