"""A generation that stopped early is a succeeded job whose result says `incomplete`, names the
missing files, and whose next step says what to do (not "run the tests")."""

from __future__ import annotations

from mcp import Client
from mcp_helpers import answer_turn_by_turn, finish_job, make_server

from service_creator.domain.project import FileSpec
from service_creator.domain.requirements import Requirements
from service_creator.generation.offline.generator import OfflineEngine
from service_creator.llm.ledger import BudgetExceeded


class StoppingEngine(OfflineEngine):
    """The offline engine, whose budget runs out when `stop_at` comes up."""

    def __init__(self, stop_at: str) -> None:
        self.stop_at = stop_at

    async def render(self, spec: FileSpec, requirements: Requirements, done: dict) -> str:
        if spec.path == self.stop_at:
            raise BudgetExceeded("the token budget of 10 is spent")
        return await super().render(spec, requirements, done)


async def test_a_stopped_generation_reports_incomplete_and_the_missing_files(workspace):
    async with Client(make_server(engine=StoppingEngine("service_manager.py"))) as client:
        state = await client.call_tool("start_interview", {"workspace": str(workspace)})
        sid = (await answer_turn_by_turn(client, state.structured_content))["session_id"]
        started = await client.call_tool("generate_service", {"session_id": sid})
        assert not started.is_error, started.content[0].text
        view = await finish_job(client, started.structured_content)
    generation = view["generation"]
    assert generation["status"] == "incomplete"
    assert "token budget of 10" in generation["stopped"]
    missing = {entry.split(" ", 1)[0]: entry for entry in generation["missing"]}
    assert "service_manager.py" in missing and "api_endpoints.py" in missing  # built on it
    assert "token budget of 10" in missing["service_manager.py"]
    assert not (workspace / "service_manager.py").exists()
    assert "incomplete" in view["next_step"] and "run_tests" not in view["next_step"]
