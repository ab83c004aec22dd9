"""An Asker that answers from a mapping of question id -> answer (an answers YAML file, a demo)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from service_creator.core.models import AnswerValue, Question
from service_creator.errors import InvalidAnswerError, ServiceCreatorError

DEMO_ANSWERS: dict[str, Any] = {
    "service_type": "vFirewall",
    "vendors": ["Cisco"],
    "product_cisco": "Firepower Threat Defense Virtual (FTDv)",
    "service_name": "vfirewall-ftd",
    "features": ["Traffic filtering", "NAT", "Threat detection"],
    "pricing_model": "monthly",
    "price": 49,
    "vendor_api": "REST",
    "auth_methods": ["api_key", "jwt"],
    "logging": ["json", "prometheus", "audit"],
    "deployment": "both",
    "confirm": True,
}


class ScriptedAsker:
    """Answers each question from the script; a missing answer takes the question's default."""

    def __init__(
        self,
        answers: Mapping[str, Any],
        on_answer: Callable[[Question, AnswerValue], None] = lambda q, a: None,
    ) -> None:
        self.answers = dict(answers)
        self.on_answer = on_answer

    @classmethod
    def from_file(cls, path: Path, **kw: Any) -> ScriptedAsker:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ServiceCreatorError(f"Cannot read the answers file {path}: {exc}") from None
        if not isinstance(data, dict):
            raise ServiceCreatorError(
                f"The answers file {path} must be a mapping of question id to answer",
                hint="e.g. `service_type: vFirewall`",
            )
        return cls(data, **kw)

    async def ask(self, question: Question, problem: str | None = None) -> AnswerValue | None:
        if problem:
            raise InvalidAnswerError(problem)
        if question.id in self.answers:
            value = self.answers[question.id]
        elif question.default is not None:
            value = question.default
        else:
            raise InvalidAnswerError(
                f"The answers file has no answer for '{question.id}' ({question.text}), "
                "and that question has no default"
            )
        self.on_answer(question, value)
        return value
