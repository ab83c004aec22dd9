"""Validate and tidy each generated file: parse it, `ruff check --fix`, format with black.

Returns the (possibly fixed) file and the findings that remain, each with a line. Every kind of
file is checked: Python compiles and passes the project's ruff rules; TOML parses (and
`pyproject.toml` has a `[project]` table with a name); `requirements.txt` holds PEP 508
requirements only; YAML and JSON parse; JavaScript parses (tree-sitter); SQL runs on SQLite;
Markdown and any other text is text with no chat-template tokens and no echo of the prompt. A
finding that `blocks` (an error of the file's own kind) keeps the file from being written.
"""

from __future__ import annotations

import importlib
import json
import re
import sqlite3
import subprocess
import tempfile
import threading
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import TypedDict, Unpack, cast

import black
import yaml
from black.const import DEFAULT_LINE_LENGTH
from black.mode import TargetVersion
from black.parsing import InvalidInput  # black imports it, and does not re-export it
from packaging.requirements import InvalidRequirement, Requirement

from service_creator.codeintel import parsing
from service_creator.domain.project import FileSpec, GeneratedFile
from service_creator.domain.reports import Finding, FindingSource, Location, Severity
from service_creator.generation import deploy_checks
from service_creator.resources import read_data

# The ruff and black settings of every generated project (plain TOML): the offline templates'
# pyproject.toml includes this file, and each Python file is fixed and formatted with it here, so
# what validation writes is what the project's own CI (`ruff check .`, `black --check .`) accepts.
PROJECT_TOOLS = Path(__file__).parent / "offline/templates/partials/project_tools.toml.j2"


def validate(spec: FileSpec, file: GeneratedFile) -> tuple[GeneratedFile, list[Finding]]:
    match spec.language:
        case "python":
            return _python(file, first_party(spec))
        case "yaml":
            return file, _yaml(file) or deploy_checks.check(file)
        case "sql":
            return file, _sql(file)
        case "javascript":
            return file, _tree_sitter(file, spec.language)
        case "dockerfile":
            return file, deploy_checks.check(file)
        case "markdown":
            return file, _text(file, empty=True)
        case _:
            return file, _by_name(file)


def blocks(finding: Finding) -> bool:
    """Whether a finding keeps its file from being written: an error of the file's own kind
    (it does not parse, fails ruff or its deployment check, is not the text it should be). The
    consistency check across files reports, and does not block."""
    return finding.severity == "error" and finding.source != "consistency"


def _by_name(file: GeneratedFile) -> list[Finding]:
    """A file of the plan's `text` language (or one not known), checked by its name."""
    name = PurePosixPath(file.path).name
    suffix = PurePosixPath(name).suffix.lower()
    found = _text(file)
    if found:
        return found
    if suffix == ".toml":
        return _toml(file, pyproject=name == "pyproject.toml")
    if suffix == ".txt" and name.startswith("requirements"):
        return _requirements(file)
    if suffix == ".json":
        return _json(file)
    if suffix in (".yaml", ".yml"):
        return _yaml(file) or deploy_checks.check(file)
    return []


class _FindingFields(TypedDict, total=False):
    """The `Finding` fields a finding of validation may set; the others keep their defaults."""

    severity: Severity
    source: FindingSource
    code: str | None


def _finding(file: GeneratedFile, line: int, message: str, **kw: Unpack[_FindingFields]) -> Finding:
    return Finding(location=Location(path=file.path, line=max(line, 1)), message=message, **kw)


def first_party(spec: FileSpec) -> list[str]:
    """The project's modules this file is built on: what isort must sort as first party, as the
    project's own `known-first-party` does."""
    return sorted(
        PurePosixPath(p).stem for p in spec.depends_on if p.endswith(".py") and "/" not in p
    )


def _python(file: GeneratedFile, modules: list[str]) -> tuple[GeneratedFile, list[Finding]]:
    try:
        compile(file.content, file.path, "exec")
    except SyntaxError as exc:
        return file, [_finding(file, exc.lineno or 1, f"SyntaxError: {exc.msg}")]
    fixed = _ruff(["check", "--fix-only", "--exit-zero"], file, modules)
    fixed = _black(fixed)
    tidy = file.model_copy(update={"content": fixed})
    return tidy, _ruff_findings(tidy, modules)


