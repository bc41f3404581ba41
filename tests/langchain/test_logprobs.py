"""ChatGrok puts logprobs in ``response_metadata["logprobs"]``, invoked or streamed."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessageChunk

from grok_jupyter.client import InvalidRequestError
from langchain_grok import ChatGrok

PROMPT = "Reply with 10 words"


def _tokens(message) -> list[str]:
    return [e["token"] for e in message.response_metadata["logprobs"]["content"]]


def _aggregate(chunks) -> AIMessageChunk:
    total = None
    for chunk in chunks:
        total = chunk if total is None else total + chunk
    assert total is not None
    return total


def test_invoke_has_the_choices_logprobs(emu):
    message = ChatGrok(model="grok-4.3", logprobs=True, top_logprobs=3).invoke(PROMPT)
    logprobs = message.response_metadata["logprobs"]
    assert "".join(_tokens(message)) == message.content
    assert all(len(e["top_logprobs"]) == 3 and e["logprob"] <= 0 for e in logprobs["content"])


def test_invoke_without_logprobs_has_none(emu):
    assert "logprobs" not in ChatGrok(model="grok-4.3").invoke(PROMPT).response_metadata


def test_stream_aggregate_has_every_tokens_logprobs(emu):
    llm = ChatGrok(model="grok-4.3", logprobs=True, top_logprobs=2)
    invoked = llm.invoke(PROMPT)
    chunks = list(llm.stream(PROMPT))
    # Each token's chunk carries its own entry, so callbacks see them as they come.
    for chunk in chunks:
        if chunk.content:
            assert _tokens(chunk) == [chunk.content]
    total = _aggregate(chunks)
    assert total.content == invoked.content
    assert total.response_metadata["logprobs"] == invoked.response_metadata["logprobs"]
    assert total.response_metadata["finish_reason"] == "stop"


def test_streaming_invoke_gets_the_whole_logprobs(emu):
    message = ChatGrok(model="grok-4.3", logprobs=True, streaming=True).invoke(PROMPT)
    assert "".join(_tokens(message)) == message.content


async def test_astream_aggregate_has_logprobs(emu):
    llm = ChatGrok(model="grok-4.3", logprobs=True)
    total = _aggregate([c async for c in llm.astream("Say 'alpha beta gamma'")])
    assert _tokens(total) == ["alpha", " beta", " gamma"]


def test_stream_without_logprobs_has_none(emu):
    total = _aggregate(ChatGrok(model="grok-4.3").stream(PROMPT))
    assert "logprobs" not in total.response_metadata


def test_top_logprobs_without_logprobs_is_refused_unsent(emu):
    with pytest.raises(InvalidRequestError, match="logprobs=True"):
        ChatGrok(model="grok-4.3", top_logprobs=2).invoke("hi")
    assert emu.requests == []
