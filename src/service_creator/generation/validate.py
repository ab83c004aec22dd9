"""Validate and tidy each generated file: parse it, `ruff check --fix`, format with black.

Returns the (possibly fixed) file and the findings that remain, each with a line.
"""

from __future__ import annotations

import importlib
import json
import sqlite3
import subprocess
import tempfile
import threading
from functools import cache
from pathlib import PurePosixPath
from typing import TypedDict, Unpack

import black
import yaml
from black.parsing import InvalidInput  # black imports it, and does not re-export it

from service_creator.codeintel import parsing
from service_creator.domain.project import FileSpec, GeneratedFile
from service_creator.domain.reports import Finding, FindingSource, Location, Severity
from service_creator.generation import deploy_checks

RUFF_RULES = "E,F,W,I,B,UP"
LINE_LENGTH = 100


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
        case _:
            return file, []


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
    """ruff on `file` in an empty folder: what it finds on disk (the server's current folder, a
    workspace half written) never changes how imports are sorted."""
    command = [_ruff_bin(), *args, "--select", RUFF_RULES, "--line-length", str(LINE_LENGTH)]
    command += ["--config", f"lint.isort.known-first-party = {json.dumps(modules)}"]
    command += ["--stdin-filename", file.path, "-"]
    done = subprocess.run(
        command,
        input=file.content,
        capture_output=True,
        text=True,
        check=False,
        cwd=_empty_folder(),
    )
    return done.stdout


def _ruff_findings(file: GeneratedFile, modules: list[str]) -> list[Finding]:
    raw = _ruff(["check", "--output-format", "json", "--exit-zero"], file, modules)
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


def _black(source: str) -> str:
    try:
        return black.format_str(source, mode=black.Mode(line_length=LINE_LENGTH))
    except InvalidInput:
        return source


_empty_lock = threading.Lock()


def _empty_folder() -> str:
    # files are validated in worker threads: one folder for all, made once
    with _empty_lock:
        return _empty_directory().name


@cache
def _empty_directory() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="service-creator-ruff-")


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
