"""Images and PDFs a tool returned reach the model, on both APIs (issue 23, item 15).

A user's tool returns a chart or a document as LangChain content blocks; LangChain's
own ``tool.invoke(tool_call)`` makes the ``ToolMessage``. Before, the Responses path
sent it as an empty ``function_call_output`` and the chat path refused it.
"""

from __future__ import annotations

import base64
import io

import pytest
from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.tools import tool
from PIL import Image

from grok_jupyter.client import InvalidRequestError
from langchain_grok import ChatGrok
from langchain_grok._responses_request import to_input_items
from tests.conftest import TEST_API_KEY
from tests.documents import PDF_TEXT, make_pdf, responses_posts, uploads
from tests.langchain.apis import only_on

pytestmark = pytest.mark.enable_socket


def _red_png() -> str:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (220, 20, 20)).save(buf, "PNG")
    return base64.b64encode(buf.getvalue()).decode()


RED_PNG = _red_png()
QUARTERLY_PDF = base64.b64encode(make_pdf(PDF_TEXT)).decode()


@tool
def chart() -> list:
    """Draw this quarter's chart."""
    return [{"type": "image", "base64": RED_PNG, "mime_type": "image/png"}]


@tool
def report() -> list:
    """Fetch the quarterly report."""
    return [
        {"type": "text", "text": "Here is the report."},
        {
            "type": "file",
            "base64": QUARTERLY_PDF,
            "mime_type": "application/pdf",
            "filename": "q3.pdf",
        },
    ]


def _agent_turns(llm: ChatGrok, fn: object, question: str) -> tuple[list, object]:
    """The model calls ``fn`` (forced), LangChain runs it, the result goes back."""
    bound = llm.bind_tools([fn], tool_choice=fn.name)
    history = [HumanMessage(question)]
    called = bound.invoke(history)
    (call,) = called.tool_calls
    result = fn.invoke(call)  # LangChain makes the ToolMessage from the tool's blocks
    assert isinstance(result, ToolMessage) and isinstance(result.content, list)
    history += [called, result]
    # tool_choice="none" for the answer: the emulator answers from tool results only when
    # the last message is one, and here the tool's media follow in a user message.
    return history, llm.bind_tools([fn], tool_choice="none").invoke(history)


def test_an_image_a_tool_returned_reaches_the_model(emu, api, use_responses_api):
    llm = ChatGrok(model="grok-4.3", use_responses_api=use_responses_api)
    _, answer = _agent_turns(llm, chart, "Draw the chart and tell me its colour.")
    data_url = f"data:image/png;base64,{RED_PNG}"
    last = only_on(emu, api)[-1].body
    if api == "responses":
        # function_call_output takes image parts (xai-api-2026.md §2.2)
        (output,) = [i for i in last["input"] if i.get("type") == "function_call_output"]
        assert output["output"] == [{"type": "input_image", "image_url": data_url}]
    else:
        # chat tool messages are text only: the image follows, behind a note naming the tool
        tool_msg, user_msg = last["messages"][-2:]
        assert tool_msg["role"] == "tool" and "next message" in tool_msg["content"]
        assert user_msg == {"role": "user", "content": [
            {"type": "text", "text": "The tool chart returned this image:"},
            {"type": "image_url", "image_url": {"url": data_url}}]}  # fmt: skip
        assert "red" in answer.content and "64 × 48" in answer.content  # the model saw it


def test_a_pdf_a_tool_returned_is_read(emu):
    # Upload path (inline bytes are tested with the standard suite's test_pdf_tool_message).
    llm = ChatGrok(model="grok-4.3", base_url=emu.base_url, api_key=TEST_API_KEY,
                   max_inline_file_bytes=0)  # fmt: skip
    _, answer = _agent_turns(llm, report, "Fetch the quarterly report: how did revenue go?")
    assert PDF_TEXT in answer.content  # the answer quotes the tool's PDF
    assert len(uploads(emu)) == 1
    items = responses_posts(emu)[-1].body["input"]
    output, files = items[-2:]
    assert output["type"] == "function_call_output" and output["output"] == "Here is the report."
    assert files["role"] == "user"
    note, part = files["content"]
    assert note == {"type": "input_text", "text": "The tool report returned this file:"}
    assert set(part) == {"type", "file_id"}
    assert not emu.chat_requests  # a file block in a tool result picks /v1/responses by itself


def test_a_pdf_from_a_tool_on_chat_completions_forced_is_refused_with_what_to_do(emu):
    llm = ChatGrok(model="grok-4.3", use_responses_api=False)
    result = report.invoke({"type": "tool_call", "id": "c1", "name": "report", "args": {}})
    with pytest.raises(InvalidRequestError, match="use_responses_api=False"):
        llm.invoke([HumanMessage("Fetch the report."), result])
    assert emu.requests == []


def test_files_follow_the_whole_run_of_tool_results():
    # A user message between two function_call_outputs would split the calls' results.
    first = report.invoke({"type": "tool_call", "id": "c1", "name": "report", "args": {}})
    second = ToolMessage("42", tool_call_id="c2", name="count")
    items = to_input_items([first, second, HumanMessage("Thanks.")])
    kinds = [i.get("type") or i["role"] for i in items]
    assert kinds == ["function_call_output", "function_call_output", "user", "user"]
    assert items[2]["content"][0]["text"] == "The tool report returned this file:"
    assert items[2]["content"][1]["filename"] == "q3.pdf"  # inline: prepare chose, not here
