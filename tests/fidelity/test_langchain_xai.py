"""langchain-xai's ``ChatXAI`` against the emulator: invoke, stream, tools, structured output."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_xai import ChatXAI
from pydantic import BaseModel, Field

FIDELITY_KEY = "xai-fidelity-test-key"


@tool
def magic_function(input: int) -> int:
    """Applies a magic function to an input."""
    return input + 2


class Person(BaseModel):
    """A person mentioned in the text."""

    name: str = Field(description="the person's name")
    age: int = Field(description="age in years")


@pytest.fixture
def llm(emu) -> ChatXAI:
    # ChatXAI reads its endpoint from ``xai_api_base`` (alias ``base_url``).
    return ChatXAI(
        model="grok-4.20-0309-non-reasoning",
        xai_api_base=emu.base_url,
        api_key=FIDELITY_KEY,
        max_retries=0,
    )


def test_invoke(llm, emu):
    message = llm.invoke("Reply with 9 words")
    assert isinstance(message, AIMessage)
    assert len(message.content.split()) == 9
    assert message.response_metadata["model_name"] == "grok-4.20-0309-non-reasoning"
    assert message.usage_metadata["input_tokens"] > 0
    assert emu.chat_requests[0].body["model"] == "grok-4.20-0309-non-reasoning"


def test_stream_loses_nothing(llm):
    full = llm.invoke("Reply with 50 words").content
    chunks = list(llm.stream("Reply with 50 words"))
    assert all(isinstance(c, AIMessageChunk) for c in chunks)
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged += chunk
    assert merged.content == full
    assert merged.usage_metadata["output_tokens"] > 0


def test_reasoning_reaches_langchain_usage_and_kwargs(emu):
    # grok-4.3's Chat replies carry reasoning_content (2026-09 reference, section 1 [REC]).
    llm = ChatXAI(
        model="grok-4.3", reasoning_effort="low", xai_api_base=emu.base_url, api_key=FIDELITY_KEY
    )
    message = llm.invoke("Why is the sky blue?")
    assert "Why is the sky blue?" in message.additional_kwargs["reasoning_content"]
    assert message.usage_metadata["output_token_details"]["reasoning"] > 0
    assert emu.chat_requests[-1].body["reasoning_effort"] == "low"


def test_bind_tools_and_answer_from_the_result(llm):
    bound = llm.bind_tools([magic_function])
    question = HumanMessage("What is the value of magic_function(3)?")
    first = bound.invoke([question])
    [call] = first.tool_calls
    assert call["name"] == "magic_function" and call["args"] == {"input": 3}
    result = magic_function.invoke(call)
    assert isinstance(result, ToolMessage)
    # ChatXAI turns empty content beside tool calls into null, which the real API
    # refuses (langchain-ai/langchain#34140, open); the emulator refuses it too.
    with pytest.raises(Exception, match="400"):
        bound.invoke([question, first, result])
    # With some text in the tool-calling turn, the loop completes.
    turn = AIMessage(content="Let me compute that.", tool_calls=first.tool_calls)
    answer = bound.invoke([question, turn, result])
    assert "magic_function returned 5" in answer.content


def test_streamed_tool_calls(llm):
    bound = llm.bind_tools([magic_function])
    merged = None
    for chunk in bound.stream("Call magic_function(4) and magic_function(6)"):
        merged = chunk if merged is None else merged + chunk
    assert [c["args"] for c in merged.tool_calls] == [{"input": 4}, {"input": 6}]


@pytest.mark.parametrize("method", ["function_calling", "json_schema", "json_mode"])
def test_with_structured_output(llm, method):
    structured = llm.with_structured_output(Person, method=method)
    prompt = "Extract the person: Alice is 30 years old."
    if method == "json_mode":
        prompt += " Answer in JSON with keys name and age."
    assert structured.invoke(prompt) == Person(name="Alice", age=30)
