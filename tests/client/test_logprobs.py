"""Logprobs through the client: streamed entries assembled, bad requests refused unsent."""

from __future__ import annotations

import pytest

from grok_jupyter.client import (
    ChatCompletionChunk,
    InvalidRequestError,
    StreamAccumulator,
    UnsupportedParameterError,
)

PROMPT = "Reply with 12 words"


def _chunk(delta: dict, logprobs: dict | None = None, **choice) -> ChatCompletionChunk:
    c = {"index": 0, "delta": delta, **choice}
    if logprobs is not None:
        c["logprobs"] = logprobs
    return ChatCompletionChunk.model_validate(
        {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "grok-3",
         "choices": [c]}
    )  # fmt: skip


def _entry(token: str) -> dict:
    return {"token": token, "logprob": -0.5, "bytes": list(token.encode()), "top_logprobs": []}


def test_accumulator_joins_streamed_logprobs_in_order():
    acc = StreamAccumulator()
    acc.add(_chunk({"role": "assistant", "content": "Hi"}, {"content": [_entry("Hi")]}))
    acc.add(_chunk({"content": " there"}, {"content": [_entry(" there")]}))
    # A server may send null logprobs (or none) on chunks without tokens.
    acc.add(_chunk({}, None, finish_reason="stop"))
    choice = acc.to_completion().choices[0]
    assert choice.message.content == "Hi there"
    assert choice.logprobs == {"content": [_entry("Hi"), _entry(" there")]}


def test_accumulator_has_no_logprobs_when_none_were_sent():
    acc = StreamAccumulator()
    acc.add(_chunk({"role": "assistant", "content": "Hi"}))
    acc.add(_chunk({}, finish_reason="stop"))
    assert acc.to_completion().choices[0].logprobs is None


def test_streamed_logprobs_equal_the_non_streamed_ones(client, emu):
    full = client.chat(PROMPT, model="grok-4.3", logprobs=True, top_logprobs=4)
    with client.stream(PROMPT, model="grok-4.3", logprobs=True, top_logprobs=4) as stream:
        chunks = list(stream)
        streamed = stream.final()
    assert len(chunks) > 10
    lp = streamed.choices[0].logprobs
    assert lp is not None and lp == full.choices[0].logprobs
    assert "".join(e["token"] for e in lp["content"]) == streamed.choices[0].message.content
    assert all(len(e["top_logprobs"]) == 4 for e in lp["content"])


async def test_async_stream_assembles_logprobs(aclient, emu):
    stream = aclient.stream("Say 'alpha beta'", model="grok-4.3", logprobs=True)
    async with stream:
        async for _ in stream:
            pass
        final = await stream.final()
    assert [e["token"] for e in final.choices[0].logprobs["content"]] == ["alpha", " beta"]


def test_no_logprobs_unless_asked(client, emu):
    assert client.chat("Say 'hi'", model="grok-4.3").choices[0].logprobs is None
    with client.stream("Say 'hi'", model="grok-4.3") as stream:
        assert stream.final().choices[0].logprobs is None


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"top_logprobs": 3}, "needs logprobs=True"),
        ({"logprobs": False, "top_logprobs": 3}, "needs logprobs=True"),
        ({"logprobs": True, "top_logprobs": 9}, "from 0 to 8"),
        ({"logprobs": True, "top_logprobs": -1}, "from 0 to 8"),
    ],
)
def test_bad_top_logprobs_is_refused_before_sending(client, emu, params, says):
    for call in (client.chat, client.stream):
        with pytest.raises(UnsupportedParameterError, match=says) as err:
            call("hi", model="grok-4.3", **params)
        assert isinstance(err.value, InvalidRequestError)
        assert err.value.parameter == "top_logprobs"
    assert emu.requests == []


async def test_async_bad_top_logprobs_is_refused_before_sending(aclient, emu):
    with pytest.raises(UnsupportedParameterError, match="needs logprobs=True"):
        await aclient.chat("hi", model="grok-4.3", top_logprobs=1)
    assert emu.requests == []


def test_top_logprobs_bounds_are_accepted(client, emu):
    for top in (0, 8):
        entry = client.chat("Say 'hi'", model="grok-4.3", logprobs=True, top_logprobs=top)
        assert len(entry.choices[0].logprobs["content"][0]["top_logprobs"]) == top