def _ruff(args: list[str], file: GeneratedFile, modules: list[str]) -> str:
    """ruff on `file` in a folder holding only the project's pyproject.toml: the project's rules,
    and nothing on disk (the server's current folder, a workspace half written) changes how
    imports are sorted. A module the file is built on that the settings do not name is first
    party too, as ruff finds it beside the file in the project."""
    settings = _project_settings()
    command = [_ruff_bin(), *args]
    if not set(modules) <= set(settings.first_party):
        known = sorted({*settings.first_party, *modules})
        command += ["--config", f"lint.isort.known-first-party = {json.dumps(known)}"]
    command += ["--stdin-filename", file.path, "-"]
    done = subprocess.run(
        command,
        input=file.content,
        capture_output=True,
        text=True,
        check=False,
        cwd=settings.folder,
    )
    return done.stdout


def _ruff_findings(file: GeneratedFile, modules: list[str]) -> list[Finding]:
    raw = _ruff(["check", "--output-format", "json", "--exit-zero"], file, modules)
    return [
        _finding(
            file,
            item["location"]["row"],
            item["message"],
            source="ruff",  # an error: the project's own `ruff check .` fails on it
            code=item["code"],
        )
        for item in json.loads(raw or "[]")
    ]


def _black(source: str) -> str:
    try:
        return black.format_str(source, mode=_project_settings().black)
    except InvalidInput:
        return source


@dataclass(frozen=True)
class _Settings:
    """The project's tool settings, as validation applies them."""

    home: tempfile.TemporaryDirectory[str]  # holds only the project's pyproject.toml
    first_party: tuple[str, ...]  # [tool.ruff.lint.isort] known-first-party
    black: black.Mode  # [tool.black]

    @property
    def folder(self) -> str:
        """Where ruff runs, and finds the project's settings."""
        return self.home.name


_settings_lock = threading.Lock()


def _project_settings() -> _Settings:
    # files are validated in worker threads: read once, for all
    with _settings_lock:
        return _read_settings()


