"""The offline engine's project writer: every file of the plan, rendered from jinja2 templates.

One template per generated file under `templates/`, named after the file's path plus `.j2`
(a leading dot is dropped from each directory, so `.github/workflows/ci.yml` is
`github/workflows/ci.yml.j2`: setuptools' package-data globs skip hidden directories). Partials
shared by several templates live under `templates/partials/`. Output is deterministic: the same
requirements always give the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import jinja2

from service_creator.domain.errors import GenerationError
from service_creator.domain.project import FileSpec, GeneratedFile
from service_creator.domain.requirements import Requirements
from service_creator.generation.offline.context import build_context
from service_creator.generation.offline.pysource import FILTERS
from service_creator.generation.pipeline import Generation, OnFileDone, generate
from service_creator.generation.plan import plan
from service_creator.llm.ledger import Ledger

TEMPLATES = Path(__file__).parent / "templates"


@cache
def environment() -> jinja2.Environment:
    """The jinja2 environment of the project templates, built once."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # the output is source code, not HTML
    )
    env.filters.update(FILTERS)
    return env


def template_name(path: str) -> str:
    """The template that writes the file at `path` (a POSIX path relative to the project)."""
    return "/".join(part.lstrip(".") for part in path.split("/")) + ".j2"


def render_file(spec: FileSpec, requirements: Requirements) -> str:
    """The content of one file of the project."""
    return _render(spec, build_context(requirements))


class OfflineEngine:
    """The embedded engine (an `Engine`, generation/pipeline.py): jinja2 project templates, no
    network, deterministic."""

    name = "offline"
    ledger: Ledger | None = None  # no model, nothing spent

    def plan(self, requirements: Requirements) -> list[FileSpec]:
        """generation/plan.py's plan, without interfaces (the templates need none)."""
        return plan(requirements)

    async def render(
        self, spec: FileSpec, requirements: Requirements, done: dict[str, GeneratedFile]
    ) -> str:
        return render_file(spec, requirements)

    async def run(
        self,
        specs: list[FileSpec],
        requirements: Requirements,
        *,
        on_file_done: OnFileDone = lambda done, total, path: None,
        is_cancelled: Callable[[], bool] = lambda: False,
        concurrency: int = 4,
    ) -> Generation:
        """The shared pipeline (generation/pipeline.py), with nothing after it."""
        return await generate(
            specs,
            requirements,
            self,
            on_file_done=on_file_done,
            is_cancelled=is_cancelled,
            concurrency=concurrency,
        )


def render_project(requirements: Requirements) -> list[GeneratedFile]:
    """Every file of `plan(requirements)`, in plan order."""
    context = build_context(requirements)
    return [
        GeneratedFile(path=spec.path, content=_render(spec, context)) for spec in plan(requirements)
    ]


def _render(spec: FileSpec, context: dict[str, object]) -> str:
    name = template_name(spec.path)
    try:
        template = environment().get_template(name)
        return template.render(context, spec=spec)
    except jinja2.TemplateNotFound as exc:
        raise GenerationError(
            f"the offline engine has no template for {spec.path}", hint=f"expected {name}"
        ) from exc
    except jinja2.UndefinedError as exc:
        raise GenerationError(f"template {name} uses an undefined value: {exc.message}") from exc
    except jinja2.TemplateError as exc:
        raise GenerationError(f"template {name} failed: {exc}") from exc
