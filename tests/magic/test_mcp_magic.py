"""``%%grok --mcp URL`` end to end: a real IPython shell, the emulator, and a real MCP
server (the ``mcp`` SDK's MCPServer over streamable HTTP on 127.0.0.1)."""

from __future__ import annotations

import pytest

from tests.mcp_server import closed_port_url, running_mcp_server

RESPONSES = "/v1/responses"


@pytest.fixture(scope="module")
def mcp_server():
    with running_mcp_server() as server:
        yield server


def _responses(emu):
    return [r for r in emu.requests if r.path == RESPONSES and r.method == "POST"]


def test_the_mcp_tool_call_shows_and_the_answer_has_its_real_result(ip, emu, mcp_server):
    ip.ok(f"%%grok --mcp {mcp_server.url}\nPlease add a=40 b=2")
    md = ip.markdown()
    assert "🔧 `add(a=40, b=2)` → `42`" in md  # the call, kept in the answer's display
    assert "It returned: 42" in md
    shown = [e["data"].get("text/markdown", "") for e in ip.pub.events]
    assert any("*calling add on" in s for s in shown), shown  # the live status line
    (request,) = _responses(emu)
    assert request.body["tools"] == [{"type": "mcp", "server_url": mcp_server.url}]
    assert not emu.chat_requests


def test_without_streaming_too(ip, emu, mcp_server):
    ip.ok(f"%%grok --no-stream --mcp {mcp_server.url}\nshout text='rivers'")
    md = ip.markdown()
    assert "🔧 `shout(text=" in md and "RIVERS!" in md


def test_a_failing_mcp_tool_shows_its_error(ip, emu, mcp_server):
    ip.ok(f"%%grok --mcp {mcp_server.url}\ndivide a=1 b=0")
    md = ip.markdown()
    assert "🔧 `divide(a=1.0, b=0.0)` → ⚠️ `Error executing tool divide`" in md


def test_named_conversation_keeps_mcp_turns_and_chains(ip, emu, mcp_server):
    from grok_jupyter.notebook.conversation import get_conversation

    ip.ok(f"%%grok --chat calc --mcp {mcp_server.url}\nadd a=2 b=3")
    conv = get_conversation("calc")
    first_id = conv.response_id
    assert first_id
    assert "It returned: 5" in conv.messages[-1].text
    ip.ok(f"%%grok --chat calc --mcp {mcp_server.url}\nnow add a=5 b=5")
    second = _responses(emu)[-1]
    assert second.body["previous_response_id"] == first_id
    assert "It returned: 10" in ip.markdown()
    assert [m.role for m in conv.messages] == ["user", "assistant", "user", "assistant"]


def test_an_unreachable_mcp_server_is_one_clear_line(ip, emu):
    from grok_jupyter.notebook.conversation import get_conversation

    url = closed_port_url()
    message = ip.fails(f"%%grok --mcp {url}\nadd a=1 b=2")
    assert url in message and "MCP server" in message
    assert get_conversation("default").messages == []  # nothing committed: run it again


def test_mcp_url_must_be_http(ip, emu):
    message = ip.fails("%%grok --mcp file:///tmp/mcp\nhi")
    assert "http:// or https://" in message
    assert emu.requests == []
