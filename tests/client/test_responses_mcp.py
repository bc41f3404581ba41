"""``client.responses`` with an ``mcp()`` tool: the emulator calls a real local MCP server."""

from __future__ import annotations

import json

import pytest

from grok_jupyter.client import APIStatusError, InvalidToolError, UsageLedger, mcp
from tests.mcp_server import closed_port_url, running_mcp_server


@pytest.fixture(scope="module")
def mcp_server():
    with running_mcp_server() as server:
        yield server


def test_create_returns_the_real_mcp_result(make_client, mcp_server):
    client = make_client(ledger=UsageLedger())
    tool = mcp(mcp_server.url, server_label="toolbox", allowed_tools=["add", "shout"])
    response = client.responses.create("Please add a=40 b=2", model="grok-4.3", tools=[tool])
    (call,) = response.server_tool_calls
    assert call.type == "mcp_call" and call.name == "add" and call.server_label == "toolbox"
    assert json.loads(call.arguments) == {"a": 40, "b": 2}
    assert call.output == "42" and call.status == "completed" and call.error is None
    assert "42" in response.output_text
    assert response.usage.server_side_tool_usage_details["mcp_calls"] == 1
    [record] = client.ledger.records
    assert record.tool_call_counts == {"mcp_calls": 1}


def test_stream_accumulator_follows_the_mcp_call(make_client, mcp_server):
    client = make_client()
    tool = mcp(mcp_server.url, server_label="toolbox", headers={"X-Team": "green"})
    before = len(mcp_server.headers)
    seen: list[str] = []
    with client.responses.stream("shout text='hello'", model="grok-4.3", tools=[tool]) as s:
        for event in s:
            for call in s.accumulator.server_tool_calls.values():
                if call.type == "mcp_call" and (not seen or seen[-1] != call.status):
                    seen.append(call.status)
            if event.type == "response.mcp_call_arguments.done":
                (call,) = s.accumulator.server_tool_calls.values()
                assert json.loads(call.arguments) == {"text": "hello"}
    assert seen[0] == "in_progress" and "executing" in seen and seen[-1] == "completed"
    (call,) = s.accumulator.server_tool_calls.values()
    assert call.name == "shout" and call.output == "HELLO!"
    assert "HELLO!" in s.accumulator.text
    assert s.final().server_tool_calls[0].output == "HELLO!"
    assert all(h.get("x-team") == "green" for h in mcp_server.headers[before:])


def test_a_failing_tool_shows_failed_in_the_accumulator(make_client, mcp_server):
    client = make_client()
    stream = client.responses.stream(
        "divide a=1 b=0", model="grok-4.3", tools=[mcp(mcp_server.url, server_label="toolbox")]
    )
    final = stream.final()
    (call,) = stream.accumulator.server_tool_calls.values()
    assert call.status == "failed" and call.output is None and "divide" in call.error
    assert final.status == "completed"


async def test_async_create_with_mcp(aclient, mcp_server):
    response = await aclient.responses.create(
        "add a=1 b=1", model="grok-4.3", tools=[mcp(mcp_server.url)]
    )
    assert response.server_tool_calls[0].output == "2"


def test_an_unreachable_server_is_a_typed_error(make_client):
    client = make_client(max_retries=0)
    url = closed_port_url()
    with pytest.raises(APIStatusError) as info:
        client.responses.create("add a=1 b=2", model="grok-4.3", tools=[mcp(url)])
    assert info.value.status_code == 400 and url in str(info.value)


def test_a_non_http_url_is_refused_before_sending(make_client, emu):
    client = make_client()
    with pytest.raises(InvalidToolError, match="http:// or https://"):
        client.responses.create("hi", tools=[{"type": "mcp", "server_url": "ws://x/mcp"}])
    assert not [r for r in emu.requests if r.path == "/v1/responses"]
