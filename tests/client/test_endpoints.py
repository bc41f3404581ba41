"""Every endpoint, sync and async, against the emulator over loopback."""

from __future__ import annotations

import json

import pytest

from grok_jupyter.client import (
    ApiKeyInfo,
    ChatCompletion,
    ChatCompletionChunk,
    ChatStream,
    GeneratedImage,
    GrokClient,
    Message,
    NotFoundError,
    UsageLedger,
)

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
TIME = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "Local time in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


# --- chat ------------------------------------------------------------------


def test_chat_returns_a_typed_completion(client, emu):
    r = client.chat([Message.system("Be brief."), {"role": "user", "content": 'Say "pong"'}])
    assert isinstance(r, ChatCompletion)
    assert "pong" in r.text
    assert r.finish_reason == "stop"
    assert r.usage is not None and r.usage.prompt_tokens > 0
    body = emu.chat_requests[0].body
    assert body["model"] == client.catalog.default_chat_model
    assert "stream" not in body and "temperature" not in body  # no null keys on the wire


def test_chat_passes_parameters_and_resolves_aliases(client, emu):
    r = client.chat("Say hello", model="grok-4.3-latest", temperature=0.2, max_tokens=5)
    assert r.model == "grok-4.3"  # the server resolves the alias
    assert r.finish_reason == "length"
    body = emu.chat_requests[0].body
    assert body["temperature"] == 0.2 and body["max_tokens"] == 5


async def test_async_chat(aclient):
    r = await aclient.chat('Say "pong"', model="grok-4.3")
    assert "pong" in r.text
    assert r.usage.reasoning > 0  # grok-4.3 reasons (low effort by default) and bills it


def test_chat_with_tool_call_round_trip(client):
    r = client.chat("What is the weather in Paris? Use the tool.", tools=[WEATHER])
    assert r.finish_reason == "tool_calls"
    call = r.message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments)["city"]
    follow = client.chat(
        [
            Message.user("What is the weather in Paris? Use the tool."),
            r.message,
            Message.tool(call.id, "Sunny, 21 C"),
        ],
        tools=[WEATHER],
    )
    assert "Sunny" in follow.text


# --- streaming -------------------------------------------------------------


def test_stream_yields_typed_chunks_and_assembles_the_answer(client, emu):
    with client.stream('Say "hello stream"') as s:
        assert isinstance(s, ChatStream)
        chunks = list(s)
    assert all(isinstance(c, ChatCompletionChunk) for c in chunks)
    text = "".join(c.text for c in chunks)
    acc = s.accumulator
    assert acc.content == text and "hello stream" in text
    assert acc.finish_reason == "stop"
    assert acc.usage is not None and acc.usage.completion_tokens > 0
    assert sum(1 for c in chunks if c.usage is not None) == 1  # usage arrives once
    assert emu.chat_requests[0].body["stream_options"] == {"include_usage": True}
    final = s.final()
    assert final.text == text and final.usage == acc.usage and final.id == chunks[0].id


def test_stream_without_usage_when_asked(client, emu):
    with client.stream("hi", include_usage=False) as s:
        s.final()
    assert s.accumulator.usage is None
    assert "stream_options" not in emu.chat_requests[0].body


def _sse(*events: dict) -> bytes:
    return b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + (
        b"data: [DONE]\n\n"
    )


def test_stream_collects_reasoning_content(api_key):
    # No current model streams reasoning_content (grok-3-mini did; it now redirects to
    # grok-4.3), so a scripted server plays a stream that has it.
    from tests.client.scripted_server import Reply, ScriptedServer

    chunk = {"id": "s1", "object": "chat.completion.chunk", "created": 1, "model": "grok-r"}
    body = _sse(
        {**chunk, "choices": [{"index": 0, "delta": {"role": "assistant",
                                                      "reasoning_content": "Light "}}]},
        {**chunk, "choices": [{"index": 0, "delta": {"reasoning_content": "scatters."}}]},
        {**chunk, "choices": [{"index": 0, "delta": {"content": "Rayleigh."},
                               "finish_reason": "stop"}]},
        {**chunk, "choices": [], "usage": {
            "prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 11,
            "completion_tokens_details": {"reasoning_tokens": 4}}},
    )  # fmt: skip
    headers = {"Content-Type": "text/event-stream"}
    with ScriptedServer([Reply(body=body, headers=headers)]) as server:
        with GrokClient(api_key=api_key, base_url=server.base_url) as client:
            s = client.stream("Why is the sky blue?", model="grok-4.3")
            final = s.final()
    assert s.accumulator.reasoning_content == "Light scatters."
    assert final.message.reasoning_content == s.accumulator.reasoning_content
    assert final.text == "Rayleigh." and final.model == "grok-r"
    assert final.usage.reasoning == 4


