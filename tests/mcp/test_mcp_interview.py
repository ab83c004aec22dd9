"""The interview over MCP: by elicitation in both protocol eras, and turn by turn."""

from __future__ import annotations

import pytest
from mcp import Client
from mcp_helpers import (
    ANSWERS,
    QUESTIONS,
    FormFiller,
    answer_turn_by_turn,
    make_server,
    stdio_server,
)

from service_creator.domain.requirements import SAFE_TEXT, SERVICE_TYPES
from service_creator.interview.sessions import SessionStore

ERAS = [("auto", "2026-07-28"), ("legacy", "2025-11-25")]


def check_complete(state: dict, workspace) -> None:
    assert state["status"] == "complete", state["message"]
    assert state["question"] is None
    assert "Service: vFirewall 'vfirewall-ftd'" in state["summary"]
    assert state["requirements"]["auth_methods"] == ["api_key", "jwt"]
    session = SessionStore(workspace).load(state["session_id"])
    assert session.status == "complete" and session.answers["price"] == 49


@pytest.mark.parametrize(("mode", "version"), ERAS)
async def test_full_interview_by_elicitation_in_one_call(workspace, mode, version):
    forms = FormFiller()
    server = make_server(elicit_rounds=50)
    async with Client(
        server, mode=mode, elicitation_callback=forms, input_required_max_rounds=50
    ) as client:
        assert client.protocol_version == version
        result = await client.call_tool("start_interview", {"workspace": str(workspace)})
    assert not result.is_error, result.content[0].text
    check_complete(result.structured_content, workspace)
    assert forms.asked == QUESTIONS


async def test_elicitation_runs_to_the_summary_in_one_call_with_default_client_limits(
    workspace,
):
    """Clients give up after 10 rounds; a round asks every question nothing unanswered
    shapes, so the whole interview (and the roots) fits in one call."""
    forms = FormFiller()
    async with Client(make_server(), elicitation_callback=forms) as client:
        assert client.protocol_version == "2026-07-28"
        result = await client.call_tool("start_interview", {"workspace": str(workspace)})
    assert not result.is_error, result.content[0].text
    check_complete(result.structured_content, workspace)
    assert sorted(forms.asked) == sorted(QUESTIONS)


async def test_a_round_asks_together_only_what_nothing_unanswered_shapes(workspace):
    forms = FormFiller()
    server = make_server(elicit_rounds=3)  # the server stops after 3 rounds: a second call
    async with Client(server, elicitation_callback=forms) as client:
        first = await client.call_tool("start_interview", {"workspace": str(workspace)})
        state = first.structured_content
        assert state["status"] == "in_progress"
        assert "Call start_interview again" in state["message"]
        # rounds: service_type | vendors | product, name, features, pricing model
        assert forms.asked[:2] == ["service_type", "vendors"]
        assert set(forms.asked[2:]) == {
            "product_cisco",
            "service_name",
            "features",
            "pricing_model",
        }
        assert state["question"]["id"] == "price"  # its wording needs the pricing model
        second = await client.call_tool("start_interview", {"workspace": str(workspace)})
    check_complete(second.structured_content, workspace)
    assert second.structured_content["session_id"] == state["session_id"]
    assert sorted(forms.asked) == sorted(QUESTIONS)


async def test_form_schemas(workspace):
    forms = FormFiller()
    server = make_server(elicit_rounds=50)
    async with Client(server, elicitation_callback=forms, input_required_max_rounds=50) as client:
        await client.call_tool("start_interview", {"workspace": str(workspace)})
    single = forms.schema("service_type")["properties"]["service_type"]
    assert single["type"] == "string"
    assert [o["const"] for o in single["oneOf"]] == list(SERVICE_TYPES)
    assert single["oneOf"][0]["title"].startswith("vFirewall (")
    assert forms.schema("service_type")["required"] == ["service_type"]
    multi = forms.schema("vendors")["properties"]["vendors"]
    assert multi["type"] == "array" and (multi["minItems"], multi["maxItems"]) == (1, 5)
    assert [o["const"] for o in multi["items"]["anyOf"]][:2] == ["Cisco", "Palo Alto"]
    name = forms.schema("service_name")["properties"]["service_name"]
    assert name["pattern"] == "^[a-z][a-z0-9-]{1,38}[a-z0-9]$" and name["maxLength"] == 40
    assert name["default"] == "vfirewall-cisco"
    price = forms.schema("price")["properties"]["price"]
    assert (price["type"], price["minimum"], price["maximum"]) == ("number", 0.01, 1_000_000)
    assert forms.schema("confirm")["properties"]["confirm"]["type"] == "boolean"
    message = forms.message("vendors")
    assert message.startswith("Step 2 of 9: Which vendor platforms should the vFirewall run on?")
    assert "Why we ask: Each vendor gets its own device integration" in message
    assert "Vendors: Cisco" in forms.message("confirm")  # the summary to confirm


