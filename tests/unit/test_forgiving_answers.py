"""Forgiving answers: options picked by id or label whatever the case and separators, by a
synonym of interview.yaml, or by a unique prefix; everything else refused naming the options."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from service_creator.domain.config import Settings
from service_creator.domain.errors import InvalidAnswerError
from service_creator.domain.requirements import AnswerValue, Option, Question
from service_creator.interview.answers import coerce, normalised, rejection, synonyms
from service_creator.interview.graph import QuestionGraph
from service_creator.operations.interview import answer_question, start_interview
from service_creator.operations.io import AnswerQuestionInput, StartInterviewInput
from service_creator.operations.scripted import DEMO_ANSWERS

SETTINGS = Settings()

VVPN = {"service_type": "vVPN", "product_cisco": "asav", "features": ["site_to_site"]}


def question(qid: str, **answers: AnswerValue) -> Question:
    """Question `qid` of the graph, with its options as these answers (on the demo's) shape them."""
    walked, _ = QuestionGraph.default().walk({**DEMO_ANSWERS, "api_docs_url": "", **answers})
    return next(q for q in walked if q.id == qid)


ACCEPTED: list[tuple[str, dict[str, AnswerValue], object, AnswerValue]] = [
    # question, answers that shape it, what the user typed, the canonical answer
    ("features", VVPN, "site_to_site", ["site_to_site"]),
    ("features", VVPN, "site-to-site", ["site_to_site"]),
    ("features", VVPN, "Site to site", ["site_to_site"]),
    ("features", VVPN, "SITE_TO_SITE", ["site_to_site"]),
    ("features", VVPN, "site to site tunnels", ["site_to_site"]),
    ("features", VVPN, ["Site-to-site"], ["site_to_site"]),
    ("features", VVPN, "Site-to-site, remote access", ["site_to_site", "remote_access"]),
    ("features", VVPN, ["site_to_site", "Site-to-site tunnels", "SITE TO SITE"], ["site_to_site"]),
    ("features", VVPN, "Remote", ["remote_access"]),  # a prefix of one label
    ("features", VVPN, ["MFA", "multi factor"], ["mfa"]),
    ("features", {}, "Traffic", ["traffic_filtering"]),
    ("features", {}, "url", ["url_filtering"]),
    ("vendors", {}, "palo alto", ["Palo Alto"]),
    ("vendors", {}, "PaloAlto", ["Palo Alto"]),
    ("vendors", {}, "paloalto", ["Palo Alto"]),
    ("vendors", {}, "f5", ["F5"]),
    ("vendors", {}, "F5", ["F5"]),
    ("vendors", {}, ["palo-alto", "f5", "PALO ALTO"], ["Palo Alto", "F5"]),
    ("vendors", {}, "cisco, Jun", ["Cisco", "Juniper"]),
    ("service_type", {}, "vfirewall", "vFirewall"),
    ("service_type", {}, "V-VPN", "vVPN"),
    ("service_type", {}, "VPN", "vVPN"),  # synonyms
    ("service_type", {}, "firewall", "vFirewall"),
    ("service_type", {}, "load balancer", "vLoadBalancer"),
    ("service_type", {}, "LB", "vLoadBalancer"),
    ("service_type", {}, "vl", "vLoadBalancer"),
    ("product_cisco", {}, "FTDv", "ftdv"),
    ("product_cisco", {}, "firepower", "ftdv"),
    ("pricing_model", {}, "Usage-based", "usage_based"),
    ("pricing_model", {}, "usage", "usage_based"),
    ("pricing_model", {}, ["Tiered"], "tiered"),
    ("vendor_api", {}, "ssh cli", "SSH"),
    ("vendor_api", {}, "rest", "REST"),
    ("vendor_api", {}, "vendor sdk", "SDK"),
    ("auth_methods", {}, "api key, OAuth", ["api_key", "oauth2"]),
    ("auth_methods", {}, ["Mutual TLS", "http basic"], ["mtls", "basic"]),
    ("logging", {}, ["JSON logs", "prometheus", "Audit"], ["json", "prometheus", "audit"]),
    ("deployment", {}, "k8s", "kubernetes"),
    ("deployment", {}, "K8S", "kubernetes"),
    ("deployment", {}, "kube", "kubernetes"),
    ("deployment", {}, "compose", "docker_compose"),
    ("deployment", {}, "Docker", "docker_compose"),
    ("deployment", {}, "docker-compose", "docker_compose"),
]


@pytest.mark.parametrize(("qid", "shape", "typed", "expected"), ACCEPTED)
def test_an_option_is_picked_by_any_spelling_of_its_id_label_or_prefix(
    qid: str, shape: dict[str, AnswerValue], typed: object, expected: AnswerValue
) -> None:
    assert coerce(question(qid, **shape), typed) == expected


REFUSED: list[tuple[str, dict[str, AnswerValue], object, str]] = [
    (
        "features",
        VVPN,
        "s",
        "'s' could mean more than one option: Site-to-site tunnels (site_to_site), "
        "Split tunnelling (split_tunnelling); type more of the one you mean",
    ),
    (
        "features",
        VVPN,
        ["remote access", "S-"],
        "'S-' could mean more than one option: Site-to-site tunnels (site_to_site), "
        "Split tunnelling (split_tunnelling); type more of the one you mean",
    ),
    (
        "vendors",
        {},
        "f",
        "'f' could mean more than one option: Fortinet, F5; type more of the one you mean",
    ),
    (
        "service_type",
        {},
        "v",
        "'v' could mean more than one option: vFirewall, vRouter, vLoadBalancer, vVPN; "
        "type more of the one you mean",
    ),
    (
        "vendor_api",
        {},
        "s",
        "'s' could mean more than one option: SSH CLI (SSH), Vendor SDK (SDK); "
        "type more of the one you mean",
    ),
    (
        "vendors",
        {},
        "Arista",
        "'Arista' is not an option; choose one of: Cisco, Palo Alto, Fortinet, F5, Juniper",
    ),
    (
        "features",
        VVPN,
        "Traffic",  # a vFirewall feature
        "'Traffic' is not an option; choose one of: Site-to-site tunnels (site_to_site), "
        "Remote access (remote_access), Multi-factor authentication (mfa), "
        "Split tunnelling (split_tunnelling)",
    ),
    (
        "deployment",
        {},
        " - _ ",  # nothing left to match: not a prefix of everything
        "' - _ ' is not an option; choose one of: Docker Compose (docker_compose), "
        "Kubernetes (kubernetes), Both (both)",
    ),
    (
        "pricing_model",
        {},
        "k8s",  # a synonym of another question only
        "'k8s' is not an option; choose one of: Monthly (monthly), Hourly (hourly), "
        "Usage based (usage_based), Tiered (tiered)",
    ),
    ("vendors", {}, [], "choose at least 1 of: Cisco, Palo Alto, Fortinet, F5, Juniper"),
    ("pricing_model", {}, ["monthly", "hourly"], "choose exactly one option"),
]


@pytest.mark.parametrize(("qid", "shape", "typed", "why"), REFUSED)
def test_an_ambiguous_or_unknown_answer_is_refused_naming_the_options(
    qid: str, shape: dict[str, AnswerValue], typed: object, why: str
) -> None:
    with pytest.raises(InvalidAnswerError) as refused:
        coerce(question(qid, **shape), typed)
    assert refused.value.message == f"Invalid answer for '{qid}': {why}"
    assert rejection(question(qid, **shape), typed) == why


def test_a_saved_answer_is_not_read_as_a_prefix_of_another_option():
    """Once the options change, an old id must not quietly pick an option it begins."""
    changed = Question(
        id="product_paloalto",
        step="vendors",
        text="Which product?",
        kind="single_select",
        options=[Option(id="vm_series_gp", label="VM-Series with GlobalProtect")],
    )
    assert coerce(changed, "vm_series") == "vm_series_gp"  # typed by a user: a prefix
    assert coerce(changed, "VM-Series with GlobalProtect", prefixes=False) == "vm_series_gp"
    assert rejection(changed, "vm_series", prefixes=False) == (
        "'vm_series' is not an option; choose one of: VM-Series with GlobalProtect (vm_series_gp)"
    )
    answers = {**DEMO_ANSWERS, "features": ["Traffic"]}  # saved as typed: not a saved id
    _, kept = QuestionGraph.default().walk(answers)
    assert "features" not in kept


def test_each_synonym_names_an_option_of_its_question_and_no_option_by_its_own_name():
    table = synonyms()
    assert table == {
        "service_type": {
            "firewall": "vFirewall",
            "router": "vRouter",
            "loadbalancer": "vLoadBalancer",
            "lb": "vLoadBalancer",
            "vpn": "vVPN",
        },
        "deployment": {"k8s": "kubernetes", "compose": "docker_compose"},
    }
    for qid, words in table.items():
        options = question(qid).options
        names = {normalised(o.id) for o in options} | {normalised(o.label) for o in options}
        for word, target in words.items():
            assert target in {o.id for o in options}, (qid, word)
            assert word not in names, (qid, word)  # the option's own name would win: dead


def test_an_answers_file_with_human_spellings_completes_through_the_cli(tmp_path: Path):
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        "service_type: VPN\n"
        "vendors: [palo alto, F5]\n"
        "service_name: vpn-gateway\n"
        "features: [Site-to-site, remote access, SITE_TO_SITE]\n"
        "pricing_model: Usage based\n"
        "price: 5\n"
        "vendor_api: ssh cli\n"
        "auth_methods: api key, OAuth\n"
        "logging: [JSON logs, Prometheus]\n"
        "deployment: k8s\n"
        "confirm: yes\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICE_CREATOR_")}
    command = ["interview", "--workspace", str(tmp_path / "ws"), "--answers", str(answers)]
    done = subprocess.run(
        [sys.executable, "-m", "service_creator", *command, "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    state = json.loads(done.stdout)
    assert state["status"] == "complete"
    requirements = state["requirements"]
    assert requirements["service_type"] == "vVPN"
    assert requirements["vendors"] == ["Palo Alto", "F5"]
    assert requirements["features"] == ["site_to_site", "remote_access"]
    assert requirements["pricing_model"] == "usage_based"
    assert requirements["vendor_api"] == "SSH"
    assert requirements["auth_methods"] == ["api_key", "oauth2"]
    assert requirements["logging"] == ["json", "prometheus"]
    assert requirements["deployment"] == "kubernetes"


HUMAN: dict[str, AnswerValue] = {
    "service_type": "VPN",
    "vendors": ["palo alto", "F5"],
    "service_name": "vpn-gateway",
    "features": "Site-to-site, remote access",
    "pricing_model": "usage",
    "price": 5,
    "vendor_api": "REST",
    "api_docs_url": "",
    "auth_methods": ["API key"],
    "logging": ["json logs"],
    "deployment": "k8s",
    "confirm": True,
}


async def test_turn_based_answers_of_the_editor_and_mcp_take_human_spellings(tmp_path: Path):
    """LSP `answerQuestion` and MCP `answer_question` both run this operation."""
    ref = {"workspace": str(tmp_path)}
    state = await start_interview(StartInterviewInput(**ref), SETTINGS)
    while state.question is not None:
        value = HUMAN.get(state.question.id, state.question.default)
        assert value is not None, state.question.id
        state = await answer_question(AnswerQuestionInput(**ref, answer=value), SETTINGS)
    assert state.status == "complete" and state.requirements is not None
    assert state.requirements.vendors == ["Palo Alto", "F5"]
    assert state.requirements.features == ["site_to_site", "remote_access"]
    assert state.requirements.deployment == "kubernetes"


def test_terminal_replies_and_mcp_forms_are_matched_by_the_same_rules():
    from service_creator.frontends.cli.terminal import parse_reply
    from service_creator.frontends.mcp.elicit import parse_answer, question_model

    features = question("features", **VVPN)
    assert coerce(features, parse_reply(features, "1, site to site , Remote\n")) == [
        "site_to_site",
        "remote_access",
    ]
    # a client may send a label instead of the id its form offered: the interview matches it
    schema = question_model(features).model_json_schema()["properties"]["features"]
    assert schema["items"]["anyOf"][0] == {"const": "site_to_site", "title": "Site-to-site tunnels"}
    sent = parse_answer(features, {"features": ["Site-to-site tunnels", "MFA"]})
    assert coerce(features, sent) == ["site_to_site", "mfa"]
    vendors = question("vendors")
    assert coerce(vendors, parse_answer(vendors, {"vendors": ["paloalto"]})) == ["Palo Alto"]
    single = question("deployment")
    assert coerce(single, parse_answer(single, {"deployment": "K8s"})) == "kubernetes"
    assert rejection(single, parse_answer(single, {"deployment": "nomad"})) == (
        "'nomad' is not an option; choose one of: Docker Compose (docker_compose), "
        "Kubernetes (kubernetes), Both (both)"
    )