def test_stream_collects_parallel_whole_tool_calls(client):
    s = client.stream("Call both tools for Paris.", tools=[WEATHER, TIME])
    chunks = list(s)
    with_calls = [c for c in chunks if c.choices and c.choices[0].delta.tool_calls]
    assert len(with_calls) == 2  # xAI: one whole call per chunk
    calls = s.accumulator.tool_calls
    assert [c.function.name for c in calls] == ["get_weather", "get_time"]
    assert all(json.loads(c.function.arguments) for c in calls)
    assert s.accumulator.finish_reason == "tool_calls"
    msg = s.accumulator.message
    assert msg.role == "assistant" and msg.tool_calls == calls


async def test_async_stream_all_three_ways(aclient):
    async with aclient.stream('Say "one"') as s:
        text = "".join([c.text async for c in s])
    assert "one" in text and s.accumulator.usage is not None

    s2 = await aclient.stream('Say "two"')
    assert "two" in (await s2.final()).text

    text3 = "".join([c.text async for c in aclient.stream('Say "three"')])
    assert "three" in text3


async def test_async_stream_tool_calls_and_reasoning(aclient):
    s = aclient.stream("Call both tools for Rome.", tools=[WEATHER, TIME], model="grok-4.3")
    final = await s.final()
    assert [c.function.name for c in final.message.tool_calls] == ["get_weather", "get_time"]
    assert final.usage.reasoning > 0


def test_closing_a_stream_early_stops_and_records_once(emu, api_key):
    from grok_jupyter.client import GrokClient

    ledger = UsageLedger()
    with GrokClient(api_key=api_key, base_url=emu.base_url, ledger=ledger) as c:
        s = c.stream(
            "Write 300 words about the sea.", headers={"X-Emulator-Fault": "slow_chunks;delay=0.01"}
        )
        first = next(iter(s))
        assert first.id
        s.close()
        assert list(s) == []  # closed: nothing more arrives, no error
        s.close()
        assert len(ledger.records) == 1
        assert c.chat("hi").text  # the pool still works


# --- deferred --------------------------------------------------------------


def test_deferred_submit_poll_and_fetch_once(client, emu):
    request_id = client.submit_deferred('Say "later"')
    assert emu.chat_requests[0].body["deferred"] is True
    done = client.wait_deferred(request_id, poll_interval=0.02, timeout=30)
    assert "later" in done.text
    with pytest.raises(NotFoundError):  # a result is handed out exactly once
        client.get_deferred(request_id)


async def test_async_deferred(aclient):
    request_id = await aclient.submit_deferred('Say "later"')
    done = await aclient.wait_deferred(request_id, poll_interval=0.02, timeout=30)
    assert "later" in done.text


# --- other endpoints --------------------------------------------------------


def test_models_and_language_models(client):
    ids = {m.id for m in client.models()}
    assert "grok-4.3" in ids
    lms = {m.id: m for m in client.language_models()}
    assert "grok-4.3-latest" in lms["grok-4.3"].aliases
    assert lms["grok-4.3"].prompt_text_token_price > 0
    images = client.image_generation_models()
    assert images and "image" in images[0].output_modalities


async def test_async_models_and_language_models(aclient):
    assert "grok-4.3" in {m.id for m in await aclient.models()}
    assert "grok-4.3" in {m.id for m in await aclient.language_models()}
    assert await aclient.image_generation_models()


def test_tokenize_and_count_tokens(client):
    tokens = client.tokenize("Hello world!", model="grok-3")
    assert "".join(t.string_token for t in tokens) == "Hello world!"
    assert bytes(tokens[0].token_bytes) == tokens[0].string_token.encode()
    assert client.count_tokens("Hello world!") == len(tokens)


async def test_async_tokenize(aclient):
    assert await aclient.count_tokens("Hello world!") == len(await aclient.tokenize("Hello world!"))


def test_generate_images_url_and_b64(client):
    (img,) = client.generate_images("a red cat")
    assert isinstance(img, GeneratedImage) and img.url and img.revised_prompt
    imgs = client.generate_images("a red cat", n=2, response_format="b64_json")
    assert len(imgs) == 2 and all(i.b64_json for i in imgs)


async def test_async_generate_images(aclient):
    imgs = await aclient.generate_images("a blue dog", n=2)
    assert len(imgs) == 2 and all(i.url for i in imgs)


def test_api_key_info(client, api_key):
    info = client.api_key_info()
    assert isinstance(info, ApiKeyInfo)
    assert info.redacted_api_key.endswith(api_key[-4:]) and api_key not in info.redacted_api_key


async def test_async_api_key_info(aclient):
    assert (await aclient.api_key_info()).acls


def test_catalog_refresh_from_the_server(client):
    from grok_jupyter.client import Catalog

    cat = Catalog.bundled()
    assert cat.refresh(client) is cat
    assert cat["grok-3"].price_per_million.input == 3.0
    with pytest.raises(TypeError, match="arefresh"):
        from grok_jupyter.client import AsyncGrokClient

        cat.refresh(AsyncGrokClient(api_key="xai-unused-key-000", base_url=client.base_url))


async def test_catalog_arefresh(aclient):
    from grok_jupyter.client import Catalog

    cat = await Catalog.bundled().arefresh(aclient)
    assert "grok-3-mini" in cat
