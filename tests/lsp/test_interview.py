"""The interview as editor prompts, over stdio, with VS Code's capabilities and a plain client."""

from __future__ import annotations

import asyncio
import json

import pytest
from lsp_editor import WAIT, Editor
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams, JsonRpcRequestCancelled

COMMANDS = {
    "serviceCreator.startInterview",
    "serviceCreator.answerQuestion",
    "serviceCreator.generate",
    "serviceCreator.runTests",
    "serviceCreator.runTest",
    "serviceCreator.fixFailure",
    "serviceCreator.showSession",
    "serviceCreator.changeRequirement",
}


def session_file(editor: Editor, session_id: str) -> dict:
    path = editor.root / ".service-creator" / "sessions" / f"{session_id}.json"
    return json.loads(path.read_text())


async def test_capabilities_advertise_the_commands(code: Editor) -> None:
    assert code.initialized is not None
    caps = code.initialized.capabilities
    assert set(caps.execute_command_provider.commands) == COMMANDS
    assert caps.code_action_provider
    assert caps.code_lens_provider
    assert caps.hover_provider


async def test_full_interview_through_ask(code: Editor) -> None:
    state = await code.command("startInterview")

    assert state["status"] == "complete", state
    requirements = state["requirements"]
    assert requirements["serviceType"] == "vFirewall"
    assert requirements["vendors"] == ["Cisco"]
    assert requirements["serviceName"] == "vfirewall-ftd"
    assert requirements["price"] == 49
    assert requirements["authMethods"] == ["api_key", "jwt"]
    assert requirements["deployment"] == "both"
    # every question, whatever its kind, went through serviceCreator/ask (camelCase), none
    # as a message request (a toast that slides away)
    assert code.message_requests == []
    asked = {q["id"]: q for q in code.asked}
    assert set(asked) >= {
        "service_type",
        "vendors",
        "service_name",
        "features",
        "pricing_model",
        "price",
        "vendor_api",
        "auth_methods",
        "logging",
        "deployment",
        "confirm",
    }
    kinds = {q["kind"] for q in code.asked}
    assert kinds == {"single_select", "multi_select", "free_text", "number", "confirm"}
    assert asked["price"]["kind"] == "number"
    assert {"stepNumber", "totalSteps", "validation"} <= set(asked["price"])
    assert [o["label"] for o in asked["service_type"]["options"]] == [
        "vFirewall",
        "vRouter",
        "vLoadBalancer",
        "vVPN",
    ]
    assert asked["confirm"]["kind"] == "confirm"
    assert "Service: vFirewall 'vfirewall-ftd'" in asked["confirm"]["text"]
    # the status bar heard about it
    assert code.statuses[-1]["text"] == "Interview complete"
    assert code.statuses[-1]["sessionId"] == state["sessionId"]
    assert "resumable" not in code.statuses[-1]
    assert session_file(code, state["sessionId"])["status"] == "complete"


async def test_each_question_carries_its_own_step(code: Editor) -> None:
    """Each ask names the step the question belongs to and that step's place, and the status
    bar says the same step while it is up."""
    steps = [
        "service_type",
        "vendors",
        "features",
        "pricing_model",
        "vendor_api",
        "auth_methods",
        "logging",
        "deployment",
        "confirm",
    ]
    statuses_before: list[int] = []
    original = code.ask

    async def ask(params: object) -> object:
        statuses_before.append(len(code.statuses))
        return await original(params)

    code.ask = ask  # type: ignore[method-assign]
    await code.command("startInterview")

    by_id = {q["id"]: q for q in code.asked}
    expected_step = {
        "service_type": "service_type",
        "vendors": "vendors",
        "service_name": "vendors",
        "features": "features",
        "pricing_model": "pricing_model",
        "price": "pricing_model",
        "vendor_api": "vendor_api",
        "api_docs_url": "vendor_api",
        "auth_methods": "auth_methods",
        "logging": "logging",
        "deployment": "deployment",
        "confirm": "confirm",
    }
    for qid, step in expected_step.items():
        question = by_id[qid]
        assert question["step"] == step, qid
        assert question["stepNumber"] == steps.index(step) + 1, qid
        assert question["totalSteps"] == len(steps), qid
        assert question["explanation"], qid
    for question, seen in zip(code.asked, statuses_before, strict=True):
        status = code.statuses[seen - 1]
        assert status["text"] == f"Interview: step {question['stepNumber']}/9", question["id"]
        assert status["tooltip"] == question["text"].splitlines()[0]


async def test_plain_client_completes_the_interview_with_message_requests(basic: Editor) -> None:
    state = await basic.command("startInterview")

    assert state["status"] == "complete", state
    assert basic.asked == []  # never the custom request
    requirements = state["requirements"]
    assert requirements["vendors"] == ["Cisco"]
    assert requirements["serviceName"] == "vfirewall-cisco"  # the suggested default
    assert requirements["price"] == 10
    # a free-text question offered its default and said how to give another answer
    name = next(r for r in basic.message_requests if "called" in r.message)
    assert [a.title for a in name.actions] == ["vfirewall-cisco"]
    assert "serviceCreator.answerQuestion" in name.message
    assert '"questionId": "service_name"' in name.message


async def test_plain_client_answers_anything_with_answer_question(basic: Editor) -> None:
    basic.dismiss_when = lambda message: "called" in message
    paused = await basic.command("startInterview")
    assert paused["status"] == "paused"
    assert paused["question"]["id"] == "service_name"

    answered = await basic.command(
        "answerQuestion", questionId="service_name", answer="edge-firewall"
    )
    assert answered["question"]["id"] == "features"

    basic.dismiss_when = lambda message: False
    state = await basic.command("startInterview")
    assert state["status"] == "complete"
    assert state["requirements"]["serviceName"] == "edge-firewall"


