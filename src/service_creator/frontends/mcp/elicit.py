"""A `Question` as an MCP elicitation form, and the form's answer as an interview answer.

Each question becomes a one-field pydantic model built with `create_model`; its JSON schema is
what the client renders. The field is named after the question id:

- single select → a string with `oneOf` `{const, title}` options (the spec's titled enum);
- multi select  → an array whose items are `anyOf` `{const, title}` (titled multi-select),
  with `minItems`/`maxItems`;
- free text     → a string with `pattern` and `maxLength`;
- number        → a number with `minimum`/`maximum`;
- confirm       → a boolean.

A select's content is read as a string (or a list of strings), not checked against the ids here:
the interview matches it to an option as it does every answer, so a client that sends a label
is understood, and an unknown one is refused with the options.

The SDK checks every rendered schema against the spec's `PrimitiveSchemaDefinition`
(`render_elicitation_schema`), so a question that cannot be rendered fails loudly here, not in a
client. The explanation (and, for the summary, the whole summary) goes in the message.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from service_creator.domain.requirements import SAFE_TEXT, AnswerValue, Option, Question

FIELD = "value"


def _title(option: Option) -> str:
    return f"{option.label} ({option.description})" if option.description else option.label


def _titled_single(options: list[Option]) -> Any:
    one_of = [{"const": o.id, "title": _title(o)} for o in options]

    def edit(schema: dict[str, Any]) -> None:
        schema.pop("enum", None)
        schema.pop("const", None)
        schema["oneOf"] = one_of

    return edit


def _titled_multi(options: list[Option]) -> Any:
    any_of = [{"const": o.id, "title": _title(o)} for o in options]

    def edit(schema: dict[str, Any]) -> None:
        schema["items"] = {"anyOf": any_of}

    return edit


def _field(question: Question) -> tuple[Any, Any]:
    """The answer's Python type and its `Field` (constraints, default, title)."""
    title = question.text.splitlines()[0]
    extra: dict[str, Any] = {"title": title, "alias": question.id}
    default = question.default
    rules = question.validation
    match question.kind:
        case "single_select":
            kind: Any = str  # the schema offers the ids; the interview matches what comes back
            extra["json_schema_extra"] = _titled_single(question.options)
            ids = {o.id for o in question.options}
            default = default if default in ids else None
        case "multi_select":
            kind = list[str]  # matched by the interview, like a single select
            extra["json_schema_extra"] = _titled_multi(question.options)
            extra["min_length"] = rules.min_selections
            extra["max_length"] = rules.max_selections
            default = list(default) if isinstance(default, list) else None
        case "number":
            kind = float
            extra["ge"] = rules.min_value
            extra["le"] = rules.max_value
            default = default if isinstance(default, int | float) else None
        case "confirm":
            kind = bool
            default = default if isinstance(default, bool) else None
        case _:
            kind = str
            extra["pattern"] = rules.pattern or SAFE_TEXT.pattern
            extra["max_length"] = rules.max_length
            default = default if isinstance(default, str) else None
    extra = {k: v for k, v in extra.items() if v is not None}
    if default is None:
        return kind, Field(**extra)
    return kind, Field(default, **extra)


def question_model(question: Question) -> type[BaseModel]:
    """The elicitation form for one question: a model with the single field `question.id`."""
    kind, field = _field(question)
    name = "".join(part.title() for part in question.id.split("_")) + "Answer"
    return create_model(
        name,
        __config__=ConfigDict(populate_by_name=True, extra="ignore"),
        **{FIELD: (kind, field)},
    )


def question_message(question: Question, problem: str | None = None) -> str:
    """What the user reads above the form: step, question, why we ask, what went wrong."""
    lines = [f"Step {question.step_number} of {question.total_steps}: {question.text}"]
    if question.explanation:
        lines += ["", f"Why we ask: {question.explanation}"]
    if question.kind == "multi_select":
        lines += ["", "Choose one or more."]
    if problem:
        lines += ["", f"Your previous answer was not accepted: {problem}"]
    return "\n".join(lines)


def answer_value(form: BaseModel) -> AnswerValue:
    return getattr(form, FIELD)


def parse_answer(question: Question, content: dict[str, Any] | None) -> AnswerValue:
    """The answer in a client's accepted form content; ValueError says what is wrong with it."""
    try:
        return answer_value(question_model(question).model_validate(content or {}))
    except ValidationError as exc:
        problems = "; ".join(error["msg"] for error in exc.errors())
        raise ValueError(problems) from None