@cache
def _read_settings() -> _Settings:
    pyproject = PROJECT_TOOLS.read_text(encoding="utf-8")
    home = tempfile.TemporaryDirectory(prefix="service-creator-ruff-")
    (Path(home.name) / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    tool = _table(tomllib.loads(pyproject), "tool")
    isort = _table(_table(_table(tool, "ruff"), "lint"), "isort")
    return _Settings(home, tuple(_strings(isort, "known-first-party")), _black_mode(tool))


def _black_mode(tool: dict[str, object]) -> black.Mode:
    """black's mode from [tool.black], as `black --check .` in the project reads it."""
    table = _table(tool, "black")
    line_length = table.get("line-length", DEFAULT_LINE_LENGTH)
    return black.Mode(
        target_versions={TargetVersion[v.upper()] for v in _strings(table, "target-version")},
        line_length=line_length if isinstance(line_length, int) else DEFAULT_LINE_LENGTH,
        string_normalization=not table.get("skip-string-normalization", False),
        magic_trailing_comma=not table.get("skip-magic-trailing-comma", False),
        preview=bool(table.get("preview", False)),
    )


def _table(table: dict[str, object], key: str) -> dict[str, object]:
    value = table.get(key)
    return cast(dict[str, object], value) if isinstance(value, dict) else {}


def _strings(table: dict[str, object], key: str) -> list[str]:
    value = table.get(key)
    items = cast(list[object], value) if isinstance(value, list) else []
    return [item for item in items if isinstance(item, str)]


@cache
def _ruff_bin() -> str:
    # the ruff package ships no type information (no stubs, no py.typed): its finder is untyped
    finder = importlib.import_module("ruff.__main__")
    return str(finder.find_ruff_bin())


def _yaml(file: GeneratedFile) -> list[Finding]:
    try:
        list(yaml.safe_load_all(file.content))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return [_finding(file, mark.line + 1 if mark else 1, f"YAML does not parse: {exc}")]
    return []


def _sql(file: GeneratedFile) -> list[Finding]:
    try:
        sqlite3.connect(":memory:").executescript(file.content)
    except sqlite3.Error as exc:
        return [_finding(file, 1, f"SQL does not run on SQLite: {exc}")]
    return []


def _tree_sitter(file: GeneratedFile, language: str) -> list[Finding]:
    tree = parsing.parser(language).parse(file.content.encode())
    error = parsing.first_error(tree.root_node)
    if error is None:
        return []
    what = "missing " + error.type if error.is_missing else "syntax error"
    return [_finding(file, error.start_point.row + 1, f"{language} {what}")]


# --- text ---------------------------------------------------------------------------------

# the special tokens of the chat templates (Gemma, ChatML, Llama 2 and 3, Mistral, Phi, ...): in a
# file, a model that echoed its prompt or ran on past the end of its turn
CHAT_TOKENS = re.compile(
    r"<\|[A-Za-z0-9_]+\|>|<(?:start|end)_of_turn>|</?s>|<bos>|<eos>|\[/?INST\]|<</?SYS>>"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@cache
def prompt_openings() -> tuple[str, ...]:
    """What a reply that echoes the prompt starts with: the system prompt's first sentence (the
    text before its first template value) and the data blocks' marker."""
    first = read_data("prompts/system.j2").split("{{", 1)[0].strip().splitlines()[0]
    return (first.split(". ", 1)[0], "<<<DATA ")


def _text(file: GeneratedFile, *, empty: bool = False) -> list[Finding]:
    """Text, not a chat transcript: no control characters, no chat-template token, no echo of
    the prompt (and, when `empty` is set, not empty)."""
    if empty and not file.content.strip():
        return [_finding(file, 1, "the file is empty")]
    for number, line in enumerate(file.content.splitlines(), 1):
        if _CONTROL.search(line):
            return [_finding(file, number, "not text: the line holds control characters")]
        token = CHAT_TOKENS.search(line)
        if token:
            return [
                _finding(
                    file,
                    number,
                    f"a chat-template token ({token.group()}): the model's turn, not the file",
                )
            ]
        echo = next((o for o in prompt_openings() if o in line), None)
        if echo is not None:
            return [_finding(file, number, f"the prompt echoed back ({echo.strip()!r})")]
    return []


_TOML_LINE = re.compile(r"at line (\d+)")


def _toml(file: GeneratedFile, *, pyproject: bool) -> list[Finding]:
    try:
        data = tomllib.loads(file.content)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's error has no line attribute: the message ends "(at line N, column M)"
        where = _TOML_LINE.search(str(exc))
        return [_finding(file, int(where.group(1)) if where else 1, f"TOML does not parse: {exc}")]
    if not pyproject:
        return []
    header = next(
        (n for n, line in enumerate(file.content.splitlines(), 1) if line.strip() == "[project]"),
        1,
    )
    project = data.get("project")
    if not isinstance(project, dict):
        return [_finding(file, 1, "pyproject.toml has no [project] table")]
    name = cast(dict[str, object], project).get("name")
    if not isinstance(name, str) or not name.strip():
        return [_finding(file, header, "pyproject.toml's [project] table has no name")]
    return []


ONLY_INDEX = "only package names with version specifiers, from the package index"


def _requirements(file: GeneratedFile) -> list[Finding]:
    """One finding per line that is not a PEP 508 requirement of an index package: the rules
    the sandbox applies before pip sees the file (sandbox/pip_requirements.py), which refuses
    options (`-r`, `-e`, `--index-url`), URLs, paths and line continuations."""
    findings: list[Finding] = []
    for number, raw in enumerate(file.content.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        reason = _requirement_refusal(line)
        if reason is not None:
            findings.append(_finding(file, number, f"requirements.txt: {reason}"))
    return findings


def _requirement_refusal(line: str) -> str | None:
    if line.endswith("\\"):
        return "a line continuation; put each requirement on one line"
    if line.startswith("-"):
        return f"a pip option (-r, -e, --index-url, ...): {ONLY_INDEX}"
    try:
        requirement = Requirement(line)
    except InvalidRequirement as exc:
        return f"not a PEP 508 requirement ({exc})"
    if requirement.url:
        return f"a URL or path requirement: {ONLY_INDEX}"
    return None


def _json(file: GeneratedFile) -> list[Finding]:
    try:
        json.loads(file.content)
    except json.JSONDecodeError as exc:
        return [_finding(file, exc.lineno, f"JSON does not parse: {exc.msg}")]
    return []
