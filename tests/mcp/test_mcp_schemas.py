"""The shipped output schemas are exactly what the SDK derives from the tools' return models."""

from __future__ import annotations

from service_creator.frontends.mcp.schemas import derived, shipped
from service_creator.frontends.mcp.server import TYPED_TOOLS, build_server


def test_shipped_output_schemas_are_up_to_date():
    fresh = derived(TYPED_TOOLS)
    assert set(fresh) == {fn.__name__ for fn, _ in TYPED_TOOLS}
    assert shipped() == fresh, (
        "output_schemas.json is stale: run `python -m service_creator.frontends.mcp.write_schemas`"
    )


async def test_listed_tools_publish_the_shipped_schemas_and_their_models():
    server = build_server()
    listed = {tool.name: tool for tool in await server.list_tools()}
    for fn, output in TYPED_TOOLS:
        assert listed[fn.__name__].output_schema == shipped()[fn.__name__]
        metadata = server._tool_manager.get_tool(fn.__name__).fn_metadata
        assert metadata.output_model is output and not metadata.wrap_output
