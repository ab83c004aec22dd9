"""Which requirements the sandbox image lacks; no Docker, no network."""

from __future__ import annotations

from pathlib import Path

from service_creator.sandbox.pip_requirements import ProjectRequirements, read_project_requirements
from service_creator.sandbox.wheelhouse import missing, wheel_distribution

INSTALLED = {"fastapi": "0.165.0", "pyyaml": "6.0.4", "typing-extensions": "4.16.0"}


def test_requirement_lines_keep_their_numbers(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "# comment\nfastapi>=0.110\n\nPyYAML==6.0.4  # inline\nsix\n"
        "tomli; python_version < '3.11'\n"
    )
    found = read_project_requirements(tmp_path)
    assert [(w.line, w.spec) for w in found.wanted] == [
        (2, "fastapi>=0.110"),
        (4, "pyyaml==6.0.4"),
        (5, "six"),
    ]
    assert found.refused == []
    assert read_project_requirements(tmp_path / "absent") == ProjectRequirements([], [])


def test_only_unsatisfied_requirements_are_missing() -> None:
    wanted = [
        (1, "fastapi>=0.110"),
        (2, "PyYAML==6.0.4"),
        (3, "fastapi<0.100"),
        (4, "six"),
        (5, "typing_extensions"),
        (6, "tomli; python_version < '3.11'"),
        (7, "not a requirement ("),
    ]
    assert missing(wanted, INSTALLED) == [
        (3, "fastapi<0.100"),
        (4, "six"),
        (7, "not a requirement ("),
    ]


def test_wheel_names_give_the_distribution() -> None:
    wheel = Path("pydantic_core-2.50.5-cp311-cp311-manylinux2014_x86_64.whl")
    assert wheel_distribution(wheel) == ("pydantic-core", "2.50.5")
    assert wheel_distribution(Path("notawheel.tar.gz")) is None
