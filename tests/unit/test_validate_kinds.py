"""Every kind of file is checked before it is written (generation/validate.py): for each kind, a
good file passes and a bad one gets an error finding, on its line where there is one, that
keeps it from being written (`blocks`)."""

from __future__ import annotations

import pytest

from service_creator.domain.project import FileSpec, GeneratedFile
from service_creator.domain.reports import Finding
from service_creator.generation.pipeline import Generation, withhold_invalid
from service_creator.generation.validate import blocks, validate

LANGUAGE = {
    ".py": "python",
    ".js": "javascript",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".md": "markdown",
    ".sql": "sql",
}


def check(path: str, content: str, language: str | None = None) -> list[Finding]:
    suffix = "." + path.rsplit(".", 1)[-1] if "." in path else ""
    kind = language or LANGUAGE.get(suffix, "text")
    spec = FileSpec.model_validate({"path": path, "purpose": "under test", "language": kind})
    _file, findings = validate(spec, GeneratedFile(path=path, content=content))
    return [f for f in findings if blocks(f)]


PYPROJECT = '[project]\nname = "vfw"\nversion = "0.1.0"\n\n[tool.ruff]\nline-length = 100\n'
GOOD = {
    "main.py": '"""A module."""\n\n\ndef double(x: int) -> int:\n    return 2 * x\n',
    "pyproject.toml": PYPROJECT,
    "settings.toml": "[server]\nport = 8080\n",
    "requirements.txt": "# runtime\nfastapi>=0.110\n\npydantic[email]==2.7.1  # models\n"
    'uvicorn; python_version >= "3.8"\n',
    "config.yaml": "server:\n  port: 8080\n",
    "data.json": '{"a": [1, 2]}\n',
    "README.md": "# vfw\n\nA virtual firewall as a service. Use <b>it</b>.\n",
    "portal.js": "export function hello(name) {\n  return `hi ${name}`;\n}\n",
    "schema.sql": "CREATE TABLE t (id INTEGER PRIMARY KEY);\n",
    "NOTICE": "Copyright the authors.\n",
}


@pytest.mark.parametrize("path", sorted(GOOD))
def test_a_good_file_of_each_kind_passes(path: str) -> None:
    assert check(path, GOOD[path]) == []


# path, content, the line of the finding, a piece of its message
BAD = [
    ("main.py", '"""A module."""\n\n\ndef double(x:\n    return 2 * x\n', 4, "SyntaxError"),
    ("main.py", '"""A module."""\n\n\ndef f() -> None:\n    return missing\n', 5, "missing"),
    ("main.py", '"""A module."""\n\n\ndef f(x=[]) -> None:\n    print(x)\n', 4, "mutable"),
    ("pyproject.toml", '[project]\nname = "vfw"\nversion = 0.1.0\n', 3, "TOML does not parse"),
    ("pyproject.toml", "[tool.ruff]\nline-length = 100\n", 1, "no [project] table"),
    ("pyproject.toml", '[tool.x]\na = 1\n\n[project]\nversion = "1"\n', 4, "has no name"),
    ("settings.toml", "[server\nport = 8080\n", 1, "TOML does not parse"),
    ("requirements.txt", "fastapi>=0.110\nHere are the dependencies:\n", 2, "not a PEP 508"),
    ("requirements.txt", "fastapi\n-r other.txt\n", 2, "pip option"),
    ("requirements.txt", "fastapi\n\nmylib @ https://example.com/x.whl\n", 3, "URL or path"),
    ("requirements.txt", "fastapi\n./local/pkg\n", 2, "not a PEP 508"),
    ("config.yaml", "server:\n  port: 8080\n bad: [\n", 3, "YAML does not parse"),
    ("data.json", '{\n  "a": [1, 2,]\n}\n', 2, "JSON does not parse"),
    ("README.md", "# vfw\n\nHello<end_of_turn>\n<start_of_turn>model\n", 3, "<end_of_turn>"),
    ("README.md", "# vfw\n<|im_start|>assistant\n", 2, "<|im_start|>"),
    ("README.md", "[INST] write a README [/INST]\n", 1, "[INST]"),
    ("README.md", "# vfw\n\n<s> text\n", 3, "<s>"),
    ("README.md", "# vfw\n<|eot_id|>\n", 2, "<|eot_id|>"),
    ("README.md", "# vfw\nYou are a senior Python engineer. You write ...\n", 2, "prompt echoed"),
    ("README.md", "  \n\n", 1, "empty"),
    ("portal.js", "export function hello(name) {\n  return (;\n}\n", 2, "javascript"),
    ("schema.sql", "CREATE TABLE t (id INTEGER PRIMARY KEY;\n", 1, "SQLite"),
    ("NOTICE", "Copyright\n<|begin_of_text|>\n", 2, "<|begin_of_text|>"),
    ("requirements.txt", "fastapi\n<|im_end|>\n", 2, "<|im_end|>"),
]


@pytest.mark.parametrize(("path", "content", "line", "message"), BAD)
def test_a_bad_file_of_each_kind_has_an_error_on_its_line(
    path: str, content: str, line: int, message: str
) -> None:
    found = check(path, content)
    assert found, f"{path} passed: {content!r}"
    assert found[0].severity == "error" and found[0].location.line == line
    assert message in found[0].message + (found[0].code or ""), found[0].message


def test_every_requirements_line_that_is_not_a_requirement_is_named() -> None:
    found = check("requirements.txt", "fastapi\nflask is great\n# fine\n-e .\n")
    assert [f.location.line for f in found] == [2, 4]


def test_a_kind_not_known_is_text_checked_for_chat_tokens() -> None:
    assert check("Procfile", "web: uvicorn app:app\n", "text") == []
    assert check("Procfile", "web: uvicorn app:app <|im_end|>\n", "text")


def test_a_file_that_fails_its_check_is_withheld_with_why() -> None:
    spec = FileSpec(path="pyproject.toml", purpose="x", language="text")
    bad = GeneratedFile(path="pyproject.toml", content="garbage = = =\n")
    good = GeneratedFile(path="main.py", content=GOOD["main.py"])
    _file, findings = validate(spec, bad)
    generation = Generation(files=[good, bad], findings=findings)
    withhold_invalid(generation)
    assert generation.files == [good]
    assert list(generation.not_written) == ["pyproject.toml"]
    assert "TOML does not parse" in generation.not_written["pyproject.toml"]
    assert any("pyproject.toml was not written" in f.message for f in generation.findings)


def test_consistency_findings_do_not_block() -> None:
    from service_creator.domain.reports import Location

    finding = Finding(
        location=Location(path="a.py", line=1), message="no such name", source="consistency"
    )
    assert not blocks(finding)
