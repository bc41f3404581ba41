"""``{"type": "mcp"}`` on /v1/responses: the emulator calls a real MCP server (the ``mcp``
SDK's MCPServer over streamable HTTP on 127.0.0.1) and returns what it really said."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from grok_jupyter.emulator._mcp_tool import pick_arguments
from tests.emulator.emulator_helpers import KEY
from tests.emulator.responses_helpers import events, model, text_of
from tests.mcp_server import closed_port_url, running_mcp_server


@pytest.fixture(scope="module")
def mcp_server():
    with running_mcp_server() as server:
        yield server


@pytest.fixture
def ask(http, mcp_server):
    def post(prompt: str, *, status: int = 200, **tool_fields):
        tool = {
            "type": "mcp",
            "server_url": mcp_server.url,
            "server_label": "toolbox",
            **tool_fields,
        }
        stream = tool.pop("stream", False)
        body = {"model": model(reasoning=False), "input": prompt, "tools": [tool]}
        if stream:
            body["stream"] = True
        r = http.post("/responses", json=body)
        assert r.status_code == status, r.text
        return r if stream or status != 200 else r.json()

    return post


def _items(body, kind):
    return [i for i in body["output"] if i["type"] == kind]


def test_the_named_tool_is_called_and_its_real_result_returned(ask):
    body = ask('Use add with {"a": 19, "b": 23}, please.')
    (listed,) = _items(body, "mcp_list_tools")
    assert listed["server_label"] == "toolbox"
    names = {t["name"] for t in listed["tools"]}
    assert names == {"add", "shout", "divide"}
    add = next(t for t in listed["tools"] if t["name"] == "add")
    assert add["input_schema"]["required"] == ["a", "b"]
    (call,) = _items(body, "mcp_call")
    assert set(call) == {
        "type",
        "id",
        "status",
        "name",
        "arguments",
        "output",
        "error",
        "server_label",
    }
    assert call["name"] == "add" and json.loads(call["arguments"]) == {"a": 19, "b": 23}
    assert call["output"] == "42" and call["error"] is None and call["status"] == "completed"
    assert call["server_label"] == "toolbox" and body["id"] in call["id"]
    assert "It returned: 42" in text_of(body)


def test_key_value_arguments_follow_the_input_schema(ask):
    body = ask("shout text='quiet please'")
    (call,) = _items(body, "mcp_call")
    assert json.loads(call["arguments"]) == {"text": "quiet please"}
    assert call["output"] == "QUIET PLEASE!"
    body = ask("add a=2, b: 40")
    assert _items(body, "mcp_call")[0]["output"] == "42"


def test_argument_rule():
    schema = {
        "properties": {"a": {"type": "integer"}, "ok": {"type": "boolean"}, "x": {"type": "number"}}
    }
    assert pick_arguments("a=3 ok=yes x: 2.5", schema) == {"a": 3, "ok": True, "x": 2.5}
    assert pick_arguments('first {"a": 1} then {"a": 2}', schema) == {"a": 1}
    one = {"properties": {"text": {"type": "string"}}}
    assert pick_arguments('shout "hello there"', one) == {"text": "hello there"}
    assert pick_arguments("nothing here", schema) == {}


def test_a_tool_error_is_a_failed_call_and_the_response_completes(ask):
    body = ask("divide a=1 b=0")
    (call,) = _items(body, "mcp_call")
    assert call["status"] == "failed" and call["output"] is None
    assert "divide" in call["error"]
    assert body["status"] == "completed"
    assert "failed" in text_of(body)


def test_no_tool_named_lists_what_the_server_offers(ask):
    body = ask("What can you do?")
    assert _items(body, "mcp_call") == []
    assert len(_items(body, "mcp_list_tools")) == 1
    text = text_of(body)
    assert "add" in text and "shout" in text and "divide" in text
    assert body["usage"]["server_side_tool_usage_details"]["mcp_calls"] == 0


def test_allowed_tools_hides_the_others(ask):
    body = ask("divide a=6 b=3, or add a=1 b=1", allowed_tools=["add"])
    (listed,) = _items(body, "mcp_list_tools")
    assert [t["name"] for t in listed["tools"]] == ["add"]
    (call,) = _items(body, "mcp_call")
    assert call["name"] == "add" and call["output"] == "2"


def test_headers_and_authorization_reach_the_mcp_server(ask, mcp_server):
    before = len(mcp_server.headers)
    ask("add a=1 b=2", headers={"X-Team": "blue"}, authorization="tok-123")
    sent = mcp_server.headers[before:]
    assert sent and all(h.get("x-team") == "blue" for h in sent)
    assert all(h.get("authorization") == "Bearer tok-123" for h in sent)


def test_billing_counts_the_calls(ask):
    body = ask("add a=1 b=2")
    usage = body["usage"]
    assert usage["server_side_tool_usage_details"]["mcp_calls"] == 1
    assert usage["num_server_side_tools_used"] == 1  # the listing is not a tool use
    plain = ask("What can you do?")["usage"]
    # One call's price on top of the tokens (the per-call price is [U]; 5e7 ticks here).
    assert usage["cost_in_usd_ticks"] - plain["cost_in_usd_ticks"] >= 50_000_000


def test_stream_events_for_the_mcp_items(ask):
    r = ask("add a=20 b=22", stream=True)
    evs = events(r)
    assert [e["sequence_number"] for e in evs] == list(range(len(evs)))
    kinds = [e["type"] for e in evs]
    list_at = kinds.index("response.mcp_list_tools.in_progress")
    assert kinds[list_at - 1] == "response.output_item.added"
    assert evs[list_at - 1]["item"]["type"] == "mcp_list_tools"
    assert kinds[list_at + 1] == "response.mcp_list_tools.completed"
    start = kinds.index("response.mcp_call.in_progress")
    added = evs[start - 1]
    assert added["item"]["status"] == "in_progress" and added["item"]["arguments"] == ""
    assert kinds[start : start + 8] == [
        "response.mcp_call.in_progress",
        "response.mcp_call_arguments.delta",
        "response.mcp_call_arguments.done",
        "response.mcp_call.executing",
        "response.mcp_call_output.delta",
        "response.mcp_call_output.done",
        "response.mcp_call.completed",
        "response.output_item.done",
    ]
    assert json.loads(evs[start + 2]["arguments"]) == {"a": 20, "b": 22}
    assert evs[start + 5]["output"] == "42"
    done = evs[start + 7]["item"]
    assert done["type"] == "mcp_call" and done["output"] == "42"
    final = evs[-1]
    assert final["type"] == "response.completed"
    assert final["response"]["usage"]["server_side_tool_usage_details"]["mcp_calls"] == 1


def test_failed_call_streams_mcp_call_failed(ask):
    kinds = [e["type"] for e in events(ask("divide a=1 b=0", stream=True))]
    assert "response.mcp_call.failed" in kinds
    assert "response.mcp_call.completed" not in kinds
    assert "response.mcp_call_output.done" not in kinds


def test_an_unreachable_server_is_a_400_that_says_which(http):
    url = closed_port_url()
    body = {
        "model": model(reasoning=False),
        "input": "add a=1 b=2",
        "tools": [{"type": "mcp", "server_url": url, "server_label": "gone"}],
    }
    r = http.post("/responses", json=body)
    assert r.status_code == 400
    error = r.json()
    assert "gone" in error["error"] and url in error["error"] and "ConnectError" in error["error"]


def test_a_url_that_is_not_mcp_is_a_400(http, mcp_server):
    url = mcp_server.url.replace("/mcp", "/not-mcp")
    body = {
        "model": model(reasoning=False),
        "input": "add a=1 b=2",
        "tools": [{"type": "mcp", "server_url": url}],
    }
    r = http.post("/responses", json=body)
    assert r.status_code == 400 and "Error retrieving tool list" in r.json()["error"]


def test_a_bad_server_url_is_refused(http):
    body = {
        "model": model(reasoning=False),
        "input": "hi",
        "tools": [{"type": "mcp", "server_url": "ftp://example.com/mcp"}],
    }
    r = http.post("/responses", json=body)
    assert r.status_code == 400 and "http(s)" in r.json()["error"]


def test_other_requests_are_answered_while_an_mcp_call_waits(emu, http):
    """A server that accepts the connection and then says nothing holds the MCP call;
    meanwhile the emulator keeps answering other requests (the call does not block it)."""
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/mcp"
    result: dict[str, int] = {}

    def slow_request():
        with httpx.Client(
            base_url=emu.base_url, headers={"Authorization": f"Bearer {KEY}"}, timeout=120
        ) as c:
            body = {
                "model": model(reasoning=False),
                "input": "add a=1 b=2",
                "tools": [{"type": "mcp", "server_url": url}],
            }
            result["status"] = c.post("/responses", json=body).status_code

    thread = threading.Thread(target=slow_request)
    thread.start()
    silent.settimeout(60)
    held, _ = silent.accept()  # the emulator's MCP client is connected and waiting
    try:
        answered = 0
        for _ in range(5):
            r = http.post("/responses", json={"model": model(reasoning=False), "input": "hi"})
            assert r.status_code == 200
            answered += 1
        assert thread.is_alive()  # the MCP request is still waiting
        assert answered == 5
    finally:
        held.close()  # the MCP connection drops: that request now fails
        silent.close()
        thread.join(60)
    assert result["status"] == 400


def test_two_servers_each_list_and_a_tool_is_called_once(http, mcp_server):
    tools = [
        {"type": "mcp", "server_url": mcp_server.url, "server_label": label}
        for label in ("first", "second")
    ]
    body = {"model": model(reasoning=False), "input": "add a=1 b=1", "tools": tools}
    r = http.post("/responses", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert [i["server_label"] for i in _items(out, "mcp_list_tools")] == ["first", "second"]
    (call,) = _items(out, "mcp_call")
    assert call["server_label"] == "first" and call["output"] == "2"
    assert len({i["id"] for i in out["output"]}) == len(out["output"])  # ids are unique


def test_credentials_in_the_url_stay_out_of_the_error(http):
    url = closed_port_url().replace("http://", "http://me:s3cret-pw@")
    body = {
        "model": model(reasoning=False),
        "input": "add a=1 b=2",
        "tools": [{"type": "mcp", "server_url": url}],
    }
    r = http.post("/responses", json=body)
    assert r.status_code == 400
    assert "s3cret-pw" not in r.text and "Error retrieving tool list" in r.text
