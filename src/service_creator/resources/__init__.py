"""The data the code reads: prompt templates (prompts/*.j2), tree-sitter queries (queries/*.scm),
the interview graph and the catalog (interview.yaml, catalog.yaml).

`render(name, **ctx)` renders a template with StrictUndefined: a missing variable is an error,
never an empty string. Untrusted text (the user's answers, file contents, test output) enters a
prompt only through the `data` filter, which fences it between markers derived from its own hash:
the text cannot contain its own closing marker, so it cannot end the block and pose as
instructions.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2


def read_data(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


def _template_source(name: str) -> str | None:
    if (
        not name.endswith(".j2")
        or not resources.files(__name__).joinpath("prompts", name).is_file()
    ):
        return None
    return read_data(f"prompts/{name}")


def data_block(text: object, label: str = "data") -> str:
    """`text` fenced as data: `<<<DATA <tag> <label>` ... `DATA <tag>>>>`."""
    body = text if isinstance(text, str) else json.dumps(text, default=str)  # compact: tokens
    tag = hashlib.sha256(body.encode("utf-8")).hexdigest()[:12]
    label = " ".join(str(label).split())[:80]
    return f"<<<DATA {tag} {label}\n{body.rstrip()}\nDATA {tag}>>>"


def tojson(value: object) -> str:
    return json.dumps(value, indent=1, default=str)


@cache
def _environment() -> jinja2.Environment:
    import jinja2  # loaded on first render: the MCP server lists its tools without it

    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_template_source),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # prompts, not HTML
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["data"] = data_block
    env.filters["json"] = tojson
    return env


def render(name: str, **ctx: object) -> str:
    """The template `name` (e.g. "codegen.j2") rendered with `ctx`."""
    return _environment().get_template(name).render(**ctx).strip() + "\n"