async def test_cancel_pauses_and_start_resumes(code: Editor) -> None:
    code.dismiss_when = lambda text: text.startswith("How should API clients authenticate")
    paused = await code.command("startInterview")

    assert paused["status"] == "paused"
    assert paused["question"]["id"] == "auth_methods"
    assert code.statuses[-1]["text"].startswith("Interview paused at step")
    saved = session_file(code, paused["sessionId"])
    assert saved["status"] == "paused"
    assert saved["answers"]["price"] == 49  # nothing lost

    shown = await code.command("showSession", sessionId=paused["sessionId"])
    assert shown["question"]["id"] == "auth_methods"

    code.dismiss_when = lambda text: False
    before = len(code.asked)
    resumed = await code.command("startInterview")
    assert resumed["sessionId"] == paused["sessionId"]
    assert resumed["status"] == "complete"
    assert code.asked[before]["id"] == "auth_methods"  # resumed where it stopped


async def test_dismissed_choice_pauses_too(code: Editor) -> None:
    """Escape on a single-select Quick Pick pauses the session; the status bar offers to resume."""
    code.dismiss_when = lambda message: "How will customers be billed" in message
    paused = await code.command("startInterview")
    assert paused["status"] == "paused"
    assert paused["question"]["id"] == "pricing_model"
    assert code.asked[-1]["kind"] == "single_select"
    assert code.statuses[-1]["resumable"] is True
    assert code.statuses[-1]["sessionId"] == paused["sessionId"]

    code.dismiss_when = lambda message: False
    resumed = await code.command("startInterview")
    assert resumed["status"] == "complete"
    assert resumed["requirements"]["pricingModel"] == "monthly"


async def test_dismissed_confirmation_pauses_and_no_revises(code: Editor) -> None:
    code.dismiss_when = lambda message: message.startswith("Generate this service?")
    paused = await code.command("startInterview")
    assert paused["status"] == "paused"
    assert paused["question"]["id"] == "confirm"

    code.dismiss_when = lambda message: False
    code.ask_answers.update(confirm=False, revise="price", price=99)
    original = code.ask

    async def ask(params: object) -> object:
        answer = await original(params)
        if code.asked[-1]["id"] == "price":  # changed it: now the summary is right
            code.ask_answers["confirm"] = True
        return answer

    code.ask = ask  # type: ignore[method-assign]
    state = await code.command("startInterview")
    asked = [q["id"] for q in code.asked]
    assert asked[-4:] == ["confirm", "revise", "price", "confirm"]
    assert code.asked[-3]["kind"] == "single_select"  # which answer: a Quick Pick too
    assert state["status"] == "complete"
    assert state["requirements"]["price"] == 99


async def test_invalid_answer_is_a_json_rpc_error_and_the_server_keeps_serving(
    code: Editor,
) -> None:
    code.dismiss_when = lambda message: True
    await code.command("startInterview")

    with pytest.raises(JsonRpcInvalidParams, match="not an option"):
        await code.command("answerQuestion", answer="vToaster")

    state = await code.command("answerQuestion", answer="vRouter")
    assert state["question"]["id"] == "vendors"


@pytest.mark.parametrize(
    "arguments",
    [
        ["not an object"],
        [{"workspace": 42}],
        [{"answer": "x", "unknown": 1}],
        [{}, {}],
    ],
)
async def test_malformed_argument_is_invalid_params_and_the_server_keeps_serving(
    code: Editor, arguments: list
) -> None:
    with pytest.raises(JsonRpcInvalidParams):
        await asyncio.wait_for(
            code.client.workspace_execute_command_async(
                types.ExecuteCommandParams(
                    command="serviceCreator.answerQuestion", arguments=arguments
                )
            ),
            WAIT,
        )
    code.dismiss_when = lambda message: True
    state = await code.command("startInterview")
    assert state["status"] == "paused"


async def test_workspace_defaults_to_the_workspace_folder(code: Editor) -> None:
    code.dismiss_when = lambda message: True
    state = await code.command("startInterview", {})
    assert state["workspace"] == str(code.root)


async def test_cancel_request_while_a_prompt_is_up_pauses_the_session(code: Editor) -> None:
    code.hold = asyncio.Event()
    params = types.ExecuteCommandParams(
        command="serviceCreator.startInterview", arguments=[{"workspace": str(code.root)}]
    )
    run = asyncio.ensure_future(
        code.client.protocol.send_request_async(
            types.WORKSPACE_EXECUTE_COMMAND, params, msg_id="interview-1"
        )
    )
    await code.wait("ask")  # the first question is up, unanswered
    # meanwhile the server answers other requests
    lenses = await asyncio.wait_for(
        code.client.text_document_code_lens_async(
            types.CodeLensParams(
                text_document=types.TextDocumentIdentifier(uri=code.uri("nothing.py"))
            )
        ),
        WAIT,
    )
    assert not lenses and not run.done()
    paused = code.event("status")
    paused.clear()
    code.client.cancel_request(types.CancelParams(id="interview-1"))

    with pytest.raises(JsonRpcRequestCancelled):
        await asyncio.wait_for(run, WAIT)
    await code.wait("status")  # the server gave up the prompt and paused the session
    assert code.statuses[-1]["text"].startswith("Interview paused")
    code.hold.set()
    code.hold = None
    resumed = await code.command("startInterview")
    assert resumed["sessionId"] == code.statuses[-1]["sessionId"]
    assert resumed["status"] == "complete"
