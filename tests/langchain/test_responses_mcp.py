"""ChatGrok with a bound ``{"type": "mcp", ...}`` tool: the emulator calls a real local MCP
server (the ``mcp`` SDK's MCPServer, streamable HTTP) over /v1/responses."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from langchain_grok import ChatGrok
from tests.langchain.chunks import joined
from tests.mcp_server import running_mcp_server

pytestmark = pytest.mark.enable_socket

MODEL = "grok-4.3"
KEY = "xai-test-key-1234567890"


@pytest.fixture(scope="module")
def mcp_server():
    with running_mcp_server() as server:
        yield server


def _tool(server, **extra) -> dict[str, Any]:
    return {"type": "mcp", "server_url": server.url, "server_label": "toolbox", **extra}


def _blocks(msg, kind: str) -> list[dict[str, Any]]:
    return [b for b in msg.content if isinstance(b, dict) and b["type"] == kind]


@pytest.fixture
def v1(emu):
    with ChatGrok(model=MODEL, base_url=emu.base_url, api_key=KEY, output_version="v1") as m:
        yield m


def test_invoke_gives_server_tool_blocks_with_the_real_result(emu, v1, mcp_server):
    msg = v1.bind_tools([_tool(mcp_server)]).invoke("add a=40 b=2")
    (call,) = _blocks(msg, "server_tool_call")
    (result,) = _blocks(msg, "server_tool_result")
    assert call["name"] == "add" and call["args"] == {"a": 40, "b": 2}
    assert call["extras"] == {
        "item_type": "mcp_call",
        "status": "completed",
        "server_label": "toolbox",
    }
    assert result["tool_call_id"] == call["id"] and result["status"] == "success"
    assert result["output"] == "42"
    (text,) = _blocks(msg, "text")
    assert "It returned: 42" in text["text"]
    (request,) = [r for r in emu.requests if r.path == "/v1/responses"]
    assert request.body["tools"] == [_tool(mcp_server)]


def test_stream_ends_with_the_same_blocks(v1, mcp_server):
    msg = joined(v1.bind_tools([_tool(mcp_server)]).stream("shout text='hi there'"))
    (call,) = _blocks(msg, "server_tool_call")
    (result,) = _blocks(msg, "server_tool_result")
    assert call["name"] == "shout" and result["output"] == "HI THERE!"
    assert "HI THERE!" in _blocks(msg, "text")[0]["text"]
    assert msg.usage_metadata["total_tokens"] > 0


def test_a_failing_tool_is_an_error_result(v1, mcp_server):
    msg = v1.bind_tools([_tool(mcp_server)]).invoke("divide a=1 b=0")
    (result,) = _blocks(msg, "server_tool_result")
    assert result["status"] == "error" and "divide" in result["extras"]["error"]
    assert "output" not in result


def test_v0_output_keeps_the_call_in_additional_kwargs(emu, mcp_server):
    with ChatGrok(model=MODEL, base_url=emu.base_url, api_key=KEY) as llm:
        msg = llm.bind_tools([_tool(mcp_server, allowed_tools=["add"])]).invoke(
            "add a=1 b=2, or shout text='no'"
        )
    (call,) = msg.additional_kwargs["server_tool_calls"]
    assert call["type"] == "mcp_call" and call["name"] == "add" and call["output"] == "3"
    assert "It returned: 3" in msg.content
    assert msg.response_metadata["num_server_side_tools_used"] == 1


def test_mixed_with_a_function_tool_and_a_follow_up_turn(v1, mcp_server):
    from langchain_core.tools import tool

    @tool
    def get_weather(city: str) -> str:
        """The current weather in a city."""
        return "sunny"

    bound = v1.bind_tools([get_weather, _tool(mcp_server)])
    first = bound.invoke("add a=2 b=2")
    assert _blocks(first, "server_tool_result")[0]["output"] == "4"
    # The answer, server-tool blocks included, goes back as history for the next turn.
    second = bound.invoke([HumanMessage("add a=2 b=2"), first, HumanMessage("add a=3 b=3")])
    assert _blocks(second, "server_tool_result")[0]["output"] == "6"


async def test_async_invoke(v1, mcp_server):
    msg = await v1.bind_tools([_tool(mcp_server)]).ainvoke("add a=5 b=6")
    assert _blocks(msg, "server_tool_result")[0]["output"] == "11"