def test_free_text_without_pattern_gets_the_safe_text_pattern():
    from service_creator.domain.requirements import Question
    from service_creator.frontends.mcp.elicit import question_model

    question = Question(id="note", step="s", text="A note?", kind="free_text")
    schema = question_model(question).model_json_schema()
    assert schema["properties"]["note"]["pattern"] == SAFE_TEXT.pattern


@pytest.mark.parametrize(("mode", "version"), ERAS)
async def test_a_refused_answer_is_asked_again_with_the_reason(workspace, mode, version):
    forms = FormFiller(wrong={"service_name": "Bad Name!", "vendors": []})
    server = make_server(elicit_rounds=50)
    async with Client(
        server, mode=mode, elicitation_callback=forms, input_required_max_rounds=50
    ) as client:
        result = await client.call_tool("start_interview", {"workspace": str(workspace)})
    check_complete(result.structured_content, workspace)
    assert forms.asked.count("service_name") == 2 and forms.asked.count("vendors") == 2
    assert "Your previous answer was not accepted" in forms.message("service_name")
    assert "Your previous answer was not accepted" in forms.message("vendors")


@pytest.mark.parametrize(("mode", "version"), ERAS)
@pytest.mark.parametrize("action", ["decline", "cancel"])
async def test_decline_or_cancel_pauses_and_resumes(workspace, mode, version, action):
    forms = FormFiller(refuse={"pricing_model": action})
    server = make_server(elicit_rounds=50)
    async with Client(
        server, mode=mode, elicitation_callback=forms, input_required_max_rounds=50
    ) as client:
        paused = await client.call_tool("start_interview", {"workspace": str(workspace)})
        state = paused.structured_content
        assert state["status"] == "paused" and state["question"]["id"] == "pricing_model"
        assert SessionStore(workspace).load(state["session_id"]).answers["features"] == [
            "traffic_filtering",
            "nat",
        ]
        resumed = await client.call_tool("start_interview", {"workspace": str(workspace)})
    check_complete(resumed.structured_content, workspace)
    assert forms.asked.count("service_type") == 1  # answers before the pause were kept


async def test_turn_by_turn_without_elicitation(server, workspace):
    async with Client(server) as client:
        first = await client.call_tool("start_interview", {"workspace": str(workspace)})
        state = first.structured_content
        question = state["question"]
        assert (question["id"], question["kind"], question["step_number"]) == (
            "service_type",
            "single_select",
            1,
        )
        assert question["explanation"] and len(question["options"]) == 4
        assert "answer_question" in state["message"]
        sid = state["session_id"]
        refused = await client.call_tool("answer_question", {"session_id": sid, "answer": "vNAS"})
        assert refused.is_error
        assert "'vNAS' is not an option; choose one of: vFirewall" in refused.content[0].text
        final = await answer_turn_by_turn(client, state)
        check_complete(final, workspace)
        assert "generate_service" in final["message"]
        changed = await client.call_tool(
            "answer_question", {"session_id": sid, "answer": 99, "question_id": "price"}
        )
        assert changed.structured_content["question"]["id"] == "confirm"
        shown = (await client.call_tool("get_session", {"session_id": sid})).structured_content
        assert shown["status"] == "in_progress" and shown["question"]["id"] == "confirm"
        assert "99 USD" in shown["question"]["text"]


async def test_unknown_session_is_refused_with_a_hint(server):
    async with Client(server) as client:
        result = await client.call_tool("get_session", {"session_id": "0123456789ab"})
    assert result.is_error
    assert "Unknown session '0123456789ab'" in result.content[0].text
    assert "call start_interview" in result.content[0].text


@pytest.mark.parametrize(("mode", "version"), ERAS)
async def test_interview_by_elicitation_over_stdio(workspace, mode, version):
    forms = FormFiller()
    params = stdio_server(SERVICE_CREATOR_MCP_ELICIT_ROUNDS="50")
    async with Client(
        params, mode=mode, elicitation_callback=forms, input_required_max_rounds=50
    ) as client:
        result = await client.call_tool("start_interview", {"workspace": str(workspace)})
    check_complete(result.structured_content, workspace)
    assert forms.asked == QUESTIONS


async def test_turn_by_turn_over_stdio(workspace):
    async with Client(stdio_server(), read_timeout_seconds=60) as client:
        state = await client.call_tool("start_interview", {"workspace": str(workspace)})
        final = await answer_turn_by_turn(client, state.structured_content)
    check_complete(final, workspace)
    assert ANSWERS["confirm"] is True
