"""The question graph (resources/interview.yaml): which questions apply, given the answers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Literal, NotRequired, TypedDict, cast

import yaml

from service_creator.domain import catalog
from service_creator.domain.errors import InvalidAnswerError
from service_creator.domain.requirements import (
    AnswerValue,
    Option,
    Question,
    QuestionKind,
    Validation,
)
from service_creator.interview.answers import coerce
from service_creator.resources import read_data

PRICE_UNITS = {
    "monthly": "per instance per month",
    "hourly": "per instance-hour",
    "usage_based": "per GB processed",
    "tiered": "per instance per month in the first tier",
}


# `when: {question: ID, in: [values]}`: that answer is (or includes) one of the values
_Condition = TypedDict("_Condition", {"question": str, "in": list[str]})
# None: always; "several_products": the vendor of a for_each copy sells several products
When = Literal["several_products"] | _Condition | None


class _OptionData(TypedDict):
    id: str
    label: str
    description: NotRequired[str]


class _ValidationData(TypedDict, total=False):
    """The fields of `Validation` that interview.yaml sets."""

    min_selections: int
    max_selections: int
    pattern: str
    min_value: float
    max_value: float
    max_length: int


class _SpecData(TypedDict):
    """One entry of interview.yaml's `questions`, as read."""

    id: str
    step: str
    kind: QuestionKind
    text: str
    explanation: NotRequired[str]
    options: NotRequired[list[_OptionData]]
    options_from: NotRequired[str]
    for_each: NotRequired[str]
    when: NotRequired[When]
    default: NotRequired[AnswerValue]
    default_from: NotRequired[str]
    validation: NotRequired[_ValidationData]


class _GraphData(TypedDict):
    """The shape of interview.yaml."""

    steps: list[str]
    questions: list[_SpecData]
    synonyms: NotRequired[dict[str, dict[str, str]]]  # read by answers.synonyms


@dataclass(frozen=True)
class QuestionSpec:
    """One entry of interview.yaml, before placeholders and catalog options are filled in."""

    id: str
    step: str
    kind: QuestionKind
    text: str
    explanation: str = ""
    options: tuple[_OptionData, ...] = ()
    options_from: str | None = None
    for_each: str | None = None
    when: When = None
    default: AnswerValue | None = None
    default_from: str | None = None
    validation: _ValidationData = field(default_factory=_ValidationData)

    @classmethod
    def from_data(cls, data: _SpecData) -> QuestionSpec:
        unknown = data.keys() - _SpecData.__annotations__.keys()
        if unknown:  # a misspelt key in interview.yaml
            raise TypeError(f"interview.yaml: question {data['id']!r}: unknown keys {unknown}")
        return cls(
            id=data["id"],
            step=data["step"],
            kind=data["kind"],
            text=data["text"],
            explanation=data.get("explanation", ""),
            options=tuple(data.get("options", ())),
            options_from=data.get("options_from"),
            for_each=data.get("for_each"),
            when=data.get("when"),
            default=data.get("default"),
            default_from=data.get("default_from"),
            validation=data.get("validation", _ValidationData()),
        )


_PLACEHOLDER = re.compile(r"{(\w+)}")
_PLACEHOLDER_SOURCES = {
    "vendor_list": {"vendors"},
    "first_vendor_slug": {"vendors"},
    "service_type_slug": {"service_type"},
    "price_unit": {"pricing_model"},
}
_OPTION_SOURCES = {"features": {"service_type"}, "products": {"service_type"}}


