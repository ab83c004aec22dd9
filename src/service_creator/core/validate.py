"""Validate and tidy each generated file: parse it, `ruff check --fix`, format with black.

Returns the (possibly fixed) file and the findings that remain, each with a line.
"""

from __future__ import annotations

import json
import subprocess
import threading
from functools import cache

from service_creator.core import parsing
from service_creator.core.models import FileSpec, Finding, GeneratedFile, Location

RUFF_RULES = "E,F,W,I,B,UP"
LINE_LENGTH = 100


def validate(spec: FileSpec, file: GeneratedFile) -> tuple[GeneratedFile, list[Finding]]:
    match spec.language:
        case "python":
            return _python(file)
        case "yaml":
            return file, _yaml(file)
        case "sql":
            return file, _sql(file)
        case "javascript" | "dockerfile":
            return file, _tree_sitter(file, spec.language)
        case _:
            return file, []


def _finding(file: GeneratedFile, line: int, message: str, **kw: object) -> Finding:
    return Finding(location=Location(path=file.path, line=max(line, 1)), message=message, **kw)


def _python(file: GeneratedFile) -> tuple[GeneratedFile, list[Finding]]:
    try:
        compile(file.content, file.path, "exec")
    except SyntaxError as exc:
        return file, [_finding(file, exc.lineno or 1, f"SyntaxError: {exc.msg}")]
    fixed = _ruff(["check", "--fix-only", "--exit-zero"], file)
    fixed = _black(fixed)
    tidy = file.model_copy(update={"content": fixed})
    return tidy, _ruff_findings(tidy)


def _ruff(args: list[str], file: GeneratedFile) -> str:
    command = [_ruff_bin(), *args, "--select", RUFF_RULES, "--line-length", str(LINE_LENGTH)]
    command += ["--stdin-filename", file.path, "-"]
    done = subprocess.run(command, input=file.content, capture_output=True, text=True, check=False)
    return done.stdout


def _ruff_findings(file: GeneratedFile) -> list[Finding]:
    raw = _ruff(["check", "--output-format", "json", "--exit-zero"], file)
    return [
        _finding(
            file,
            item["location"]["row"],
            item["message"],
            severity="warning",
            source="ruff",
            code=item["code"],
        )
        for item in json.loads(raw or "[]")
    ]


_black_import = threading.Lock()


def _black(source: str) -> str:
    # 0.3 s to import: only when a Python file is validated. Files are validated in worker
    # threads; two threads importing black at once can see it half-initialised, hence the lock.
    with _black_import:
        import black

    try:
        return black.format_str(source, mode=black.Mode(line_length=LINE_LENGTH))
    except black.InvalidInput:
        return source


@cache
def _ruff_bin() -> str:
    from ruff.__main__ import find_ruff_bin

    return str(find_ruff_bin())


def _yaml(file: GeneratedFile) -> list[Finding]:
    import yaml  # loaded on first use: the MCP server lists its tools without it

    try:
        list(yaml.safe_load_all(file.content))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return [_finding(file, mark.line + 1 if mark else 1, f"YAML does not parse: {exc}")]
    return []


def _sql(file: GeneratedFile) -> list[Finding]:
    import sqlite3

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
