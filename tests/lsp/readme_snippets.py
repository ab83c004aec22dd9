"""The editor setups as the README shows them: each test runs the README's own snippet, so the
two cannot drift apart."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def snippet(heading: str, language: str) -> str:
    """The first ```language block under the README heading that starts with `heading`
    (with its #s: "### Neovim")."""
    text = README.read_text()
    start = re.search(rf"^{re.escape(heading)}.*$", text, re.MULTILINE)
    assert start, f"README.md has no heading starting with {heading!r}"
    block = re.compile(rf"^```{language}\n(.*?)^```$", re.MULTILINE | re.DOTALL)
    found = block.search(text, start.end())
    next_heading = re.compile(r"^#{1,6} ", re.MULTILINE).search(text, start.end())
    assert found, f"README.md has no {language} block after {heading!r}"
    assert next_heading is None or found.start() < next_heading.start(), (
        f"the {language} block after {heading!r} is under another heading"
    )
    return found.group(1)
