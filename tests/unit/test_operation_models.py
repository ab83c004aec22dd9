"""One model per operation: the MCP tools' parameters, the CLI's flags and the LSP's arguments
and results all come from operations/io.py, and only the LSP shows camelCase."""

from __future__ import annotations

import re

import pytest
from pydantic import BaseModel

from service_creator.domain.project import FileSpec
from service_creator.frontends.cli.main import build_parser
from service_creator.frontends.lsp import wire
from service_creator.frontends.mcp.server import build_server
from service_creator.frontends.mcp.signatures import INSTEAD_OF_SESSION
from service_creator.operations import io

MCP_TOOLS: dict[str, tuple[type[BaseModel], set[str]]] = {
    # tool: its operation's input, and the fields this door makes optional (a session is
    # named by session_id or by workspace: its current session, for stateless clients)
    "start_interview": (io.StartInterviewInput, set()),
    "answer_question": (io.AnswerQuestionInput, {"workspace"}),
    "get_session": (io.SessionRef, {"workspace"}),
    "generate_service": (io.GenerateInput, {"workspace"}),
    "fix_failure": (io.FixFailureInput, {"workspace"}),
}
CLI_COMMANDS: dict[str, type[BaseModel]] = {
    "interview": io.StartInterviewInput,
    "generate": io.GenerateInput,
    "test": io.RunTestsInput,
    "fix": io.FixFailureInput,
}


async def test_mcp_tool_parameters_are_the_operation_input_fields() -> None:
    tools = {tool.name: tool for tool in await build_server().list_tools()}
    for name, (model, optional) in MCP_TOOLS.items():
        schema = tools[name].input_schema
        assert set(schema["properties"]) == set(model.model_fields), name
        required = {f for f, info in model.model_fields.items() if info.is_required()}
        assert set(schema.get("required", [])) == required - optional, name
        for field, spec in schema["properties"].items():
            described = INSTEAD_OF_SESSION if field in optional else None
            assert spec.get("description") == (
                described or model.model_fields[field].description
            ), field
    assert set(tools["run_tests"].input_schema["properties"]) == {
        "session_id",
        "workspace",
        "tests",
    }


def flags_of(command: str, capsys: pytest.CaptureFixture[str], parser_for: str | None) -> set[str]:
    with pytest.raises(SystemExit):
        build_parser(parser_for).parse_args([command, "--help"])
    return set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", capsys.readouterr().out))


@pytest.mark.parametrize("command", sorted(CLI_COMMANDS))
def test_cli_flags_are_the_operation_input_fields(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = {f"--{name.replace('_', '-')}" for name in CLI_COMMANDS[command].model_fields}
    flags = flags_of(command, capsys, command)
    assert expected <= flags
    assert flags - expected <= {"--help", "--json", "--answers", "--verbose"}


def test_the_bare_parser_loads_no_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert "--session-id" not in flags_of("generate", capsys, None)


def test_lsp_wire_is_camel_case_for_field_names_only() -> None:
    spec = FileSpec(
        path="api_endpoints.py",
        purpose="the API",
        language="python",
        depends_on=["service_manager.py"],
        uses={"service_manager.py": ["ServiceManager"], "vendor_api/cisco_ftd.py": ["Client"]},
    )
    shown = wire.dump(spec)
    assert shown["dependsOn"] == ["service_manager.py"]
    assert set(shown["uses"]) == {"service_manager.py", "vendor_api/cisco_ftd.py"}  # data keys
    assert FileSpec.model_validate(wire.load_names(shown, FileSpec)) == spec


def test_lsp_wire_renames_nested_models_in_lists_and_optionals() -> None:
    state = io.InterviewState(
        session_id="abc",
        workspace="/w",
        status="in_progress",
        step=1,
        total_steps=7,
        notes=["a note"],
    )
    shown = wire.dump(state)
    assert {"sessionId", "totalSteps", "question"} <= set(shown)
    assert io.InterviewState.model_validate(wire.load_names(shown, io.InterviewState)) == state
    schema = wire.schema(io.AnswerQuestionInput)
    assert {"sessionId", "questionId", "answer", "workspace"} == set(schema["properties"])
    assert schema["required"] == ["workspace", "answer"]


def test_mcp_outputs_are_snake_case() -> None:
    assert "session_id" in io.InterviewState.model_json_schema()["properties"]
    assert "exit_code" in io.RunTestsOutput.model_json_schema()["properties"]
