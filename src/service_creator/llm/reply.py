"""The code in a model's reply: fenced blocks, prose around them, several blocks, a cut-off reply.

    code, complete = code_from_reply(reply_text, spec)

Several blocks: the one naming the file (in its info string or the line before it) wins, then
the one in the file's language, then the longest. A reply with no fence is taken as the code
(minus leading prose, for Python). `complete` is False when the last block was never closed: the
reply was cut off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from service_creator.domain.project import FileSpec

LANGUAGE_TAGS: dict[str, frozenset[str]] = {
    "python": frozenset({"python", "py", "python3"}),
    "javascript": frozenset({"javascript", "js", "node", "mjs", "cjs"}),
    "yaml": frozenset({"yaml", "yml"}),
    "dockerfile": frozenset({"dockerfile", "docker", "containerfile"}),
    "sql": frozenset({"sql", "sqlite", "postgresql", "postgres"}),
    "markdown": frozenset({"markdown", "md"}),
    "text": frozenset({"text", "txt", "toml", "ini", "plain", "requirements", "cfg"}),
}
FENCE_OF = {"text": "", "markdown": "markdown"}
_OPEN = re.compile(r"^(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$")
_PYTHON_START = re.compile(
    r"^(\"\"\"|'''|#|import |from |def |async def |class |@|[A-Za-z_]\w* *[:=])"
)


@dataclass
class Block:
    info: str
    body: str
    before: str  # the line of prose just before the block
    closed: bool

    @property
    def tag(self) -> str:
        return self.info.split()[0].lower() if self.info.split() else ""


def fence_for(language: str) -> str:
    """The info string to ask for: ```python, ```yaml, ```dockerfile, ...; plain ``` for text."""
    return FENCE_OF.get(language, language)


def blocks(reply: str) -> list[Block]:
    """Every fenced block of the reply, in order; an unclosed last block runs to the end."""
    found: list[Block] = []
    lines = reply.splitlines()
    index, previous = 0, ""
    while index < len(lines):
        opening = _OPEN.match(lines[index].strip())
        if opening is None:
            if lines[index].strip():
                previous = lines[index].strip()
            index += 1
            continue
        fence = opening.group("fence")
        body: list[str] = []
        index += 1
        while index < len(lines) and not _closes(lines[index], fence):
            body.append(lines[index])
            index += 1
        closed = index < len(lines)
        found.append(Block(opening.group("info").strip(), "\n".join(body), previous, closed))
        index += 1
        previous = ""
    return found


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0])


def code_from_reply(reply: str, spec: FileSpec) -> tuple[str, bool]:
    """(the file's content, whether the reply was complete)."""
    if spec.language == "markdown":
        return _markdown(reply)
    found = blocks(reply)
    if not found:
        return _unfenced(reply, spec), True
    block = pick(found, spec)
    return block.body.strip("\n") + "\n", block.closed


def pick(found: list[Block], spec: FileSpec) -> Block:
    name = PurePosixPath(spec.path).name
    naming = [b for b in found if name in b.info or name in b.before]
    if naming:
        return naming[-1]
    tags = LANGUAGE_TAGS.get(spec.language, frozenset())
    in_language = [b for b in found if b.tag in tags]
    candidates = in_language or [b for b in found if not b.tag] or found
    return max(candidates, key=lambda b: len(b.body))


def _markdown(reply: str) -> tuple[str, bool]:
    """A Markdown file holds fences of its own: only an outer fence goes, one tagged markdown
    (prose around it dropped) or a bare one around the whole reply. It closes at the last line
    that is just its fence."""
    lines = reply.strip().splitlines()
    start = next((i for i, line in enumerate(lines) if _markdown_opening(line, i)), None)
    opening = _OPEN.match(lines[start].strip()) if start is not None else None
    if start is None or opening is None:  # a line _markdown_opening found always matches
        return reply.strip() + "\n", True
    fence = opening.group("fence")
    ends = [i for i in range(start + 1, len(lines)) if _closes(lines[i], fence)]
    body = lines[start + 1 : ends[-1]] if ends else lines[start + 1 :]
    return "\n".join(body).strip("\n") + "\n", bool(ends)


def _markdown_opening(line: str, index: int) -> bool:
    opening = _OPEN.match(line.strip())
    if opening is None:
        return False
    info = opening.group("info").strip().lower()
    return info in ("markdown", "md") or (index == 0 and not info)


def _unfenced(reply: str, spec: FileSpec) -> str:
    lines = reply.strip().splitlines()
    if spec.language == "python":
        start = next((i for i, line in enumerate(lines) if _PYTHON_START.match(line)), 0)
        lines = lines[start:]
    return "\n".join(lines).strip("\n") + "\n"


def join_continuation(text: str, more: str) -> str:
    """A cut-off reply and its continuation as one reply: a repeated opening fence is dropped."""
    found = blocks(text)
    head = more.lstrip("\n")
    if found and not found[-1].closed:
        first, _, rest = head.partition("\n")
        if _OPEN.match(first.strip()) and first.strip().strip("`~").strip():
            head = rest  # the model reopened the block: ```python again
    if not text.endswith("\n") and head.startswith("\n"):
        head = head[1:]
    return text + head
