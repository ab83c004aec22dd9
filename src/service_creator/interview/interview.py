"""The interview: one question at a time over a Session, adapting to earlier answers.

`Interview` never asks anyone anything; it says what the next question is and takes answers.
The tools layer drives it with an `Asker` (editor prompts, elicitation, a terminal, a script).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from service_creator.domain import catalog
from service_creator.domain.errors import InterviewIncompleteError, InvalidAnswerError
from service_creator.domain.requirements import (
    Answer,
    AnswerValue,
    Option,
    Question,
    Requirements,
    Session,
)
from service_creator.domain.wire import now
from service_creator.interview.answers import coerce, rejection, shown
from service_creator.interview.graph import PRICE_UNITS, QuestionGraph

REVISE = "revise"


@dataclass(frozen=True)
class StaleAnswer:
    """A saved answer that no longer fits its question (the options changed, the file was
    edited): it is dropped and the question asked again; the other answers are kept."""

    question_id: str
    why: str

    @property
    def message(self) -> str:
        return f"The saved answer to '{self.question_id}' cannot be used any more: {self.why}"


class Interview:
    def __init__(self, session: Session, graph: QuestionGraph | None = None) -> None:
        self.session = session
        self.graph = graph or QuestionGraph.default()
        self.stale = self._stale_answer()
        self._forget_unknown_revision()
        self._sync()

    # --- reading ---------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        return self.session.answers.get("confirm") is True

    def current(self) -> Question | None:
        """The next question to ask, or None once the summary is confirmed."""
        if self.session.answers.get("confirm") is False:
            return self._revise_question()
        if self.session.revising:
            question = self._find(self.session.revising)
            return question.model_copy(update={"default": self.session.answers.get(question.id)})
        questions, kept = self.graph.walk(self.session.answers)
        for question in questions:
            if question.id == "confirm" and question.id not in kept:
                return self._with_summary(question)
            if question.id not in kept:
                return self._note(question)
        return None

    def ready(self) -> list[Question]:
        """The questions that can be asked now, together (the current one first): later ones
        only when nothing still unanswered shapes them."""
        current = self.current()
        if current is None:
            return []
        if current.id in (REVISE, "confirm") or self.session.revising:
            return [current]
        batch = [q for q in self.graph.ready(self.session.answers) if q.id != "confirm"]
        return batch if batch and batch[0].id == current.id else [current]

    def questions(self) -> list[Question]:
        """Every question that applies to the answers so far (answered or not)."""
        return self.graph.walk(self.session.answers)[0]

    def requirements(self) -> Requirements:
        stale = self._pending_stale()
        if stale is not None:
            raise InterviewIncompleteError(
                stale.message,
                hint=f"answer '{stale.question_id}' again (the interview asks it next); "
                "the other answers are kept",
            )
        if not self.done:
            question = self.current()
            raise InterviewIncompleteError(
                "The interview is not finished",
                hint=f"answer '{question.id}' next" if question else None,
            )
        return requirements_from(self.session.answers)

    # --- answering -------------------------------------------------------------------------

    def answer(self, value: AnswerValue, question_id: str | None = None) -> Question | None:
        """Answer the current question (or change an earlier answer by id); returns the next.

        An invalid answer raises InvalidAnswerError and leaves the session as it was.
        """
        current = self.current()
        target = question_id or (current.id if current else None)
        if target is None:
            raise InvalidAnswerError("The interview is finished; there is nothing to answer")
        if current is not None and target == current.id == REVISE:
            self._revise(coerce(current, value))
        else:
            question = self._find(target)
            self._store(question.id, coerce(question, value))
        return self.current()

    def _find(self, question_id: str) -> Question:
        for question in [*self.questions(), *self.graph.ready(self.session.answers)]:
            if question.id == question_id:
                return question
        current = self.current()
        raise InvalidAnswerError(
            f"{shown(question_id)} is not a question of this interview (now)",
            hint=f"the current question is '{current.id}'" if current else None,
        )

    def _store(self, question_id: str, value: AnswerValue) -> None:
        answers = dict(self.session.answers)
        answers[question_id] = value
        if question_id != "confirm":
            answers.pop("confirm", None)  # any change invalidates the confirmed summary
        self.session.answers = answers
        self.session.revising = None
        self.session.status = "in_progress"
        self.session.history.append(Answer(question_id=question_id, value=value))
        self._sync()

    def _revise(self, question_id: AnswerValue) -> None:
        """Ask `question_id` again, its old answer offered as the default; the rest is kept."""
        self.session.answers = {k: v for k, v in self.session.answers.items() if k != "confirm"}
        self.session.revising = str(question_id)
        self.session.status = "in_progress"
        self.session.history.append(Answer(question_id=REVISE, value=question_id))
        self._sync()

    def _revise_question(self) -> Question:
        answered = [
            q for q in self.questions() if q.id in self.session.answers and q.id != "confirm"
        ]
        return Question(
            id=REVISE,
            step="confirm",
            kind="single_select",
            text="Which answer would you like to change?",
            explanation="That question is asked again; answers that still fit are kept.",
            options=[Option(id=q.id, label=q.text) for q in answered],
            step_number=len(self.graph.steps),
            total_steps=len(self.graph.steps),
        )

    def _stale_answer(self) -> StaleAnswer | None:
        """The saved answer the walk stops at because it no longer fits, if there is one."""
        questions, kept = self.graph.walk(self.session.answers)
        last = questions[-1] if questions else None
        if last is None or last.id in kept or last.id not in self.session.answers:
            return None
        why = rejection(last, self.session.answers[last.id], prefixes=False)
        return StaleAnswer(last.id, why) if why else None

    def _pending_stale(self) -> StaleAnswer | None:
        """The stale answer found when the session was opened, until it is answered again."""
        if self.stale is None or self.stale.question_id in self.session.answers:
            return None
        return self.stale

    def _note(self, question: Question) -> Question:
        """The question, saying why it is asked again when its saved answer no longer fits."""
        stale = self._pending_stale()
        if stale is None or stale.question_id != question.id:
            return question
        note = f"Your saved answer cannot be used any more: {stale.why}."
        explanation = f"{note} {question.explanation}".strip()
        return question.model_copy(update={"explanation": explanation})

    def _forget_unknown_revision(self) -> None:
        """A saved `revising` that names no question of this interview is dropped, not obeyed."""
        revising = self.session.revising
        known = [*self.questions(), *self.graph.ready(self.session.answers)]
        if revising and all(question.id != revising for question in known):
            self.session.revising = None

    def _with_summary(self, question: Question) -> Question:
        summary = summarize(requirements_from(self.session.answers))
        return question.model_copy(update={"text": f"{question.text}\n\n{summary}"})

    def _sync(self) -> None:
        """Drop answers that no longer fit, and bring step and status up to date.

        A confirmed summary stands only while every question before it is answered.
        """
        questions, kept = self.graph.walk(self.session.answers)
        if any(question.id not in kept for question in questions if question.id != "confirm"):
            kept.pop("confirm", None)
        self.session.answers = kept
        question = self.current()
        self.session.current_question = question.id if question else None
        self.session.total_steps = len(self.graph.steps)
        self.session.step = question.step_number if question else len(self.graph.steps)
        if self.done and self.session.status != "generated":
            self.session.status = "complete"
        elif not self.done and self.session.status != "paused":  # paused until the next answer
            self.session.status = "in_progress"
        self.session.updated_at = now()


def requirements_from(answers: dict[str, AnswerValue]) -> Requirements:
    try:
        service_type = str(answers["service_type"])
        chosen = answers["vendors"]
        if not isinstance(chosen, str | list):
            raise TypeError(f"'{type(chosen).__name__}' object is not iterable")
        vendors = [str(v) for v in chosen]
        products = {vendor: _product(answers, service_type, vendor) for vendor in vendors}
        # the answers are loosely typed (any AnswerValue under any id): pydantic checks them
        fields: dict[str, object] = {
            "service_type": service_type,
            "service_name": answers["service_name"],
            "vendors": vendors,
            "products": products,
            "features": answers["features"],
            "pricing_model": answers["pricing_model"],
            "price": answers.get("price", 10),
            "tiers": answers.get("tiers", 3),
            "vendor_api": answers["vendor_api"],
            "api_docs_url": answers.get("api_docs_url") or None,
            "auth_methods": answers["auth_methods"],
            "logging": answers["logging"],
            "deployment": answers.get("deployment", "both"),
        }
        return Requirements.model_validate(fields)
    except KeyError as exc:
        raise InterviewIncompleteError(
            "The answers do not make valid requirements: "
            f"no usable answer for {shown(exc.args[0])}",
            hint="answer the interview again from that question",
        ) from None
    except (TypeError, ValidationError) as exc:
        raise InterviewIncompleteError(
            f"The answers do not make valid requirements: {shown(str(exc), 200)}",
            hint="answer the interview again from that question",
        ) from None


def _product(answers: dict[str, AnswerValue], service_type: str, vendor: str) -> str:
    """The label of the product chosen for `vendor` (its first when it has only one)."""
    choice = answers.get(f"product_{catalog.vendor_slug(vendor)}")
    options = catalog.products(service_type, vendor)
    return catalog.product_label(service_type, vendor, str(choice or options[0].id))


def summarize(req: Requirements) -> str:
    vendors = ", ".join(f"{v} ({req.products[v]})" for v in req.vendors)
    features = ", ".join(catalog.feature_label(f) for f in req.features)
    lines = [
        f"Service: {req.service_type} '{req.service_name}'",
        f"Vendors: {vendors}",
        f"Features: {features}",
        f"Pricing: {req.pricing_model}, {req.price:g} USD {PRICE_UNITS[req.pricing_model]}"
        + (f", {req.tiers} tiers" if req.pricing_model == "tiered" else ""),
        f"Vendor API: {req.vendor_api}" + (f" ({req.api_docs_url})" if req.api_docs_url else ""),
        f"Authentication: {', '.join(req.auth_methods)}",
        f"Logging: {', '.join(req.logging)}",
        f"Deployment: {req.deployment}",
    ]
    return "\n".join(lines)
