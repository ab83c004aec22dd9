"""The interview engine: branching, defaults, changing answers, invalid answers."""

from __future__ import annotations

import pytest

from service_creator.domain.errors import InterviewIncompleteError, InvalidAnswerError
from service_creator.domain.requirements import FEATURES_BY_SERVICE_TYPE, Session
from service_creator.interview.interview import REVISE, Interview

CORE_STEPS = [
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

BASE = {
    "service_type": "vFirewall",
    "vendors": ["Cisco"],
    "features": ["nat"],
    "pricing_model": "monthly",
    "vendor_api": "REST",
    "auth_methods": ["api_key"],
    "logging": ["json"],
    "confirm": True,
}


def run(answers: dict, interview: Interview | None = None) -> tuple[Interview, list[str]]:
    """Answer every question from `answers` (else its default); the ids asked, in order."""
    interview = interview or Interview(Session(workspace="/tmp/unused"))
    asked = []
    while (question := interview.current()) is not None:
        asked.append(question.id)
        value = answers.get(question.id, question.default)
        assert value is not None, f"no answer for {question.id}"
        interview.answer(value)
    return interview, asked


def test_core_steps_come_in_order_with_step_numbers():
    interview, asked = run(BASE)
    core = [qid for qid in asked if qid in CORE_STEPS]
    assert core == CORE_STEPS
    assert interview.session.status == "complete"
    assert interview.session.step == interview.session.total_steps == 9


@pytest.mark.parametrize("service_type", list(FEATURES_BY_SERVICE_TYPE))
def test_features_offered_depend_on_service_type(service_type):
    interview = Interview(Session(workspace="/tmp/unused"))
    interview.answer(service_type)
    interview.answer(["F5"])
    while (question := interview.current()).id != "features":
        interview.answer(question.default)
    assert [o.id for o in question.options] == list(FEATURES_BY_SERVICE_TYPE[service_type])


@pytest.mark.parametrize(
    ("service_type", "vendor", "follow_up", "options"),
    [
        ("vFirewall", "Cisco", "product_cisco", ["ftdv", "asav"]),
        ("vRouter", "Cisco", "product_cisco", ["c8000v", "csr1000v"]),
        ("vRouter", "Juniper", "product_juniper", ["vmx", "vsrx"]),
        ("vLoadBalancer", "F5", "product_f5", ["bigip_ltm", "nginx_plus"]),
    ],
)
def test_product_follow_up_when_a_vendor_has_several(service_type, vendor, follow_up, options):
    interview = Interview(Session(workspace="/tmp/unused"))
    interview.answer(service_type)
    question = interview.answer([vendor])
    assert question.id == follow_up
    assert [o.id for o in question.options] == options


def test_no_product_follow_up_for_single_product_vendor():
    _, asked = run({**BASE, "vendors": ["Palo Alto"]})
    assert not any(qid.startswith("product_") for qid in asked)


def test_follow_ups_only_when_relevant():
    _, monthly = run(BASE)
    _, tiered = run({**BASE, "pricing_model": "tiered", "tiers": 4})
    _, ssh = run({**BASE, "vendor_api": "SSH"})
    assert "tiers" not in monthly and "tiers" in tiered
    assert "api_docs_url" in monthly and "api_docs_url" not in ssh


def test_requirements_map_answers_and_products():
    interview, _ = run({**BASE, "vendors": ["Cisco", "Juniper"], "product_cisco": "asav"})
    req = interview.requirements()
    assert req.products == {"Cisco": "ASA Virtual (ASAv)", "Juniper": "vSRX"}
    assert req.service_name == "vfirewall-cisco"


def test_options_match_by_label_or_id_case_insensitively():
    interview, _ = run({**BASE, "features": ["Traffic filtering", "NAT", "url_filtering"]})
    assert interview.requirements().features == ["traffic_filtering", "nat", "url_filtering"]


def test_changing_service_type_reasks_what_no_longer_fits_and_keeps_the_rest():
    interview, _ = run({**BASE, "vendors": ["F5"], "pricing_model": "hourly", "price": 3})
    interview.answer("vRouter", question_id="service_type")
    question = interview.current()
    assert question.id == "features"
    assert [o.id for o in question.options] == list(FEATURES_BY_SERVICE_TYPE["vRouter"])
    kept = interview.session.answers
    assert kept["pricing_model"] == "hourly" and kept["price"] == 3
    assert "confirm" not in kept
    interview.answer(["bgp"])
    assert interview.current().id == "confirm"  # everything after features still fits


def test_saying_no_at_the_summary_offers_each_answer_to_change():
    interview, _ = run({**BASE, "confirm": True})
    question = interview.answer(False, question_id="confirm")
    assert question.id == REVISE
    assert "vendors" in [o.id for o in question.options]
    question = interview.answer("pricing_model")
    assert question.id == "pricing_model" and question.default == "monthly"
    question = interview.answer("tiered")
    assert question.id == "tiers"  # a new follow-up, then straight back to the summary
    assert interview.answer(3).id == "confirm"
    assert "Pricing: tiered" in interview.current().text


@pytest.mark.parametrize(
    ("question_id", "answer", "message"),
    [
        ("service_type", "vSwitch", "vFirewall, vRouter, vLoadBalancer, vVPN"),
        ("vendors", ["Nokia"], "Cisco, Palo Alto, Fortinet, F5, Juniper"),
        ("vendors", [], "choose at least 1"),
    ],
)
def test_invalid_answer_names_allowed_values_and_keeps_session(question_id, answer, message):
    interview = Interview(Session(workspace="/tmp/unused"))
    if question_id == "vendors":
        interview.answer("vFirewall")
    before = interview.session.model_copy(deep=True)
    with pytest.raises(InvalidAnswerError, match=message):
        interview.answer(answer)
    assert interview.session.answers == before.answers
    assert interview.current().id == question_id


@pytest.mark.parametrize(
    "name", ["../etc", "Bad Name", "x", "<script>", "a" * 60, "svc/../../x", "svc\x00"]
)
def test_service_name_rejects_paths_markup_and_junk(name):
    interview = Interview(Session(workspace="/tmp/unused"))
    for answer in ("vFirewall", ["Cisco"], "ftdv"):
        interview.answer(answer)
    assert interview.current().id == "service_name"
    with pytest.raises(InvalidAnswerError):
        interview.answer(name)


def test_number_out_of_range_is_refused():
    interview, _ = run({**BASE, "pricing_model": "tiered"})
    with pytest.raises(InvalidAnswerError, match="outside 2 to 5"):
        interview.answer(9, question_id="tiers")


def test_requirements_before_the_end_say_what_is_next():
    interview = Interview(Session(workspace="/tmp/unused"))
    with pytest.raises(InterviewIncompleteError) as err:
        interview.requirements()
    assert "service_type" in str(err.value)


def test_questions_nothing_unanswered_shapes_are_ready_together():
    interview = Interview(Session(workspace="/tmp/unused"))
    rounds = []
    while batch := interview.ready():
        rounds.append([q.id for q in batch])
        for question in batch:
            interview.answer(BASE.get(question.id, question.default), question.id)
    assert rounds == [
        ["service_type"],
        ["vendors"],  # the products, the name and the features depend on it
        ["product_cisco", "service_name", "features", "pricing_model"],
        ["price", "vendor_api"],  # the price's wording names the pricing model
        ["api_docs_url", "auth_methods", "logging", "deployment"],
        ["confirm"],  # the summary depends on everything
    ]
    assert interview.session.status == "complete"


def test_a_revised_answer_is_asked_alone():
    interview, _ = run(BASE)
    interview.answer(False, question_id="confirm")
    assert [q.id for q in interview.ready()] == [REVISE]
    interview.answer("features")
    assert [q.id for q in interview.ready()] == ["features"]
