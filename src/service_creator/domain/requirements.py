"""What the interview establishes: its questions and answers, the requirements they make, and
the session that holds them."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from service_creator.domain.wire import WireModel, now

ServiceType = Literal["vFirewall", "vRouter", "vLoadBalancer", "vVPN"]
Vendor = Literal["Cisco", "Palo Alto", "Fortinet", "F5", "Juniper"]
PricingModel = Literal["monthly", "hourly", "usage_based", "tiered"]
VendorApi = Literal["REST", "NETCONF", "SSH", "SDK"]
AuthMethod = Literal["api_key", "oauth2", "jwt", "mtls", "basic"]
LoggingOption = Literal["json", "syslog", "prometheus", "audit", "elk"]
Deployment = Literal["docker_compose", "kubernetes", "both"]

SERVICE_TYPES: tuple[str, ...] = ServiceType.__args__
VENDORS: tuple[str, ...] = Vendor.__args__

FEATURES_BY_SERVICE_TYPE: dict[str, tuple[str, ...]] = {
    "vFirewall": ("traffic_filtering", "nat", "vpn", "threat_detection", "url_filtering"),
    "vRouter": ("bgp", "ospf", "qos", "static_routes", "vrf"),
    "vLoadBalancer": ("health_checks", "ssl_offload", "session_persistence", "l7_routing"),
    "vVPN": ("site_to_site", "remote_access", "mfa", "split_tunnelling"),
}

# Free text that ends up in generated files: letters, digits, spaces and plain punctuation only.
# No quotes, backslashes, angle brackets, braces, `$` or backticks, so nothing can break out of a
# string literal, a YAML scalar or a Markdown line; no `/` so nothing reads as a path.
SAFE_TEXT = re.compile(r"^[A-Za-z0-9 _.,:;()+\-]*$")
SAFE_NAME = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")
SAFE_URL = re.compile(r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%/-]*)?$")
MAX_TEXT = 200


def _safe_text(value: str) -> str:
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise ValueError(f"must be at most {MAX_TEXT} characters (got {len(value)})")
    if not SAFE_TEXT.match(value):
        raise ValueError(
            "may contain only letters, digits, spaces and the punctuation . , : ; ( ) + - _"
        )
    return value


SafeText = Annotated[str, AfterValidator(_safe_text)]


# --- questions and answers ------------------------------------------------------------------

QuestionKind = Literal["single_select", "multi_select", "free_text", "number", "confirm"]
AnswerValue = bool | float | int | str | list[str]


class Option(WireModel):
    id: str
    label: str
    description: str = ""


class Validation(WireModel):
    min_selections: int | None = None
    max_selections: int | None = None
    pattern: str | None = None
    min_value: float | None = None
    max_value: float | None = None
    max_length: int | None = None


class Question(WireModel):
    id: str
    step: str = Field(description="The interview step this question belongs to")
    text: str
    explanation: str = Field(default="", description="Why we ask")
    kind: QuestionKind
    options: list[Option] = []
    default: AnswerValue | None = None
    validation: Validation = Validation()
    step_number: int = 1
    total_steps: int = 1

    @model_validator(mode="after")
    def _choices_need_options(self) -> Question:
        if self.kind in ("single_select", "multi_select") and not self.options:
            raise ValueError(f"a {self.kind} question needs options")
        return self


class Answer(WireModel):
    question_id: str
    value: AnswerValue
    answered_at: datetime = Field(default_factory=now)


# --- requirements ---------------------------------------------------------------------------


class Requirements(WireModel):
    """What the interview establishes; the input of planning and generation."""

    service_type: ServiceType
    service_name: Annotated[str, Field(pattern=SAFE_NAME.pattern)]
    vendors: list[Vendor] = Field(min_length=1, max_length=5)
    products: dict[Vendor, SafeText] = {}
    features: list[str] = Field(min_length=1)
    pricing_model: PricingModel
    price: float = Field(default=10.0, gt=0, le=1_000_000)
    tiers: int = Field(default=3, ge=2, le=5)
    vendor_api: VendorApi
    api_docs_url: Annotated[str, Field(pattern=SAFE_URL.pattern)] | None = None
    auth_methods: list[AuthMethod] = Field(min_length=1)
    logging: list[LoggingOption] = Field(min_length=1)
    deployment: Deployment
    description: SafeText = ""

    @field_validator("vendors", "auth_methods", "logging")
    @classmethod
    def _no_duplicates(cls, values: list[str]) -> list[str]:
        return list(dict.fromkeys(values))

    @model_validator(mode="after")
    def _features_fit_service_type(self) -> Requirements:
        allowed = FEATURES_BY_SERVICE_TYPE[self.service_type]
        unknown = [f for f in self.features if f not in allowed]
        if unknown:
            raise ValueError(
                f"features {unknown} do not apply to a {self.service_type}; "
                f"allowed: {', '.join(allowed)}"
            )
        self.features = list(dict.fromkeys(self.features))
        stray = [v for v in self.products if v not in self.vendors]
        if stray:
            raise ValueError(f"products given for vendors not chosen: {stray}")
        return self

    @property
    def package_name(self) -> str:
        return self.service_name.replace("-", "_")


# --- sessions -------------------------------------------------------------------------------

SessionStatus = Literal["in_progress", "paused", "complete", "generated"]


class Session(WireModel):
    id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12])
    workspace: str
    engine: str = "offline"
    answers: dict[str, AnswerValue] = {}
    history: list[Answer] = []
    step: int = 1
    total_steps: int = 9
    status: SessionStatus = "in_progress"
    current_question: str | None = None
    revising: str | None = Field(default=None, description="An answered question being asked again")
    created_at: datetime = Field(default_factory=now)
    updated_at: datetime = Field(default_factory=now)
