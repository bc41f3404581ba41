"""Options that once excluded each other now run together in one Responses turn: kernel
tools (``--tools``) with server-side tools (``--search``), images and JSON answers."""

from __future__ import annotations

import pytest

from tests.magic.conftest import ADD_TOOL
from tests.wire import image_urls, responses_requests, user_content


@pytest.fixture
def pages(emu) -> None:
    emu.add_page(
        "https://rivers.example/danube",
        "The Danube",
        "The Danube flows through ten countries, more than any other river.",
    )


def test_kernel_tools_and_web_search_in_one_turn(ip, emu, pages):
    ip.ok(ADD_TOOL)
    ip.ok("%%grok --tools add --search web\nUse the add tool: add(a=2, b=3)")
    assert ip.ns["calls"] == [(2, 3)]  # run here, in the kernel
    first, second = responses_requests(emu)
    # Both kinds offered together; the kernel function in the Responses API's flat shape.
    tools = {t["type"]: t for t in first.body["tools"]}
    assert set(tools) == {"web_search", "function"}
    assert tools["function"]["name"] == "add"
    assert tools["function"]["description"] == "Add two integers."
    assert "function" not in tools["function"]  # not chat's nested {"function": {...}}
    # The second round chains on the first and sends only the tool's output.
    assert second.body["previous_response_id"]
    (output,) = second.body["input"]
    assert output["type"] == "function_call_output" and output["output"] == "5"
    assert {t["type"] for t in second.body["tools"]} == {"web_search", "function"}
    final = ip.outputs()[0]["text/markdown"]
    assert "🔧 `add(a=2, b=3)` → `5`" in final and "add returned 5" in final
    assert not emu.chat_requests


def test_an_image_with_web_search(ip, emu, pages):
    ip.ok("from PIL import Image\nred = Image.new('RGB', (40, 30), 'red')")
    ip.ok("%%grok --image red --search web\nDanube countries")
    (request,) = responses_requests(emu)
    assert user_content(request.body)[0] == {"type": "input_text", "text": "Danube countries"}
    (url,) = image_urls(user_content(request.body))
    assert url.startswith("data:image/png;base64,")
    assert [t["type"] for t in request.body["tools"]] == ["web_search"]
    # The emulator's answer after a search quotes what it found, with the sources.
    md = ip.markdown()
    assert "ten countries" in md and "(<https://rivers.example/danube>)" in md


def test_a_json_answer_with_web_search(ip, emu, pages):
    ip.ok("%%grok -f json -o data --search web\nDanube countries, as a JSON object.")
    (request,) = responses_requests(emu)
    assert request.body["text"] == {"format": {"type": "json_object"}}
    assert [t["type"] for t in request.body["tools"]] == ["web_search"]
    assert "ten countries" in ip.ns["data"]["answer"]  # the answer drew on the search
    assert ip.outputs()[0]["application/json"] == ip.ns["data"]


def test_a_schema_with_web_search(ip, emu, pages):
    ip.ns["spec"] = {
        "type": "object",
        "properties": {"colour": {"type": "string"}, "count": {"type": "integer"}},
        "required": ["colour", "count"],
    }
    ip.ok("%%grok --schema spec -o got --search web\nThere are 3 apples, colour 'red'.")
    (request,) = responses_requests(emu)
    assert request.body["text"]["format"]["schema"] == ip.ns["spec"]
    assert [t["type"] for t in request.body["tools"]] == ["web_search"]
    assert ip.ns["got"] == {"colour": "red", "count": 3}
