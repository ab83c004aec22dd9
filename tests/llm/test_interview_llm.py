"""The interview with a model: the model words the graph's questions; broken replies are repaired
once or replaced by the graph's question; scripted answers keep working."""

from __future__ import annotations

import json
import re

from fake_openai import Call, Reply

from service_creator.domain.requirements import Session
from service_creator.interview.interview import Interview
from service_creator.interview.wording import check_question
from service_creator.operations.interview import answer_question, get_session, start_interview
from service_creator.operations.io import AnswerQuestionInput, SessionRef, StartInterviewInput
from service_creator.operations.scripted import DEMO_ANSWERS, ScriptedAsker

BLOCK = re.compile(r"<<<DATA (\w+) question (\S+)\n(.*?)\nDATA \1>>>", re.DOTALL)


def asked(call: Call) -> dict:
    """The graph's question, as the prompt hands it to the model (a fenced data block)."""
    return json.loads(BLOCK.search(call.prompt).group(3))


def worded(question: dict) -> str:
    """A good model reply: the same question, reworded, options relabelled and reversed."""
    options = [
        {"id": o["id"], "label": f"{o['label']}!", "description": f"about {o['id']}"}
        for o in reversed(question["options"])
    ]
    reply = {
        "id": question["id"],
        "kind": question["kind"],
        "text": f"Model asks: {question['text']}",
        "explanation": "Because the model says so.",
        "options": options,
        "validation": {},
    }
    return "Here is the question:\n```json\n" + json.dumps(reply) + "\n```"


def graph_question(step_answers: dict | None = None):
    interview = Interview(Session(workspace="/tmp"))
    for value in (step_answers or {}).values():
        interview.answer(value)
    return interview.current()


async def test_a_whole_interview_worded_by_the_model_gives_the_same_requirements(
    server, settings, tmp_path
):
    server.responder = lambda call: Reply(worded(asked(call)))
    seen = []
    asker = ScriptedAsker(DEMO_ANSWERS, on_answer=lambda q, a: seen.append(q))
    state = await start_interview(StartInterviewInput(workspace=str(tmp_path)), settings, asker)
    assert state.status == "complete"
    (tmp_path / "offline").mkdir()  # a front door makes the folder; the operation takes it made
    offline = await start_interview(
        StartInterviewInput(workspace=str(tmp_path / "offline")),
        settings.model_copy(update={"model": "offline"}),
        ScriptedAsker(DEMO_ANSWERS),
    )
    assert state.requirements == offline.requirements
    modelled = [q for q in seen if q.id != "confirm"]
    assert modelled and all(q.text.startswith("Model asks: ") for q in modelled)
    vendors = next(q for q in seen if q.id == "vendors")
    assert vendors.options[0].id == "Juniper" and vendors.options[0].label == "Juniper!"
    assert vendors.validation.min_selections == 1  # the graph's validation is kept
    ledger = tmp_path / ".service-creator" / "ledger" / f"interview-{state.session_id}.json"
    assert len(json.loads(ledger.read_text())["calls"]) == len(server.calls)


async def test_broken_json_is_repaired_in_one_round(server, settings, tmp_path):
    server.script(Reply('{"id": "service_type", "text": "oops", '))
    server.responder = lambda call: Reply(worded(asked(call)))
    state = await start_interview(StartInterviewInput(workspace=str(tmp_path)), settings)
    assert state.question.text.startswith("Model asks: ")
    assert len(server.calls) == 2
    repair = server.calls[1].body["messages"]
    assert repair[-2] == {"role": "assistant", "content": '{"id": "service_type", "text": "oops", '}
    assert "the JSON does not parse" in repair[-1]["content"]


async def test_still_broken_after_the_repair_round_falls_back_to_the_graph(
    server, settings, tmp_path
):
    server.script(Reply("I think you should build a firewall."), Reply("[1, 2, 3]"))
    state = await start_interview(StartInterviewInput(workspace=str(tmp_path)), settings)
    assert state.question == graph_question()
    assert "interview's own question" in state.message
    assert len(server.calls) == 2


async def test_invented_options_or_a_changed_kind_are_refused(server, settings):
    question = graph_question({"service_type": "vFirewall"})
    good = json.loads(worded(question.model_dump(mode="json")).split("```json\n")[1][:-4])
    invented = {**good, "options": [*good["options"], {"id": "Huawei", "label": "Huawei"}]}
    assert check_question(json.dumps(invented), question)[1] == [
        'option "Huawei" is not one of the allowed ids'
    ]
    single = {**good, "kind": "single_select"}
    assert 'must be "multi_select"' in check_question(json.dumps(single), question)[1][0]
    renamed = {**good, "id": "vendor_list"}
    assert '"id" must be "vendors"' in check_question(json.dumps(renamed), question)[1][0]
    by_label = {**good, "options": [{"id": "palo alto", "label": "PAN-OS firewalls"}]}
    fixed, problems = check_question(json.dumps(by_label), question)
    assert problems == [] and [o.id for o in fixed.options] == ["Palo Alto"]
    bad_default = {**good, "default": ["Huawei"]}
    assert check_question(json.dumps(bad_default), question)[0].default is None


async def test_the_answers_reach_the_model_as_fenced_data_only(server, settings, tmp_path):
    server.responder = lambda call: Reply(worded(asked(call)))
    ref = SessionRef(workspace=str(tmp_path))
    await start_interview(StartInterviewInput(workspace=str(tmp_path)), settings)
    await answer_question(AnswerQuestionInput(**ref.model_dump(), answer="vRouter"), settings)
    system, user = server.calls[-1].body["messages"]
    assert "vRouter" not in system["content"]  # never spliced into the instructions
    answers = re.search(r"<<<DATA (\w+) answers\n(.*?)\nDATA \1>>>", user["content"], re.DOTALL)
    assert json.loads(answers.group(2)) == {"service_type": "vRouter"}


async def test_a_worded_question_is_asked_for_once(server, settings, tmp_path):
    server.responder = lambda call: Reply(worded(asked(call)))
    first = await start_interview(StartInterviewInput(workspace=str(tmp_path)), settings)
    again = await get_session(SessionRef(workspace=str(tmp_path)), settings)
    assert again.question == first.question and len(server.calls) == 1


async def test_an_unreachable_model_still_lets_the_interview_go_on(server, settings, tmp_path):
    server.responder = lambda call: Reply(status=401, error="bad key")
    ref = SessionRef(workspace=str(tmp_path))
    state = await start_interview(StartInterviewInput(workspace=str(tmp_path)), settings)
    assert state.question == graph_question()
    assert state.message == (
        f"The model at {settings.api_base} rejected the API key; "
        "this is one of the built-in questions."
    )
    state = await answer_question(AnswerQuestionInput(**ref.model_dump(), answer="vVPN"), settings)
    assert state.question.id == "vendors"
