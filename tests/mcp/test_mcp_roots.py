"""Roots: when the client shares them, a workspace must lie inside one (both protocol eras)."""

from __future__ import annotations

import pytest
from mcp import Client
from mcp_helpers import FormFiller, make_server, roots_callback, stdio_server

ERAS = ["auto", "legacy"]


@pytest.mark.parametrize("mode", ERAS)
async def test_workspace_inside_a_root_is_accepted(tmp_path, mode):
    project = tmp_path / "project"
    project.mkdir()
    async with Client(make_server(), mode=mode, list_roots_callback=roots_callback(project)) as c:
        result = await c.call_tool("start_interview", {"workspace": str(project / "svc")})
    assert not result.is_error, result.content[0].text
    assert result.structured_content["workspace"] == str((project / "svc").resolve())


@pytest.mark.parametrize("mode", ERAS)
async def test_relative_workspace_is_taken_inside_the_first_root(tmp_path, mode):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    callback = roots_callback(first, second)
    async with Client(make_server(), mode=mode, list_roots_callback=callback) as c:
        result = await c.call_tool("start_interview", {"workspace": "svc"})
    assert result.structured_content["workspace"] == str((first / "svc").resolve())


@pytest.mark.parametrize("mode", ERAS)
@pytest.mark.parametrize("outside", ["elsewhere", "project/../elsewhere", "link/svc"])
async def test_workspace_outside_the_roots_is_refused(tmp_path, mode, outside):
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (project / "link").symlink_to(tmp_path / "elsewhere")  # a symlink out of the root
    target = tmp_path / outside if outside != "link/svc" else project / outside
    async with Client(make_server(), mode=mode, list_roots_callback=roots_callback(project)) as c:
        result = await c.call_tool("start_interview", {"workspace": str(target)})
    assert result.is_error
    text = result.content[0].text
    assert "is outside the folders this client shares" in text
    assert str(project.resolve()) in text
    assert not (tmp_path / "elsewhere" / ".service-creator").exists()


async def test_roots_are_checked_before_the_questions_by_elicitation(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    forms = FormFiller()
    async with Client(
        make_server(),
        list_roots_callback=roots_callback(project),
        elicitation_callback=forms,
    ) as client:
        refused = await client.call_tool("start_interview", {"workspace": str(tmp_path / "x")})
        assert refused.is_error and forms.asked == []
        state = await client.call_tool("start_interview", {"workspace": str(project)})
    # one round went to the roots; the questions still fit in the client's ten rounds
    assert sorted(forms.asked) == sorted(FormFiller().answers)
    assert state.structured_content["status"] == "complete"


async def test_without_roots_any_folder_is_accepted(tmp_path):
    async with Client(make_server()) as client:
        result = await client.call_tool("start_interview", {"workspace": str(tmp_path / "any")})
    assert not result.is_error


async def test_an_empty_roots_list_restricts_nothing(tmp_path):
    """The MCP Inspector declares roots but lists none by default."""
    async with Client(make_server(), list_roots_callback=roots_callback()) as client:
        result = await client.call_tool("start_interview", {"workspace": str(tmp_path / "any")})
    assert not result.is_error


@pytest.mark.parametrize("mode", ERAS)
async def test_roots_over_stdio(tmp_path, mode):
    project = tmp_path / "project"
    project.mkdir()
    callback = roots_callback(project)
    async with Client(stdio_server(), mode=mode, list_roots_callback=callback) as client:
        inside = await client.call_tool("start_interview", {"workspace": "svc"})
        outside = await client.call_tool("start_interview", {"workspace": str(tmp_path / "x")})
    assert inside.structured_content["workspace"] == str((project / "svc").resolve())
    assert outside.is_error and "outside the folders this client shares" in outside.content[0].text
