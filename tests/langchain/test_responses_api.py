"""ChatGrok over /v1/responses with server-side tools, against the emulator."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.tools import tool
from pydantic import BaseModel

from grok_jupyter.client import InvalidRequestError
from langchain_grok import ChatGrok
from tests.langchain.chunks import joined

pytestmark = pytest.mark.enable_socket

MODEL = "grok-4.3"
POST_TEXT = "xAI announced Grok Voyager, a telescope model, at the Ganymede summit"


@tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return {"Paris": "sunny, 21 C"}.get(city, "unknown")


@pytest.fixture
def llm(emu):
    with ChatGrok(model=MODEL, base_url=emu.base_url, api_key="xai-test-key-1234567890") as m:
        yield m


@pytest.fixture
def post_url(emu) -> str:
    return emu.add_post("xai", POST_TEXT, "2026-11-25")


def _responses_requests(emu) -> list[Any]:
    return [r for r in emu.requests if r.path == "/v1/responses"]


def _corpus_hit(emu, url: str) -> None:
    # Every citation must be a post the emulator's corpus really holds.
    corpus = emu._state.responses.corpus
    assert url in {p.url for p in corpus._posts}, url


def test_x_search_invoke_gives_answer_and_corpus_citations(emu, llm, post_url):
    msg = llm.bind_tools([{"type": "x_search"}]).invoke("What did xAI announce about Voyager?")
    assert "Voyager" in msg.content
    citations = msg.response_metadata["citations"]
    assert post_url in citations
    for url in citations:
        _corpus_hit(emu, url)
    sent = _responses_requests(emu)[-1]
    assert sent.body["tools"] == [{"type": "x_search"}]
    assert sent.body["input"] == [
        {"role": "user", "content": "What did xAI announce about Voyager?"}
    ]
    assert msg.response_metadata["id"] and msg.response_metadata["model_name"] == MODEL
    assert msg.response_metadata["cost_usd"] > 0
    usage = msg.usage_metadata
    assert usage["input_tokens"] > 0 and usage["output_tokens"] > 0
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert usage["output_token_details"]["reasoning"] > 0
    assert "cache_read" in usage["input_token_details"]
    # v0 output: server-side activity in additional_kwargs
    calls = msg.additional_kwargs["server_tool_calls"]
    assert calls and calls[0]["status"] == "completed"
    assert not emu.chat_requests


def test_x_search_stream_yields_text_deltas_and_usage_once(emu, llm, post_url):
    chunks = list(llm.bind_tools([{"type": "x_search"}]).stream("What did xAI announce?"))
    assert len([c for c in chunks if c.content]) > 3  # text arrives in pieces
    assert len([c for c in chunks if c.usage_metadata]) == 1
    full = joined(chunks)
    assert "Voyager" in full.content
    assert post_url in full.response_metadata["citations"]
    assert full.usage_metadata["total_tokens"] > 0
    assert _responses_requests(emu)[-1].body["stream"] is True


def test_async_stream_and_ainvoke(emu, llm, post_url):
    bound = llm.bind_tools([{"type": "x_search"}])

    async def run() -> tuple[AIMessage, list[Any]]:
        msg = await bound.ainvoke("What did xAI announce?")
        chunks = [c async for c in bound.astream("What did xAI announce?")]
        return msg, chunks

    msg, chunks = asyncio.run(run())
    assert post_url in msg.response_metadata["citations"]
    text = "".join(c.content for c in chunks if isinstance(c.content, str))
    assert "Voyager" in text
    assert sum(1 for c in chunks if c.usage_metadata) == 1


def test_callbacks_see_each_token(emu, llm, post_url):
    tokens: list[str] = []

    class Collect(BaseCallbackHandler):
        def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
            tokens.append(token)

    bound = ChatGrok(
        model=MODEL, base_url=emu.base_url, api_key="xai-test-key-1234567890", streaming=True
    ).bind_tools([{"type": "x_search"}])
    msg = bound.invoke("What did xAI announce?", config={"callbacks": [Collect()]})
    assert len([t for t in tokens if t]) > 3
    assert "".join(tokens) == msg.content


def test_v1_output_has_server_tool_blocks_and_citation_annotations(emu, post_url):
    llm = ChatGrok(
        model=MODEL,
        base_url=emu.base_url,
        api_key="xai-test-key-1234567890",
        output_version="v1",
    ).bind_tools([{"type": "x_search"}])
    for msg in (llm.invoke("What did xAI announce?"), joined(llm.stream("What did xAI say?"))):
        types = [b["type"] for b in msg.content]
        assert "server_tool_call" in types and "server_tool_result" in types
        call = next(b for b in msg.content if b["type"] == "server_tool_call")
        result = next(b for b in msg.content if b["type"] == "server_tool_result")
        assert result["tool_call_id"] == call["id"] and result["status"] == "success"
        text = next(b for b in msg.content if b["type"] == "text")
        urls = [a["url"] for a in text["annotations"] if a["type"] == "citation"]
        assert post_url in urls
        assert "Voyager" in text["text"]


def test_mixed_function_and_x_search_tool_round_trip(emu, llm):
    bound = llm.bind_tools([get_weather, {"type": "x_search"}])
    question = HumanMessage("What is the weather in Paris?")
    first = bound.invoke([question])
    assert first.tool_calls[0]["name"] == "get_weather"
    assert first.tool_calls[0]["args"] == {"city": "Paris"}
    tools = _responses_requests(emu)[-1].body["tools"]
    assert {"type": "x_search"} in tools
    function = next(t for t in tools if t["type"] == "function")
    assert function["name"] == "get_weather" and "function" not in function  # flat shape
    result = get_weather.invoke(first.tool_calls[0]["args"])
    answer = bound.invoke(
        [question, first, ToolMessage(result, tool_call_id=first.tool_calls[0]["id"])]
    )
    assert "sunny, 21 C" in answer.content
    sent = _responses_requests(emu)[-1].body["input"]
    assert sent[1]["type"] == "function_call" and sent[1]["name"] == "get_weather"
    assert sent[2] == {
        "type": "function_call_output",
        "call_id": first.tool_calls[0]["id"],
        "output": "sunny, 21 C",
    }


def test_streamed_function_call_becomes_tool_call(emu, llm):
    full = joined(llm.bind_tools([get_weather, {"type": "x_search"}]).stream("Weather in Paris?"))
    assert full.tool_calls[0]["name"] == "get_weather"
    assert full.tool_calls[0]["args"] == {"city": "Paris"}


def test_use_previous_response_id_sends_only_new_messages(emu, post_url):
    llm = ChatGrok(
        model=MODEL,
        base_url=emu.base_url,
        api_key="xai-test-key-1234567890",
        use_previous_response_id=True,
    ).bind_tools([{"type": "x_search"}])
    history: list[BaseMessage] = [HumanMessage("What did xAI announce?")]
    first = llm.invoke(history)
    history += [first, HumanMessage("And what about Voyager?")]
    llm.invoke(history)
    body = _responses_requests(emu)[-1].body
    assert body["previous_response_id"] == first.response_metadata["id"]
    assert body["input"] == [{"role": "user", "content": "And what about Voyager?"}]


def test_agent_loop_mixing_python_tool_and_x_search_reaches_answer(emu, llm, post_url):
    # The tool-calling loop an agent runs, by hand (create_agent: the test below).
    bound = llm.bind_tools([get_weather, {"type": "x_search"}])
    tools = {"get_weather": get_weather}
    messages: list[BaseMessage] = [HumanMessage("What is the weather in Paris?")]
    for _ in range(4):
        reply = bound.invoke(messages)
        messages.append(reply)
        if not reply.tool_calls:
            break
        for call in reply.tool_calls:
            messages.append(tools[call["name"]].invoke(call))
    assert isinstance(messages[-1], AIMessage) and not messages[-1].tool_calls
    assert "sunny, 21 C" in messages[-1].content
    assert any(isinstance(m, ToolMessage) for m in messages)
    # and a search turn in the same conversation goes to x_search
    messages.append(HumanMessage("What did xAI announce about Voyager?"))
    searched = bound.invoke(messages)
    assert post_url in searched.response_metadata["citations"]


def test_system_and_image_messages_become_input_items(emu, llm):
    image = (
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8"
        "z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )
    llm.bind_tools([{"type": "web_search"}]).invoke(
        [
            SystemMessage("Be brief."),
            HumanMessage(
                content=[
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": image}},
                ]
            ),
        ]
    )
    body = _responses_requests(emu)[-1].body
    assert body["tools"] == [{"type": "web_search"}]
    assert body["input"] == [
        {"role": "system", "content": "Be brief."},
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "What is this?"},
                {"type": "input_image", "image_url": image},
            ],
        },
    ]


def test_stop_is_refused_before_anything_is_sent(emu, llm):
    with pytest.raises(InvalidRequestError, match="stop"):
        llm.bind_tools([{"type": "x_search"}]).invoke("hi", stop=["x"])
    assert not emu.requests


class Answer(BaseModel):
    city: str
    weather: str


def test_structured_output_json_schema_over_responses(emu):
    llm = ChatGrok(
        model=MODEL,
        base_url=emu.base_url,
        api_key="xai-test-key-1234567890",
        use_responses_api=True,
    )
    parsed = llm.with_structured_output(Answer, method="json_schema").invoke("Paris weather")
    assert isinstance(parsed, Answer)
    fmt = _responses_requests(emu)[-1].body["text"]["format"]
    assert fmt["type"] == "json_schema" and fmt["name"] == "Answer"


def test_code_interpreter_activity_as_v1_blocks(emu):
    llm = ChatGrok(
        model=MODEL,
        base_url=emu.base_url,
        api_key="xai-test-key-1234567890",
        output_version="v1",
    ).bind_tools([{"type": "code_interpreter"}])
    msg = llm.invoke("Run this:\n```python\nprint(6 * 7)\n```")
    call = next(b for b in msg.content if b["type"] == "server_tool_call")
    assert call["args"]["code"].strip() == "print(6 * 7)"
    assert call["extras"]["item_type"] == "code_interpreter_call"
    assert any(b["type"] == "server_tool_result" for b in msg.content)
    text = next(b for b in msg.content if b["type"] == "text")
    assert "42" in text["text"]  # really ran
    assert _responses_requests(emu)[-1].body["tools"] == [{"type": "code_interpreter"}]


def test_bad_tool_arguments_become_invalid_tool_calls():
    from grok_jupyter.client._responses_types import Response
    from langchain_grok._responses_convert import response_to_result

    response = Response.model_validate(
        {
            "id": "r1",
            "model": MODEL,
            "status": "completed",
            "output": [
                {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{bad"},
                {"type": "function_call", "call_id": "c2", "name": "g", "arguments": "[1]"},
            ],
        }
    )
    msg = response_to_result(response, None, v1=False).generations[0].message
    assert not msg.tool_calls
    assert [c["id"] for c in msg.invalid_tool_calls] == ["c1", "c2"]


def test_create_agent_mixing_python_tool_and_x_search_runs_to_its_answer(emu, llm, post_url):
    # Issue 13: langchain.agents.create_agent over ChatGrok with a Python tool and x_search.
    from langchain.agents import create_agent

    ran: list[str] = []

    @tool
    def weather(city: str) -> str:
        """The current weather in a city."""
        ran.append(city)
        return {"Paris": "sunny, 21 C"}.get(city, "unknown")

    agent = create_agent(model=llm, tools=[weather, {"type": "x_search"}])
    out = agent.invoke({"messages": [HumanMessage("What is the weather in Paris?")]})
    messages = out["messages"]
    assert ran == ["Paris"]  # the Python tool really ran, once
    assert [type(m) for m in messages] == [HumanMessage, AIMessage, ToolMessage, AIMessage]
    assert messages[2].content == "sunny, 21 C"
    answer = messages[-1]
    assert not answer.tool_calls and "sunny, 21 C" in answer.content
    sent = _responses_requests(emu)
    assert len(sent) == 2 and all({"type": "x_search"} in r.body["tools"] for r in sent)
    assert sent[-1].body["input"][-1]["type"] == "function_call_output"
    # the same agent, same thread: a search question is answered through x_search
    out = agent.invoke(
        {"messages": [*messages, HumanMessage("What did xAI announce about Voyager?")]}
    )
    searched = out["messages"][-1]
    assert isinstance(searched, AIMessage) and "Voyager" in searched.content
    assert post_url in searched.response_metadata["citations"]
    assert searched.additional_kwargs["server_tool_calls"]
    assert ran == ["Paris"]