class _Placeholders(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


class QuestionGraph:
    def __init__(self, steps: list[str], specs: list[QuestionSpec]) -> None:
        self.steps = steps
        self.specs = specs

    @classmethod
    @cache
    def default(cls) -> QuestionGraph:
        # safe_load returns Any; the file ships with the package and has this shape
        data = cast(_GraphData, yaml.safe_load(read_data("interview.yaml")))
        return cls(data["steps"], [QuestionSpec.from_data(q) for q in data["questions"]])

    @property
    def core_steps(self) -> list[str]:
        return list(self.steps)

    def walk(
        self, answers: Mapping[str, AnswerValue]
    ) -> tuple[list[Question], dict[str, AnswerValue]]:
        """The questions that apply, in order, up to the first unanswered one; and the answers.

        Each question sees only the answers kept before it, so an answer that no longer fits
        (a feature of another service type, a product of a vendor no longer chosen) is dropped.
        Answers to questions past the first unanswered one are kept as they are, to be checked
        when the interview gets there; once every question is answered, strays are dropped.
        """
        kept: dict[str, AnswerValue] = {}
        asked: list[Question] = []
        for spec in self.specs:
            for question in self._instances(spec, kept):
                asked.append(question)
                try:
                    kept[question.id] = coerce(question, answers[question.id], prefixes=False)
                except (KeyError, InvalidAnswerError):
                    pending = {k: v for k, v in answers.items() if k not in kept}
                    pending.pop(question.id, None)
                    return asked, {**kept, **pending}
        return asked, kept

    def ready(self, answers: Mapping[str, AnswerValue]) -> list[Question]:
        """The unanswered questions that can be asked now, together, in interview order: the
        next one and those after it, up to the first that an unanswered one shapes (its
        condition, options or wording). Asking them at once saves round trips."""
        kept: dict[str, AnswerValue] = {}
        waiting: set[str] = set()
        batch: list[Question] = []
        for spec in self.specs:
            if self.depends_on(spec) & waiting:
                return batch
            for question in self._instances(spec, kept):
                try:
                    kept[question.id] = coerce(question, answers[question.id], prefixes=False)
                except (KeyError, InvalidAnswerError):
                    batch.append(question)
                    waiting.update((question.id, spec.id))
        return batch

    def depends_on(self, spec: QuestionSpec) -> set[str]:
        """The ids of the questions whose answers shape this one (its `when`, its options,
        its copies, its wording); the summary depends on every question."""
        if spec.step == "confirm":
            return {other.id for other in self.specs if other is not spec}
        found: set[str] = set()
        if spec.for_each:
            found.add(spec.for_each)
        if isinstance(spec.when, dict):
            found.add(spec.when["question"])
        elif spec.when == "several_products":
            found.add("service_type")
        found |= _OPTION_SOURCES.get(spec.options_from or "", set())
        for text in (spec.text, spec.explanation, str(spec.default or "")):
            for name in _PLACEHOLDER.findall(text):
                found |= _PLACEHOLDER_SOURCES.get(name, {name})
        return found - {"vendor", "vendor_slug"}  # a copy's own vendor

    def _instances(self, spec: QuestionSpec, answers: dict[str, AnswerValue]) -> list[Question]:
        if spec.for_each is None:
            return [q] if (q := self._build(spec, answers, {})) else []
        items = answers.get(spec.for_each)
        if not isinstance(items, list):
            return []
        built = (
            self._build(spec, answers, {"vendor": v, "vendor_slug": catalog.vendor_slug(v)})
            for v in items
        )
        return [q for q in built if q]

    def _build(
        self, spec: QuestionSpec, answers: dict[str, AnswerValue], extra: dict[str, str]
    ) -> Question | None:
        if not self._holds(spec.when, answers, extra):
            return None
        fill = _placeholders(answers, extra)
        qid = f"{spec.id}_{extra['vendor_slug']}" if "vendor_slug" in extra else spec.id
        options = self._options(spec, answers, extra)
        default = spec.default.format_map(fill) if isinstance(spec.default, str) else spec.default
        if spec.default_from == "first_option":
            default = options[0].id
        return Question(
            id=qid,
            step=spec.step,
            kind=spec.kind,
            text=spec.text.format_map(fill).strip(),
            explanation=spec.explanation.format_map(fill).strip(),
            options=options,
            default=default,
            validation=Validation(**spec.validation),
            step_number=self.steps.index(spec.step) + 1,
            total_steps=len(self.steps),
        )

    def _holds(self, when: When, answers: dict[str, AnswerValue], extra: dict[str, str]) -> bool:
        if when is None:
            return True
        if when == "several_products":
            return len(catalog.products(str(answers["service_type"]), extra["vendor"])) > 1
        value = answers.get(when["question"])
        chosen = value if isinstance(value, list) else [value]
        return any(v in when["in"] for v in chosen)

    def _options(
        self, spec: QuestionSpec, answers: dict[str, AnswerValue], extra: dict[str, str]
    ) -> list[Option]:
        match spec.options_from:
            case None:
                return [Option(**o) for o in spec.options]
            case "service_types":
                return catalog.service_type_options()
            case "vendors":
                return catalog.vendor_options()
            case "features":
                return catalog.feature_options(str(answers["service_type"]))
            case "products":
                return catalog.products(str(answers["service_type"]), extra["vendor"])
            case _:
                raise ValueError(f"interview.yaml: unknown options_from {spec.options_from!r}")


def _placeholders(answers: Mapping[str, AnswerValue], extra: dict[str, str]) -> _Placeholders:
    fill = _Placeholders({k: str(v) for k, v in answers.items() if not isinstance(v, list)})
    vendors = answers.get("vendors")
    if isinstance(vendors, list) and vendors:
        fill["vendor_list"] = " and ".join(vendors)
        fill["first_vendor_slug"] = catalog.vendor_slug(vendors[0])
    if "service_type" in answers:
        fill["service_type_slug"] = str(answers["service_type"]).lower()
    fill["price_unit"] = PRICE_UNITS.get(str(answers.get("pricing_model")), PRICE_UNITS["monthly"])
    fill.update(extra)
    return fill
